"""Recipes: validation errors name the file and the key path, in one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from ovtune.errors import RecipeError
from ovtune.manager import PluginHost
from ovtune.recipe import load_recipe, parse_recipe
from ovtune.testing import RecipeProject, run_cli

AUTOLOAD_OFF = {"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _one_error_line(project: RecipeProject, text: str) -> str:
    recipe = project.write_recipe(text, name="bad.toml")
    result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: bad.toml: ") or lines[0].startswith(f"error: {recipe}: "), lines[0]
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def good(ovtune_project: RecipeProject) -> str:
    return ovtune_project.demo_recipe().read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace("[model]", "[model"), "invalid TOML"),
        (lambda t: t.replace("[measure]", "[measure]\nhintt = 1"), "measure.hintt: unknown key"),
        (lambda t: t.replace("trials = 1", 'trials = "many"'), "measure.trials: Input should be a valid integer"),
        (lambda t: t.replace("trials = 1", "trials = 0"), "measure.trials: Input should be greater than or equal to 1"),
        (
            lambda t: t.replace('source = "digits_cnn.onnx"', 'source = "missing.onnx"'),
            "model.source: model file not found: ",
        ),
        (
            lambda t: t.replace('source = "digits_cnn.onnx"', 'source = "model.h5"'),
            "model.source: unsupported model format '.h5'",
        ),
        (lambda t: t.replace("schema = 1", "schema = 2"), "schema: unsupported recipe schema 2"),
        (lambda t: t.replace("schema = 1", ""), "schema: missing key"),
        (lambda t: t.replace('kind = "top1"', 'kind = "top2"'), "metric.kind: unknown metric 'top2'"),
        (lambda t: t.replace('path = "digits_val.npz"', 'path = "nope.npz"'), "data.validation.path: file not found"),
        (lambda t: t.replace("limit = 64", "limit = -3"), "data.validation.limit: Input should be greater"),
        (
            lambda t: t + '\n[[stage]]\nuse = "python"\nfunction = "a:b"\n[[stage]]\nuse = "python"\nfunctio = "x:y"\n',
            "stage[2].functio: unknown key (did you mean 'function'?)",
        ),
        (
            lambda t: t + '\n[[stage]]\nuse = "python"\nfunction = "not a reference"\n',
            "stage[1].function: String should match pattern",
        ),
        (
            lambda t: t + '\n[[stage]]\nuse = "pot.default"\n',
            "stage[1].use: unknown stage 'pot.default'; installed stages: python; it is provided by the "
            "distribution ovtune-pot: pip install ovtune-pot",
        ),
        (lambda t: t + '\n[[stage]]\nuse = "pythn"\n', "stage[1].use: unknown stage 'pythn' (did you mean 'python'?)"),
        (
            lambda t: t.replace('"size", "accuracy"', '"size", "acuracy"'),
            "measure.metrics[2]: unknown measurement 'acuracy' (did you mean 'accuracy'?)",
        ),
        (lambda t: t.replace("[metric]", '[deploy]\nhint = "fast"\n[metric]'), "deploy.hint: Input should be"),
        (
            lambda t: t.replace("[metric]", '[metric]\ndata = "calibration"'),
            "metric.data: no [data.calibration] section",
        ),
    ],
)
def test_bad_recipe_is_one_clear_line(ovtune_project: RecipeProject, good: str, change, expected: str) -> None:
    line = _one_error_line(ovtune_project, change(good))
    assert expected in line


def test_relative_paths_resolve_against_the_recipe_folder(
    ovtune_project: RecipeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = ovtune_project.demo_recipe()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    resolved = load_recipe(recipe, PluginHost(autoload=False).registry)
    assert resolved.model.source == recipe.parent / "digits_cnn.onnx"
    assert resolved.data["validation"].options.path == recipe.parent / "digits_val.npz"  # type: ignore[attr-defined]
    assert resolved.output.cache_dir == recipe.parent / "cache"


def test_python_kind_shorthand(ovtune_project: RecipeProject, good: str) -> None:
    text = good.replace('kind = "top1"', 'kind = "python:my_metric:score"')
    recipe = parse_recipe(text, base_dir=ovtune_project.root, registry=PluginHost(autoload=False).registry)
    assert recipe.metric is not None
    assert recipe.metric.metric.item.name == "python"
    assert recipe.metric.options.function == "my_metric:score"  # type: ignore[attr-defined]


def test_recipe_error_carries_file_and_key(ovtune_project: RecipeProject, good: str) -> None:
    path = ovtune_project.write_recipe(good.replace("trials = 1", "trials = 'x'"), name="r.toml")
    with pytest.raises(RecipeError) as caught:
        load_recipe(path, PluginHost(autoload=False).registry)
    assert caught.value.file == path
    assert caught.value.key == "measure.trials"


def test_defaults_are_filled_in(ovtune_project: RecipeProject, good: str) -> None:
    recipe = parse_recipe(good, base_dir=ovtune_project.root, registry=PluginHost(autoload=False).registry)
    resolved = recipe.resolved()
    assert resolved["deploy"]["device"] == "CPU"
    assert resolved["output"]["reports"] == ["console", "html", "json", "lock", "markdown"]
    assert resolved["model"]["format"] == "onnx"
