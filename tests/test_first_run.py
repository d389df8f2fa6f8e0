"""Issue 18: the first recipe runs as written, ``--json`` on the commands that print results,
progress on a terminal, and the small things users reported."""

from __future__ import annotations

from ovtune import demo
from ovtune.testing import RecipeProject, error_lines, run_cli

AUTOLOAD_OFF = {"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"}


def test_the_smallest_recipe_runs(ovtune_project: RecipeProject) -> None:
    """``schema = 1`` and a model: size, latency and throughput, no accuracy (no [metric])."""
    recipe = ovtune_project.write_recipe(f"schema = 1\n\n[model]\nsource = {str(demo.model_path())!r}\n")
    result = run_cli("run", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    measured = ovtune_project.report("recipe")["models"][0]["measurements"]
    assert set(measured) == {"size", "latency", "throughput"}
    assert measured["throughput"]["fps"] > 0


def test_accuracy_is_measured_by_default_with_a_metric(ovtune_project: RecipeProject, ovtune_host) -> None:
    from ovtune.recipe import load_recipe

    recipe = load_recipe(ovtune_project.demo_recipe(measure=""), ovtune_host.registry)
    assert [m.item.name for m in recipe.measurements] == ["size", "latency", "throughput", "accuracy"]


def test_listed_accuracy_without_metric_is_an_error_at_its_key(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.write_recipe(
        f"schema = 1\n\n[model]\nsource = {str(demo.model_path())!r}\n\n[measure]\nmetrics = ['size', 'accuracy']\n"
    )
    result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        f"error: {recipe}: measure.metrics[2]: 'accuracy' needs a [metric] section (and the [data.*] it names)"
    ]
