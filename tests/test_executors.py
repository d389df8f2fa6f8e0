"""The executor hook and the built-in serial executor: jobs as data, run where an executor
likes, their results and folders installed by the driver, stage outputs shipped between caches
that cannot see each other."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from ovtune import hookimpl
from ovtune.errors import UsageError
from ovtune.executors import SerialExecutor, execute_job, install_run_folder, open_executor
from ovtune.jobs import Job, JobResult
from ovtune.manager import PluginHost
from ovtune.recipe import load_recipe
from ovtune.testing import RecipeProject

DOUBLE_STAGE = '[[stage]]\nuse = "python"\nfunction = "stage_fns:scale"\n'
STAGE_FNS = '''
import numpy as np
import openvino as ov
from openvino import opset13 as ops


def scale(model, context):
    """The model's outputs times two: a real graph change, so the stage has its own output."""
    results = []
    for result in model.get_results():
        source = result.input_value(0)
        doubled = ops.multiply(source, ops.constant(np.float32(2.0)))
        results.append(ops.result(doubled))
    return ov.Model(results, model.get_parameters(), "scaled")
'''


def _job(project: RecipeProject, kind: str, host: PluginHost, *, cache: str = "cache") -> Job:
    (project.root / "stage_fns.py").write_text(STAGE_FNS)
    path = project.demo_recipe(stages=DOUBLE_STAGE, extra="")
    text = path.read_text().replace('cache_dir = "cache"', f'cache_dir = "{cache}"')
    path.write_text(text)
    recipe = load_recipe(path, host.registry)
    return Job(id=f"demo/{kind}", kind=kind, recipe=recipe.resolved(), recipe_path=str(path))  # type: ignore[arg-type]


def test_serial_is_built_in_and_an_unknown_executor_names_its_distribution() -> None:
    host = PluginHost(autoload=False)
    assert isinstance(open_executor(host, "serial"), SerialExecutor)
    with pytest.raises(UsageError, match=r"--executor ray: no installed plugin provides it; pip install ovtune-ray"):
        open_executor(host, "ray")
    with pytest.raises(UsageError, match="--address"):
        open_executor(host, "serial", address="10.0.0.1:6379")


def test_hook_ovtune_executor() -> None:
    """A plugin's executor is found by name; the first answer wins, others are not asked."""
    host = PluginHost(autoload=False)

    class Mine(SerialExecutor):
        name = "mine"

    class Plugin:
        @hookimpl
        def ovtune_executor(self, name: str, address: str | None) -> SerialExecutor | None:
            return Mine(host) if name == "mine" else None

    host.pm.register(Plugin(), name="mine-plugin")
    assert isinstance(open_executor(host, "mine"), Mine)
    assert type(open_executor(host, "serial")) is SerialExecutor


def test_a_run_job_is_data_and_its_folder_is_installed_by_the_driver(ovtune_project: RecipeProject) -> None:
    host = PluginHost()
    job = _job(ovtune_project, "run", host)
    shipped = pickle.loads(pickle.dumps(job))
    assert Job.from_json(json.loads(json.dumps(job.to_json()))) == job
    result = execute_job(shipped)  # a worker: its own plugin host, built from the job
    assert result.state == "complete", result.error
    assert result.node.hardware["class"] and result.node.hardware["openvino"]
    assert result.started <= result.finished
    assert "report.json" in result.files and any(name.startswith("stages/") for name in result.files)
    folder = ovtune_project.root / "sweep" / "jobs" / "demo"
    report = install_run_folder(pickle.loads(pickle.dumps(result)), folder)
    assert report["run_dir"] == str(folder.resolve())
    on_disk = json.loads((folder / "report.json").read_text())
    assert on_disk["run_dir"] == str(folder.resolve())
    assert all(str(folder.resolve()) in path for path in on_disk["files"])
    assert Path(on_disk["stages"][0]["model_path"]).is_file()
    assert [m["label"] for m in on_disk["models"]] == ["original", "01-python"]


def test_a_build_ships_its_outputs_to_a_node_without_the_cache(ovtune_project: RecipeProject) -> None:
    host = PluginHost()
    built = execute_job(_job(ovtune_project, "build", host, cache="cache-a"), host, export=True)
    assert built.state == "complete", built.error
    assert [s["cached"] for s in built.stages] == [False]
    key = built.stages[0]["cache_key"]
    assert set(built.cache_entries) == {key}
    run = _job(ovtune_project, "run", host, cache="cache-b")  # another node's cache: empty
    result = execute_job(run, host, received=built.cache_entries)
    assert result.state == "complete", result.error
    assert [s["cached"] for s in result.stages] == [True]  # received, not rebuilt
    assert result.stages[0]["details"]["output_hash"] == built.stages[0]["details"]["output_hash"]


def test_damaged_shipped_outputs_are_rebuilt_with_a_warning(
    ovtune_project: RecipeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    host = PluginHost()
    built = execute_job(_job(ovtune_project, "build", host, cache="cache-a"), host, export=True)
    key = built.stages[0]["cache_key"]
    damaged = {key: {**built.cache_entries[key], "model.bin": b"\0" * 16}}
    result = execute_job(_job(ovtune_project, "run", host, cache="cache-b"), host, received=damaged)
    assert result.state == "complete", result.error
    assert [s["cached"] for s in result.stages] == [False]
    assert "received from another node is damaged" in capsys.readouterr().err


def test_a_failing_job_is_a_result_not_an_exception(ovtune_project: RecipeProject) -> None:
    host = PluginHost()
    job = _job(ovtune_project, "run", host)
    broken = Job(id="broken", kind="run", recipe={**job.recipe, "model": {"source": "missing.onnx"}})
    result = execute_job(broken, host)
    assert isinstance(result, JobResult)
    assert result.state == "failed" and result.exit_code == 2
    assert "missing.onnx" in (result.error or "")


def test_the_serial_executor_runs_jobs_in_order_in_this_process(ovtune_project: RecipeProject) -> None:
    host = PluginHost()
    executor = open_executor(host, "serial")
    jobs = [_job(ovtune_project, "build", host), _job(ovtune_project, "run", host)]
    seen: list[JobResult] = []
    executor.run(jobs, seen.append)
    assert [r.job_id for r in seen] == ["demo/build", "demo/run"]
    assert seen[0].finished <= seen[1].started
    assert {r.pid for r in seen} == {__import__("os").getpid()}
    with executor.hold() as node:
        assert node.hardware["class"] == seen[0].node.hardware["class"]
    assert [n.id for n in executor.nodes()] == ["local"]
