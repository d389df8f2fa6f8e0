"""Keeping the ``pot`` stages within ``StageContext.deadline`` (the end of ``ovtune tune``'s budget).

``ovtune tune`` promises to end within its budget plus one measurement round, whatever the
model: a quantization that runs into the deadline must stop spending time and return its best
model so far, and say so (:meth:`~ovtune.plugin.StageContext.cut_short`). NNCF has no time
limit, so the stages bound it from the two places NNCF calls back into them:

- **calibration** (:class:`CalibrationSamples`): NNCF iterates the calibration samples once per
  statistics pass. Past the deadline, every pass ends after its first few samples, and NNCF
  calibrates on what it got (it needs no dataset length; a shorter dataset costs one warning).
- **accuracy control** (:class:`AccuracyControlClock`): ``nncf.quantize_with_accuracy_control``
  calls the validation function for the original model, the quantized model, every group of
  layers it ranks and every step it takes. The clock times those calls, sizes the ranking
  subset and the number of steps to the time left before NNCF reads them, and once a call would
  end past the deadline it stops the algorithm: during its steps by answering with the
  original's score (NNCF then considers the bound met and returns the model it has, its best so
  far), before them by raising :class:`DeadlineReached`, after which the stage takes the fully
  quantized model NNCF saved before validating anything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune_nncf.common import progress_dataset

if TYPE_CHECKING:
    import logging

    import openvino as ov

    from ovtune.plugin import Dataset, Sample, StageContext

MIN_CALIBRATION_SAMPLES = 4
"""Samples every statistics pass takes even past the deadline: NNCF refuses an empty pass, and
ranges from a handful of samples still make a model the tuner can measure."""

INTERMEDIATE_MODEL = "intermediate_model.xml"
"""What NNCF's accuracy control names the fully quantized model it saves (``intermediate_model_dir``)."""

TIMED_SAMPLES = 8
"""Passes over fewer samples are mostly overhead: they do not set the time per sample."""

PREPARE_FACTOR = 1.5
"""A ranked group costs NNCF a model copy and a compilation: the compilation NNCF did before the
quantized model's validation, measured, times this."""


class DeadlineReached(BaseException):
    """Raised from the validation function to stop NNCF's accuracy control before its steps. A
    ``BaseException``, like ``KeyboardInterrupt``: NNCF catches ``Exception`` from the first
    validation call (to tell what the function returns), and must not swallow this one."""


# --------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------


class CalibrationSamples:
    """The sample indices NNCF's statistics passes iterate: ``count`` of them, each pass ending
    early (after :data:`MIN_CALIBRATION_SAMPLES`) once the stage's deadline is past. It has no
    length on purpose: NNCF then takes what the iterator gives, up to ``subset_size``."""

    def __init__(self, count: int, context: StageContext, minimum: int = MIN_CALIBRATION_SAMPLES):
        self.count = count
        self.context = context
        self.minimum = min(minimum, count)
        self.passes: list[int] = []
        """Samples handed out by each statistics pass."""

    def __iter__(self) -> Iterator[int]:
        self.passes.append(0)
        for index in range(self.count):
            if index >= self.minimum and self.context.past_deadline():
                return
            self.passes[-1] = index + 1
            yield index

    @property
    def used(self) -> int:
        """Samples the calibration used (the fewest of any pass; ``count`` before any pass)."""
        return min(self.passes) if self.passes else self.count

    @property
    def cut(self) -> bool:
        return self.used < self.count


def calibration_dataset(
    dataset: Dataset, transform: Callable[[Sample], Any], context: StageContext, *, total: int
) -> tuple[Any, CalibrationSamples]:
    """An ``nncf.Dataset`` of the first ``total`` samples of ``dataset``, turned into model inputs
    by ``transform``, that reports progress (``calibration``) and ends each statistics pass at
    the deadline; and the :class:`CalibrationSamples` that says how many were used."""
    samples = CalibrationSamples(total, context)
    return progress_dataset(dataset, transform, context, total=total, message="calibration", indices=samples), samples


# --------------------------------------------------------------------------------------
# Accuracy control
# --------------------------------------------------------------------------------------

_STEPS_STARTED = "Changing the scope of quantizer nodes was started"
_STEP = "Reverted "  # "Reverted N operations to the floating-point precision": a step's model is validated next
_RERANKING = "Re-calculating ranking scores"
_QUANTIZED_VALIDATION = "Validation of quantized model was started"
_BOTH_VALIDATED = "Accuracy drop: "  # logged once both models are validated, before NNCF reads its sizes


