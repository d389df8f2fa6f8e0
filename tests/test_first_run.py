"""Issue 18: the first recipe runs as written, ``--json`` on the commands that print results,
progress on a terminal, and the small things users reported."""

from __future__ import annotations

import io
import json
from pathlib import Path

from ovtune import demo
from ovtune.testing import RecipeProject, error_lines, run_cli

AUTOLOAD_OFF = {"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"}
DOCS = Path(__file__).resolve().parents[1] / "docs"


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


# --json: stdout holds one JSON document, the human text goes to stderr ---------------------


def test_run_json_prints_report_json_alone_on_stdout(ovtune_project: RecipeProject) -> None:
    import jsonschema

    recipe = ovtune_project.demo_recipe()
    result = run_cli("run", str(recipe), "--json", env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    schema = json.loads((DOCS / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report == ovtune_project.report("test")
    assert "run folder:" in result.stderr  # the table went to stderr


def test_validate_json(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe()
    result = run_cli("validate", str(recipe), "--json", env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert document["model"]["format"] == "onnx"
    assert document["measurements"] == ["size", "accuracy"]
    assert document["metric"] == "top1"
    assert document["resolved"]["measure"]["metrics"] == ["size", "accuracy"]
    assert result.stderr == ""

    broken = ovtune_project.write_recipe(
        recipe.read_text().replace("[measure]", "[measure]\niterations = 0"), "bad.toml"
    )
    failed = run_cli("validate", str(broken), "--json", env=AUTOLOAD_OFF)
    assert failed.exit_code == 2
    document = json.loads(failed.stdout)
    assert document["ok"] is False
    assert [error["key"] for error in document["errors"]] == ["measure.iterations"]
    assert error_lines(failed.stderr)


def test_stages_json() -> None:
    listed = run_cli("stages", "--json")
    assert listed.exit_code == 0, listed.output
    stages = {stage["name"]: stage for stage in json.loads(listed.stdout)["stages"]}
    assert stages["pot.default"]["distribution"] == "ovtune-pot"
    one = run_cli("stages", "pot.default", "--json")
    assert one.exit_code == 0, one.output
    document = json.loads(one.stdout)
    assert document["name"] == "pot.default"
    options = {option["name"]: option for option in document["options"]}
    assert "preset" in options and options["preset"]["required"] is False
    assert "preset" in document["schema"]["properties"]


SMALL_TUNE = """
[tune]
objective = "throughput"
budget = "3m"
trials = 3
finalists = 1
confirm = 0

[tune.constraints]
max_drop = 0.05

[[tune.variant]]
name = "float"

[tune.deploy]
hint = ["latency", "throughput"]
"""


def test_tune_json_prints_tune_json_alone_on_stdout(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(extra=SMALL_TUNE)
    result = run_cli("tune", str(recipe), "--json", env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["decision"]["status"] == "met"
    assert len(report["trials"]) == 2
    assert "trial 1/3" in result.stderr and "chosen:" in result.stderr
    written = json.loads((ovtune_project.root / "runs" / "test-tune" / "tune.json").read_text())
    assert written["decision"] == report["decision"]


# progress: on a terminal only ---------------------------------------------------------------


def _terminal(is_terminal: bool = True) -> tuple[object, io.StringIO]:
    from rich.console import Console

    out = io.StringIO()
    return Console(file=out, force_terminal=is_terminal, width=200), out


def test_run_progress_counts_models_and_measurements() -> None:
    from ovtune.context import RunInfo
    from ovtune.progress import ConsoleProgress, MeasurementPlan

    console, out = _terminal()
    plan = MeasurementPlan(["original", "01-mo"], ["size", "latency"])
    progress = ConsoleProgress(console, plan=plan)  # type: ignore[arg-type]
    run = RunInfo("test", None, Path("runs/test"), ("mo",))
    texts = []
    for model in plan.models:
        for name in plan.measurements:
            progress.ovtune_measurement_start(run, model, name)
            texts.append(progress.measuring_text())
            progress.ovtune_measurement_finish(run, model, name, {})
    progress.close()
    assert texts[0].startswith("model 1/2 original: size; 0/4 measurements, 0 s elapsed")
    assert texts[3].startswith("model 2/2 01-mo: latency; 3/4 measurements")
    assert "left" in texts[3]
    assert "model 1/2 original" in out.getvalue()  # drawn on the terminal

    quiet, quiet_out = _terminal(is_terminal=False)
    progress = ConsoleProgress(quiet, plan=MeasurementPlan(["original"], ["size"]))  # type: ignore[arg-type]
    progress.ovtune_measurement_start(run, "original", "size")
    progress.ovtune_measurement_finish(run, "original", "size", {})
    assert quiet_out.getvalue() == ""
    console, out = _terminal()
    progress = ConsoleProgress(console, plan=MeasurementPlan(["original"], ["size"]), live=False)  # type: ignore[arg-type]
    progress.ovtune_measurement_start(run, "original", "size")
    progress.ovtune_measurement_finish(run, "original", "size", {})
    assert out.getvalue() == ""


def test_tune_progress_shows_the_trial_and_the_budgets() -> None:
    from ovtune.progress import TuneProgress

    console, out = _terminal()
    progress = TuneProgress(console)  # type: ignore[arg-type]
    progress.start(trials=24, budget=600.0, done=2)
    progress.trial_started(3, "float / throughput")
    assert progress.text() == "trial 3 (float / throughput): 2/24 trials done, 0 s of 10 min 00 s used"
    progress.trial_finished()
    assert progress.text() == "3/24 trials done, 0 s of 10 min 00 s used"
    progress.stop()
    assert "trials done" in out.getvalue()
    console, out = _terminal(is_terminal=False)
    silent = TuneProgress(console)  # type: ignore[arg-type]
    silent.start(trials=4, budget=60.0)
    silent.trial_started(1, "float")
    silent.stop()
    assert out.getvalue() == ""
