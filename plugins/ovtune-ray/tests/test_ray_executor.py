"""The ``ray`` executor on a simulated three-node cluster on this machine (``ray.cluster_utils``:
a head with one CPU and two workers with two), running the real 3 x 2 sweep of
:func:`ovtune.testing.write_sweep_project`: the same results as the serial executor, measurements
that never share a node, workers killed mid-build and mid-measurement that lose no job, and a
rerun that runs nothing; a tune on the cluster; a local Ray when no cluster is given."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from ovtune_ray.executor import RayExecutor
from ray.cluster_utils import Cluster

from ovtune.plugin import Job, demo_calibration_path, demo_model_path, demo_validation_path, execute_job
from ovtune.testing import RecipeProject, check_distribution, comparable, error_lines, run_cli, write_sweep_project

JOBS = 6


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Three nodes; the driver (this process) is attached to the head."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    simulated = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    for _ in range(2):
        simulated.add_node(num_cpus=2)
    simulated.wait_for_nodes()
    ray.init(address=simulated.address, include_dashboard=False, log_to_driver=False)
    yield simulated
    ray.shutdown()
    simulated.shutdown()


@pytest.fixture
def timelines(monkeypatch: pytest.MonkeyPatch) -> list[list[dict[str, Any]]]:
    """The timeline of every executor a sweep opens, kept when the sweep closes it."""
    kept: list[list[dict[str, Any]]] = []
    close = RayExecutor.close

    def keep_and_close(self: RayExecutor) -> None:
        kept.append(list(self.timeline))
        close(self)

    monkeypatch.setattr(RayExecutor, "close", keep_and_close)
    return kept


def _sweep(sweep_file: Path, executor: str = "ray") -> tuple[dict[str, Any], list[str]]:
    """``ovtune sweep`` in this process (so that it joins the test cluster); sweep.json and the
    lines it said."""
    result = run_cli("sweep", str(sweep_file), "--executor", executor)
    folder = sweep_file.parent / "runs" / "zoo-sweep"
    report = json.loads((folder / "sweep.json").read_text())
    assert result.exit_code in (0, 1), result.stderr  # 1: some job failed, which the tests look at
    return report, result.stderr.splitlines()


def failed_jobs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [job for job in report["jobs"] if job["state"] != "complete"]


def _journal(sweep_file: Path) -> list[dict[str, Any]]:
    lines = (sweep_file.parent / "runs" / "zoo-sweep" / "journal.jsonl").read_text().splitlines()
    return [record["result"] for record in map(json.loads, lines) if record["kind"] == "job"]


def _overlaps(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of steps on one node whose intervals overlap, where at least one of them is a run
    (a measurement) or the driver's hold."""
    found = []
    for index, first in enumerate(steps):
        for second in steps[index + 1 :]:
            exclusive = {first["kind"], second["kind"]} & {"run", "hold"}
            same_node = first["node"] == second["node"]
            if (
                exclusive
                and same_node
                and first["started"] < second["finished"]
                and second["started"] < first["finished"]
            ):
                found.append((f"{first['kind']} {first['job']}", f"{second['kind']} {second['job']}"))
    return found


def test_a_sweep_on_a_cluster_gives_the_serial_results_and_never_shares_a_measuring_node(
    cluster: Cluster, tmp_path: Path, timelines: list[list[dict[str, Any]]]
) -> None:
    serial, _ = _sweep(write_sweep_project(tmp_path / "serial"), executor="serial")
    sweep_file = write_sweep_project(tmp_path / "ray")
    report, said = _sweep(sweep_file)
    assert not failed_jobs(report), [job.get("error") for job in report["jobs"]]
    assert comparable(report) == comparable(serial)
    assert report["executor"] == "ray"
    (timeline,) = timelines
    assert [step["kind"] for step in timeline].count("run") == JOBS
    assert not _overlaps(timeline), _overlaps(timeline)
    measured_on = {result["node"]["id"] for result in _journal(sweep_file)}
    assert len(measured_on) >= 2, "measurements spread over the cluster's nodes"
    assert len({result["node"]["hardware"]["class"] for result in _journal(sweep_file)}) == 1
    builds_on = {step["node"] for step in timeline if step["kind"] == "build"}
    assert len(builds_on) >= 2, "builds run side by side on several nodes"

    rerun, said = _sweep(sweep_file)
    assert f"{JOBS} of {JOBS} jobs already finished; running 0" in said
    assert timelines[1] == [], "a rerun of a finished sweep starts no task"
    assert comparable(rerun) == comparable(report)


