"""The JSON reporter: ``report.json``, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ovtune.storage import atomic_write_text

REPORT_FILE = "report.json"


def write_json(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    """Write ``report.json``; its ``files`` lists what the other reporters wrote, and itself."""
    path = out_dir / REPORT_FILE
    document = {**report, "files": [*report.get("files", []), str(path)]}
    atomic_write_text(path, json.dumps(document, indent=2, default=str) + "\n")
    return [path]
