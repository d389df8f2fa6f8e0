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
from ovtune.faults import attributed
from ovtune.importing import recipe_folder
from ovtune.options import Options
from ovtune.types import Sample, implementation

if TYPE_CHECKING:
    from ovtune.recipe import MetricSpec

REFERENCE_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}


def infer_all(compiled: Any, dataset: Any) -> list[list[np.ndarray]]:
    """Run every sample through ``compiled``; outputs copied (requests reuse buffers).

    A model with a static batch of N (``mo`` with ``batch = 4``) gets N samples at a time,
    stacked (the last group padded with its last sample), and each output is split back into
    one row per sample, so its metric covers the same samples as the batch-1 original's."""
    request = compiled.create_infer_request()
    samples = list(dataset)
    batch = _static_batch(compiled, samples[0]) if samples else 1
    if batch == 1:
        outputs = []
        for sample in samples:
            result = request.infer(dict(sample.inputs))
            outputs.append([np.array(result[port], copy=True) for port in compiled.outputs])
        return outputs
    grouped: list[list[np.ndarray]] = []
    for start in range(0, len(samples), batch):
        group = samples[start : start + batch]
        padded = group + [group[-1]] * (batch - len(group))
        feed = {name: np.concatenate([s.inputs[name] for s in padded], axis=0) for name in padded[0].inputs}
        result = request.infer(feed)
        arrays = [np.array(result[port], copy=True) for port in compiled.outputs]
        for row in range(len(group)):
            grouped.append([a[row : row + 1] if a.ndim and a.shape[0] == batch else a for a in arrays])
    return grouped


def _static_batch(compiled: Any, sample: Sample) -> int:
    """N when every input has a static first dimension N that is N times the sample's, else 1."""
    factors = set()
    for port in compiled.inputs:
        shape = port.get_partial_shape()
        array = next((sample.inputs[name] for name in port.get_names() if name in sample.inputs), None)
        if array is None or shape.rank.is_dynamic or not shape[0].is_static or array.ndim == 0:
            return 1
        size = shape[0].get_length()
        if array.shape[0] == size or array.shape[0] == 0 or size % array.shape[0]:
            return 1
        factors.add(size // array.shape[0])
    return factors.pop() if len(factors) == 1 else 1


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
    references = reference_outputs(context) if needs_reference(spec) else None
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
    with attributed(spec.metric), recipe_folder(spec.base_dir):
        accumulator = implementation(spec.metric.item, "create")(spec.options)
        for index, sample in enumerate(samples):
            accumulator.update(outputs[index], sample, references[index] if references else None)
        return float(accumulator.result())


def needs_reference(spec: MetricSpec) -> bool:
    """Whether the metric compares with the original model's outputs: the metric says so, or
    its options do (``needs_reference = true`` of a ``python:`` metric)."""
    return bool(spec.metric.item.needs_reference or getattr(spec.options, "needs_reference", False))


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
