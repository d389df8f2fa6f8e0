"""A confusion matrix accumulated sample by sample, and the two metrics read from it.

Top-1 accuracy averages over samples, so a class with few samples can collapse after
quantization while top-1 moves by a fraction of a percent. Macro F1 weighs every class the
same; worst-class recall names the damage directly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ovtune.plugin import DataError, MetricAccumulator, Sample
from ovtune_classmetrics.options import ClassMetricOptions


class ConfusionMatrix(MetricAccumulator):
    """``matrix[label, predicted]`` counts; grows to the first output's width on first use."""

    def __init__(self, options: ClassMetricOptions):
        self.options = options
        self.matrix: np.ndarray | None = None

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        if self.options.output >= len(outputs):
            raise DataError(f"metric.output = {self.options.output}, but the model has {len(outputs)} output(s)")
        scores = np.asarray(outputs[self.options.output])
        scores = scores.reshape(-1, scores.shape[-1]) if scores.ndim > 1 else scores.reshape(1, -1)
        classes = self.options.classes or scores.shape[-1]
        if self.matrix is None:
            self.matrix = np.zeros((classes, classes), dtype=np.int64)
        labels = _labels(sample.label, scores.shape[0])
        predicted = scores.argmax(axis=-1)
        for label, guess in zip(labels, predicted, strict=True):
            if not 0 <= label < classes:
                raise DataError(f"label {label} is outside the {classes} classes of metric.classes")
            self.matrix[label, min(int(guess), classes - 1)] += 1

    def per_class(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(precision, recall, present) per class; classes without samples are not present."""
        if self.matrix is None:
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
        hits = np.diag(self.matrix).astype(np.float64)
        actual = self.matrix.sum(axis=1).astype(np.float64)
        guessed = self.matrix.sum(axis=0).astype(np.float64)
        precision = np.divide(hits, guessed, out=np.zeros_like(hits), where=guessed > 0)
        recall = np.divide(hits, actual, out=np.zeros_like(hits), where=actual > 0)
        return precision, recall, actual > 0

    def result(self) -> float:  # pragma: no cover - the subclasses define it
        raise NotImplementedError


class MacroF1(ConfusionMatrix):
    """Mean F1 over the classes that occur in the labels."""

    def result(self) -> float:
        precision, recall, present = self.per_class()
        if not present.any():
            return math.nan
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
        return float(f1[present].mean())


class WorstRecall(ConfusionMatrix):
    """The lowest recall over the classes that occur in the labels."""

    def result(self) -> float:
        _, recall, present = self.per_class()
        return float(recall[present].min()) if present.any() else math.nan


def _labels(label: Any, count: int) -> list[int]:
    values = np.asarray(label).reshape(-1)
    if values.size != count:
        raise DataError(f"a sample has {values.size} label(s) for {count} prediction(s)")
    return [int(value) for value in values]
