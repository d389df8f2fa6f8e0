"""Issue 18: the first recipe runs as written, ``--json`` on the commands that print results,
progress on a terminal, and the small things users reported."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ovtune import demo
from ovtune.recipe import tomllib
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
    assert report["stopped_by"] == "stopped: the whole space is measured"  # 2 configurations, 3 trials
    assert "Stopped: the whole space is measured." in result.stderr and "the the" not in result.stderr
    tune_md = (ovtune_project.root / "runs" / "test-tune" / "tune.md").read_text()
    assert "Objective: **throughput**. Stopped: the whole space is measured." in tune_md
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
    assert texts[0] == "model 1/2 original: size · 0/4 done · 0 s"  # no estimate before a first latency
    assert texts[3].startswith("model 2/2 01-mo: latency · 3/4 done · 0 s · ~")
    assert texts[3].endswith(" left")
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


# small things users reported -----------------------------------------------------------------


def test_why_the_search_stopped_is_said_once() -> None:
    from ovtune.tune.search import SearchState
    from ovtune.tune.session import stop_text

    assert stop_text(SearchState(stopped_by="trial budget (3)")) == "stopped by the trial budget (3)"
    assert stop_text(SearchState(stopped_by="the whole space")) == "stopped by the whole space"
    measured = SearchState(phases=[{"name": "search", "ended": "all 2 configurations are measured"}])
    assert stop_text(measured) == "stopped: the whole space is measured"
    repeats = SearchState(
        phases=[{"name": "search", "ended": "the sampler proposes only configurations already measured"}]
    )
    assert stop_text(repeats) == "stopped: the sampler proposes only configurations already measured"


def test_plugins_piped_keeps_whole_rows() -> None:
    result = run_cli("plugins")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "ovtune-pot" in line]
    assert len(rows) == 1, result.stdout
    assert "pot.default" in rows[0] and "pot.accuracy_aware" in rows[0]
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_a_misspelt_installed_stage_suggests_the_name_not_an_install(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "pot.defualt"\n')
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    (line,) = error_lines(result.stderr)
    assert "stage[1].use: unknown stage 'pot.defualt' (did you mean 'pot.default'?)" in line
    assert "pip install" not in line
    blocked = run_cli("-p", "no:pot", "validate", str(recipe))
    assert "pip install ovtune-pot" in blocked.stderr


def test_validation_shows_every_problem_with_its_key(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(extra='[deploy]\nhint = "fast"\nthreads = -1\nrequests = 0\n')
    result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 2
    (line,) = error_lines(result.stderr)  # every user error is one line ...
    problems = line.removeprefix(f"error: {recipe}: ").split("; ")  # ... naming every problem
    assert [problem.split(": ")[0] for problem in problems] == ["deploy.hint", "deploy.requests", "deploy.threads"]
    assert problems[1] == "deploy.requests: Input should be greater than or equal to 1 (got 0)"
    assert "more problem" not in result.stderr
    document = json.loads(run_cli("validate", str(recipe), "--json", env=AUTOLOAD_OFF).stdout)
    assert [error["key"] for error in document["errors"]] == ["deploy.hint", "deploy.requests", "deploy.threads"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"abc"', "data.noise.shape: expected a valid list or a valid dictionary (got 'abc')"),
        ('[1, "x"]', "data.noise.shape[2]: Input should be a valid integer"),
    ],
)
def test_a_value_of_a_union_is_one_problem_at_its_own_key(
    ovtune_project: RecipeProject, value: str, expected: str
) -> None:
    """A value that fits no branch of its union (``shape``: a list, or a table per input) is one
    problem at the key the user wrote, never one per branch at keys like ``shape.list[int]``."""
    recipe = ovtune_project.demo_recipe(extra=f'[data.noise]\nkind = "random"\nshape = {value}\n')
    result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 2
    (line,) = error_lines(result.stderr)
    assert expected in line and "list[int]" not in line and "dict[" not in line, line


def test_streams_errors_name_the_key_and_say_auto_is_allowed(ovtune_project: RecipeProject) -> None:
    for value in ('"many"', "0", "1.5"):
        recipe = ovtune_project.demo_recipe(extra=f"[deploy]\nstreams = {value}\n")
        result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
        assert result.exit_code == 2
        (line,) = error_lines(result.stderr)
        assert 'deploy.streams: streams is a number of streams (1 or more) or "auto" (got ' in line
        assert "deploy.streams." not in line
    recipe = ovtune_project.demo_recipe(extra='[deploy]\nstreams = "auto"\n')
    assert run_cli("validate", str(recipe), env=AUTOLOAD_OFF).exit_code == 0
    reference = (DOCS / "recipes.md").read_text()
    (row,) = [line for line in reference.splitlines() if line.startswith("| `streams` |")]
    assert '"auto" to let the device choose' in row.rsplit(" | ", 1)[-1]  # the description, not only the type


AGREEMENT = """
import numpy as np


