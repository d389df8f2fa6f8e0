"""One sweep session: hand the jobs that are not finished yet to an executor, install each job's
run folder as it ends, journal it, and write the combined report.

The library side of ``ovtune sweep`` (the command is :mod:`ovtune.cli.sweep`): it takes a plugin
host and reports progress through a callback. A killed driver loses only the jobs that were
running: every finished job is in the journal (``journal.jsonl``) with the fingerprint of its
recipe, and running the same sweep again runs only the jobs that are not finished or whose
recipe changed. A failed job does not stop the sweep; it runs again next time.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ovtune import __version__
from ovtune.errors import OvtuneError
from ovtune.executors import install_run_folder, open_executor
from ovtune.jobs import Executor, Job, JobResult
from ovtune.journal import Journal
from ovtune.report.json_report import REPORT_FILE
from ovtune.report.sweep import (
    OBJECTIVES,
    SWEEP_FILE,
    SWEEP_SCHEMA_VERSION,
    accuracy_drop,
    best_per_model,
    declared_figures,
    f32_reference,
    hardware_classes,
    job_entry,
    sweep_models,
)
from ovtune.report.sweep_document import write_documents
from ovtune.run_folder import RunFolder
from ovtune.storage import atomic_write_text
from ovtune.sweep.matrix import Sweep, SweepJob, load_sweep

Say = Callable[[str], None]
"""Where a session reports progress: one line at a time (the command line prints to stderr)."""

JOBS_DIR = "jobs"


class JobsFailedError(OvtuneError):
    """The sweep finished, but some jobs failed (exit status 1; their errors were listed)."""

    exit_code = 1


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def sweep_dir_for(sweep: Sweep, out: Path | None) -> Path:
    """``--out``, or ``runs/NAME-sweep`` next to the sweep file."""
    return (out or sweep.path.parent / "runs" / f"{sweep.name}-sweep").resolve()


def run_sweep(
    sweep_path: Path,
    host: Any,
    *,
    executor_name: str = "serial",
    address: str | None = None,
    out: Path | None = None,
    fresh: bool = False,
    force: bool = False,
    say: Say = _to_stderr,
) -> dict[str, Any]:
    """Run the sweep's unfinished jobs and write ``sweep.json``, ``sweep.md`` and ``sweep.html``;
    returns the content of ``sweep.json``. Every job's recipe is validated, and the executor
    opened, before the sweep folder is claimed; the executor is closed however the session ends."""
    sweep = load_sweep(Path(sweep_path), host.registry)
    executor = open_executor(host, executor_name, address=address)
    try:
        folder = sweep_dir_for(sweep, out)
        with RunFolder(folder, force=force, kind="sweep"):
            began = _now()
            journal = Journal(
                folder,
                entry="job",
                identity="sweep_path",
                changed="written for another sweep file; run with --fresh to start over, or --out to sweep into "
                "another folder",
            )
            header = {"sweep": sweep.name, "sweep_path": str(sweep.path), "ovtune_version": __version__}
            records = _last_records(journal.start(header, fresh=fresh))
            done = {job.id for job in sweep.jobs if _is_done(job, records.get(job.id), folder)}
            todo = [job for job in sweep.jobs if job.id not in done]
            if done:
                say(f"{len(done)} of {len(sweep.jobs)} jobs already finished; running {len(todo)}")
            else:
                say(f"running {len(todo)} job(s) with the {executor.name} executor")
            if todo:
                _run_jobs(todo, sweep, host, executor, folder, journal, records, say)
            nodes = [node.to_json() for node in executor.nodes()]
            report = _sweep_report(sweep, folder, records, nodes, executor.name, began)
            atomic_write_text(folder / SWEEP_FILE, json.dumps(report, indent=2) + "\n")
            write_documents(report, folder)
            say(f"sweep folder: {folder}")
            return report
    finally:
        executor.close()


def _run_jobs(  # noqa: PLR0917 - the session's parts, passed on from run_sweep
    todo: list[SweepJob],
    sweep: Sweep,
    host: Any,
    executor: Executor,
    folder: Path,
    journal: Journal,
    records: dict[str, dict[str, Any]],
    say: Say,
) -> None:
    by_id = {job.id: job for job in todo}
    count = [0]
    classes: set[str] = set()

    def on_result(result: JobResult) -> None:
        job = by_id[result.job_id]
        count[0] += 1
        if result.node.hardware_class not in classes:
            classes.add(result.node.hardware_class)
            say(f"hardware class {result.node.hardware_class}: {result.node.hardware.get('label', '?')}")
        if result.state == "complete":
            install_run_folder(result, folder / JOBS_DIR / job.name)
        record = {
            "job": job.id,
            "recipe_fingerprint": job.fingerprint,
            "folder": f"{JOBS_DIR}/{job.name}",
            "result": result.summary(),
        }
        journal.append(record)
        records[job.id] = record
        where = f"{result.node.id} (class {result.node.hardware_class})"
        outcome = "finished" if result.state == "complete" else f"FAILED: {result.error}"
        say(f"[{count[0]}/{len(todo)}] {job.id}: {outcome} on {where} in {result.seconds:.1f} s")

    jobs = [
        Job(
            id=job.id,
            kind="run",
            recipe=job.table,
            recipe_path=str(sweep.path),
            plugin_args=tuple(host.arguments),
        )
        for job in todo
    ]
    executor.run(jobs, on_result)


def _last_records(previous: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last journal record of each job (a job that failed, then finished, has both)."""
    return {record["job"]: record for record in previous if isinstance(record.get("job"), str)}