@dataclass
class AccuracyControlClock:
    """Times NNCF's validation calls, sizes the accuracy control to the time left, and stops it
    at the deadline (see the module's description)."""

    context: StageContext
    restorer: Any
    """NNCF's ``AdvancedAccuracyRestorerParameters``: NNCF reads its ``ranking_subset_size`` and
    ``max_num_iterations`` after validating both models, so the clock can still size them."""
    steer: int
    """Samples NNCF validates on."""
    records: list[logging.LogRecord]
    """NNCF's log records as they come: they say which phase of the algorithm a call is in."""
    bound_met: Callable[[float, float], bool]
    """Whether a score meets the bound, given the original's score (NNCF's rule)."""
    calls: int = 0
    """Validation calls NNCF made."""
    passes: int = 0
    """Validation passes run (calls the clock answered by scoring)."""
    reference: float | None = None
    """The original model's score on every steering sample (its first full pass)."""
    seconds_per_sample: float | None = None
    """Measured on passes over several samples (a one-sample pass is mostly overhead)."""
    prepare_seconds: float = 0.0
    """The longest time NNCF spent between two calls before its steps: the quantized model's
    compilation, which every ranked group and every step costs again."""
    quantizers: int | None = None
    sized: dict[str, Any] = field(default_factory=dict)
    stopped: str = ""
    """Why the accuracy control stopped early ("" when it did not)."""
    raised: bool = False
    """It stopped by raising :class:`DeadlineReached`: the stage keeps the fully quantized model."""
    records_at_stop: int | None = None
    """How many of NNCF's log records came before the stop: what NNCF logs after it (that the
    bound was met) is about the original's score the clock answered with, not the model's."""
    _returned: float | None = None
    _previous: float | None = None
    """The score of the quantized model, then of NNCF's last step: NNCF ranks again only after a
    step that scored worse than the one before."""

    def validate(self, score: Callable[[list[int]], float], indices: list[int]) -> float:
        """NNCF's validation of one model on ``indices``: ``score(indices)``, unless the call would
        end past the deadline (then the original's score, or :class:`DeadlineReached`)."""
        started = time.time()
        sizing = self._sizing()
        if self._returned is not None and sizing:
            self.prepare_seconds = max(self.prepare_seconds, started - self._returned)
        self.calls += 1
        left = self.context.time_left()
        if left is not None:
            if left <= 0:
                return self._stop("it reached the deadline")
            if self.sized.get("hopeless") and not self._restoring():
                return self._stop(
                    f"ranking about {_groups(self.sized['groups'])} needs about "
                    f"{_seconds(self._ranking_seconds(1))}, more than the {_seconds(self.sized['seconds_available'])} "
                    "left for it"
                )
            if self.seconds_per_sample is not None and len(indices) * self.seconds_per_sample > left:
                return self._stop(f"validating {len(indices)} samples would end past the deadline")
        value = score(indices)
        self.passes += 1
        if len(indices) >= min(TIMED_SAMPLES, self.steer):
            self.seconds_per_sample = (time.time() - started) / len(indices)
        if self.reference is None and len(indices) == self.steer:
            self.reference = value
        elif sizing and len(indices) == self.steer and self._logged(_QUANTIZED_VALIDATION):
            self._previous = value
        if left is not None and sizing:
            self._size()
        if (
            left is not None
            and self.reference is not None
            and self._at_step()
            and not self.bound_met(self.reference, value)
            and self._step_would_overrun(ranks_again=self._previous is not None and value < self._previous)
        ):
            value = self._stop(
                f"one more step would end past the deadline (this step scored {value:.5g}, the original "
                f"{self.reference:.5g})"
            )
        elif self._at_step():
            self._previous = value
        self._returned = time.time()
        return value

    # -- stopping -------------------------------------------------------------------------

    def _stop(self, why: str) -> float:
        self.records_at_stop = len(self.records)
        if self.reference is not None and self._at_step():
            self.stopped = (
                f"accuracy control stopped after {self.passes} validation passes and {_groups(self._steps())} put "
                f"back in float: {why}; that model is kept"
            )
            return self.reference  # NNCF sees the bound met and returns the model it has
        if self.reference is None:
            phase = "before validating the original model"
        elif self._restoring():
            phase = "while ranking the layers again after its first steps"
        else:
            phase = "before its first step"
        self.stopped = (
            f"accuracy control stopped after {self.passes} validation passes, {phase}: {why}; the fully "
            "quantized model is kept (no layer back in float)"
        )
        self.raised = True
        raise DeadlineReached(self.stopped)

    def _step_would_overrun(self, *, ranks_again: bool) -> bool:
        """After a step that missed the bound: whether one more step (after ranking the groups
        left again, when NNCF will) would end past the deadline."""
        left = self.context.time_left()
        if left is None or self.seconds_per_sample is None:
            return False
        seconds = self._step_seconds()
        if ranks_again:
            seconds += self._ranking_seconds(self._ranking_size(), max(0, (self._groups() or 1) - self._steps()))
        return seconds > left

    def _steps(self) -> int:
        return sum(1 for r in self.records if r.getMessage().startswith(_STEP))

    def _logged(self, prefix: str) -> bool:
        return any(r.getMessage().startswith(prefix) for r in self.records)

    def _restoring(self) -> bool:
        """Whether NNCF's steps have started."""
        return self._logged(_STEPS_STARTED)

    def _sizing(self) -> bool:
        """Whether NNCF is still validating the two models: it has not read the ranking subset
        and the number of steps yet."""
        return not self._logged(_BOTH_VALIDATED)

    def _at_step(self) -> bool:
        """Whether this call validates the model of one of NNCF's steps (not a ranking)."""
        for record in reversed(self.records):
            message = record.getMessage()
            if message.startswith(_STEP):
                return True
            if message.startswith((_RERANKING, _STEPS_STARTED)):
                return False
        return False

    # -- sizing ---------------------------------------------------------------------------

    def _size(self) -> None:
        """Fit the ranking subset and the number of steps into the time left, before NNCF reads
        them; when not even a ranking on one sample fits, the next call stops."""
        left = self.context.time_left()
        if left is None or self.seconds_per_sample is None or self.reference is None:
            return
        if not self._logged(_QUANTIZED_VALIDATION):
            return  # the quantized model's compilation (what a ranked group costs) is not measured yet
        groups = self._groups()
        if groups is None:
            return
        # the per-sample passes of both models may still be running: keep one full pass for them
        available = left - self.steer * self.seconds_per_sample
        configured = self.sized.setdefault("configured_ranking", self._ranking_size())
        iterations_configured = self.sized.setdefault("configured_iterations", self.restorer.max_num_iterations)
        ranking = configured
        while ranking > 1 and self._ranking_seconds(ranking) > available / 2:
            ranking = max(1, ranking // 2)
        iterations = max(1, int((available - self._ranking_seconds(ranking)) / self._step_seconds()))
        self.restorer.ranking_subset_size = ranking
        self.restorer.max_num_iterations = min(iterations, iterations_configured)
        self.sized.update(
            groups=groups,
            seconds_per_sample=self.seconds_per_sample,
            prepare_seconds=self.prepare_seconds,
            seconds_left=left,
            seconds_available=available,
            ranking_subset_size=ranking,
            max_iterations=self.restorer.max_num_iterations,
            hopeless=self._ranking_seconds(1) > available,
        )

    def _ranking_size(self) -> int:
        size = self.restorer.ranking_subset_size
        return min(self.steer, size if size is not None else self.steer)

    def _groups(self) -> int | None:
        """The groups of quantizers NNCF ranks: about one per quantized layer, read from the
        fully quantized model NNCF saved (two FakeQuantize per layer: activations and weights)."""
        if self.quantizers is None:
            path = Path(self.restorer.intermediate_model_dir or "") / INTERMEDIATE_MODEL
            if not path.is_file():
                return None
            self.quantizers = path.read_text(encoding="utf-8", errors="replace").count('type="FakeQuantize"')
        return max(1, math.ceil(self.quantizers / 2))

    def _ranking_seconds(self, ranking: int, groups: int | None = None) -> float:
        if groups is None:
            groups = self._groups() or 1
        return groups * (PREPARE_FACTOR * self.prepare_seconds + ranking * (self.seconds_per_sample or 0))

    def _step_seconds(self) -> float:
        return max(1e-3, PREPARE_FACTOR * self.prepare_seconds + self.steer * (self.seconds_per_sample or 0))

    def sizing_note(self) -> str:
        """What the sizing to the deadline changed, for the record ("" when nothing)."""
        if "ranking_subset_size" not in self.sized:
            return ""
        changes = []
        if self.sized["ranking_subset_size"] < self.sized["configured_ranking"]:
            changes.append(
                f"ranked on {self.sized['ranking_subset_size']} of {self.sized['configured_ranking']} samples"
            )
        if self.sized["max_iterations"] < min(self.sized["configured_iterations"], self.sized["groups"]):
            changes.append(f"at most {_groups(self.sized['max_iterations'])} put back in float")
        if not changes:
            return ""
        return f"accuracy control sized to the {_seconds(self.sized['seconds_left'])} left: " + ", ".join(changes)


def _groups(count: int) -> str:
    return f"{count} group{'' if count == 1 else 's'} of layers"


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if abs(value) < 10 else f"{value:.0f} s"


def intermediate_model(folder: Path) -> ov.Model:
    """The fully quantized model NNCF's accuracy control saved before its first validation."""
    import openvino as ov

    return ov.Core().read_model(str(folder / INTERMEDIATE_MODEL))
