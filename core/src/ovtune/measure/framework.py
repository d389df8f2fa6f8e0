"""Native frameworks measured the way ovtune measures OpenVINO, so the figures share a table.

A baseline plugin (ONNX Runtime, PyTorch, ...) supplies a :class:`FrameworkRunner`: how to turn
one of ovtune's prepared input sets into the framework's own feed, run it, and read the outputs
back in OpenVINO's output order. Everything that could make the comparison unfair is done here,
once, for every framework: the prepared inputs (:func:`ovtune.measure.inputs.timing_inputs` on
the original model), the timing harness, the batch counted per inference, the size rule and the
metric code (:func:`ovtune.measure.accuracy.score_outputs`).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.measure.accuracy import metric_dataset, score_outputs
from ovtune.measure.harness import TimingSettings, sync_latency, threaded_throughput
from ovtune.measure.inputs import timing_inputs
from ovtune.measure.size import measure_size
from ovtune.measure.throughput import frames_per_inference
from ovtune.options import NoOptions

REPRODUCED = ("size", "latency", "throughput", "accuracy")
"""The measurements a framework baseline reproduces; the others are OpenVINO's alone."""


class FrameworkRunner(abc.ABC):
    """One framework running the recipe's source model."""

    name: str
    """The baseline's name, used as the model label in reports and error messages."""

    title: str
    """The framework as people write it ("ONNX Runtime"), for notes."""

    timing: str
    """How one inference is timed, for the report (e.g. "wall clock around session.run")."""

    @abc.abstractmethod
    def prepare(self, arrays: Mapping[str, np.ndarray]) -> Any:
        """The framework's feed for one input set keyed by OpenVINO input names (done outside
        the timed region)."""

    @abc.abstractmethod
    def run(self, feed: Any) -> Any:
        """One inference on a prepared feed; the raw result (the timed call)."""

    @abc.abstractmethod
    def outputs(self, result: Any) -> list[np.ndarray]:
        """A raw result as arrays in the OpenVINO model's output order (metrics compare by
        position)."""

    def errors(self) -> contextlib.AbstractContextManager[None]:
        """A context that turns the framework's own exceptions into ``MeasurementError``s."""
        return contextlib.nullcontext()


def measure_framework(
    runner: FrameworkRunner, source_files: list[Path], context: MeasureContext, *, workers: int
) -> dict[str, Any]:
    """The recipe's ``[measure] metrics`` that a framework can reproduce, measured on
    ``runner``; returns ``{name: result}`` with the keys of the OpenVINO measurement of that
    name. Throughput runs ``workers`` threads (frameworks without an async queue)."""
    compiled = context.compile(context.reference)
    settings = TimingSettings.from_section(context.measure)
    measurements: dict[str, Any] = {}
    timing: tuple[str, Any, int] | None = None
    with runner.errors():
        for name in context.measure.metrics:
            if name == "size":
                measurements[name] = measure_size(MeasureSubject(runner.name, None, source_files), NoOptions(), context)
            elif name == "accuracy":
                dataset = metric_dataset(context)
                outputs = [runner.outputs(runner.run(runner.prepare(sample.inputs))) for sample in dataset]
                measurements[name] = score_outputs(outputs, context)
            elif name in ("latency", "throughput"):
                timing = timing or _timing_step(runner, compiled, context)
                inputs, step, distinct = timing
                if name == "latency":
                    result = sync_latency(step, settings)
                else:
                    batch = frames_per_inference(compiled)
                    result = threaded_throughput(step, workers, settings, batch)
                    result.update(frames_per_inference=batch, distinct_inputs=distinct)
                result.update(inputs=inputs, timing=runner.timing)
                measurements[name] = result
    return measurements


def _timing_step(runner: FrameworkRunner, compiled: Any, context: MeasureContext) -> tuple[str, Any, int]:
    """The run's timing inputs (where from, the harness step that runs input ``i``, how many
    distinct sets), prepared once; one
    untimed run first, so that inputs the framework rejects fail as one line rather than
    inside a timing thread."""
    prepared = timing_inputs(compiled, context)
    feeds = [runner.prepare(feed) for feed in prepared.feeds]
    runner.run(feeds[0])
    run = runner.run

    def step(index: int) -> None:
        run(feeds[index % len(feeds)])

    return prepared.source, step, len(feeds)


def framework_notes(runner: FrameworkRunner, metrics: list[str]) -> list[str]:
    """What every framework baseline's notes say: how it was timed and what it skipped."""
    notes = []
    if "latency" in metrics or "throughput" in metrics:
        notes.append(
            f"Timed by {runner.timing}, which includes the Python call that OpenVINO's own request latency excludes."
        )
    skipped = [name for name in metrics if name not in REPRODUCED]
    if skipped:
        notes.append(f"Not measured with {runner.title}: {', '.join(skipped)}.")
    return notes
