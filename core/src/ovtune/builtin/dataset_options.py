"""Options models of the built-in dataset kinds (``[data.NAME]`` tables): pydantic alone, so that
``ovtune validate`` checks a recipe's data tables without importing NumPy; the openers live in
:mod:`ovtune.builtin.dataset_formats`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ovtune.fields import ExistingPath, Reference
from ovtune.options import Options

LABEL_KEYS = ("label", "labels", "y", "target", "targets")
"""Array names taken as labels when ``label`` is not given, in order."""


class NpzOptions(Options):
    """A ``.npz`` file: one array per model input (first axis = samples), optional labels."""

    path: ExistingPath = Field(description="The .npz file")
    inputs: list[str] | dict[str, str] | None = Field(
        None,
        description="Array keys for the model inputs, in order, or {input name = array key}; "
        "default: arrays named like the inputs, or the only non-label array",
    )
    label: str | None = Field(None, description=f"Array of labels; default: the first of {', '.join(LABEL_KEYS)}")
    limit: int | None = Field(None, ge=1, description="Use at most this many samples")


class NpyOptions(Options):
    """A ``.npy`` file for a single-input model (first axis = samples), optional labels."""

    path: ExistingPath = Field(description="The .npy file")
    labels: ExistingPath | None = Field(None, description="A .npy file of labels, one per sample")
    limit: int | None = Field(None, ge=1, description="Use at most this many samples")


class ImagesOptions(Options):
    """A folder of images; sub-folders are classes (labels are their sorted indices)."""

    path: ExistingPath = Field(description="Folder of images (searched recursively)")
    size: tuple[int, int] | None = Field(None, description="[height, width]; default: the model input's")
    layout: Literal["NCHW", "NHWC"] | None = Field(None, description="Default: guessed from the model input")
    color: Literal["RGB", "BGR", "GRAY"] = Field("RGB", description="Channel order fed to the model")
    mean: list[float] | None = Field(None, description="Per-channel mean subtracted (after color)")
    scale: list[float] | None = Field(None, description="Per-channel divisor (after mean)")
    limit: int | None = Field(None, ge=1, description="Use at most this many images")


class RandomOptions(Options):
    """Random inputs shaped and typed from the model's inputs (no labels)."""

    count: int = Field(32, ge=1, description="Number of samples")
    seed: int = Field(0, description="Random seed")
    low: float = Field(0.0, description="Lower bound of uniform values")
    high: float = Field(1.0, description="Upper bound of uniform values")
    shape: list[int] | dict[str, list[int]] | None = Field(
        None, description="Shape for a dynamic input (one input), or {input name = shape}"
    )


class PythonOptions(Options):
    """Your own function: ``function(context, **args)`` returns a Dataset or a sequence of
    samples (Sample, {input: array}, an array, or (inputs, label) pairs)."""

    function: Reference = Field(description="'package.module:function'")
    args: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the function")
    limit: int | None = Field(None, ge=1, description="Use at most this many samples")
