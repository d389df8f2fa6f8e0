"""Built-in dataset kinds: ``npz``, ``npy``, ``images``, ``random`` and ``python``.

Only the registrations: the options models live in
:mod:`ovtune.builtin.dataset_options` and the openers in :mod:`ovtune.builtin.dataset_formats`,
both named by string, so that ``ovtune --help`` and
``ovtune plugins`` import neither NumPy nor pydantic.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import DatasetKind

_FORMATS = "ovtune.builtin.dataset_formats"
_OPTIONS = "ovtune.builtin.dataset_options"


@hookimpl
def ovtune_register_dataset_kinds() -> list[DatasetKind]:
    return [
        DatasetKind(
            name="npz",
            summary="NumPy .npz: one array per input, optional labels",
            options=f"{_OPTIONS}:NpzOptions",
            open=f"{_FORMATS}:open_npz",
        ),
        DatasetKind(
            name="npy",
            summary="NumPy .npy for one input, optional labels file",
            options=f"{_OPTIONS}:NpyOptions",
            open=f"{_FORMATS}:open_npy",
        ),
        DatasetKind(
            name="images",
            summary="Folder of images (Pillow); sub-folders are classes",
            options=f"{_OPTIONS}:ImagesOptions",
            open=f"{_FORMATS}:open_images",
            libraries=("pillow",),
        ),
        DatasetKind(
            name="random",
            summary="Random inputs shaped from the model",
            options=f"{_OPTIONS}:RandomOptions",
            open=f"{_FORMATS}:open_random",
        ),
        DatasetKind(
            name="python",
            summary="Your own function ('python:pkg.mod:fn')",
            options=f"{_OPTIONS}:PythonOptions",
            open=f"{_FORMATS}:open_python",
        ),
    ]
