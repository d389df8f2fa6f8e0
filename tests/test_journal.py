"""The tune journal survives a kill that cuts its last line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ovtune.tune.journal import Journal

HEADER = {"space": "fingerprint", "ovtune_version": "test", "objective": "throughput"}


def _trial(number: int) -> dict[str, object]:
    return {"number": number, "config": f"config-{number}", "seconds": 1.5, "value": 100.0 + number}


def _numbers(journal: Journal) -> list[int]:
    return [trial["number"] for trial in journal.read()[1]]


def test_cut_last_line_is_dropped_and_never_merges_with_the_next_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = Journal(tmp_path)
    assert journal.start(HEADER, fresh=False) == []
    for number in range(1, 6):
        journal.append(_trial(number))
    journal.append(_trial(6))
    # the kill: trial 6's line is cut mid-record
    text = journal.path.read_bytes()
    journal.path.write_bytes(text[: len(text) - 25])

    reopened = Journal(tmp_path)
    with caplog.at_level(logging.WARNING, logger="ovtune.tune"):
        previous = reopened.start(HEADER, fresh=False)
    assert [trial["number"] for trial in previous] == [1, 2, 3, 4, 5]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "partial last line" in warnings[0].getMessage()
    assert journal.path.read_bytes().endswith(b"\n")

    # the search numbers the next trial len(previous) + 1, as run_search does
    reopened.append(_trial(len(previous) + 1))
    reopened.append(_trial(len(previous) + 2))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ovtune.tune"):
        again = Journal(tmp_path).start(HEADER, fresh=False)
    assert [trial["number"] for trial in again] == [1, 2, 3, 4, 5, 6, 7]
    assert not caplog.records
    assert all(json.loads(line) for line in journal.path.read_text().splitlines())


def test_whole_record_that_lost_only_its_newline_is_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    journal = Journal(tmp_path)
    journal.start(HEADER, fresh=False)
    journal.append(_trial(1))
    journal.append(_trial(2))
    journal.path.write_bytes(journal.path.read_bytes().rstrip(b"\n"))

    with caplog.at_level(logging.WARNING, logger="ovtune.tune"):
        previous = journal.start(HEADER, fresh=False)
    assert [trial["number"] for trial in previous] == [1, 2]
    assert not caplog.records
    journal.append(_trial(3))
    assert _numbers(journal) == [1, 2, 3]
