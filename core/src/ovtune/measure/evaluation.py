"""The recipe's metric on chosen samples, for a compiled model: what stages that change accuracy
(quantization, training) steer by and report in their records.

Samples are addressed by their index in the metric's dataset, so that NNCF's accuracy control
(which hands the validation function the raw items of its dataset, here indices) and ovtune's
held-out check score exactly the samples they say they score, against reference outputs of the
original model (for metrics that compare with it) computed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.measure.accuracy import REFERENCE_CONFIG, higher_is_better, infer_all, needs_reference, score_samples

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.recipe import MetricSpec
    from ovtune.types import Dataset


@dataclass
class Evaluator:
    """Scores compiled models with the recipe's metric on samples of ``dataset`` by index."""

    spec: MetricSpec
    dataset: Dataset
    original: ov.Model
    device: str
    config: dict[str, Any]
    _references: dict[int, list[np.ndarray]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.metric.item.name

    @property
    def higher_is_better(self) -> bool:
        return higher_is_better(self.spec)

    def score(self, compiled: ov.CompiledModel, indices: Sequence[int]) -> float:
        """The metric of ``compiled`` on the samples at ``indices``."""
        samples = [self.dataset[index] for index in indices]
        outputs = infer_all(compiled, samples)
        references = self._reference(indices) if needs_reference(self.spec) else None
        return score_samples(self.spec, outputs, samples, references)

    def steering_score(self, compiled: ov.CompiledModel, indices: Sequence[int]) -> float:
        """:meth:`score` oriented so that higher is better, as NNCF's accuracy control assumes."""
        value = self.score(compiled, indices)
        return value if self.higher_is_better else -value

    def drop(self, original: float, quantized: float) -> float:
        """How much worse ``quantized`` is (positive = worse), whatever the metric's direction."""
        return original - quantized if self.higher_is_better else quantized - original

    def _reference(self, indices: Sequence[int]) -> list[list[np.ndarray]]:
        missing = [index for index in indices if index not in self._references]
        if missing:
            import openvino as ov

            compiled = ov.Core().compile_model(self.original, self.device, {**self.config, **REFERENCE_CONFIG})
            for index, outputs in zip(missing, infer_all(compiled, [self.dataset[i] for i in missing]), strict=True):
                self._references[index] = outputs
        return [self._references[index] for index in indices]
