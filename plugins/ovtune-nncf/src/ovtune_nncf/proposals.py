"""What ``ovtune tune`` tries with ``nncf.compress_weights`` when the recipe gives no search space.

Weight compression pays where inference time and memory go to reading weights: models whose
weights sit mostly in MatMul and Gather (embedding) layers, big enough that the bytes matter.
This module decides from the :class:`~ovtune.plugin.TuneRequest` alone (no model file, no NNCF,
no OpenVINO: ovtune imports it with the registrations):

- nothing for a model already in low precision (quantized or compressed weights), for a model
  whose weights are mostly convolutions (a CNN: ``pot.default`` quantizes its activations too,
  which is what speeds a convolution up) and for a small one (below :data:`MIN_WEIGHT_BYTES`);
- ``int8_asym`` otherwise: INT8 stores the weights in a quarter of f32's bytes (half of f16's),
  per channel, and keeps accuracy on the models measured (all-MiniLM-L6-v2: cosine 0.9997);
- ``int4_asym`` as well for large models (:data:`INT4_PARAMETERS` parameters or
  :data:`INT4_WEIGHT_BYTES` of weights), where memory bandwidth dominates: group size 128 and a
  ratio of 0.8 or 1.0 (the rest stays INT8), with AWQ and scale estimation on the calibration
  data when the recipe has some. On a 22 M-parameter encoder INT4 cost 0.02 of cosine for 15 %
  fewer bytes than INT8: not worth it for small models.
"""

from __future__ import annotations

import logging
from typing import Any

from ovtune.plugin import ProposedVariant, TuneRequest

log = logging.getLogger("ovtune.tune.nncf")

WEIGHT_SHARE = 0.5
"""Share of the weight bytes that MatMul and Gather layers must hold."""
MIN_WEIGHT_BYTES = 8_000_000
"""Below this many bytes of weights, compressing them saves too little to measure."""
INT4_PARAMETERS = 100_000_000
INT4_WEIGHT_BYTES = 200_000_000
"""From either of these on, the model is large enough that 4-bit weights are worth trying."""
INT4_GROUP_SIZE = 128
"""NNCF's default group for INT4; it divides the hidden sizes of the usual language models."""
INT4_RATIOS = (0.8, 1.0)
"""Shares of the layers in INT4 (the rest INT8): the more accurate one first."""


def propose(request: TuneRequest) -> list[ProposedVariant]:
    """The weight compression variants worth trying for ``request`` (see the module's description)."""
    model = request.model
    total = model.total_weight_bytes
    share = model.weight_share("MatMul", "Gather")
    if model.low_precision:
        log.info("nncf: no weight compression proposed: the model is already quantized or compressed")
        return []
    if share < WEIGHT_SHARE or total < MIN_WEIGHT_BYTES:
        log.info(
            "nncf: no weight compression proposed: MatMul and Gather hold %.0f%% of %.1f MB of weights "
            "(it pays from %.0f%% of %.0f MB on)",
            100 * share,
            total / 1e6,
            100 * WEIGHT_SHARE,
            MIN_WEIGHT_BYTES / 1e6,
        )
        return []
    where = f"MatMul and Gather hold {share:.0%} of {total / 1e6:.1f} MB of weights"
    proposals = [
        ProposedVariant(
            name="int8-weights",
            phase="quantized",
            stages=({"use": "nncf.compress_weights", "mode": "int8_asym"},),
            reason=f"{where}, read from memory on every inference: INT8 stores them in a quarter of f32's bytes "
            "(half of f16's), per channel, and usually keeps accuracy",
        )
    ]
    if model.parameters >= INT4_PARAMETERS or total >= INT4_WEIGHT_BYTES:
        proposals.append(_int4(request, where))
    return proposals


def _int4(request: TuneRequest, where: str) -> ProposedVariant:
    stage: dict[str, Any] = {
        "use": "nncf.compress_weights",
        "mode": "int4_asym",
        "group_size": INT4_GROUP_SIZE,
        "ratio": INT4_RATIOS[0],
    }
    how = f"group {INT4_GROUP_SIZE}, {' or '.join(f'{ratio:.0%}' for ratio in INT4_RATIOS)} of the layers in INT4"
    if request.calibration is not None:
        stage.update(
            data=request.calibration,
            subset_size=subset_size(request.budget_seconds),
            awq=True,
            scale_estimation=True,
        )
        how += f", AWQ and scale estimation on data.{request.calibration}"
    parameters = request.model.parameters
    size = f"{parameters / 1e6:.0f} M parameters" if parameters else f"{request.model.total_weight_bytes / 1e6:.0f} MB"
    return ProposedVariant(
        name="int4-weights",
        phase="quantized",
        stages=(stage,),
        choices={"1.ratio": INT4_RATIOS},
        reason=f"{where} ({size}): memory bandwidth dominates, and 4-bit weights read half of INT8's bytes ({how})",
    )


def subset_size(budget_seconds: float) -> int:
    """Calibration samples for AWQ and scale estimation, sized to the search's time budget (each
    sample runs through every layer of a large model, several times)."""
    if budget_seconds >= 3600:
        return 128
    if budget_seconds >= 1200:
        return 64
    return 32
