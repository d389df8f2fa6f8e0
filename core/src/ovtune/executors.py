"""Who runs the jobs: the executor protocol, the built-in serial executor, and the one function
every executor runs on its workers (:func:`execute_job`).

An executor is chosen by name through the ``ovtune_executor`` hook (first result wins;
``--executor NAME`` on ``ovtune tune`` and ``ovtune sweep``). ``serial``, built in, runs each
job in this process, one after the other: what ``ovtune run`` and ``ovtune tune`` always did.
A plugin (ovtune-ray) runs builds side by side across machines and gives each measuring job a
machine of its own. The core knows nothing of how: it hands over :class:`~ovtune.jobs.Job`
values and receives :class:`~ovtune.jobs.JobResult` values.

Timing is the executor's first duty. A benchmark that shares its cores with a build measures
the build, so an executor may run builds anywhere in parallel, but a ``run`` job (it measures),
and the driver while it measures in its own process (:meth:`Executor.hold`), must have their
machine to themselves.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.errors import OvtuneError, UsageError, runtime_reason
from ovtune.jobs import Executor, Job, JobResult, NodeInfo, OnResult
from ovtune.storage import atomic_directory

if TYPE_CHECKING:
    from ovtune.manager import PluginHost

SERIAL = "serial"

_NOT_SHIPPED = {".ovtune-lock"}
"""Files of a run folder that belong to the process that wrote it, not to the folder."""


def local_node() -> NodeInfo:
    """This machine, as the serial executor (and a driver) reports it."""
    from ovtune.measure.hardware import fingerprint

    return NodeInfo("local", socket.gethostname(), fingerprint())


class SerialExecutor:
    """Each job in this process, one after the other, with the caller's plugin host."""

    name = SERIAL
    parallel = False

    def __init__(self, host: PluginHost):
        self.host = host

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        for job in jobs:
            on_result(execute_job(job, self.host))

    def build(self, jobs: Sequence[Job]) -> list[JobResult]:
        return [execute_job(job, self.host) for job in jobs]

    @contextlib.contextmanager
    def hold(self) -> Iterator[NodeInfo]:
        yield local_node()

    def nodes(self) -> list[NodeInfo]:
        return [local_node()]

    def close(self) -> None:
        pass


def open_executor(host: PluginHost, name: str = SERIAL, *, address: str | None = None) -> Executor:
    """The executor ``name`` from the installed plugins (``serial`` is built in); an unknown
    name is a usage error saying which distribution provides it."""
    found = host.hook.ovtune_executor(name=name, address=address)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if name == SERIAL:
        if address:
            raise UsageError("--address: the serial executor runs in this process; join a cluster with --executor ray")
        return SerialExecutor(host)
    distribution = host.registry.providers.distribution_for(name) or f"ovtune-{name}"
    raise UsageError(f"--executor {name}: no installed plugin provides it; pip install {distribution}")


# --------------------------------------------------------------------------------------
# What a worker runs
# --------------------------------------------------------------------------------------


def execute_job(
    job: Job,
    host: PluginHost | None = None,
    *,
    node: NodeInfo | None = None,
    received: Mapping[str, Mapping[str, bytes]] | None = None,
    export: bool = False,
) -> JobResult:
    """Run ``job`` here and describe what came of it; never raises for the job's own failure
    (a user error is ``exit_code`` 2, anything else 1, with its message).

    ``host`` is the driver's when the job runs in the driver's process; a worker builds one
    from :attr:`Job.plugin_args`. ``received`` are stage outputs another node built
    (:meth:`ovtune.cache.StageCache.export_entry`), installed into this node's cache first;
    with ``export``, a build returns its outputs the same way."""
    from ovtune.manager import PluginHost

    started = time.time()
    node = node or local_node()
    result = JobResult(job.id, job.kind, "complete", node, started, started, pid=os.getpid())
    try:
        if host is None:
            blocked = [arg[3:] for arg in job.plugin_args if arg.startswith("no:")]
            host = PluginHost(blocked=blocked, extra=[arg for arg in job.plugin_args if not arg.startswith("no:")])
        recipe = _recipe(job, host)
        if job.kind == "build":
            _build(job, recipe, host, result, received or {}, export)
        else:
            _run(job, recipe, host, result, received or {})
    except OvtuneError as exc:
        result.state, result.error, result.exit_code = "failed", str(exc), exc.exit_code
    except RuntimeError as exc:
        result.state, result.error, result.exit_code = "failed", f"OpenVINO: {runtime_reason(exc)}", 1
    except Exception as exc:  # noqa: BLE001 - a job's failure is its result, never the executor's crash
        where = traceback.extract_tb(exc.__traceback__)[-1]
        result.state, result.exit_code = "failed", 1
        result.error = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    result.finished = time.time()
    return result


