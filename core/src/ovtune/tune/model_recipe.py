"""The recipe of ``ovtune tune MODEL --data PATH``: a model and its data, no TOML written.

What a user with a model file and some inputs expects to type. The data's kind follows from
the path (``.npz``, ``.npy``, a folder of images); the metric defaults to the cosine
similarity of the outputs to the original model's in f32 (no labels needed), bounded by
``max_drop``, so that no quantized candidate wins by changing what the model computes. The
recipe is written into the tune folder (``recipe.toml``) next to the proposed space
(``space.toml``), so the run can be repeated and edited like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ovtune.errors import UsageError

DEFAULT_MAX_DROP = 0.01
"""The accuracy bound when none is given: 1 % of the metric (cosine: 0.01)."""


def data_entry(path: Path, option: str) -> dict[str, Any]:
    """The ``[data.NAME]`` table of a file or folder given on the command line."""
    resolved = path.expanduser().resolve()
    if not resolved.exists():
        raise UsageError(f"{option} {path}: no such file or folder")
    if resolved.is_dir():
        return {"kind": "images", "path": str(resolved)}
    kinds = {".npz": "npz", ".npy": "npy"}
    kind = kinds.get(resolved.suffix.lower())
    if kind is None:
        raise UsageError(
            f"{option} {path}: give a .npz file (one array per input), a .npy file or a folder of images; "
            "for other data write a recipe with a [data.NAME] table (docs/recipes.md)"
        )
    return {"kind": kind, "path": str(resolved)}


def model_recipe(
    model: Path,
    *,
    data: Path,
    calibration: Path | None = None,
    metric: str | None = None,
    max_drop: float | None = None,
    objective: str | None = None,
    budget: float | None = None,
    trials: int | None = None,
) -> dict[str, Any]:
    """The recipe table for ``ovtune tune MODEL --data PATH [...]``."""
    source = model.expanduser()
    if not source.exists():
        raise UsageError(f"model {model}: no such file")
    table: dict[str, Any] = {
        "schema": 1,
        "model": {"source": str(source.resolve())},
        "data": {"validation": data_entry(data, "--data")},
        "metric": {"kind": metric or "cosine", "data": "validation"},
        "measure": {"duration": "2s", "trials": 1, "warmup": 5},
    }
    if calibration is not None:
        table["data"]["calibration"] = data_entry(calibration, "--calibration")
    tune: dict[str, Any] = {"constraints": {"max_drop": DEFAULT_MAX_DROP if max_drop is None else max_drop}}
    if objective is not None:
        tune["objective"] = objective
    if budget is not None:
        tune["budget"] = f"{budget:g}s"
    if trials is not None:
        tune["trials"] = trials
    table["tune"] = tune
    return table
