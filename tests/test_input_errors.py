"""Odd inputs are user errors: one line naming what and where, exit code 2, no traceback.

Data that does not fit the model, a corrupt image, paths the operating system refuses, durations
and counts that would never end, and compile properties OpenVINO rejects, each on the real
components: the demo model, real OpenVINO, real image files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ovtune.deploy import CompileConfig, compile_config, compile_model
from ovtune.errors import DeviceError, RecipeError
from ovtune.fields import parse_duration
from ovtune.manager import PluginHost
from ovtune.recipe import DeploySection, parse_recipe
from ovtune.testing import RecipeProject, error_lines, run_cli


def _one_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    return lines[0]


# --------------------------------------------------------------------------------------
# data that does not fit the model
# --------------------------------------------------------------------------------------


def test_data_of_the_wrong_shape_names_the_entry_the_input_and_both_shapes(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size", "latency", "accuracy"]')
    rng = np.random.default_rng(0)
    np.savez(
        ovtune_project.root / "digits_val.npz", image=rng.random((6, 1, 16, 16), dtype=np.float32), label=np.ones(6)
    )
    line = _one_error(run_cli("run", str(recipe)))
    assert "data.validation" in line and "'image'" in line, line
    assert "[1,1,32,32]" in line and "[1,1,16,16]" in line, line


def test_data_of_the_wrong_rank_is_named_before_timing(ovtune_project: RecipeProject) -> None:
    """Timing alone (no accuracy) reads the data too: the error is the same, not random inputs
    silently measured in its place."""
    recipe = ovtune_project.demo_recipe(measure='metrics = ["latency"]')
    rng = np.random.default_rng(0)
    np.savez(ovtune_project.root / "digits_val.npz", image=rng.random((6, 32, 32), dtype=np.float32), label=np.ones(6))
    line = _one_error(run_cli("run", str(recipe)))
    assert "data.validation" in line and "'image'" in line and "[1,1,32,32]" in line and "[1,32,32]" in line, line


def test_calibration_data_of_the_wrong_shape_names_the_stage_and_the_entry(ovtune_project: RecipeProject) -> None:
    stages = '[[stage]]\nuse = "pot.default"\ncalibration = "calibration"\nsubset_size = 4\nspeed_check = 0'
    extra = '[data.calibration]\nkind = "npz"\npath = "calib.npz"'
    recipe = ovtune_project.demo_recipe(stages=stages, extra=extra, measure='metrics = ["size"]')
    rng = np.random.default_rng(0)
    np.savez(ovtune_project.root / "calib.npz", image=rng.random((4, 3, 32, 32), dtype=np.float32))
    line = _one_error(run_cli("run", str(recipe)))
    assert "stage[1]" in line and "data.calibration" in line and "[1,1,32,32]" in line and "[1,3,32,32]" in line, line


# --------------------------------------------------------------------------------------
# a corrupt image
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("first", [True, False], ids=["first-image", "later-image"])
def test_corrupt_image_names_the_file(ovtune_project: RecipeProject, first: bool) -> None:
    from PIL import Image

    folder = ovtune_project.root / "images"
    folder.mkdir()
    for index in range(3):
        Image.fromarray(np.full((32, 32), 40 * index, dtype=np.uint8)).save(folder / f"b{index}.png")
    corrupt = folder / ("a-broken.png" if first else "z-broken.png")
    good = (folder / "b0.png").read_bytes()
    corrupt.write_bytes(good[: len(good) // 3] if not first else b"not an image at all")
    recipe = ovtune_project.demo_recipe(
        measure='metrics = ["size", "accuracy"]',
    )
    text = recipe.read_text().replace(
        'kind = "npz"\npath = "digits_val.npz"\nlimit = 64', 'kind = "images"\npath = "images"\ncolor = "GRAY"'
    )
    text = text.replace('kind = "top1"', 'kind = "top1_agreement"')
    recipe.write_text(text)
    line = _one_error(run_cli("run", str(recipe)))
    assert "data.validation.path" in line and str(corrupt) in line, line


# --------------------------------------------------------------------------------------
# paths the operating system refuses
# --------------------------------------------------------------------------------------

RECIPE = """\
schema = 1
[model]
source = "{model}"
[data.validation]
kind = "npz"
path = "{data}"
[output]
dir = "{out}"
"""


@pytest.fixture
def registry() -> object:
    return PluginHost(autoload=False, trace=False).registry


def _parse(tmp_path: Path, registry: object, **values: str) -> None:
    (tmp_path / "m.onnx").write_bytes(b"placeholder")
    (tmp_path / "d.npz").write_bytes(b"placeholder")
    fields = {"model": "m.onnx", "data": "d.npz", "out": "runs/x", **values}
    parse_recipe(RECIPE.format(**fields), base_dir=tmp_path, registry=registry, file=tmp_path / "r.toml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "key"),
    [("data", "data.validation.path"), ("model", "model.source"), ("out", "output.dir")],
)
def test_home_folder_of_an_unknown_user_is_a_recipe_error_at_the_key(
    tmp_path: Path, registry: object, field: str, key: str
) -> None:
    with pytest.raises(RecipeError) as caught:
        _parse(tmp_path, registry, **{field: f"~ovtune-no-such-user/x.{'onnx' if field == 'model' else 'npz'}"})
    assert caught.value.key == key and "home folder" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "key"),
    [("data", "data.validation.path"), ("model", "model.source"), ("out", "output.dir")],
)
def test_file_name_too_long_is_a_recipe_error_at_the_key(
    tmp_path: Path, registry: object, field: str, key: str
) -> None:
    name = "n" * (os.pathconf(tmp_path, "PC_NAME_MAX") + 1) + ".onnx"
    with pytest.raises(RecipeError) as caught:
        _parse(tmp_path, registry, **{field: name})
    assert caught.value.key == key and "file name too long" in str(caught.value)


def test_nul_in_a_path_is_a_recipe_error_at_the_key(tmp_path: Path, registry: object) -> None:
    with pytest.raises(RecipeError) as caught:
        _parse(tmp_path, registry, model="m\\u0000.onnx")
    assert caught.value.key == "model.source" and "NUL" in str(caught.value)


def test_unknown_user_through_the_command_line(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    recipe.write_text(recipe.read_text().replace('path = "digits_val.npz"', 'path = "~ovtune-no-such-user/v.npz"'))
    line = _one_error(run_cli("validate", str(recipe)))
    assert "data.validation.path" in line and "~ovtune-no-such-user" in line


# --------------------------------------------------------------------------------------
# durations and counts that would never end
# --------------------------------------------------------------------------------------

BOUNDED = """\
schema = 1
[model]
source = "m.onnx"
[measure]
metrics = ["size"]
{measure}
{tune}
"""


@pytest.mark.parametrize(
    ("measure", "tune", "key"),
    [
        ("duration = inf", "", "measure.duration"),
        ('duration = "100000000m"', "", "measure.duration"),
        ('duration = "1500m"', "", "measure.duration"),
        ("duration = 1e300", "", "measure.duration"),
        ("trials = 100000000000000000000", "", "measure.trials"),
        ("iterations = 1000000000", "", "measure.iterations"),
        ("warmup = 99999999", "", "measure.warmup"),
        ("", "[tune]\nbudget = inf", "tune.budget"),
        ("", "[tune]\nbudget = '600000s'", "tune.budget"),
        ("", "[tune]\ntrials = 10000000", "tune.trials"),
        ("", "[tune]\nfinalists = 100000", "tune.finalists"),
        ("", "[tune]\nconfirm = 100000", "tune.confirm"),
    ],
)
def test_unbounded_durations_and_counts_are_rejected(
    tmp_path: Path, registry: object, measure: str, tune: str, key: str
) -> None:
    (tmp_path / "m.onnx").write_bytes(b"placeholder")
    text = BOUNDED.format(measure=measure, tune=tune)
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, base_dir=tmp_path, registry=registry, file=tmp_path / "r.toml")  # type: ignore[arg-type]
    assert caught.value.key == key, str(caught.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "100000000m", 86400.5])
def test_parse_duration_rejects_what_never_ends(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


def test_bounds_themselves_are_accepted(tmp_path: Path, registry: object) -> None:
    (tmp_path / "m.onnx").write_bytes(b"placeholder")
    text = BOUNDED.format(
        measure='duration = "24h"\ntrials = 100\niterations = 1000000\nwarmup = 10000',
        tune='[tune]\nbudget = "1440m"\ntrials = 10000\nfinalists = 100\nconfirm = 100',
    )
    recipe = parse_recipe(text, base_dir=tmp_path, registry=registry, file=tmp_path / "r.toml")  # type: ignore[arg-type]
    assert recipe.measure.duration == 86400.0 and recipe.document.tune is not None
    assert recipe.document.tune.budget == 86400.0


def test_recipe_reference_states_the_bounds() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "recipes.md").read_text()
    duration_row = next(line for line in text.splitlines() if line.startswith("| `duration` | number | `3.0`"))
    assert "24 h" in duration_row
    trials_row = next(line for line in text.splitlines() if line.startswith("| `trials` | integer | `3`"))
    assert "≤ 100" in trials_row


# --------------------------------------------------------------------------------------
# compile properties: the error names the key that holds the value
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_model() -> object:
    import openvino as ov

    from ovtune import demo

    return ov.Core().read_model(str(demo.model_path()))


@pytest.mark.parametrize(
    ("deploy", "key"),
    [
        ({"properties": {"PERFORMANCE_HINT": "FAST"}}, "deploy.properties.PERFORMANCE_HINT"),
        ({"hint": "latency", "properties": {"PERFORMANCE_HINT": "FAST"}}, "deploy.properties.PERFORMANCE_HINT"),
        ({"properties": {"NUM_STREAMS": "abc"}}, "deploy.properties.NUM_STREAMS"),
        (
            {"hint": "throughput", "properties": {"PERFORMANCE_HINT_NUM_REQUESTS": -1}},
            "deploy.properties.PERFORMANCE_HINT_NUM_REQUESTS",
        ),
        ({"properties": {"ENABLE_CPU_PINNING": "maybe"}}, "deploy.properties.ENABLE_CPU_PINNING"),
    ],
)
def test_rejected_property_names_the_key_that_holds_the_value(
    demo_model: object, deploy: dict[str, object], key: str
) -> None:
    import openvino as ov

    with pytest.raises(DeviceError) as caught:
        compile_model(ov.Core(), demo_model, "CPU", compile_config(DeploySection(**deploy)))  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith(f"{key}: CPU rejected"), message
    assert "\n" not in message


def test_merged_config_keeps_where_each_value_came_from() -> None:
    config = compile_config(DeploySection(hint="latency", properties={"NUM_STREAMS": "2"}))
    merged = config | {"INFERENCE_PRECISION_HINT": "f32"}
    assert isinstance(merged, CompileConfig)
    assert merged.origins == {"PERFORMANCE_HINT": "deploy.hint", "NUM_STREAMS": "deploy.properties.NUM_STREAMS"}


def test_bad_performance_hint_in_properties_through_the_command_line(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(extra='[deploy]\nproperties = { PERFORMANCE_HINT = "FAST" }')
    line = _one_error(run_cli("run", str(recipe)))
    assert line.startswith("error: deploy.properties.PERFORMANCE_HINT: CPU rejected PERFORMANCE_HINT='FAST'"), line
