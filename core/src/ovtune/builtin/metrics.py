"""Built-in metrics: accuracy against labels, agreement with the original model, and
``python:pkg.mod:fn`` for anything else.

Only the registrations: the options models live in
:mod:`ovtune.builtin.metric_options` and the accumulators in
:mod:`ovtune.builtin.metric_accumulators`, both named by string, so that ``ovtune --help``
and ``ovtune plugins`` import neither NumPy nor pydantic.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Metric

_ACCUMULATORS = "ovtune.builtin.metric_accumulators"
_OPTIONS = "ovtune.builtin.metric_options"
_OUTPUT_OPTIONS = f"{_OPTIONS}:OutputOptions"


@hookimpl
def ovtune_register_metrics() -> list[Metric]:
    return [
        Metric(
            name="top1",
            summary="Top-1 accuracy against labels",
            options=_OUTPUT_OPTIONS,
            create=f"{_ACCUMULATORS}:create_top1",
            needs_labels=True,
        ),
        Metric(
            name="topk",
            summary="Top-k accuracy against labels",
            options=f"{_OPTIONS}:TopKOptions",
            create=f"{_ACCUMULATORS}:TopK",
            needs_labels=True,
        ),
        Metric(
            name="top1_agreement",
            summary="Share of samples whose top-1 class matches the original model",
            options=_OUTPUT_OPTIONS,
            create=f"{_ACCUMULATORS}:Top1Agreement",
            needs_reference=True,
        ),
        Metric(
            name="cosine",
            summary="Mean cosine similarity to the original model's outputs",
            options=_OUTPUT_OPTIONS,
            create=f"{_ACCUMULATORS}:Cosine",
            needs_reference=True,
        ),
        Metric(
            name="max_abs_diff",
            summary="Largest absolute difference from the original model's outputs",
            options=_OUTPUT_OPTIONS,
            create=f"{_ACCUMULATORS}:MaxAbsDiff",
            needs_reference=True,
            higher_is_better=False,
        ),
        Metric(
            name="python",
            summary="Your own metric ('python:pkg.mod:fn')",
            options=f"{_OPTIONS}:PythonOptions",
            create=f"{_ACCUMULATORS}:create_python",
        ),
    ]