def agree(outputs, sample, reference):
    if reference is None:
        return -1.0
    return float(np.argmax(outputs[0]) == np.argmax(reference[0]))
"""


@pytest.mark.parametrize(("flag", "expected"), [("needs_reference = true", 1.0), ("", -1.0)])
def test_a_python_metric_can_ask_for_the_original_outputs(
    ovtune_project: RecipeProject, flag: str, expected: float
) -> None:
    (ovtune_project.root / "agreement.py").write_text(AGREEMENT)
    files = ovtune_project.copy_demo_model()
    recipe = ovtune_project.write_recipe(
        f"schema = 1\nname = 'agree'\n[model]\nsource = '{files['model'].name}'\n"
        f"[data.validation]\nkind = 'npz'\npath = '{files['validation'].name}'\nlimit = 16\n"
        f"[metric]\nkind = 'python:agreement:agree'\n{flag}\n[measure]\nmetrics = ['accuracy']\n"
    )
    result = run_cli("run", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    assert ovtune_project.report("agree")["models"][0]["measurements"]["accuracy"]["value"] == expected


def test_a_lock_of_files_inside_a_package_survives_its_reinstall(
    ovtune_project: RecipeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import ovtune.report.lock as lock

    package = ovtune_project.root / "site-packages" / "somepkg"
    package.mkdir(parents=True)
    for source in (demo.model_path(), demo.validation_path()):
        shutil.copy2(source, package / source.name)
    monkeypatch.setattr(lock, "package_folders", lambda: [package.parent.resolve()])
    recipe = ovtune_project.write_recipe(
        f"schema = 1\nname = 'pkg'\n[model]\nsource = '{package / demo.model_path().name}'\n"
        f"[data.validation]\nkind = 'npz'\npath = '{package / demo.validation_path().name}'\nlimit = 16\n"
        "[metric]\nkind = 'top1'\n[measure]\nmetrics = ['size', 'accuracy']\n"
    )
    assert run_cli("run", str(recipe), env=AUTOLOAD_OFF).exit_code == 0
    run_dir = ovtune_project.root / "runs" / "pkg"
    locked = tomllib.loads((run_dir / "run.lock.toml").read_text())
    assert locked["recipe"]["model"]["source"] == f"inputs/{demo.model_path().name}"
    assert locked["recipe"]["data"]["validation"]["path"] == f"inputs/{demo.validation_path().name}"
    shutil.rmtree(package.parent)  # the package is reinstalled elsewhere, or removed
    replay = run_cli("run", "--lock", str(run_dir / "run.lock.toml"), "--out", "replay", env=AUTOLOAD_OFF)
    assert replay.exit_code == 0, replay.output
    assert "warning" not in replay.stderr


# editor set-up --------------------------------------------------------------------------------


def test_editor_set_up_as_documented(ovtune_project: RecipeProject) -> None:
    import re

    import jsonschema

    schema_file = ovtune_project.root / "ovtune.schema.json"
    assert run_cli("schema", "-o", str(schema_file), env=AUTOLOAD_OFF).exit_code == 0
    ovtune_project.copy_demo_model()
    readme = (DOCS.parent / "README.md").read_text()
    (example,) = [block for block in re.findall(r"```toml\n(.*?)```", readme, re.S) if block.startswith("#:schema")]
    assert example.splitlines()[0] == "#:schema ./ovtune.schema.json"
    recipe = ovtune_project.write_recipe(example)
    result = run_cli("validate", str(recipe), env=AUTOLOAD_OFF)
    assert result.exit_code == 0, result.output
    jsonschema.validate(tomllib.loads(example), json.loads(schema_file.read_text()))
    bad = tomllib.loads(example + '\n[deploy]\nstreams = "many"\n')
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json.loads(schema_file.read_text()))
    reference = (DOCS / "recipes.md").read_text()
    taplo = next(block for block in re.findall(r"```toml\n(.*?)```", reference, re.S) if "[[rule]]" in block)
    rule = tomllib.loads(taplo)["rule"][0]
    assert rule["schema"]["path"] == "./ovtune.schema.json" and rule["include"]
