"""What a model's weights are stored as: per layer, the element type of its weight constant.

Weight compression rewrites a layer's weights as ``Constant(u4) -> Convert -> Subtract ->
Multiply -> (Reshape) -> MatMul``; following the weight input of each MatMul, convolution and
embedding (Gather) upstream through those decompression ops to the constant tells what the
layer's weights are stored in, before and after, and the bytes they take.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openvino as ov

WEIGHTED = {"MatMul": 1, "Convolution": 1, "GroupConvolution": 1, "Gather": 0}
"""Layer type -> the input that carries its weights."""
DECOMPRESSION = {"Convert", "Subtract", "Multiply", "Reshape", "Transpose"}


@dataclass(frozen=True)
class LayerWeights:
    name: str
    type: str
    element_type: str
    bytes: int
    input_channels: int


def layer_weights(model: ov.Model) -> list[LayerWeights]:
    """Every weighted layer whose weights are a constant, in the model's order."""
    layers = []
    for op in model.get_ordered_ops():
        port = WEIGHTED.get(op.get_type_name())
        if port is None or op.get_input_size() <= port:
            continue
        constant = _weight_constant(op.input_value(port).get_node())
        if constant is None:
            continue
        shape = list(constant.get_output_shape(0))
        layers.append(
            LayerWeights(
                name=op.get_friendly_name(),
                type=op.get_type_name(),
                element_type=constant.get_output_element_type(0).get_type_name(),
                bytes=int(constant.get_byte_size()),
                input_channels=_input_channels(op, shape),
            )
        )
    return layers


def _input_channels(op: Any, shape: list[int]) -> int:
    """The reduction dimension of the weights (what a quantization group divides)."""
    if len(shape) < 2:
        return 0
    if op.get_type_name() == "MatMul":
        return int(shape[-1] if op.get_attributes().get("transpose_b") else shape[-2])
    if op.get_type_name() == "Gather":
        return int(shape[-1])
    return int(shape[1])


def _weight_constant(node: Any, depth: int = 0) -> Any:
    """The Constant a weight input comes from, through decompression ops (the first input of
    each, which carries the weights; zero points and scales are the other inputs)."""
    if node.get_type_name() == "Constant":
        return node
    if node.get_type_name() not in DECOMPRESSION or depth > 6:
        return None
    return _weight_constant(node.input_value(0).get_node(), depth + 1)


def summarize(layers: list[LayerWeights]) -> dict[str, Any]:
    """Layer counts and weight bytes by element type."""
    counts: Counter[str] = Counter(layer.element_type for layer in layers)
    sizes: Counter[str] = Counter()
    for layer in layers:
        sizes[layer.element_type] += layer.bytes
    return {"layers": dict(counts), "bytes": dict(sizes), "total_bytes": sum(sizes.values())}
