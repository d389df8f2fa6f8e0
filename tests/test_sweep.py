"""``ovtune sweep``: three real models under two recipes, run as jobs by the serial executor,
resumed from the journal after a kill, reported across models, compared as a CI gate."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ovtune.manager import PluginHost
from ovtune.sweep.session import failed_jobs, run_sweep
from ovtune.testing import comparable, error_lines, run_cli, write_sweep_project

JOB_IDS = ["cnn/f32", "cnn/scaled", "linear/f32", "linear/scaled", "mlp/f32", "mlp/scaled"]


@dataclass
class Swept:
    sweep_file: Path
    folder: Path
    report: dict[str, Any]
    said: list[str]


def _sweep(sweep_file: Path, **options: Any) -> tuple[dict[str, Any], list[str]]:
    said: list[str] = []
    report = run_sweep(sweep_file, PluginHost(), say=said.append, **options)
    return report, said


def _journal(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "journal.jsonl").read_text().splitlines()
    return [record for record in map(json.loads, lines) if record["kind"] == "job"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """The sweep, run once for the tests that only read what it wrote."""
    sweep_file = write_sweep_project(tmp_path_factory.mktemp("zoo"))
    report, said = _sweep(sweep_file)
    return Swept(sweep_file, sweep_file.parent / "runs" / "zoo-sweep", report, said)


def test_every_job_runs_and_the_combined_report_is_written(swept: Swept) -> None:
    report, folder = swept.report, swept.folder
    assert [job["id"] for job in report["jobs"]] == JOB_IDS
    assert not failed_jobs(report), [job["error"] for job in report["jobs"]]
    assert {path.name for path in folder.iterdir()} >= {"jobs", "journal.jsonl", "sweep.json", "sweep.md", "sweep.html"}
    for job in report["jobs"]:
        assert (folder / job["folder"] / "report.json").is_file()
        assert job["hardware_class"] == report["nodes"][0]["hardware"]["class"]
        assert job["final"]["accuracy"] > 0.9  # real models on held-out digits
    scaled = [job for job in report["jobs"] if job["recipe"] == "scaled"]
    assert all(len(job["stages"]) == 1 and len(job["stages"][0]["output_hash"]) == 64 for job in scaled)
    assert all(job["final"]["precision"] == "f32" for job in report["jobs"] if job["recipe"] == "f32")
    assert [model["label"] for model in report["models"]] == JOB_IDS
    assert [row["model"] for row in report["best"]] == ["cnn", "linear", "mlp"]
    assert all(row["recipe"] in ("f32", "scaled") and row["accuracy_drop"] is not None for row in report["best"])
    assert json.loads((folder / "sweep.json").read_text()) == report
    markdown = (folder / "sweep.md").read_text()
    assert "| model | hardware | best recipe |" in markdown and "| mlp | scaled | complete |" in markdown
    assert swept.said[0] == "running 6 job(s) with the serial executor"
    assert any(line.startswith("[6/6] mlp/scaled: finished on local") for line in swept.said)


def test_the_base_recipe_s_paths_are_relative_to_the_base_file(swept: Swept) -> None:
    report = json.loads((swept.folder / "jobs" / "cnn--f32" / "report.json").read_text())
    root = swept.sweep_file.parent.resolve()
    assert report["recipe"]["data"]["calibration"]["path"] == str(root / "shared" / "calibration.npz")
    assert report["recipe"]["data"]["validation"]["path"] == str(root / "models" / "cnn" / "validation.npz")
    assert report["recipe"]["output"]["cache_dir"] == str(root / "shared" / "cache")
    assert (root / "shared" / "cache").is_dir()


def test_the_charts_are_standalone_svg(swept: Swept) -> None:
    charts = sorted((swept.folder / "charts").glob("*.svg"))
    assert {path.stem for path in charts} >= {"latency", "throughput", "accuracy-latency"}
    for path in charts:
        assert ET.fromstring(path.read_text()).tag == "{http://www.w3.org/2000/svg}svg"
    html = (swept.folder / "sweep.html").read_text()
    assert html.count("<svg") == len(charts) and '<table id="best">' in html


def test_a_rerun_of_a_finished_sweep_runs_nothing(swept: Swept) -> None:
    before = _journal(swept.folder)
    result = run_cli("sweep", str(swept.sweep_file), "--json")
    assert result.exit_code == 0, result.stderr
    assert "6 of 6 jobs already finished; running 0" in result.stderr
    assert "finished on" not in result.stderr
    assert _journal(swept.folder) == before
    rewritten = json.loads(result.stdout)
    assert comparable(rewritten) == comparable(swept.report)
    assert rewritten["finished"] >= swept.report["finished"]


def test_compare_two_sweeps_as_a_ci_gate(swept: Swept, tmp_path: Path) -> None:
    other = tmp_path / "other-sweep"
    other.mkdir()
    shutil.copyfile(swept.folder / "sweep.json", other / "sweep.json")
    gate = ("--fail-on", "latency.median>+50%", "--fail-on", "accuracy.value<-0.01")
    passed = run_cli("compare", str(swept.folder), str(other), *gate)
    assert passed.exit_code == 0, passed.output
    assert "ok: no regression (2 conditions on 6 model(s))" in passed.stderr
    slower = json.loads((other / "sweep.json").read_text())
    slower["models"][2]["measurements"]["latency"]["median_ms"] *= 3
    (other / "sweep.json").write_text(json.dumps(slower))
    failed = run_cli("compare", str(swept.folder / "sweep.json"), str(other), *gate)
    assert failed.exit_code == 1
    regressions = [line for line in failed.stderr.splitlines() if line.startswith("regression:")]
    assert len(regressions) == 1 and regressions[0].startswith("regression: linear/f32 latency.median_ms +200.0%")
    elsewhere = json.loads((other / "sweep.json").read_text())
    elsewhere["models"][0]["hardware_class"] = "0123456789ab"
    (other / "sweep.json").write_text(json.dumps(elsewhere))
    notes = json.loads(run_cli("compare", str(swept.folder), str(other), "--json").stdout)["notes"]
    assert any(note.startswith("cnn/f32: measured on different hardware (class ") for note in notes)


def test_a_changed_recipe_reruns_only_its_jobs_and_a_failed_job_does_not_stop_the_sweep(tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path)
    first, _ = _sweep(sweep_file)
    assert not failed_jobs(first)
    folder = tmp_path / "runs" / "zoo-sweep"
    text = sweep_file.read_text()
    text = text.replace('precision = "f32"', 'precision = "f32"\nhint = "throughput"')
    text += '\n[[recipe]]\nname = "broken"\nmodels = ["linear"]\n[[recipe.stage]]\nuse = "python"\n'
    text += 'function = "sweep_stages:missing"\n'
    sweep_file.write_text(text)
    second, said = _sweep(sweep_file)
    assert said[0] == "3 of 7 jobs already finished; running 4"
    assert [record["job"] for record in _journal(folder)[6:]] == ["cnn/f32", "linear/f32", "linear/broken", "mlp/f32"]
    assert [job["id"] for job in failed_jobs(second)] == ["linear/broken"]
    assert "sweep_stages" in second["jobs"][4]["error"] and second["jobs"][4]["exit_code"] == 2
    assert any(line.startswith("[3/4] linear/broken: FAILED: ") for line in said)
    assert all(job["deploy"]["hint"] == "throughput" for job in second["jobs"] if job["recipe"] == "f32")
    third = run_cli("sweep", str(sweep_file))
    assert third.exit_code == 1
    assert "6 of 7 jobs already finished; running 1" in third.stderr
    assert "error: 1 of 7 job(s) failed: linear/broken" in third.stderr


def test_a_killed_driver_resumes_and_finishes_the_same_sweep(swept: Swept, tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path)
    folder = tmp_path / "runs" / "zoo-sweep"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    driver = subprocess.Popen(
        [sys.executable, "-m", "ovtune", "sweep", str(sweep_file)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (folder / "journal.jsonl").is_file() or not _journal(folder):
        assert driver.poll() is None and time.monotonic() < deadline, "the sweep ended before its first job"
        time.sleep(0.02)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    finished = len(_journal(folder))
    assert 1 <= finished < len(JOB_IDS)
    resumed, said = _sweep(sweep_file)
    assert said[0] == f"{finished} of 6 jobs already finished; running {6 - finished}"
    assert [record["job"] for record in _journal(folder)] == JOB_IDS
    assert comparable(resumed) == comparable(swept.report)


BAD_SWEEPS = {
    "unknown stage": (
        ('use = "python"', 'use = "no.such.stage"'),
        "sweep.toml: recipe[2].stage[1].use: ",
    ),
    "missing model source": (
        ('source = "models/linear/linear.xml"', 'source = "models/linear/gone.xml"'),
        "sweep.toml: model[2].source: model file not found",
    ),
    "duplicate model name": (('name = "mlp"', 'name = "cnn"'), "sweep.toml: model[3].name: duplicate model name 'cnn'"),
    "unsafe name": (
        ('name = "scaled"', 'name = "../scaled"'),
        "sweep.toml: recipe[2].name: '../scaled' is not a folder",
    ),
    "bad option in the base": (("limit = 32", "limit = 0"), "base.toml: data.calibration.limit: "),
    "tune in a recipe": (
        ('name = "scaled"', 'name = "scaled"\ntune = {}'),
        "sweep.toml: recipe[2].tune: a sweep runs recipes",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SWEEPS))
def test_a_bad_sweep_is_one_error_line_naming_file_and_key(tmp_path: Path, case: str) -> None:
    sweep_file = write_sweep_project(tmp_path)
    (old, new), expected = BAD_SWEEPS[case]
    target = tmp_path / "shared" / "base.toml" if case == "bad option in the base" else sweep_file
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    result = run_cli("sweep", str(sweep_file))
    assert result.exit_code == 2, result.output
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()  # nothing ran, no folder claimed


def test_an_unknown_executor_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("sweep", str(write_sweep_project(tmp_path)), "--executor", "nosuch")
    assert result.exit_code == 2
    assert error_lines(result.stderr) == [
        "error: --executor nosuch: no installed plugin provides it; pip install ovtune-nosuch"
    ]


def _job(
    model: str, recipe: str, hardware: str, latency: float | None, accuracy: float, precision: str = "bf16"
) -> dict[str, Any]:
    figures = {"latency_median_ms": latency, "accuracy": accuracy, "higher_is_better": True, "precision": precision}
    original = {"accuracy": 0.9, "precision": precision}
    return {
        "id": f"{model}/{recipe}",
        "model": model,
        "recipe": recipe,
        "hardware_class": hardware,
        "hardware_label": hardware.upper(),
        "state": "complete",
        "final": figures,
        "original": original,
    }


def test_the_best_recipe_is_chosen_per_hardware_class_within_the_accuracy_bound() -> None:
    from ovtune.report.sweep import OBJECTIVES, best_per_model

    jobs = [
        _job("a", "f32", "cpu1", 2.0, 0.9, precision="f32"),
        _job("a", "int8", "cpu1", 1.0, 0.80),  # fastest, but loses 0.10
        _job("a", "fp16", "cpu1", 1.5, 0.89),
        _job("a", "f32", "cpu2", 9.0, 0.9, precision="f32"),  # slower hardware: its own row
        _job("b", "f32", "cpu1", None, 0.9),  # no latency measured
        {**_job("b", "int8", "cpu1", 0.5, 0.9), "state": "failed"},
        _job("c", "x", "cpu1", 1.0, 0.5),
        _job("c", "y", "cpu1", 1.0, 0.6),  # a tie: the first in file order wins
    ]
    rows = best_per_model(jobs, OBJECTIVES["latency"], max_drop=0.05)
    chosen = [(row["model"], row["hardware_class"], row["recipe"]) for row in rows]
    assert chosen == [("a", "cpu1", "fp16"), ("a", "cpu2", "f32"), ("b", "cpu1", None), ("c", "cpu1", "x")]
    assert rows[0]["accuracy_drop"] == pytest.approx(0.01)
    assert rows[2]["reason"] == "no finished job has a latency figure within max_drop 0.05"
    assert rows[3]["accuracy_drop"] is None  # no original measured in f32: nothing to check against
    fastest = best_per_model(jobs, OBJECTIVES["latency"], max_drop=None)
    assert fastest[0]["recipe"] == "int8"


def test_an_inline_base_is_relative_to_the_sweep_file(tmp_path: Path) -> None:
    from ovtune.sweep.matrix import load_sweep

    sweep_file = write_sweep_project(tmp_path)
    inline = (
        '[base.data.calibration]\nkind = "npz"\npath = "shared/calibration.npz"\n'
        '[base.measure]\nmetrics = ["size", "accuracy"]\n[base.output]\ncache_dir = "cache"\n'
    )
    text = sweep_file.read_text().replace('base = "shared/base.toml"\n', "")
    sweep_file.write_text(text.replace("\n[[model]]", "\n" + inline + "\n[[model]]", 1))
    sweep = load_sweep(sweep_file, PluginHost().registry)
    assert [job.id for job in sweep.jobs] == JOB_IDS
    table = sweep.jobs[0].table
    assert table["output"]["cache_dir"] == str(tmp_path.resolve() / "cache")
    assert table["data"]["calibration"]["path"] == str(tmp_path.resolve() / "shared" / "calibration.npz")
    assert "console" not in table["output"]["reports"]
