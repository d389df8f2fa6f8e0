"""The tune's journal: its finished trials, so that an interrupted tune resumes. Its header
names the search space: a journal written for another space is not resumed."""

from __future__ import annotations

from pathlib import Path

from ovtune import journal


class Journal(journal.Journal):
    def __init__(self, folder: Path):
        super().__init__(
            folder,
            entry="trial",
            identity="space",
            changed="written for another search space (the recipe or its [tune] section changed); "
            "run with --fresh to start over, or --out to tune into another folder",
        )