def test_hold_keeps_builds_off_the_drivers_node(cluster: Cluster, tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path / "zoo")
    executor = RayExecutor()
    recipe = {
        "schema": 1,
        "model": {"source": str(sweep_file.parent / "models" / "linear" / "linear.xml")},
        "measure": {"metrics": ["size"]},
    }
    jobs = [Job(id=f"build-{i}", kind="build", recipe=recipe, cpus=1, use_cache=False) for i in range(6)]
    built: list[Any] = []
    with executor.hold() as node:
        worker = threading.Thread(target=lambda: built.extend(executor.build(jobs)))
        worker.start()
        time.sleep(4.0)
    worker.join(timeout=300)
    assert [result.state for result in built] == ["complete"] * 6, [result.error for result in built]
    assert node.id == ray.get_runtime_context().get_node_id()
    assert not _overlaps(executor.timeline), _overlaps(executor.timeline)
    (held,) = [step for step in executor.timeline if step["kind"] == "hold"]
    during = [step for step in executor.timeline if step["kind"] == "build" and step["started"] < held["finished"]]
    assert during, "some builds ran on other nodes while the driver held its own"
    executor.close()


FAULTY_MODULE = '''
import os
import time
from pathlib import Path

import numpy as np

from sweep_stages_original import scale as _scale

FAULTS = Path(__file__).parent / "faults"


def _pause(step):
    """The first time a step gets here, say where (pid, node) and wait for the test to kill us."""
    if (FAULTS / f"{step}-killed").exists():
        return
    import ray

    (FAULTS / f"{step}-{os.getpid()}").write_text(ray.get_runtime_context().get_node_id())
    waited = time.time() + 120
    while not (FAULTS / f"{step}-killed").exists() and time.time() < waited:
        time.sleep(0.05)


def scale(model, context):
    _pause("build")
    return _scale(model, context)


def top1(outputs, sample, reference):
    _pause("measure")
    return float(int(np.argmax(outputs[0])) == int(sample.label))
'''


def _kill_first(faults: Path, step: str, thread: threading.Thread) -> str:
    """Kill the first worker that paused in ``step``; returns its node id."""
    waited = time.time() + 240
    while time.time() < waited and thread.is_alive():
        paused = sorted(faults.glob(f"{step}-[0-9]*"), key=lambda path: path.stat().st_mtime)
        if paused:
            node = paused[0].read_text()
            os.kill(int(paused[0].name.split("-")[1]), signal.SIGKILL)
            (faults / f"{step}-killed").write_text("")
            return node
        time.sleep(0.05)
    raise AssertionError(f"no worker paused in its {step}")


def test_workers_killed_mid_build_and_mid_measurement_lose_no_job(cluster: Cluster, tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path / "zoo")
    root = sweep_file.parent
    (root / "sweep_stages.py").rename(root / "sweep_stages_original.py")
    (root / "sweep_stages.py").write_text(FAULTY_MODULE, encoding="utf-8")
    (root / "faults").mkdir()
    text = sweep_file.read_text().replace('kind = "top1"', 'kind = "python:sweep_stages:top1"')
    sweep_file.write_text(text, encoding="utf-8")
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(report=_sweep(sweep_file)[0]))
    thread.start()
    _kill_first(root / "faults", "build", thread)
    measuring_node = _kill_first(root / "faults", "measure", thread)
    thread.join(timeout=600)
    report = outcome["report"]
    assert not failed_jobs(report), [job.get("error") for job in report["jobs"]]
    results = _journal(sweep_file)
    assert len(results) == JOBS
    retried = [result for result in results if result["attempts"] > 1]
    assert len(retried) == 2, [(result["job"], result["attempts"]) for result in results]
    assert any(result["node"]["id"] != measuring_node for result in retried), "a lost measurement moves to another node"
    assert all(job["final"]["accuracy"] is not None for job in report["jobs"])


TUNE_RECIPE = """\
schema = 1
name = "digits"

[model]
source = "{model}"

[data.calibration]
kind = "npz"
path = "{calibration}"
limit = 64

[data.validation]
kind = "npz"
path = "{validation}"
limit = 96

[metric]
kind = "top1"

[measure]
duration = "0.2s"
trials = 1
warmup = 2

[output]
cache_dir = "cache"

[tune]
objective = "latency"
budget = "5m"
trials = 3
finalists = 1
confirm = 1

[[tune.variant]]
name = "float"

[[tune.variant]]
name = "int8"
stage = [{{ use = "pot.default", subset_size = 64, speed_check = 0 }}]
choices = {{ "1.preset" = ["performance", "mixed"] }}
"""


