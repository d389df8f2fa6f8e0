"""``nncf.compress_weights`` on a real model trained here (an MLP on scikit-learn's digits), with the
real NNCF and OpenVINO, through ovtune's command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from nncf_models import write_digits_mlp

from ovtune.testing import RecipeProject, error_lines, run_cli

RECIPE = """\
schema = 1
name = "mlp"

[model]
source = "mlp.onnx"

[data.calibration]
kind = "npz"
path = "calibration.npz"

[data.validation]
kind = "npz"
path = "validation.npz"

[metric]
kind = "top1"

[measure]
metrics = ["size", "accuracy"]

[output]
cache_dir = "cache"

[[stage]]
use = "nncf.compress_weights"
{stage}
"""


@pytest.fixture
def mlp_project(ovtune_project: RecipeProject) -> RecipeProject:
    write_digits_mlp(ovtune_project.root)
    return ovtune_project


def compress(project: RecipeProject, stage: str) -> dict:
    result = run_cli("run", str(project.write_recipe(RECIPE.format(stage=stage))))
    assert result.exit_code == 0, result.output
    return project.report("mlp")


def test_int8_weights_are_four_times_smaller_and_run_as_integers(mlp_project: RecipeProject) -> None:
    report = compress(mlp_project, 'mode = "int8_asym"')
    record = report["stages"][0]
    details = record["details"]
    assert details["weights_before"]["layers"] == {"f32": 3}
    assert details["weights_after"]["layers"] == {"u8": 3}
    assert details["weight_bytes_ratio"] == pytest.approx(4.0, rel=0.01)
    assert set(details["runtime_precision"]["compute_layers"]) == {"u8"}
    original, compressed = report["models"]
    assert compressed["measurements"]["size"]["bytes"] < original["measurements"]["size"]["bytes"] / 3
    assert original["measurements"]["accuracy"]["value"] > 0.9
    assert abs(compressed["measurements"]["accuracy"]["drop"]) <= 0.01
    assert "weight bytes 337,920 -> 84,480 (4.00x smaller)" in record["notes"][0]
    again = run_cli("run", str(mlp_project.root / "recipe.toml"))
    assert again.exit_code == 0 and mlp_project.report("mlp")["stages"][0]["cached"] is True


def test_int4_records_which_layers_stayed_int8_and_why(mlp_project: RecipeProject) -> None:
    details = compress(mlp_project, 'mode = "int4_asym"\ngroup_size = 64')["stages"][0]["details"]
    layers = {layer["name"]: layer for layer in details["layers"]}
    assert [layers[name]["after"] for name in ("fc0", "fc1", "fc2")] == ["u4", "u4", "u8"]
    assert "reason" not in layers["fc0"]
    assert layers["fc2"]["reason"].startswith("the last MatMul: NNCF keeps it at backup precision")
    assert details["runtime_precision"]["compute_layers"] == {"u4": 2, "u8": 1}


def test_all_layers_and_ratio_change_what_stays_at_backup(mlp_project: RecipeProject) -> None:
    stage = 'mode = "int4_sym"\ngroup_size = 64\nall_layers = true\nratio = 0.5\nbackup_mode = "int8_sym"'
    details = compress(mlp_project, stage)["stages"][0]["details"]
    kept = [layer for layer in details["layers"] if "reason" in layer]
    assert kept and all(layer["after"] == "i8" for layer in kept)
    assert all(layer["reason"].startswith("ratio = 0.5: ranked among the most sensitive") for layer in kept)
    assert "i4" in details["weights_after"]["layers"]


def test_data_aware_compression_uses_the_recipe_data(mlp_project: RecipeProject) -> None:
    stage = 'mode = "int4_asym"\ngroup_size = 64\ndata = "calibration"\nawq = true\nscale_estimation = true'
    stage += "\nsubset_size = 32"
    details = compress(mlp_project, stage)["stages"][0]["details"]
    assert details["weights_after"]["layers"]["u4"] == 2


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ('mode = "int8_asym"\ngroup_size = 64', "stage[1]: group_size: mode 'int8_asym' compresses every layer"),
        ('mode = "int8_sym"\nratio = 0.5', "stage[1]: ratio: mode 'int8_sym' compresses every layer"),
        ('mode = "int4_asym"\nscale_estimation = true', "stage[1]: scale_estimation: needs calibration samples"),
        (
            'mode = "int4_asym"\ngptq = true\nlora_correction = true\ndata = "calibration"',
            "cannot be combined with gptq",
        ),
        ('mode = "mxfp4"\nawq = true', "stage[1]: awq: not available with mode 'mxfp4'"),
        ('mode = "int4_asym"\ndata = "train"', "stage[1].data: no [data.train] in the recipe"),
        ('mode = "int5"', "stage[1].mode: Input should be"),
        (
            'mode = "int4_asym"\nratio = 0.5\nsensitivity_metric = "hessian_input_activation"',
            "stage[1]: sensitivity_metric: 'hessian_input_activation' ranks layers by their activations",
        ),
    ],
)
def test_combinations_nncf_refuses_fail_at_validate(mlp_project: RecipeProject, stage: str, message: str) -> None:
    result = run_cli("validate", str(mlp_project.write_recipe(RECIPE.format(stage=stage))))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert message in line, line


def test_a_group_size_that_does_not_divide_fails_at_the_stage_in_one_line(mlp_project: RecipeProject) -> None:
    result = run_cli("run", str(mlp_project.write_recipe(RECIPE.format(stage='mode = "int4_asym"\ngroup_size = 48'))))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "'nncf.compress_weights' at stage[1]: NNCF failed:" in line


def test_the_input_model_file_is_not_modified(mlp_project: RecipeProject) -> None:
    source = mlp_project.root / "mlp.onnx"
    before = Path(source).read_bytes()
    compress(mlp_project, 'mode = "int8_sym"')
    assert Path(source).read_bytes() == before
