"""The ``mo`` plugin: registers the ``mo`` stage, the ``torch`` loader and the ``torch`` baseline, and
proposes static shapes, a batch and FP16 weights to ``ovtune tune`` (:mod:`ovtune_mo.proposals`).

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations; the options models it names import pydantic alone, and the
proposals read the tuner's profiles (plain data). OpenVINO is
imported by :mod:`ovtune_mo.stage` when a run reaches the stage, PyTorch by
:mod:`ovtune_mo.torch_loader` and :mod:`ovtune_mo.torch_baseline` when a recipe uses them.
"""

from __future__ import annotations

from ovtune.plugin import Baseline, Loader, ProposedVariant, Stage, TuneRequest, hookimpl
from ovtune_mo import proposals
from ovtune_mo.options import MoOptions, TorchBaselineOptions, TorchOptions


@hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="mo",
            summary="Model Optimizer's flags: shapes, layouts, u8/BGR input, mean/scale, FP16 weights; checked",
            options=MoOptions,
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
            options=TorchOptions,
            load="ovtune_mo.torch_loader:load",
        )
    ]


@hookimpl
def ovtune_register_baselines() -> list[Baseline]:
    return [
        Baseline(
            name="torch",
            summary="PyTorch eager mode on the original PyTorch source, with the same inputs, harness and metric",
            options=TorchBaselineOptions,
            run="ovtune_mo.torch_baseline:run",
            suffixes=(".pt", ".pth", ".pt2"),
            schemes=("torch",),
            libraries=("torch",),
        )
    ]


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[ProposedVariant]:
    return proposals.propose(request)
