"""``ovtune tune`` on the demo CNN: search, choice, outputs, the float fallback, resuming.

Figures are real measurements (kept short); the tests check decisions and files, never speed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomllib

import ovtune.runtime
from ovtune.testing import RecipeProject, error_lines, run_cli

TUNE_RECIPE = """\
schema = 1
name = "digits"

[model]
source = "digits_cnn.onnx"

[data.calibration]
kind = "npz"
path = "digits_calib.npz"
limit = 64

[data.validation]
kind = "npz"
path = "digits_val.npz"
limit = 96

[metric]
kind = "{metric}"

[measure]
duration = "0.2s"
trials = 1
warmup = 2

[output]
cache_dir = "cache"

[tune]
objective = "{objective}"
budget = "5m"
trials = {trials}
finalists = 2
confirm = 1

[tune.constraints]
max_drop = {max_drop}

[[tune.variant]]
name = "float"

[[tune.variant]]
name = "int8"
stage = [{{ use = "pot.default", subset_size = 64, speed_check = 0 }}]
choices = {{ "1.preset" = ["performance", "mixed"] }}

[tune.deploy]
hint = ["latency", "throughput"]
precision = {precisions}
"""


def write_tune_recipe(project: RecipeProject, **values: Any) -> Path:
    settings = {
        "metric": "top1",
        "objective": "throughput",
        "trials": 4,
        "max_drop": 0.02,
        "precisions": '["bf16"]',
        **values,
    }
    project.copy_demo_model()
    return project.write_recipe(TUNE_RECIPE.format(**settings))


def tune_report(project: RecipeProject) -> dict[str, Any]:
    return json.loads((project.root / "runs" / "digits-tune" / "tune.json").read_text())  # type: ignore[no-any-return]


def test_tune_chooses_a_feasible_configuration_and_writes_what_deploys_it(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project)
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    report = tune_report(ovtune_project)
    trials = report["trials"]
    assert len(trials) == 4 and report["stopped_by"] == "stopped by the trial budget (4)"
    # defaults first: each variant with the objective's hint and the first value of each choice
    assert [t["label"] for t in trials[:2]] == [
        "float / throughput, bf16",
        "int8 preset=performance / throughput, bf16",
    ]
    assert all(t["state"] == "complete" for t in trials)
    assert trials[0]["precision"] == "bf16" and not trials[0]["quantized"]
    assert trials[1]["quantized"] and trials[1]["integer_compute_share"] == 1.0
    assert report["reference_accuracy"]["value"] > 0.95
    decision = report["decision"]
    assert decision["status"] == "met" and decision["winner"] in [t["number"] for t in trials]
    winner = next(t for t in trials if t["number"] == decision["winner"])
    assert winner["feasible"] and winner["values"]["drop"] <= 0.02
    assert len(decision["finalists"]) == 2 and all(len(v) == 1 for v in decision["confirmation"].values())
    assert "has the highest throughput" in decision["reason"] and "meets accuracy drop" in decision["reason"]
    assert report["pareto_front"] and set(report["pareto_front"]) <= {t["number"] for t in trials}
    assert f"chosen: trial {winner['number']}" in result.stdout.replace("\n", " ")

    folder = ovtune_project.root / "runs" / "digits-tune"
    markdown = (folder / "tune.md").read_text()
    assert markdown.count("\n| ") >= 5
    # the chosen configuration as a deployment needs it: where it ran, how to rebuild and check it
    assert f"## The chosen configuration: #{winner['number']} {winner['label']}" in markdown
    assert "ran on CPU" in markdown and "| PERFORMANCE_HINT | " in markdown
    assert "```toml\n" in markdown and "[deploy]" in markdown
    assert "benchmark_app -m model.xml -d CPU -load_config config.json" in markdown
    assert sorted(p.name for p in (folder / "charts").glob("*.svg")) == [
        "tune-accuracy-latency.svg",
        "tune-latency.svg",
        "tune-throughput.svg",
    ]
    # the deploy folder: benchmark_app's -load_config format, and one line to load it
    config = json.loads((folder / "deploy" / "config.json").read_text())
    hint = winner["config"]["deploy"]["hint"]
    assert config == {"CPU": {"PERFORMANCE_HINT": ["LATENCY", "THROUGHPUT"][hint], "INFERENCE_PRECISION_HINT": "bf16"}}
    compiled = ovtune.runtime.load(folder / "deploy")
    assert str(compiled.get_property("PERFORMANCE_HINT")) == config["CPU"]["PERFORMANCE_HINT"]
    digits = np.load(ovtune_project.root / "digits_val.npz")
    predicted = [int(np.argmax(compiled(digits["image"][i : i + 1])[0])) for i in range(32)]
    assert np.mean(np.array(predicted) == digits["label"][:32]) > 0.95
    # best.toml is a plain recipe that reproduces the winner
    best = tomllib.loads((folder / "best.toml").read_text())
    assert "tune" not in best and best["deploy"]["hint"] == ["latency", "throughput"][hint]
    assert bool(best.get("stage")) == winner["quantized"]
    rerun = run_cli("run", str(folder / "best.toml"))
    assert rerun.exit_code == 0, rerun.stderr
    if winner["quantized"]:
        assert (
            "(cached)" in rerun.stderr
            or json.loads((folder / "runs" / "digits-best" / "report.json").read_text())["stages"][0]["cached"]
        )


def test_every_quantized_candidate_breaking_the_bound_returns_the_best_float(ovtune_project: RecipeProject) -> None:
    """max_abs_diff against the f32 original: only f32 execution of the float model is exact."""
    recipe = write_tune_recipe(
        ovtune_project, metric="max_abs_diff", objective="latency", max_drop=0.0, trials=5, precisions='["bf16", "f32"]'
    )
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    report = tune_report(ovtune_project)
    quantized = [t for t in report["trials"] if t["quantized"]]
    assert quantized and all(not t["feasible"] for t in quantized)
    assert all(t["violations"].keys() == {"max_drop"} for t in quantized)
    (note,) = report["decision"]["notes"]
    assert note.startswith(f"every quantized configuration ({len(quantized)} trials) breaks max_drop")
    assert note.endswith("the choice is among float configurations")
    winner = next(t for t in report["trials"] if t["number"] == report["decision"]["winner"])
    assert not winner["quantized"] and winner["precision"] == "f32" and winner["values"]["drop"] == 0.0
    assert "every quantized configuration" in result.stdout.replace("\n", " ")
    assert not tomllib.loads((ovtune_project.root / "runs" / "digits-tune" / "best.toml").read_text()).get("stage")


def test_nothing_within_the_bounds_exits_1_and_returns_the_closest_float(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, metric="max_abs_diff", max_drop=0.0, trials=3)
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 1
    assert error_lines(result.stderr) == [
        "error: no configuration meets every bound of [tune.constraints]; see the notes above"
    ]
    report = tune_report(ovtune_project)
    assert report["decision"]["status"] == "unmet"
    assert any(note.startswith("no configuration meets every bound") for note in report["decision"]["notes"])
    winner = next(t for t in report["trials"] if t["number"] == report["decision"]["winner"])
    assert not winner["quantized"]
    assert (ovtune_project.root / "runs" / "digits-tune" / "deploy" / "model.xml").exists()


def test_killed_tune_resumes_from_its_finished_trials(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=5)
    journal = ovtune_project.root / "runs" / "digits-tune" / "journal.jsonl"
    env = {**os.environ, "CI": "true", "OVTUNE_CACHE_DIR": str(ovtune_project.root / "cache")}
    process = subprocess.Popen(
        [sys.executable, "-m", "ovtune", "tune", str(recipe)],
        cwd=ovtune_project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_text().count('"kind": "trial"') >= 2:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the tune finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = [json.loads(line) for line in journal.read_text().splitlines() if '"kind": "trial"' in line]
    assert 2 <= len(finished) < 5

    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    assert f"resuming: {len(finished)} finished trial(s)" in result.stderr
    report = tune_report(ovtune_project)
    assert report["resumed_trials"] == len(finished)
    trials = report["trials"]
    assert len(trials) == 5
    assert [(t["number"], t["label"], t["seconds"]) for t in trials[: len(finished)]] == [
        (t["number"], t["label"], t["seconds"]) for t in finished
    ]
    labels = [t["label"] for t in trials]
    assert len(set(labels)) == len(labels), "a finished configuration was measured again"
    assert result.stderr.count("trial ") >= 5 - len(finished)


def test_a_changed_space_is_not_resumed_without_fresh(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=2)
    assert run_cli("tune", str(recipe)).exit_code == 0
    recipe.write_text(recipe.read_text().replace('hint = ["latency", "throughput"]', 'hint = ["throughput"]'))
    refused = run_cli("tune", str(recipe))
    assert refused.exit_code == 2
    assert "written for another search space" in refused.stderr and "--fresh" in refused.stderr
    assert run_cli("tune", str(recipe), "--fresh").exit_code == 0


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (('hint = ["latency", "throughput"]', 'hint = ["latency", "fast"]'), "tune.deploy.hint[2]"),
        (
            ('"1.preset" = ["performance", "mixed"]', '"1.preset" = ["performance", "best"]'),
            'tune.variant[2].choices."1.preset"[2]',
        ),
        (('"1.preset"', '"2.preset"'), "tune.variant[2].choices"),
        (('objective = "throughput"', 'objective = "speed"'), "tune.objective"),
        (("[tune.deploy]", '[tune.deploy]\ncolor = ["red"]'), "tune.deploy"),
    ],
)
def test_validate_names_the_tune_key_of_a_bad_value(
    ovtune_project: RecipeProject, edit: tuple[str, str], key: str
) -> None:
    recipe = write_tune_recipe(ovtune_project)
    recipe.write_text(recipe.read_text().replace(*edit))
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    (line,) = error_lines(result.stderr)
    assert line.startswith(f"error: {recipe}: {key}"), line


def test_tune_without_a_tune_section_says_what_to_add(ovtune_project: RecipeProject) -> None:
    result = run_cli("tune", str(ovtune_project.demo_recipe()))
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        f"error: {ovtune_project.root / 'recipe.toml'}: tune: no [tune] section: add one (objective, budget, "
        "[tune.deploy] choices ...); see docs/tune.md"
    ]


def test_runtime_load_explains_a_folder_that_is_not_a_deploy_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not an ovtune deploy folder"):
        ovtune.runtime.load(tmp_path)


def test_runtime_module_imports_only_openvino() -> None:
    heavy = ("nncf", "pydantic", "click", "rich", "optuna")
    code = f"import sys, ovtune.runtime; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_time_budget_stops_the_search_and_the_random_sampler_runs(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=10)
    text = recipe.read_text().replace('budget = "5m"', 'budget = "1s"\nsampler = "random"')
    recipe.write_text(text)
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    report = tune_report(ovtune_project)
    assert report["stopped_by"].startswith("stopped by the time budget (1 s;")
    assert 1 <= len(report["trials"]) < 10


def test_batch_is_searched_through_the_mo_stage_and_scored_on_the_same_samples(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=2)
    text = recipe.read_text()
    start = text.index("[[tune.variant]]")
    text = text[:start] + (
        '[[tune.variant]]\nname = "float"\nstage = [{ use = "mo", layout = "NCHW" }]\n'
        'choices = { "1.batch" = [1, 4] }\n\n[tune.deploy]\nhint = ["throughput"]\n'
    )
    recipe.write_text(text)
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    trials = tune_report(ovtune_project)["trials"]
    assert [t["label"] for t in trials] == ["float batch=1 / throughput", "float batch=4 / throughput"]
    for trial in trials:
        assert trial["state"] == "complete", trial.get("error")
        assert trial["accuracy"]["samples"] == 96 and trial["accuracy"]["value"] > 0.95
    batched = trials[1]["measurements"]["throughput"]
    assert batched["frames_per_inference"] == 4
