"""PyTorch as the native-framework baseline of a PyTorch source (``[measure] baseline = "torch"``).

The module is loaded exactly as the ``torch`` loader loads it (:func:`ovtune_mo.torch_loader.
load_module`), then measured by ovtune's own framework harness (:mod:`ovtune.measure.framework`)
with the same prepared inputs, statistics and metric code as OpenVINO, under ``torch.no_grad()``
(``inference_mode`` would be a little faster, but it is not what most applications call).
Inputs are passed positionally in the converted model's input order, which ``convert_model``
takes from ``forward``'s arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ovtune.plugin import MeasureContext, MeasurementError, model_files
from ovtune.plugin.measure import FrameworkRunner, framework_notes, measure_framework
from ovtune_mo.options import TorchBaselineOptions
from ovtune_mo.torch_loader import load_module

NAME = "torch"


def run(source: Path | str, options: TorchBaselineOptions, context: MeasureContext) -> dict[str, Any]:
    """``Baseline.run``: the recipe's measurements that PyTorch can reproduce, on ``source``."""
    import torch

    if context.recipe is None:
        raise MeasurementError(f"baseline {NAME} needs the recipe's [model] section")
    module, _ = load_module(source, context.recipe.model.options, context.load_context())  # type: ignore[arg-type]
    if hasattr(module, "module") and not isinstance(module, torch.nn.Module):
        module = module.module()  # an exported program: call its graph module
    previous_threads = torch.get_num_threads()
    if options.threads:
        torch.set_num_threads(options.threads)
    try:
        runner = TorchRunner(module, [port.get_any_name() for port in context.compile(context.reference).inputs])
        metrics = list(context.measure.metrics)
        measurements = measure_framework(runner, _source_files(source), context, workers=options.workers)
    finally:
        torch.set_num_threads(previous_threads)
    threads = options.threads or f"torch's default ({previous_threads})"
    return {
        "framework": f"torch {torch.__version__}",
        "precision": "f32",
        "measurements": measurements,
        "notes": [
            f"torch eager mode under no_grad, intra-op threads {threads}"
            + (f", {options.workers} workers for throughput" if "throughput" in metrics else "")
            + ".",
            *framework_notes(runner, metrics),
        ],
    }


def _source_files(source: Path | str) -> list[Path]:
    """The files whose size is the source model's size (none for a ``torch:`` factory)."""
    return model_files(source) if isinstance(source, Path) else []


class TorchRunner(FrameworkRunner):
    """Calls the module with ovtune's inputs as tensors, in the converted model's input order."""

    name = NAME
    title = "PyTorch"
    timing = "wall clock around the module call"

    def __init__(self, module: Any, input_names: list[str]):
        self.module = module
        self.input_names = input_names

    def prepare(self, arrays: Mapping[str, np.ndarray]) -> tuple[Any, ...]:
        import torch

        missing = [name for name in self.input_names if name not in arrays]
        if missing:
            raise MeasurementError(
                f"baseline {NAME}: no data for input {missing[0]!r} (the data has {', '.join(arrays) or 'nothing'})"
            )
        return tuple(torch.from_numpy(np.ascontiguousarray(arrays[name])) for name in self.input_names)

    def run(self, feed: tuple[Any, ...]) -> Any:
        import torch

        with torch.no_grad():
            return self.module(*feed)

    def outputs(self, result: Any) -> list[np.ndarray]:
        return [np.asarray(tensor.detach().numpy()) for tensor in _flatten(result)]


def _flatten(result: Any) -> list[Any]:
    """A module's output (a tensor, or tuples, lists and dicts of them) as a flat list, in the
    order ``convert_model`` gives the converted model's outputs."""
    if isinstance(result, Mapping):
        return [tensor for value in result.values() for tensor in _flatten(value)]
    if isinstance(result, list | tuple):
        return [tensor for value in result for tensor in _flatten(value)]
    return [result]
