"""Accuracy: the recipe's metric on its validation data.

Metrics that compare with the original model use reference outputs from the original model
compiled with ``INFERENCE_PRECISION_HINT=f32``, so the reference is the model as trained,
not its bf16 execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.errors import MeasurementError
from ovtune.types import Options, Sample, implementation

if TYPE_CHECKING:
    from ovtune.recipe import MetricSpec

REFERENCE_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}


def infer_all(compiled: Any, dataset: Any) -> list[list[np.ndarray]]:
    """Run every sample through ``compiled``; outputs copied (requests reuse buffers)."""
    request = compiled.create_infer_request()
    outputs = []
    for sample in dataset:
        result = request.infer(dict(sample.inputs))
        outputs.append([np.array(result[port], copy=True) for port in compiled.outputs])
    return outputs


def reference_outputs(context: MeasureContext) -> list[list[np.ndarray]]:
    """The original model's f32 outputs on the metric's data (computed once)."""
    if "reference_outputs" not in context.cache:
        from ovtune.deploy import compile_model

        assert context.metric is not None
        compiled = compile_model(
            context.core, context.reference.read(), context.device, {**context.config, **REFERENCE_CONFIG}
        )
        context.cache["reference_outputs"] = infer_all(compiled, context.data.get(context.metric.data))
    return context.cache["reference_outputs"]  # type: ignore[no-any-return]


def score_outputs(outputs: list[list[np.ndarray]], context: MeasureContext) -> dict[str, Any]:
    """The recipe's metric over per-sample outputs (same order as the metric's dataset).

    Shared with baselines: a framework that produced ``outputs`` for the same samples gets
    the same metric, computed by the same code, against the same reference."""
    spec = context.metric
    if spec is None:
        raise MeasurementError("measure.metrics: 'accuracy' needs a [metric] section")
    metric = spec.metric.item
    dataset = context.data.get(spec.data)
    if metric.needs_labels and not dataset.has_labels:
        raise MeasurementError(f"metric.kind: {metric.name!r} needs labels, and data.{spec.data} has none")
    references = reference_outputs(context) if metric.needs_reference else None
    return {
        "metric": metric.name,
        "value": score_samples(spec, outputs, list(dataset), references),
        "data": spec.data,
        "samples": len(dataset),
        "higher_is_better": higher_is_better(spec),
    }


def score_samples(
    spec: MetricSpec,
    outputs: Sequence[list[np.ndarray]],
    samples: Sequence[Sample],
    references: Sequence[list[np.ndarray]] | None,
) -> float:
    """The metric over ``samples``, given each one's outputs (and the original model's outputs
    for metrics that compare with it), in the same order. The one place a metric is computed:
    measurements, baselines and stages that steer by accuracy all call it."""
    accumulator = implementation(spec.metric.item, "create")(spec.options)
    for index, sample in enumerate(samples):
        accumulator.update(outputs[index], sample, references[index] if references else None)
    return float(accumulator.result())


def higher_is_better(spec: MetricSpec) -> bool:
    """Whether a larger value of the recipe's metric is better (options may override)."""
    return bool(getattr(spec.options, "higher_is_better", spec.metric.item.higher_is_better))


def metric_dataset(context: MeasureContext) -> Any:
    """The dataset the metric is evaluated on."""
    if context.metric is None:
        raise MeasurementError("measure.metrics: 'accuracy' needs a [metric] section")
    return context.data.get(context.metric.data)


def measure_accuracy(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    outputs = infer_all(context.compile(subject), metric_dataset(context))
    return score_outputs(outputs, context)
