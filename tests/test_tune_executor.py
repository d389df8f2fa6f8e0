"""``ovtune tune`` with a parallel executor: each phase's models are built by the executor
before the phase measures, the measurements run while the executor keeps the machine to the
tune, and every trial records the hardware class it was measured on."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from test_tune import tune_report, write_tune_recipe

from ovtune import hookimpl
from ovtune.executors import SerialExecutor, execute_job, local_node
from ovtune.jobs import Job, JobResult, NodeInfo
from ovtune.manager import PluginHost
from ovtune.testing import RecipeProject
from ovtune.tune.session import run_tune


class ThreadedBuilds(SerialExecutor):
    """Builds on two threads, each in its own plugin host (as a worker would); records what
    ran when, and when the machine was held."""

    name = "threads"
    parallel = True

    def __init__(self, host: PluginHost):
        super().__init__(host)
        self.built: list[JobResult] = []
        self.holds: list[tuple[float, float]] = []

    def build(self, jobs: Sequence[Job]) -> list[JobResult]:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda job: execute_job(job, export=True), jobs))
        self.built += results
        return results

    @contextlib.contextmanager
    def hold(self) -> Iterator[NodeInfo]:
        import time

        started = time.time()
        yield local_node()
        self.holds.append((started, time.time()))


def _host_with(executor: list[ThreadedBuilds]) -> PluginHost:
    host = PluginHost()

    class Plugin:
        @hookimpl
        def ovtune_executor(self, name: str, address: str | None) -> ThreadedBuilds | None:
            if name != "threads":
                return None
            executor.append(ThreadedBuilds(host))
            return executor[-1]

    host.pm.register(Plugin(), name="threads-executor")
    return host


def test_a_parallel_executor_builds_each_phase_before_it_measures(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=4)
    made: list[ThreadedBuilds] = []
    report = run_tune(recipe, _host_with(made), executor="threads", say=lambda line: None)
    executor = made[0]
    [phase] = report["phases"]  # a hand-written space: one phase, "search"
    assert phase["prebuilt"]["models"] == 2 and phase["prebuilt"]["built"] == 2  # both presets; float builds nothing
    assert sorted(r.job_id for r in executor.built) == ["int8 preset=mixed", "int8 preset=performance"]
    assert all(r.state == "complete" and r.pid for r in executor.built)
    int8 = [t for t in report["trials"] if t["config"]["variant"] == "int8"]
    assert int8 and all(stage["cached"] for t in int8 for stage in t["stages"])  # built ahead, not by the trial
    built_hashes = {r.stages[-1]["details"]["output_hash"] for r in executor.built}
    assert {t["model_hash"] for t in int8} <= built_hashes
    # the builds ended before the phase's measurements began; every trial ran inside a hold
    last_build = max(r.finished for r in executor.built)
    assert any(start >= last_build for start, _ in executor.holds)
    assert report["executor"] == {"name": "threads", "parallel": True}
    here = local_node().hardware["class"]
    assert report["hardware"]["class"] == here and all(t["hardware_class"] == here for t in report["trials"])


def test_trials_measured_on_another_machine_class_are_measured_again(ovtune_project: RecipeProject) -> None:
    recipe = write_tune_recipe(ovtune_project, trials=2)
    lines: list[str] = []
    run_tune(recipe, PluginHost(), say=lines.append)
    journal = Path(tune_report(ovtune_project)["tune_dir"]) / "journal.jsonl"
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    moved = [{**e, "hardware_class": "0123456789ab"} if e.get("kind") == "trial" else e for e in entries]
    journal.write_text("".join(json.dumps(e) + "\n" for e in moved))
    lines.clear()
    report: dict[str, Any] = run_tune(recipe, PluginHost(), say=lines.append)
    assert any("2 finished trial(s) were measured on another machine class" in line for line in lines)
    assert report["resumed_trials"] == 0 and len(report["trials"]) == 2
    assert {t["hardware_class"] for t in report["trials"]} == {local_node().hardware["class"]}
