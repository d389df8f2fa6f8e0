"""Finished trials on disk, one JSON line each, so that an interrupted tune resumes.

Each line is written with one ``write`` call and flushed to disk before the next trial starts;
a process killed mid-line leaves a truncated last line, which reading skips. The first line
names the search space: a journal written for another space is not resumed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ovtune.errors import UsageError

JOURNAL_NAME = "journal.jsonl"


class Journal:
    def __init__(self, folder: Path):
        self.path = folder / JOURNAL_NAME

    def read(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(header, trials) from the journal, or (None, []) when there is none."""
        if not self.path.exists():
            return None, []
        header: dict[str, Any] | None = None
        trials: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # the line a killed process left half-written
            if entry.get("kind") == "header":
                header = entry
            elif entry.get("kind") == "trial":
                trials.append(entry)
        return header, trials

    def start(self, header: dict[str, Any], *, fresh: bool) -> list[dict[str, Any]]:
        """Open the journal for ``header``'s space; return the trials to resume from."""
        existing, trials = self.read()
        if existing is not None and not fresh:
            if existing.get("space") != header["space"]:
                raise UsageError(
                    f"{self.path}: written for another search space (the recipe or its [tune] section changed); "
                    "run with --fresh to start over, or --out to tune into another folder"
                )
            return trials
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"kind": "header", **header}) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        return []

    def append(self, trial: dict[str, Any]) -> None:
        line = json.dumps({"kind": "trial", **trial}, default=str) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
