"""Options models of the built-in metrics (``[metric]`` tables): pydantic alone, so that
``ovtune validate`` checks a recipe's metric without importing NumPy; the accumulators live in
:mod:`ovtune.builtin.metric_accumulators`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ovtune.fields import Reference
from ovtune.options import Options


class OutputOptions(Options):
    output: int = Field(0, ge=0, description="Which model output to score (index)")


class TopKOptions(OutputOptions):
    k: int = Field(5, ge=1, description="A prediction is right when the label is among the k best scores")


class PythonOptions(Options):
    """``function(outputs, sample, reference) -> float`` per sample (averaged), or a
    MetricAccumulator subclass, instantiated with ``args``. ``reference`` (the original
    model's outputs) is None unless ``needs_reference = true``."""

    function: Reference = Field(description="'package.module:function' or a MetricAccumulator class")
    args: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the class")
    higher_is_better: bool = Field(True, description="Whether a larger value is better")
    needs_reference: bool = Field(
        False,
        description="Pass the original model's outputs (in f32, same sample) as reference, instead of None: "
        "for agreement metrics of your own",
    )
