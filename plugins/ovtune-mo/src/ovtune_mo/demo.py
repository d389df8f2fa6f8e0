"""ovtune's demo CNN as a PyTorch source, for the ``torch`` loader and baseline and for
recipes whose stages train (``nncf.qat``, ``nncf.prune``).

``examples/digits/train.py`` trained the network with BatchNorm and exported it to ONNX, where
BatchNorm is folded into the convolutions. :class:`DigitsNet` is that exported network: six 3x3
convolutions with bias and ReLU, two max-pools, global average pooling and a linear layer.
:func:`load` reads its weights from ovtune's bundled ONNX file through OpenVINO, so the PyTorch
source and ``digits_cnn.onnx`` are the same model::

    [model]
    source = "torch:ovtune_mo.demo:load"

A public module of ovtune-mo (with :mod:`ovtune_mo.torch`). It lives here, not in ovtune, because
ovtune knows no framework but OpenVINO; torch is imported when this module is: install it with
``pip install 'ovtune-mo[torch]'`` (or ``'ovtune-nncf[torch]'``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ovtune.plugin import demo_model_path

__all__ = ["DigitsNet", "load"]

CHANNELS = (32, 64, 64, 128, 128, 256)
POOL_AFTER = (2, 4)
"""Indices of the convolutions followed by a 2x2 max-pool."""


class DigitsNet(nn.Module):
    """The demo CNN with BatchNorm folded into the convolutions (input [N, 1, 32, 32])."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        inputs = (1, *CHANNELS[:-1])
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, 3, padding=1) for c_in, c_out in zip(inputs, CHANNELS, strict=True)
        )
        self.fc = nn.Linear(CHANNELS[-1], num_classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image
        for index, conv in enumerate(self.convs):
            x = torch.relu(conv(x))
            if index in POOL_AFTER:
                x = nn.functional.max_pool2d(x, 2)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def load() -> DigitsNet:
    """The demo CNN with the weights of ``digits_cnn.onnx``, in ``eval()`` mode."""
    network = DigitsNet()
    weights = _onnx_weights()
    state = {}
    for index, (weight, bias) in enumerate(weights[:-1]):
        state[f"convs.{index}.weight"] = weight
        state[f"convs.{index}.bias"] = bias
    state["fc.weight"], state["fc.bias"] = weights[-1]
    network.load_state_dict({key: torch.from_numpy(np.ascontiguousarray(value)) for key, value in state.items()})
    return network.eval()


def _onnx_weights() -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of every convolution and of the final linear layer, in graph order: the
    ONNX initializers, which OpenVINO keeps as constants in the order the graph uses them
    (a weight, then its bias; Gemm's alpha and beta are 1 in this export)."""
    import openvino as ov

    model = ov.Core().read_model(str(demo_model_path()))
    tensors = [
        np.array(op.get_data(), dtype=np.float32)
        for op in model.get_ordered_ops()
        if op.get_type_name() == "Constant"
        and op.get_output_element_type(0).is_real()
        and int(np.prod(op.get_output_shape(0))) > 1
    ]
    expected = 2 * (len(CHANNELS) + 1)
    if len(tensors) != expected:
        raise RuntimeError(f"{demo_model_path().name}: expected {expected} weight tensors, found {len(tensors)}")
    return list(zip(tensors[0::2], tensors[1::2], strict=True))
