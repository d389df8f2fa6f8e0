"""The ``mo`` plugin: registers the ``mo`` stage, the ``torch`` loader and the ``torch`` baseline, and
proposes static shapes, a batch and FP16 weights to ``ovtune tune`` (:mod:`ovtune_mo.proposals`).

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations and names everything else by string: the options models
(pydantic) are imported when a recipe uses them, the proposals when ``ovtune tune`` asks. OpenVINO is
imported by :mod:`ovtune_mo.stage` when a run reaches the stage, PyTorch by
:mod:`ovtune_mo.torch_loader` and :mod:`ovtune_mo.torch_baseline` when a recipe uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune.plugin import Baseline, Loader, Stage, hookimpl

if TYPE_CHECKING:
    from ovtune.plugin import ProposedVariant, TuneRequest


@hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="mo",
            summary="Model Optimizer's flags: shapes, layouts, u8/BGR input, mean/scale, FP16 weights; checked",
            options="ovtune_mo.options:MoOptions",
            run="ovtune_mo.stage:run",
        )
    ]


@hookimpl
def ovtune_register_loaders() -> list[Loader]:
    return [
        Loader(
            name="torch",
            summary="PyTorch: 'torch:package.module:factory', TorchScript (.pt, .pth), exported programs (.pt2)",
            suffixes=(".pt", ".pth", ".pt2"),
            schemes=("torch",),
            libraries=("torch",),
            options="ovtune_mo.options:TorchOptions",
            load="ovtune_mo.torch_loader:load",
        )
    ]


@hookimpl
def ovtune_register_baselines() -> list[Baseline]:
    return [
        Baseline(
            name="torch",
            summary="PyTorch eager mode on the original PyTorch source, with the same inputs, harness and metric",
            options="ovtune_mo.options:TorchBaselineOptions",
            run="ovtune_mo.torch_baseline:run",
            suffixes=(".pt", ".pth", ".pt2"),
            schemes=("torch",),
            libraries=("torch",),
        )
    ]


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[ProposedVariant]:
    from ovtune_mo.proposals import propose

    return propose(request)