def test_tune_on_ray_builds_each_phase_on_the_cluster_and_measures_on_one_class(
    cluster: Cluster, ovtune_project: RecipeProject
) -> None:
    recipe = ovtune_project.root / "tune.toml"
    recipe.write_text(
        TUNE_RECIPE.format(
            model=demo_model_path(), calibration=demo_calibration_path(), validation=demo_validation_path()
        )
    )
    result = run_cli("tune", str(recipe), "--executor", "ray")
    assert result.exit_code == 0, result.stderr
    report = json.loads((ovtune_project.root / "runs" / "digits-tune" / "tune.json").read_text())
    assert report["executor"] == {"name": "ray", "parallel": True}
    (phase,) = report["phases"]
    assert phase["prebuilt"]["built"] == 2 and phase["prebuilt"]["failed"] == 0  # the two int8 presets
    int8 = [trial for trial in report["trials"] if trial["config"]["variant"] == "int8"]
    assert int8 and all(stage["cached"] for trial in int8 for stage in trial["stages"])  # built on the cluster
    assert {trial["hardware_class"] for trial in report["trials"]} == {report["hardware"]["class"]}


def test_a_build_beside_other_builds_times_nothing(cluster: Cluster) -> None:
    """pot.default's speed check would time the other builds too: on Ray, builds skip it and say
    so; the same build alone (serial) keeps it."""
    recipe = {
        "schema": 1,
        "model": {"source": str(demo_model_path())},
        "data": {"calibration": {"kind": "npz", "path": str(demo_calibration_path()), "limit": 32}},
        "stage": [{"use": "pot.default", "subset_size": 32, "speed_check": 0.1}],
        "measure": {"metrics": ["size"]},
    }
    job = Job(id="int8", kind="build", recipe=recipe, use_cache=False)
    executor = RayExecutor()
    (on_ray,) = executor.build([job])
    executor.close()
    alone = execute_job(job)
    assert on_ray.state == alone.state == "complete", (on_ray.error, alone.error)
    assert "speed" not in on_ray.stages[0]["details"]
    assert any("Speed check skipped" in note for note in on_ray.stages[0]["notes"])
    assert "speed" in alone.stages[0]["details"]


def _ovtune(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A fresh ``ovtune`` process that knows of no cluster (the test cluster set RAY_ADDRESS here)."""
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    command = [sys.executable, "-m", "ovtune", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=600)


def test_with_no_address_a_local_ray_is_started_on_this_machine(tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path / "zoo")
    result = _ovtune("sweep", str(sweep_file), "--executor", "ray", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((sweep_file.parent / "runs" / "zoo-sweep" / "sweep.json").read_text())
    assert report["executor"] == "ray" and not failed_jobs(report)
    assert "Traceback" not in result.stderr


def test_an_address_where_no_cluster_answers_is_one_error_line(tmp_path: Path) -> None:
    sweep_file = write_sweep_project(tmp_path / "zoo")
    result = _ovtune("sweep", str(sweep_file), "--executor", "ray", "--address", "127.0.0.1:1", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = error_lines(result.stderr)
    assert "--address 127.0.0.1:1: no Ray cluster answers there" in line, line


def test_distribution_conforms() -> None:
    check_distribution("ovtune-ray")


def test_the_serial_executor_never_imports_ray(tmp_path: Path) -> None:
    """One machine needs no Ray: a serial sweep and ``ovtune plugins`` (which imports every
    plugin's registration module, ovtune-ray's included) leave Ray unimported."""
    sweep_file = write_sweep_project(tmp_path / "zoo")
    script = (
        "import contextlib, runpy, sys\n"
        "def ovtune(*args):\n"
        "    sys.argv = ['ovtune', *args]\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        runpy.run_module('ovtune', run_name='__main__', alter_sys=True)\n"
        "ovtune('plugins', '--json')\n"
        f"ovtune('sweep', {str(sweep_file)!r})\n"
        "print('ray imported' if 'ray' in sys.modules else 'no ray', file=sys.stderr)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert '"ray"' in done.stdout, "ovtune plugins lists the ray plugin"
    assert (sweep_file.parent / "runs" / "zoo-sweep" / "sweep.json").is_file(), done.stderr
    assert done.stderr.splitlines()[-1] == "no ray", done.stderr