def _is_done(job: SweepJob, record: dict[str, Any] | None, folder: Path) -> bool:
    """Finished with the same recipe, and its folder still holds its report."""
    return (
        record is not None
        and record.get("result", {}).get("state") == "complete"
        and record.get("recipe_fingerprint") == job.fingerprint
        and (folder / JOBS_DIR / job.name / REPORT_FILE).is_file()
    )


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return report if isinstance(report, dict) else None


def _sweep_report(  # noqa: PLR0917 - what sweep.json is made of
    sweep: Sweep,
    folder: Path,
    records: dict[str, dict[str, Any]],
    nodes: list[dict[str, Any]],
    executor: str,
    began: str,
) -> dict[str, Any]:
    """``sweep.json``: every job (finished, failed or not run) with the figures of its report."""
    reports: dict[str, dict[str, Any]] = {}
    entries = []
    for job in sweep.jobs:
        record = records.get(job.id)
        current = record is not None and record.get("recipe_fingerprint") == job.fingerprint
        report = _read_report(folder / JOBS_DIR / job.name / REPORT_FILE) if _is_done(job, record, folder) else None
        if report is not None:
            reports[job.id] = report
        described = {
            "id": job.id,
            "model": job.model,
            "recipe": job.recipe,
            "name": job.name,
            "folder": f"{JOBS_DIR}/{job.name}",
            "recipe_fingerprint": job.fingerprint,
            "deploy": job.table.get("deploy"),
        }
        entries.append(job_entry(described, record if current else None, report))
    for entry in entries:
        reference = f32_reference(entries, entry["model"], entry["hardware_class"])
        entry["accuracy_drop"] = accuracy_drop(entry.get("final"), reference)
    document = sweep.document
    objective = OBJECTIVES[document.objective]
    devices = {str(job.table.get("deploy", {}).get("device")) for job in sweep.jobs}
    return {
        "schema_version": SWEEP_SCHEMA_VERSION,
        "kind": "sweep",
        "ovtune_version": __version__,
        "name": sweep.name,
        "description": document.description,
        "sweep_path": str(sweep.path),
        "sweep_dir": str(folder),
        "started": began,
        "finished": _now(),
        "executor": executor,
        "device": devices.pop() if len(devices) == 1 else "mixed",
        "objective": objective.name,
        "max_drop": document.max_drop,
        "nodes": nodes,
        "hardware_classes": hardware_classes(nodes, entries),
        "jobs": entries,
        "best": best_per_model(entries, objective, document.max_drop),
        "models": sweep_models(entries, reports),
        "figures": declared_figures(reports.values()),
    }


def failed_jobs(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The jobs of a sweep report that did not finish."""
    return [job for job in report["jobs"] if job["state"] != "complete"]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
