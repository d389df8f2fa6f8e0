"""The built-in metrics' options and accumulators: accuracy against labels, agreement with the
original model, and ``python:pkg.mod:fn`` for anything else.

Agreement metrics need no labels: they compare each model with the original model's outputs
on the same inputs, which is what a deployment engineer can always measure. Registered by
:mod:`ovtune.builtin.metrics`, which names everything here by string.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ovtune.builtin.metric_options import OutputOptions, PythonOptions
from ovtune.errors import MeasurementError
from ovtune.importing import ImportReferenceError, import_object
from ovtune.types import MetricAccumulator, Sample


class _Mean(MetricAccumulator):
    """Mean of a per-sample score."""

    def __init__(self, options: OutputOptions):
        self.options = options
        self.total = 0.0
        self.count = 0

    def score(self, output: np.ndarray, sample: Sample, reference: np.ndarray | None) -> float:
        raise NotImplementedError

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        ref = reference[self.options.output] if reference is not None else None
        self.total += self.score(outputs[self.options.output], sample, ref)
        self.count += 1

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")


def _scores(output: np.ndarray) -> np.ndarray:
    return np.asarray(output).reshape(-1)


class TopK(_Mean):
    def __init__(self, options: OutputOptions, k: int = 1):
        super().__init__(options)
        self.k = getattr(options, "k", k)

    def score(self, output: np.ndarray, sample: Sample, reference: np.ndarray | None) -> float:
        best = np.argsort(_scores(output))[::-1][: self.k]
        return float(int(np.asarray(sample.label).reshape(-1)[0]) in best)


class Top1Agreement(_Mean):
    def score(self, output: np.ndarray, sample: Sample, reference: np.ndarray | None) -> float:
        assert reference is not None
        return float(np.argmax(_scores(output)) == np.argmax(_scores(reference)))


class Cosine(_Mean):
    def score(self, output: np.ndarray, sample: Sample, reference: np.ndarray | None) -> float:
        assert reference is not None
        a, b = _scores(output).astype(np.float64), _scores(reference).astype(np.float64)
        denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
        return float(a @ b / denominator) if denominator else float(np.array_equal(a, b))


class MaxAbsDiff(MetricAccumulator):
    def __init__(self, options: OutputOptions):
        self.options = options
        self.worst = 0.0

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        assert reference is not None
        diff = np.abs(outputs[self.options.output].astype(np.float64) - reference[self.options.output])
        self.worst = max(self.worst, float(diff.max(initial=0.0)))

    def result(self) -> float:
        return self.worst


class _PythonScore(MetricAccumulator):
    def __init__(self, function: Any):
        self.function = function
        self.scores: list[float] = []

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        self.scores.append(float(self.function(outputs, sample, reference)))

    def result(self) -> float:
        return float(np.mean(self.scores)) if self.scores else float("nan")


def create_python(options: PythonOptions) -> MetricAccumulator:
    try:
        target = import_object(options.function)
    except ImportReferenceError as exc:
        raise MeasurementError(f"metric.function: {exc}") from None
    if isinstance(target, type) and issubclass(target, MetricAccumulator):
        return target(**options.args)
    return _PythonScore(target)


def create_top1(options: OutputOptions) -> MetricAccumulator:
    """The ``top1`` metric: top-k accuracy with k = 1."""
    return TopK(options, 1)
