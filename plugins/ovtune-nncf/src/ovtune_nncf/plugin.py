"""The ``nncf`` plugin: registers ``nncf.compress_weights``, ``nncf.qat`` and ``nncf.prune``, and
proposes weight compression to ``ovtune tune`` (:mod:`ovtune_nncf.proposals`).

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations and names everything else by string: the options models
(pydantic) are imported when a recipe uses them, the proposals when ``ovtune tune`` asks. NNCF
is imported by the
stage modules when a run reaches them, PyTorch only by the training stages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune.plugin import Stage, hookimpl

if TYPE_CHECKING:
    from ovtune.plugin import ProposedVariant, TuneRequest


@hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="nncf.compress_weights",
            summary="NNCF weight compression (INT8, INT4, NF4, FP4, ...): smaller weights, activations untouched",
            options="ovtune_nncf.options:CompressWeightsOptions",
            run="ovtune_nncf.compress:run",
            libraries=("nncf",),
        ),
        Stage(
            name="nncf.qat",
            summary="Quantization-aware training of the PyTorch source with NNCF, then INT8 OpenVINO model",
            options="ovtune_nncf.options:QatOptions",
            run="ovtune_nncf.training:run_qat",
            libraries=("nncf", "torch"),
        ),
        Stage(
            name="nncf.prune",
            summary="NNCF magnitude pruning of the PyTorch source with fine-tuning; sparsity and its effect recorded",
            options="ovtune_nncf.options:PruneOptions",
            run="ovtune_nncf.training:run_prune",
            libraries=("nncf", "torch"),
        ),
    ]


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[ProposedVariant]:
    from ovtune_nncf.proposals import propose

    return propose(request)
