"""The built-in loaders against OpenVINO's real frontends: ONNX, IR, TFLite and PaddlePaddle.

Models are real: a tiny ONNX model built with the ``onnx`` helper API (and its IR conversion), and
MediaPipe's BlazeFace TFLite detector taken from the ``mediapipe`` wheel on PyPI (cached; see
``realmodels.py``). Every path goes through a public face: :func:`ovtune.builtin.loaders.read_model`
or the ``ovtune`` command line.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import openvino as ov
import pytest

from ovtune.builtin.loaders import read_model
from ovtune.errors import ModelLoadError, OvtuneError

from realmodels import (
    FACE_DETECTION_INPUT_SHAPE,
    FACE_DETECTION_TFLITE,
    TINY_INPUT_SHAPE,
    write_tiny_ir,
    write_tiny_onnx,
)

# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cached_face_tflite() -> Path:
    """The BlazeFace TFLite model from the mediapipe wheel (downloaded once, then cached)."""
    path = FACE_DETECTION_TFLITE.fetch()
    assert path.read_bytes()[4:8] == b"TFL3", f"{path} is not a TFLite flatbuffer"
    return path


@pytest.fixture
def face_tflite(cached_face_tflite: Path, tmp_path: Path) -> Path:
    """A private copy of the TFLite model, so no test can touch the shared cache."""
    target = tmp_path / "face.tflite"
    shutil.copyfile(cached_face_tflite, target)
    return target


def digest(*paths: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def input_shapes(model: ov.Model) -> list[list[int]]:
    return [list(port.get_partial_shape().to_shape()) for port in model.inputs]


def garbage(size: int = 4096, seed: int = 20240501) -> bytes:
    """Deterministic random bytes: the same corrupt file on every run."""
    return random.Random(seed).randbytes(size)


def recipe_text(source: str, *, name: str = "loaders", metrics: str = '["size"]', model_extra: str = "") -> str:
    return f"""\
schema = 1
name = "{name}"

[model]
source = "{source}"
{model_extra}

[measure]
metrics = {metrics}
duration = "0.2s"
trials = 1
warmup = 1

[output]
cache_dir = "cache"
"""


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_single_error(result, *fragments: str) -> str:  # type: ignore[no-untyped-def]
    """Exit status 2, no traceback, the last stderr line is the only ``error:`` line and names ``fragments``."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert lines, result.output
    last = lines[-1]
    assert last.startswith("error:"), result.stderr
    assert error_lines(result.stderr) == [last], result.stderr
    for fragment in fragments:
        assert fragment in last, f"{fragment!r} not in {last!r}"
    return last


# --------------------------------------------------------------------------------------------
# Real models load, and their files are only ever read
# --------------------------------------------------------------------------------------------


def test_onnx_loads_with_its_input_shape(tmp_path: Path) -> None:
    source = write_tiny_onnx(tmp_path / "tiny.onnx")
    before = digest(source)

    model = read_model(source, fmt="onnx")

    assert isinstance(model, ov.Model)
    assert input_shapes(model) == [TINY_INPUT_SHAPE]
    assert digest(source) == before


def test_ir_loads_with_its_input_shape(tmp_path: Path) -> None:
    xml = write_tiny_ir(tmp_path / "tiny.xml")
    weights = xml.with_suffix(".bin")
    assert weights.stat().st_size > 0
    before = digest(xml, weights)

    model = read_model(xml, fmt="ir")

    assert isinstance(model, ov.Model)
    assert input_shapes(model) == [TINY_INPUT_SHAPE]
    assert digest(xml, weights) == before


def test_tflite_loads_with_its_input_shape(face_tflite: Path) -> None:
    before = digest(face_tflite)

    model = read_model(face_tflite, fmt="tflite")

    assert isinstance(model, ov.Model)
    assert input_shapes(model) == [FACE_DETECTION_INPUT_SHAPE]
    assert model.inputs[0].get_element_type() == ov.Type.f32
    assert digest(face_tflite) == before


