"""ovtune-classmetrics against known values, the conformance kit and a real recipe run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ovtune_classmetrics.confusion import MacroF1, WorstRecall
from ovtune_classmetrics.options import ClassMetricOptions

from ovtune.plugin import Sample
from ovtune.testing import RecipeProject, check_distribution, check_metric, run_cli

RECIPE = """\
schema = 1
name = "classmetrics"

[model]
source = "digits_cnn.onnx"

[data.validation]
kind = "npz"
path = "digits_val.npz"

[metric]
kind = "{kind}"

[[stage]]
use = "python"
function = "breaks_class_three:run"

[measure]
metrics = ["accuracy"]
"""

BREAKS_CLASS_THREE = '''
"""Demotes class 3's score: every 3 is then classified as something else."""
import numpy as np
from openvino import opset13 as ops


def run(model, context):
    result = model.get_results()[0]
    scores = result.input_value(0)
    penalty = np.zeros(scores.get_partial_shape()[-1].get_length(), dtype=np.float32)
    penalty[3] = -1e4
    result.set_argument(0, ops.add(scores, ops.constant(penalty)).output(0))
    return model  # the stage receives a clone, so changing it in place is allowed
'''


def sample(label: int) -> Sample:
    return Sample(inputs={}, label=np.array([label]))


def scores(predicted: int, classes: int = 3) -> list[np.ndarray]:
    row = np.zeros((1, classes), dtype=np.float32)
    row[0, predicted] = 1.0
    return [row]


def accumulate(metric: type[MacroF1 | WorstRecall], pairs: list[tuple[int, int]]) -> float:
    accumulator = metric(ClassMetricOptions())
    for label, predicted in pairs:
        accumulator.update(scores(predicted), sample(label), None)
    return accumulator.result()


PAIRS = [(0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (2, 2), (2, 0)]


def test_macro_f1_matches_the_hand_computed_value() -> None:
    # class 0: P 3/4, R 3/4 -> F1 0.75; class 1: P 2/3, R 1 -> 0.8; class 2: P 1, R 1/2 -> 2/3
    assert accumulate(MacroF1, PAIRS) == pytest.approx((0.75 + 0.8 + 2 / 3) / 3)


def test_worst_recall_is_the_lowest_class_recall() -> None:
    assert accumulate(WorstRecall, PAIRS) == pytest.approx(0.5)


def test_a_label_outside_the_classes_is_a_user_error() -> None:
    from ovtune.plugin import DataError

    with pytest.raises(DataError, match="label 7 is outside the 3 classes"):
        accumulate(MacroF1, [(7, 0)])


def test_the_plugin_is_listed() -> None:
    result = run_cli("plugins", "--json")
    entries = {entry["name"]: entry for entry in json.loads(result.stdout)["plugins"]}
    assert entries["classmetrics"]["status"] == "ok"
    assert entries["classmetrics"]["registers"] == {"metric": ["classmetrics.macro_f1", "classmetrics.worst_recall"]}


def test_distribution_passes_the_conformance_kit() -> None:
    check_distribution("ovtune-classmetrics")


@pytest.mark.parametrize("name", ["classmetrics.macro_f1", "classmetrics.worst_recall"])
def test_metric_passes_the_conformance_kit(name: str) -> None:
    check_metric(name)


def test_worst_recall_finds_the_broken_class_that_top1_hides(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    (ovtune_project.root / "breaks_class_three.py").write_text(BREAKS_CLASS_THREE)
    values = {}
    for kind in ("top1", "classmetrics.worst_recall", "classmetrics.macro_f1"):
        recipe = ovtune_project.write_recipe(RECIPE.format(kind=kind), name=f"{kind}.toml")
        result = run_cli("run", str(recipe))
        assert result.exit_code == 0, result.stderr
        models = ovtune_project.report("classmetrics")["models"]
        values[kind] = [model["measurements"]["accuracy"]["value"] for model in models]
    original_top1, broken_top1 = values["top1"]
    assert original_top1 > 0.95
    assert broken_top1 > 0.85  # one class of ten lost: top-1 still looks acceptable
    assert values["classmetrics.worst_recall"] == [pytest.approx(values["classmetrics.worst_recall"][0]), 0.0]
    assert values["classmetrics.worst_recall"][0] > 0.9
    assert values["classmetrics.macro_f1"][1] < values["classmetrics.macro_f1"][0] - 0.05
