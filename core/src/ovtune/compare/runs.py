"""The two sides of a comparison: reading a run folder's ``report.json`` (or a sweep folder's
``sweep.json``, whose ``models`` are its jobs' final models) and checking that it is an ovtune
report this version can read, so that a wrong path in a CI job is a usage error (exit 2) instead
of an empty comparison that passes.

A side may also be a **run set**: a folder holding several run folders of the same recipe
(``base/1``, ``base/2``, ``base/3``). A machine whose load changes between runs moves every
trial of a run together, which the trials of one run cannot show; several runs a side can. The
set reads as one report whose figures are the medians over its runs, whose per-trial lists are
all the runs' trials, and which keeps each run's own trials (``run_trial_medians_ms``, ...) for
the interval (:func:`ovtune.compare.interval.evidence` resamples runs, then trials).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ovtune.compare._numbers import is_number
from ovtune.errors import UsageError
from ovtune.report.json_report import REPORT_FILE
from ovtune.report.sweep import SWEEP_FILE, SWEEP_SCHEMA_VERSION


@dataclass(frozen=True)
class Run:
    """One side of the comparison: a report and the file it came from."""

    role: str
    """``RUN_A`` or ``RUN_B``: the argument name that error messages refer to."""
    path: Path
    report: dict[str, Any]
    members: tuple[Path, ...] = ()
    """The reports of a run set (empty for one run)."""

    @property
    def models(self) -> dict[str, dict[str, Any]]:
        return {model["label"]: model for model in self.report["models"]}

    def describe(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "runs": [str(path) for path in self.members] if self.members else None,
            "name": self.report.get("name"),
            "started": self.report.get("started"),
            "device": self.report.get("device"),
            "precision_hint": self.report.get("config", {}).get("INFERENCE_PRECISION_HINT"),
            "ovtune_version": self.report.get("ovtune_version"),
        }


def load_run(argument: Path | str, role: str) -> Run:
    """Read a run folder (its ``report.json``), a sweep folder (its ``sweep.json``) or either
    file's path; a missing or foreign file is a usage error naming the argument, so a CI job with
    a wrong path fails with exit 2 instead of comparing nothing and passing."""
    from ovtune.report.model import REPORT_SCHEMA_VERSION

    given = Path(argument)
    path = given
    members = run_set_members(given)
    if members:
        return merge_runs(role, given, [load_run(member, role) for member in members])
    if given.is_dir():
        path = given / SWEEP_FILE if (given / SWEEP_FILE).is_file() else given / REPORT_FILE
        if not path.is_file():
            raise UsageError(
                f"{role}: {given} has no {REPORT_FILE} or {SWEEP_FILE}; "
                "give a run folder written by 'ovtune run' or a sweep folder written by 'ovtune sweep'"
            )
    if not path.is_file():
        raise UsageError(f"{role}: {given} does not exist; give a run folder or its {REPORT_FILE}")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{role}: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{role}: {path} is not JSON: {exc}") from None
    models = report.get("models") if isinstance(report, dict) else None
    if not isinstance(models, list) or not all(
        isinstance(model, dict) and isinstance(model.get("label"), str) for model in models
    ):
        raise UsageError(f"{role}: {path} is not an ovtune report (no 'models' list with labels)")
    version = report.get("schema_version")
    readable = SWEEP_SCHEMA_VERSION if report.get("kind") == "sweep" else REPORT_SCHEMA_VERSION
    if isinstance(version, int) and version > readable:
        raise UsageError(f"{role}: {path} has report schema {version}; this ovtune reads schema {readable}: upgrade it")
    return Run(role, path, report)


TRIAL_LISTS = ("trial_medians_ms", "trial_fps")
"""The per-trial lists of a result that a run set pools (and keeps per run, prefixed ``run_``)."""


def run_set_members(folder: Path) -> list[Path]:
    """The run folders inside ``folder`` when it is a run set (no report of its own, and at
    least one sub-folder holding a ``report.json``), in name order; else none."""
    if not folder.is_dir() or (folder / REPORT_FILE).is_file() or (folder / SWEEP_FILE).is_file():
        return []
    return sorted(child for child in folder.iterdir() if child.is_dir() and (child / REPORT_FILE).is_file())


def merge_runs(role: str, folder: Path, runs: list[Run]) -> Run:
    """Several runs of one recipe as one side: the models every run has, each figure the median
    over the runs, each per-trial list all the runs' trials, and each run's own trials kept."""
    names = {run.report.get("name") for run in runs}
    if len(names) > 1:
        listed = ", ".join(f"{run.path.parent.name}: {run.report.get('name')!r}" for run in runs)
        raise UsageError(f"{role}: {folder} holds runs of different recipes ({listed}); a run set is one recipe's runs")
    report = dict(runs[0].report)
    labels = [label for label in runs[0].models if all(label in run.models for run in runs[1:])]
    report["models"] = [_merge_model([run.models[label] for run in runs]) for label in labels]
    return Run(role, folder, report, tuple(run.path for run in runs))


def _merge_model(models: list[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(models[0])
    measurements: dict[str, Any] = {}
    for name, first in models[0].get("measurements", {}).items():
        results = [model.get("measurements", {}).get(name) for model in models]
        if not isinstance(first, dict) or not all(isinstance(result, dict) for result in results):
            continue
        measurements[name] = _merge_result(results)  # type: ignore[arg-type]
    merged["measurements"] = measurements
    return merged


def _merge_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(results[0])
    for key, value in results[0].items():
        values = [result.get(key) for result in results]
        if key in TRIAL_LISTS and all(isinstance(v, list) for v in values):
            merged[key] = [trial for run in values for trial in run]  # type: ignore[union-attr]
            merged[f"run_{key}"] = values
        elif isinstance(value, bool):
            merged[key] = any(bool(v) for v in values)
        elif all(is_number(v) for v in values):
            merged[key] = statistics.median(values)  # type: ignore[type-var]
    return merged
