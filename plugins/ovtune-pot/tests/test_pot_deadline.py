"""The ``pot`` stages honour ``StageContext.deadline`` (``ovtune tune``'s budget): on the real demo
CNN with the real NNCF, a stage whose deadline is one second away ends soon after it, well before
the same stage without a deadline, and its record says what was cut.

The deadline is what ``ovtune tune`` sets on every stage it runs; here every ``StageContext`` the
run makes gets one a second after it is made, and the stage runs through ``ovtune run``. The
demo's digits are read through a dataset that takes a few milliseconds per sample, like the
inference of a larger model: the full runs then take long on any machine, loaded or not.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from ovtune.plugin import StageContext
from ovtune.testing import RecipeProject, run_cli

SLOW_DIGITS = '''
import time

import numpy as np

from ovtune.plugin import Dataset, Sample


class SlowDigits(Dataset):
    """The demo's digits (the first ``count``), each read in ``seconds``."""

    def __init__(self, path, seconds, count):
        data = np.load(path)
        self.images, self.labels = data["image"][:count], data["label"][:count]
        self.seconds = seconds

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        time.sleep(self.seconds)
        return Sample({"image": self.images[index : index + 1]}, int(self.labels[index]))


def digits(context, path, seconds, count=None):
    return SlowDigits(context.base_dir / path, seconds, count)
'''

RECIPE = """schema = 1
name = "test"

[model]
source = "digits_cnn.onnx"

[data.calibration]
kind = "python"
function = "slow_digits:digits"
args = {{ path = "digits_calib.npz", seconds = 0.03 }}

[data.validation]
kind = "python"
function = "slow_digits:digits"
args = {{ path = "digits_val.npz", seconds = {validation_seconds}, count = 360 }}  # the clean held-out digits

[metric]
kind = "{metric}"
data = "validation"

[measure]
metrics = ["size"]

[[stage]]
{stage}
"""

DEADLINE = 1.0
"""Seconds from the making of a stage's context to its deadline."""


def with_deadline(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every stage of the runs that follow gets a deadline ``seconds`` after its context is made."""
    made = StageContext.__init__

    def init(self: StageContext, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        self.deadline = time.time() + seconds

    monkeypatch.setattr(StageContext, "__init__", init)


def run_stage(project: RecipeProject, stage: str, *, metric: str, validation_seconds: float) -> dict[str, Any]:
    """Run the demo CNN with ``stage`` (no cache); returns the stage's record."""
    project.copy_demo_model()
    (project.root / "slow_digits.py").write_text(SLOW_DIGITS)
    recipe = project.write_recipe(RECIPE.format(stage=stage, metric=metric, validation_seconds=validation_seconds))
    result = run_cli("run", str(recipe), "--no-cache")
    assert result.exit_code == 0, result.output
    [record] = project.report("test")["stages"]
    return record  # type: ignore[no-any-return]


def test_default_quantization_calibrates_on_what_the_deadline_leaves(
    ovtune_project: RecipeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = 'use = "pot.default"\nsubset_size = 300\nspeed_check = 0.5'
    full = run_stage(ovtune_project, stage, metric="top1", validation_seconds=0.002)
    assert full["details"]["calibration"]["samples"] == 300 and "cut_short" not in full["details"]
    assert "speed" in full["details"] and "accuracy" in full["details"]

    with_deadline(monkeypatch, DEADLINE)
    cut = run_stage(ovtune_project, stage, metric="top1", validation_seconds=0.002)
    details = cut["details"]
    used = details["calibration"]["samples"]
    assert 4 <= used < 300
    reason = f"calibrated on {used} of 300 samples; the held-out accuracy check and the speed check skipped"
    assert details["cut_short"] == reason and f"stopped early for the deadline: {reason}" in cut["notes"]
    assert details["proof_skipped"] == ["the held-out accuracy check", "the speed check"]
    assert "accuracy" not in details and "speed" not in details
    assert details["runtime_precision"]["integer_compute_share"] == 1.0  # still INT8, and proven so
    print(f"\npot.default: {full['seconds']:.1f} s in full, {cut['seconds']:.1f} s with the deadline {DEADLINE} s away")
    assert cut["seconds"] < 0.3 * full["seconds"]


def test_accuracy_aware_stops_at_the_deadline_and_keeps_a_quantized_model(
    ovtune_project: RecipeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the cosine similarity to the f32 logits cannot stay within 1e-9: NNCF validates both models,
    # ranks every layer and puts them back in float one by one, validating 360 samples each time
    stage = 'use = "pot.accuracy_aware"\nsubset_size = 64\nmax_drop = 1e-9\nholdout = 0\nspeed_check = 0'
    full = run_stage(ovtune_project, stage, metric="cosine", validation_seconds=0.003)
    assert "cut_short" not in full["details"] and full["details"]["accuracy"]["reverted_operations"]

    with_deadline(monkeypatch, DEADLINE)
    cut = run_stage(ovtune_project, stage, metric="cosine", validation_seconds=0.003)
    details = cut["details"]
    print(
        f"\npot.accuracy_aware: {full['seconds']:.1f} s in full, {cut['seconds']:.1f} s with the deadline "
        f"{DEADLINE} s away: {details['cut_short']}"
    )
    assert details["accuracy_control"]["stopped"] in details["cut_short"]
    assert details["cut_short"].startswith(("calibrated on", "accuracy control stopped after"))
    assert "the fully quantized model is kept" in details["cut_short"]
    assert details["accuracy"]["reverted_operations"] == []
    assert details["runtime_precision"]["integer_compute_share"] == 1.0
    assert Path(cut["model_path"]).exists()
    assert cut["seconds"] < 0.3 * full["seconds"]
