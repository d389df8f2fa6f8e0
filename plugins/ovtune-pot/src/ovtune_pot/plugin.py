"""The ``pot`` plugin: registers the ``pot.default`` and ``pot.accuracy_aware`` stages, and
proposes them to ``ovtune tune`` (:mod:`ovtune_pot.proposals`).

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registrations; the options models import pydantic alone, the proposals read the
tune's profiles alone. NNCF (and OpenVINO) are imported by :mod:`ovtune_pot.stage` when a run
reaches one of the stages.
"""

from __future__ import annotations

from ovtune.plugin import ProposedVariant, Stage, TuneRequest, hookimpl
from ovtune_pot.options import AccuracyAwareQuantizationOptions, DefaultQuantizationOptions
from ovtune_pot.proposals import propose


@hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="pot.default",
            summary="POT's DefaultQuantization (nncf.quantize): INT8 from calibration data; integer execution checked",
            options=DefaultQuantizationOptions,
            run="ovtune_pot.stage:run_default",
            libraries=("nncf",),
        ),
        Stage(
            name="pot.accuracy_aware",
            summary="POT's AccuracyAwareQuantization: INT8 within max_drop of the recipe's metric, checked held-out",
            options=AccuracyAwareQuantizationOptions,
            run="ovtune_pot.stage:run_accuracy_aware",
            libraries=("nncf",),
        ),
    ]


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[ProposedVariant]:
    return propose(request)