def _recipe(job: Job, host: PluginHost) -> Any:
    from ovtune.recipe import build_recipe

    file = Path(job.recipe_path) if job.recipe_path else None
    base_dir = file.parent if file else Path.cwd()
    return build_recipe(dict(job.recipe), base_dir=base_dir, registry=host.registry, file=file)


def _pipeline(recipe: Any, host: PluginHost, run_dir: Path, job: Job, received: Mapping[str, Any]) -> Any:
    from ovtune.pipeline import Pipeline

    pipeline = Pipeline(recipe, host, run_dir=run_dir, use_cache=job.use_cache)
    pipeline.deadline = job.deadline
    pipeline.shares_machine = job.shares_machine and job.kind == "build"
    if job.use_cache:
        for key, files in received.items():
            pipeline.cache.import_entry(key, files)
    return pipeline


def _build(  # noqa: PLR0917 - the parts of one job, passed on from execute_job
    job: Job, recipe: Any, host: PluginHost, result: JobResult, received: Mapping[str, Any], export: bool
) -> None:
    from ovtune.context import DataCatalog, describe_inputs

    with tempfile.TemporaryDirectory(prefix="ovtune-build-") as scratch:
        pipeline = _pipeline(recipe, host, Path(scratch), job, received)
        pipeline.copy_stage_outputs = False
        if job.use_cache:
            pipeline.cache.check_usable()
        original = pipeline.load_original()
        catalog = DataCatalog(recipe.data, describe_inputs(original), recipe.base_dir)
        records = pipeline.run_stages(original, catalog)
    result.stages = [record.to_json() for record in records]
    result.cut_short = dict(pipeline.cut_short_entries)
    if export:
        for record in records:
            files = pipeline.cache.export_entry(record.cache_key)
            if files is not None:
                result.cache_entries[record.cache_key] = files


def _run(job: Job, recipe: Any, host: PluginHost, result: JobResult, received: Mapping[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="ovtune-run-") as scratch:
        folder = Path(scratch) / recipe.name
        report = _pipeline(recipe, host, folder, job, received).run()
        result.report = report
        result.stages = list(report.get("stages", []))
        result.files = {
            str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in _NOT_SHIPPED
        }


# --------------------------------------------------------------------------------------
# What the driver does with a run's result
# --------------------------------------------------------------------------------------

_TEXT_SUFFIXES = {".json", ".md", ".html", ".toml", ".txt", ".csv", ".svg", ".xml"}


def install_run_folder(result: JobResult, folder: Path) -> dict[str, Any]:
    """Write a run job's folder (shipped as :attr:`JobResult.files`) to ``folder`` as a whole
    (atomically: a killed driver leaves the old folder or the new one), its paths rewritten from
    the worker's scratch folder to ``folder``. Returns the report, its paths rewritten too."""
    import json

    if result.report is None:
        raise ValueError(f"job {result.job_id} has no report to install")
    written_from = str(result.report["run_dir"])
    target = str(folder.resolve())
    with atomic_directory(folder) as temporary:
        for relative, content in result.files.items():
            path = temporary / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text_file = path.suffix in _TEXT_SUFFIXES and path.suffix != ".xml"
            path.write_bytes(content.replace(written_from.encode(), target.encode()) if text_file else content)
    escaped_from, escaped_target = json.dumps(written_from)[1:-1], json.dumps(target)[1:-1]
    report: dict[str, Any] = json.loads(json.dumps(result.report).replace(escaped_from, escaped_target))
    return report
