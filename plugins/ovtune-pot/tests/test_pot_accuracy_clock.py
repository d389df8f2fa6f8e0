"""The accuracy-control clock (``ovtune_pot.deadline.AccuracyControlClock``) through the calls NNCF
3.4's ``quantize_with_accuracy_control`` makes, in its order, with its log lines, on a simulated
clock: a validation pass costs 10 ms per sample and compiling a model 0.5 s.

What the real NNCF does with the clock's answers is tested on the real model in
``test_pot_deadline.py``; here every phase is reached on purpose: the sizing of the ranking and
of the steps to the time left, a stop at a step that keeps its model, and a stop before the
steps that keeps the fully quantized one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from ovtune_pot import deadline
from ovtune_pot.deadline import AccuracyControlClock, DeadlineReached

STEER = 100
PER_SAMPLE = 0.01
COMPILE = 0.5
ORIGINAL = 1.0
QUANTIZED = 0.9


class Time:
    """The simulated ``time`` module: ``time()`` moves only when the simulation says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now


class Context:
    """What the clock reads of a ``StageContext``: the time left before the deadline."""

    def __init__(self, clock: Time, seconds: float | None):
        self.clock = clock
        self.deadline = None if seconds is None else clock.now + seconds

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock.now


class Run:
    """NNCF's accuracy control, as the clock sees it: validation calls and log lines."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seconds: float | None, groups: int = 10):
        self.time = Time()
        monkeypatch.setattr(deadline, "time", self.time)
        (tmp_path / deadline.INTERMEDIATE_MODEL).write_text('<layer type="FakeQuantize"/>' * (2 * groups))
        self.restorer = SimpleNamespace(
            ranking_subset_size=None, max_num_iterations=2**63 - 1, intermediate_model_dir=str(tmp_path)
        )
        self.records: list[logging.LogRecord] = []
        self.clock = AccuracyControlClock(
            Context(self.time, seconds),  # type: ignore[arg-type]
            self.restorer,
            STEER,
            self.records,
            bound_met=lambda original, score: original - score <= 0.01,
        )
        self.model_score = ORIGINAL

    def log(self, message: str) -> None:
        self.records.append(logging.LogRecord("nncf", logging.INFO, "", 0, message, None, None))

    def compile(self) -> None:
        self.time.now += COMPILE

    def validate(self, samples: int) -> float:
        def score(indices: list[int]) -> float:
            self.time.now += PER_SAMPLE * len(indices)
            return self.model_score

        return self.clock.validate(score, list(range(samples)))

    def validate_both_models(self) -> None:
        """From the first call to the restorer's construction."""
        self.log("Validation of initial model was started")
        self.compile()
        self.validate(1)  # NNCF's probe of what the function returns
        self.validate(STEER)
        for _ in range(STEER):
            self.validate(1)
        self.log("Validation of quantized model was started")
        self.model_score = QUANTIZED
        self.compile()
        self.validate(STEER)
        for _ in range(STEER):
            self.validate(1)
        self.log(f"Accuracy drop: {ORIGINAL - QUANTIZED} (absolute)")  # NNCF reads its sizes next

    def rank(self, groups: int) -> None:
        ranking = self.restorer.ranking_subset_size or STEER
        for _ in range(groups):
            self.compile()
            self.validate(ranking)

    def step(self, score: float) -> float:
        self.log("Reverted 1 operations to the floating-point precision: \n\tconv")
        self.model_score = score
        self.compile()
        return self.validate(STEER)


def test_without_a_deadline_the_clock_only_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Run(tmp_path, monkeypatch, None)
    run.validate_both_models()
    run.rank(10)
    run.log("Changing the scope of quantizer nodes was started")
    assert run.step(0.95) == 0.95
    assert run.restorer.ranking_subset_size is None and run.restorer.max_num_iterations == 2**63 - 1
    assert run.clock.stopped == "" and run.clock.sizing_note() == "" and run.clock.passes == 2 + 2 * STEER + 1 + 10 + 1


