"""The ``mo`` plugin: registers the ``mo`` stage and the ``torch`` model loader.

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations; the options models it names import pydantic alone. OpenVINO is
imported by :mod:`ovtune_mo.stage` when a run reaches the stage, PyTorch by
:mod:`ovtune_mo.torch_loader` when a recipe's model is a PyTorch source.
"""

from __future__ import annotations

import ovtune
from ovtune.types import Loader, Stage
from ovtune_mo.options import MoOptions, TorchOptions


@ovtune.hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="mo",
            summary="Model Optimizer's flags: shapes, layouts, u8/BGR input, mean/scale, FP16 weights; checked",
            options=MoOptions,
            run="ovtune_mo.stage:run",
        )
    ]


@ovtune.hookimpl
def ovtune_register_loaders() -> list[Loader]:
    return [
        Loader(
            name="torch",
            summary="PyTorch: 'torch:package.module:factory', TorchScript (.pt, .pth), exported programs (.pt2)",
            suffixes=(".pt", ".pth", ".pt2"),
            schemes=("torch",),
            options=TorchOptions,
            load="ovtune_mo.torch_loader:load",
        )
    ]
