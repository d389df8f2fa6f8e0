"""The bundled demo: a CNN trained on scikit-learn's digits (see ``examples/digits/``),
its held-out validation split, a calibration split, and the recipe ``ovtune demo`` runs.

That recipe is the one source of the demo's recipes: the test helpers (``ovtune.testing``) and the
conformance kit run :func:`quick_recipe`, the demo recipe cut down to run in a moment."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEMO_DIR = Path(__file__).resolve().parent


def recipe_path() -> Path:
    """The demo recipe inside the installed package (its paths are relative to it)."""
    return DEMO_DIR / "recipe.toml"


def model_path() -> Path:
    """The demo model: ONNX, input ``image`` f32 [1, 1, 32, 32], output ``logits`` [1, 10]."""
    return DEMO_DIR / "digits_cnn.onnx"


def validation_path() -> Path:
    """Validation data: the 360 held-out digits, then the same digits as noisy scans (the
    trade-off shows there); ``image`` [720, 1, 32, 32] f32, ``label`` [720] int64."""
    return DEMO_DIR / "digits_val.npz"


def calibration_path() -> Path:
    """Calibration split (from the training data): ``image`` [300, 1, 32, 32], ``label``."""
    return DEMO_DIR / "digits_calib.npz"


def copy_files(folder: Path) -> dict[str, Path]:
    """Copy the demo model and its data into ``folder`` (under their own names, as the demo
    recipe names them); returns the copies by role (``model``, ``validation``, ``calibration``)."""
    files = {"model": model_path(), "validation": validation_path(), "calibration": calibration_path()}
    copied = {}
    for role, source in files.items():
        target = folder / source.name
        shutil.copyfile(source, target)
        copied[role] = target
    return copied


def recipe_table() -> dict[str, Any]:
    """The demo recipe (:func:`recipe_path`) as a table."""
    return tomllib.loads(recipe_path().read_text(encoding="utf-8"))


def quick_recipe(name: str, *, limit: int, data: Iterable[str] = ("validation", "calibration")) -> dict[str, Any]:
    """The demo recipe cut down for tests and checks: its schema, model, the ``data`` entries
    named (each read up to ``limit`` samples) and its metric's kind; no description, stages,
    deploy settings, measurements or baseline. Paths are relative to the demo's folder (or to a
    folder the demo files were copied into by :func:`copy_files`)."""
    demo = recipe_table()
    return {
        "schema": demo["schema"],
        "name": name,
        "model": demo["model"],
        "data": {entry: {**demo["data"][entry], "limit": limit} for entry in data},
        "metric": {"kind": demo["metric"]["kind"]},
    }