def test_plenty_of_time_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Run(tmp_path, monkeypatch, 3600)
    run.validate_both_models()
    assert run.restorer.ranking_subset_size == STEER
    assert run.clock.sized["groups"] == 10 and run.clock.sized["prepare_seconds"] == pytest.approx(COMPILE)
    assert run.clock.sizing_note() == ""  # at most 10 groups exist; a bound above that limits nothing


def test_the_ranking_and_the_steps_are_sized_to_the_time_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # after both models' validation 20 s are left, 19 s once a pass for the rest is kept: the
    # ranking subset halves from 100 until 10 groups * (0.75 s + subset * 10 ms) fit in half of that
    run = Run(tmp_path, monkeypatch, 25)
    run.validate_both_models()
    assert run.restorer.ranking_subset_size == 12
    assert run.restorer.max_num_iterations == 5  # (19 s - 8.7 s of ranking) / (0.75 s + 1 s) per step
    assert run.clock.sizing_note() == (
        "accuracy control sized to the 20 s left: ranked on 12 of 100 samples, "
        "at most 5 groups of layers put back in float"
    )


def test_a_step_that_would_end_past_the_deadline_keeps_its_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Run(tmp_path, monkeypatch, 20)
    run.validate_both_models()
    sized = (run.restorer.ranking_subset_size, run.restorer.max_num_iterations)
    run.rank(10)
    assert (run.restorer.ranking_subset_size, run.restorer.max_num_iterations) == sized  # NNCF has read them
    run.log("Changing the scope of quantizer nodes was started")
    # each step misses the bound; after a better step NNCF steps again at once (1.75 s), after a
    # worse one it ranks the groups left first (8 * 0.76 s more): that no longer fits
    assert run.step(0.95) == 0.95 and run.step(0.97) == 0.97  # 8.4 s, then 6.9 s left
    assert run.step(0.96) == ORIGINAL  # 5.4 s left: NNCF takes the bound as met and returns this model
    assert run.clock.stopped == (
        "accuracy control stopped after 216 validation passes and 3 groups of layers put back in float: one more "
        "step would end past the deadline (this step scored 0.96, the original 1); that model is kept"
    )
    assert not run.clock.raised and run.clock.records_at_stop == len(run.records)


def test_a_step_that_meets_the_bound_is_answered_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Run(tmp_path, monkeypatch, 20)
    run.validate_both_models()
    run.rank(10)
    run.log("Changing the scope of quantizer nodes was started")
    assert run.step(0.995) == 0.995 and run.clock.stopped == ""


def test_past_the_deadline_before_the_steps_the_quantized_model_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Run(tmp_path, monkeypatch, 3)  # passed while NNCF compiles the quantized model
    with pytest.raises(DeadlineReached) as raised:
        run.validate_both_models()
    assert run.clock.raised and str(raised.value) == run.clock.stopped
    assert run.clock.stopped == (
        "accuracy control stopped after 102 validation passes, before its first step: it reached the deadline; "
        "the fully quantized model is kept (no layer back in float)"
    )


def test_a_ranking_that_cannot_finish_is_not_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Run(tmp_path, monkeypatch, 25, groups=400)  # 400 groups at 0.76 s each at least: 304 s
    with pytest.raises(DeadlineReached):
        run.validate_both_models()
    assert run.clock.sized["hopeless"] is True
    assert "before its first step: ranking about 400 groups of layers needs about 304 s, more than the 20 s left" in (
        run.clock.stopped
    )
    assert run.time.now - 1000 < 5


def test_a_validation_pass_that_would_end_past_the_deadline_is_not_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Run(tmp_path, monkeypatch, 3.9)
    run.log("Validation of initial model was started")
    run.compile()
    run.validate(1)
    run.validate(STEER)  # 1 s: the time per sample is measured
    for _ in range(STEER):
        run.validate(1)
    run.compile()  # 0.89 s left, for a pass of about 1 s
    with pytest.raises(DeadlineReached, match="before its first step: validating 100 samples would end past"):
        run.validate(STEER)
    assert run.time.now - 1000 < 3.9