def test_read_model_accepts_str_and_no_format(tmp_path: Path) -> None:
    source = write_tiny_onnx(tmp_path / "tiny.onnx")
    assert input_shapes(read_model(str(source))) == [TINY_INPUT_SHAPE]


@pytest.mark.parametrize(("filename", "loader"), [("tiny.onnx", "onnx"), ("tiny.xml", "ir"), ("face.tflite", "tflite")])
def test_validate_picks_the_loader_from_the_suffix(
    filename: str, loader: str, ovtune_project, ovtune_cli, cached_face_tflite: Path
) -> None:
    root = ovtune_project.root
    if loader == "onnx":
        write_tiny_onnx(root / filename)
    elif loader == "ir":
        write_tiny_ir(root / filename)
    else:
        shutil.copyfile(cached_face_tflite, root / filename)
    recipe = ovtune_project.write_recipe(recipe_text(filename))

    result = ovtune_cli("validate", str(recipe))

    assert result.exit_code == 0, result.output
    assert f"({loader})" in result.stdout


def test_tflite_recipe_runs_and_writes_a_report(ovtune_project, ovtune_cli, cached_face_tflite: Path) -> None:
    model = ovtune_project.root / "face.tflite"
    shutil.copyfile(cached_face_tflite, model)
    before = digest(model)
    recipe = ovtune_project.write_recipe(recipe_text("face.tflite", name="face", metrics='["size", "latency"]'))

    result = ovtune_cli("run", str(recipe))

    assert result.exit_code == 0, result.output
    report_path = ovtune_project.root / "runs" / "face" / "report.json"
    assert report_path.is_file(), result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["name"] == "face"
    assert Path(report["model"]["source"]) == model.resolve()
    assert [entry["shape"] for entry in report["model"]["inputs"]] == [FACE_DETECTION_INPUT_SHAPE]
    (original,) = report["models"]
    assert original["label"] == "original"
    assert original["measurements"]["size"]["bytes"] == model.stat().st_size
    assert original["measurements"]["latency"]["count"] > 0
    assert original["measurements"]["latency"]["median_ms"] > 0
    assert digest(model) == before


# --------------------------------------------------------------------------------------------
# Missing files
# --------------------------------------------------------------------------------------------


def test_missing_file_is_a_model_load_error(tmp_path: Path) -> None:
    missing = tmp_path / "absent.onnx"
    with pytest.raises(ModelLoadError, match="model file not found") as caught:
        read_model(missing, fmt="onnx")
    assert str(missing) in str(caught.value)
    assert isinstance(caught.value, OvtuneError)
    assert caught.value.exit_code == 2


def test_validate_reports_a_missing_model_file(ovtune_project, ovtune_cli) -> None:
    recipe = ovtune_project.write_recipe(recipe_text("absent.onnx"))

    result = ovtune_cli("validate", str(recipe))

    missing = str((ovtune_project.root / "absent.onnx").resolve())
    assert_single_error(result, "model.source", "model file not found", missing)


def test_ir_without_its_bin_names_the_bin(tmp_path: Path) -> None:
    xml = write_tiny_ir(tmp_path / "tiny.xml")
    weights = xml.with_suffix(".bin")
    weights.unlink()

    with pytest.raises(ModelLoadError) as caught:
        read_model(xml, fmt="ir")

    assert str(weights) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_run_reports_an_ir_without_its_bin(ovtune_project, ovtune_cli) -> None:
    xml = write_tiny_ir(ovtune_project.root / "tiny.xml")
    xml.with_suffix(".bin").unlink()
    recipe = ovtune_project.write_recipe(recipe_text("tiny.xml"))

    result = ovtune_cli("run", str(recipe))

    assert_single_error(result, "tiny.bin")


