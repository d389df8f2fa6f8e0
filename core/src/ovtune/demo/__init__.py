"""The bundled demo: a CNN trained on scikit-learn's digits (see ``examples/digits/``),
its held-out validation split, a calibration split, and the recipe ``ovtune demo`` runs."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent


def recipe_path() -> Path:
    """The demo recipe inside the installed package (its paths are relative to it)."""
    return DEMO_DIR / "recipe.toml"


def model_path() -> Path:
    """The demo model: ONNX, input ``image`` f32 [1, 1, 32, 32], output ``logits`` [1, 10]."""
    return DEMO_DIR / "digits_cnn.onnx"


def validation_path() -> Path:
    """Held-out validation split: ``image`` [360, 1, 32, 32] f32, ``label`` [360] int64."""
    return DEMO_DIR / "digits_val.npz"


def calibration_path() -> Path:
    """Calibration split (from the training data): ``image`` [300, 1, 32, 32], ``label``."""
    return DEMO_DIR / "digits_calib.npz"
