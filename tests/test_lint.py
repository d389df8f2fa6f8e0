"""The code stays ruff- and mypy-clean (configuration in the root pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "core", "plugins", "tests", "examples", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_core_and_plugins() -> None:
    sources = ["core/src/ovtune", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("plugins/ovtune-*/src"))]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *sources], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
