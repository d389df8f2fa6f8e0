"""The ``pot`` plugin: registers the ``pot.default`` and ``pot.accuracy_aware`` stages, and
proposes them to ``ovtune tune`` (:mod:`ovtune_pot.proposals`).

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations and names everything else by string: the options models
(pydantic) are imported when a recipe uses them, the proposals when ``ovtune tune`` asks. NNCF
(and OpenVINO) are imported by :mod:`ovtune_pot.stage` when a run reaches one of the stages.
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
            name="pot.default",
            summary="POT's DefaultQuantization (nncf.quantize): INT8 from calibration data; integer execution checked",
            options="ovtune_pot.options:DefaultQuantizationOptions",
            run="ovtune_pot.stage:run_default",
            libraries=("nncf",),
        ),
        Stage(
            name="pot.accuracy_aware",
            summary="POT's AccuracyAwareQuantization: INT8 within max_drop of the recipe's metric, checked held-out",
            options="ovtune_pot.options:AccuracyAwareQuantizationOptions",
            run="ovtune_pot.stage:run_accuracy_aware",
            libraries=("nncf",),
        ),
    ]


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[ProposedVariant]:
    from ovtune_pot.proposals import propose

    return propose(request)
