"""Finished work on disk, one JSON line each, so that an interrupted session resumes: a tune's
trials (:mod:`ovtune.tune.journal`), a sweep's jobs (:mod:`ovtune.sweep.session`).

Each line is written with one ``write`` call and flushed to disk before the next piece of work
starts; a process killed mid-line leaves a truncated last line. Opening the journal to resume
drops that line (with a warning) and truncates the file back to the last complete line, so that
the next record starts on a line of its own: appended after the fragment, it would be glued onto
it and both would be lost (a resume then counted one trial too few and numbered the next ones
twice). The first line (the header) says what the journal is for: a journal written for
something else is not resumed.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from ovtune.errors import UsageError

JOURNAL_NAME = "journal.jsonl"

log = logging.getLogger("ovtune.journal")


class Journal:
    """The journal in ``folder``: a header, then one ``entry`` record per finished piece of work.
    ``identity`` is the header key that must match to resume; ``changed`` is what the error says
    when it does not."""

    def __init__(self, folder: Path, *, entry: str, identity: str, changed: str):
        self.path = folder / JOURNAL_NAME
        self.entry = entry
        self.identity = identity
        self.changed = changed

    def read(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(header, records) from the journal, or (None, []) when there is none."""
        if not self.path.exists():
            return None, []
        header: dict[str, Any] | None = None
        records: list[dict[str, Any]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # the line a killed process left half-written
            if entry.get("kind") == "header":
                header = entry
            elif entry.get("kind") == self.entry:
                records.append(entry)
        return header, records

    def start(self, header: dict[str, Any], *, fresh: bool) -> list[dict[str, Any]]:
        """Open the journal for ``header``; return the records to resume from (none when
        ``fresh``: the journal starts over)."""
        if not fresh:
            self.drop_partial_line()
        existing, records = self.read()
        if existing is not None and not fresh:
            if existing.get(self.identity) != header[self.identity]:
                raise UsageError(f"{self.path}: {self.changed}")
            return records
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"kind": "header", **header}) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)
        return []

    def drop_partial_line(self) -> bool:
        """Truncate the journal back to its last complete line when a killed process left a
        fragment after it (a file not ending in a newline); True when one was dropped.

        A whole record that only lost its newline is kept and given one."""
        if not self.path.exists():
            return False
        with self.path.open("rb+") as handle:
            data = handle.read()
            if not data or data.endswith(b"\n"):
                return False
            keep = data.rfind(b"\n") + 1
            whole = _is_record(data[keep:])
            if whole:
                handle.write(b"\n")
            else:
                handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
        if whole:
            return False
        log.warning(
            "%s: dropped a partial last line (%d bytes) left by an interrupted run; that %s runs again",
            self.path,
            len(data) - keep,
            self.entry,
        )
        return True

    def append(self, record: dict[str, Any]) -> None:
        """Add one finished record as one line, on disk before this returns."""
        line = json.dumps({"kind": self.entry, **record}, default=str) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def _is_record(line: bytes) -> bool:
    """Whether ``line`` is one whole journal entry (a JSON object)."""
    try:
        return isinstance(json.loads(line), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
