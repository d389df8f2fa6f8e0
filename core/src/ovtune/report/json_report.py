"""The JSON reporter: ``report.json``, written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ovtune.storage import atomic_write_text

REPORT_FILE = "report.json"


def write_json(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    path = out_dir / REPORT_FILE
    atomic_write_text(path, json.dumps(report, indent=2, default=str) + "\n")
    return [path]
