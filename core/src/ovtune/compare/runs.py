"""The two sides of a comparison: reading a run folder's ``report.json`` (or a sweep folder's
``sweep.json``, whose ``models`` are its jobs' final models) and checking that it is an ovtune
report this version can read, so that a wrong path in a CI job is a usage error (exit 2) instead
of an empty comparison that passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def models(self) -> dict[str, dict[str, Any]]:
        return {model["label"]: model for model in self.report["models"]}

    def describe(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
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
