"""``nncf.qat`` and ``nncf.prune`` on the demo CNN as a PyTorch source (``ovtune_mo.demo``,
the same weights as ``digits_cnn.onnx``), with real torch, NNCF and OpenVINO and the real digits."""

from __future__ import annotations

import sys

import pytest
import torch  # noqa: F401 - requirements-dev.txt installs torch: a missing install must fail, not skip

from ovtune.testing import RecipeProject, error_lines, run_cli

RECIPE = """\
schema = 1
name = "train"

[model]
source = "torch:ovtune_mo.demo:load"

[data.train]
kind = "npz"
path = "digits_calib.npz"

[data.calibration]
kind = "npz"
path = "digits_calib.npz"
limit = 64

[data.validation]
kind = "npz"
path = "digits_val.npz"
limit = 120

[metric]
kind = "top1"

[measure]
metrics = ["size", "accuracy"]

[output]
cache_dir = "cache"

[[stage]]
{stage}
"""


def training_recipe(project: RecipeProject, stage: str):
    project.copy_demo_model()
    return project.write_recipe(RECIPE.format(stage=stage))


def test_qat_runs_end_to_end_and_reports_accuracy_before_and_after(ovtune_project: RecipeProject) -> None:
    stage = 'use = "nncf.qat"\nepochs = 1\nbatch_size = 50\nlearning_rate = 1e-5\nsubset_size = 64'
    result = run_cli("run", str(training_recipe(ovtune_project, stage)))
    assert result.exit_code == 0, result.output
    report = ovtune_project.report("train")
    record = report["stages"][0]
    accuracy = record["details"]["accuracy"]
    assert set(accuracy) >= {"original", "quantized, before fine-tuning", "after fine-tuning"}
    assert accuracy["original"] >= 0.95
    assert accuracy["after fine-tuning"] >= accuracy["original"] - 0.02
    training = record["details"]["training"]
    assert training["samples"] == 300 and training["epochs"] == 1
    assert record["details"]["runtime_precision"]["integer_compute_share"] == 1.0
    trained = report["models"][1]
    assert trained["runtime"]["precision"]["dominant"] in ("u8", "i8")
    assert abs(trained["measurements"]["accuracy"]["drop"]) <= 0.02
    assert any(note.startswith("top1 on data.validation (not trained on): original ") for note in record["notes"])
    again = run_cli("run", str(ovtune_project.root / "recipe.toml"))
    assert again.exit_code == 0 and ovtune_project.report("train")["stages"][0]["cached"] is True


def test_prune_reports_the_sparsity_it_reached(ovtune_project: RecipeProject) -> None:
    stage = 'use = "nncf.prune"\nratio = 0.5\nepochs = 1\nbatch_size = 50\nlearning_rate = 1e-5'
    result = run_cli("run", str(training_recipe(ovtune_project, stage)))
    assert result.exit_code == 0, result.output
    record = ovtune_project.report("train")["stages"][0]
    sparsity = record["details"]["sparsity"]
    assert sparsity["layers"] == 7 and 0.45 <= sparsity["zero_share"] <= 0.55
    assert record["notes"][0].startswith("Sparsity reached: ")
    assert "the file does not shrink" in record["notes"][0]
    original, pruned = (model["measurements"]["size"] for model in ovtune_project.report("train")["models"])
    assert original["note"].startswith("the source has no model file: size of its converted model")
    assert abs(pruned["bytes"] - original["bytes"]) / original["bytes"] < 0.01  # dense storage


def test_a_custom_training_function_replaces_the_loop(
    ovtune_project: RecipeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ovtune_project.root / "my_training.py").write_text(
        "CALLS = []\n\ndef train(model, dataset, options, context):\n"
        "    CALLS.append((type(model).__name__, len(dataset), options.epochs, context.name))\n"
    )
    monkeypatch.syspath_prepend(str(ovtune_project.root))
    stage = 'use = "nncf.qat"\nsubset_size = 16\ntrain = "my_training:train"\nepochs = 3'
    result = run_cli("run", str(training_recipe(ovtune_project, stage)))
    assert result.exit_code == 0, result.output
    assert sys.modules["my_training"].CALLS == [("DigitsNet", 300, 3, "nncf.qat")]


def test_training_stages_need_a_pytorch_source_and_the_first_place(ovtune_project: RecipeProject) -> None:
    recipe = training_recipe(ovtune_project, 'use = "nncf.qat"\nepochs = 0')
    recipe.write_text(recipe.read_text().replace('"torch:ovtune_mo.demo:load"', '"digits_cnn.onnx"'))
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "stage[1]: nncf.qat trains a PyTorch model; [model] source is" in line

    second = training_recipe(ovtune_project, 'use = "nncf.qat"\nepochs = 0\n[[stage]]\nuse = "nncf.prune"')
    result = run_cli("run", str(second))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "stage[2]: nncf.prune trains the PyTorch source model, so it must be the first stage" in line


def test_without_labels_the_built_in_loop_says_what_to_do(ovtune_project: RecipeProject) -> None:
    import numpy as np

    recipe = training_recipe(ovtune_project, 'use = "nncf.qat"\nsubset_size = 16\nepochs = 1')
    images = np.load(ovtune_project.root / "digits_calib.npz")["image"]
    np.savez(ovtune_project.root / "unlabelled.npz", image=images)
    recipe.write_text(
        recipe.read_text().replace(
            'path = "digits_calib.npz"\n\n[data.calibration]', 'path = "unlabelled.npz"\n\n[data.calibration]'
        )
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2, result.output
    [line] = error_lines(result.stderr)
    assert "stage[1].train_data: data.train has no labels" in line


def test_without_torch_a_training_recipe_fails_at_validate(
    ovtune_project: RecipeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(  # what find_spec answers where torch is not installed
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real_find_spec(name, *a)
    )
    result = run_cli("validate", str(training_recipe(ovtune_project, 'use = "nncf.qat"')))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert line.endswith("torch is not installed: pip install 'ovtune-nncf[torch]'"), line


def test_missing_training_data_fails_at_validate(ovtune_project: RecipeProject) -> None:
    recipe = training_recipe(ovtune_project, 'use = "nncf.prune"\ntrain_data = "fit"')
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "stage[1].train_data: no [data.fit] in the recipe" in line