# --------------------------------------------------------------------------------------------
# Corrupt files: one line naming the format and the path
# --------------------------------------------------------------------------------------------

CORRUPT = [
    pytest.param("broken.onnx", "onnx", "ONNX", id="onnx"),
    pytest.param("broken.tflite", "tflite", "TFLite", id="tflite"),
    pytest.param("broken.pdmodel", "paddle", "PaddlePaddle", id="paddle"),
]


@pytest.mark.parametrize(("filename", "loader", "format_name"), CORRUPT)
def test_corrupt_file_is_a_one_line_model_load_error(
    filename: str, loader: str, format_name: str, tmp_path: Path
) -> None:
    source = tmp_path / filename
    source.write_bytes(garbage())
    before = digest(source)

    with pytest.raises(ModelLoadError) as caught:
        read_model(source, fmt=loader)

    message = str(caught.value)
    assert format_name in message
    assert str(source) in message
    assert "\n" not in message
    assert caught.value.__cause__ is None  # the frontend's C++ trace is not chained into the user error
    assert digest(source) == before


@pytest.mark.parametrize(("filename", "loader", "format_name"), CORRUPT)
def test_run_reports_a_corrupt_file_without_traceback(
    filename: str, loader: str, format_name: str, ovtune_project, ovtune_cli
) -> None:
    source = ovtune_project.root / filename
    source.write_bytes(garbage())
    recipe = ovtune_project.write_recipe(recipe_text(filename))

    result = ovtune_cli("run", str(recipe))

    assert_single_error(result, format_name, str(source.resolve()))
    assert not (ovtune_project.root / "runs" / "loaders" / "report.json").exists()


# --------------------------------------------------------------------------------------------
# Choosing the loader: unknown suffixes and [model] format
# --------------------------------------------------------------------------------------------


def test_validate_rejects_an_unsupported_suffix(ovtune_project, ovtune_cli) -> None:
    (ovtune_project.root / "model.foo").write_bytes(b"not a model")
    recipe = ovtune_project.write_recipe(recipe_text("model.foo"))

    result = ovtune_cli("validate", str(recipe))

    assert_single_error(result, "model.source", "unsupported model format", ".foo")


def test_format_overrides_the_suffix_for_onnx(ovtune_project, ovtune_cli) -> None:
    source = write_tiny_onnx(ovtune_project.root / "model.bin2")
    before = digest(source)

    without = ovtune_cli("validate", str(ovtune_project.write_recipe(recipe_text("model.bin2"), "plain.toml")))
    assert_single_error(without, "model.source", "unsupported model format", ".bin2")

    recipe = ovtune_project.write_recipe(recipe_text("model.bin2", model_extra='format = "onnx"'))
    validated = ovtune_cli("validate", str(recipe))
    assert validated.exit_code == 0, validated.output
    assert "(onnx)" in validated.stdout

    assert input_shapes(read_model(source, fmt="onnx")) == [TINY_INPUT_SHAPE]

    ran = ovtune_cli("run", str(recipe))
    assert ran.exit_code == 0, ran.output
    report = json.loads((ovtune_project.root / "runs" / "loaders" / "report.json").read_text(encoding="utf-8"))
    assert [entry["shape"] for entry in report["model"]["inputs"]] == [TINY_INPUT_SHAPE]
    assert digest(source) == before


def test_format_overrides_the_suffix_for_tflite(ovtune_project, ovtune_cli, cached_face_tflite: Path) -> None:
    source = ovtune_project.root / "face.bin2"
    shutil.copyfile(cached_face_tflite, source)
    recipe = ovtune_project.write_recipe(recipe_text("face.bin2", model_extra='format = "tflite"'))

    validated = ovtune_cli("validate", str(recipe))
    assert validated.exit_code == 0, validated.output
    assert "(tflite)" in validated.stdout

    assert input_shapes(read_model(source, fmt="tflite")) == [FACE_DETECTION_INPUT_SHAPE]
