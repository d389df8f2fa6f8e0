"""What ``ovtune tune`` tries with the ``pot`` stages when the recipe gives no search space.

Decided from the :class:`~ovtune.plugin.TuneRequest` alone (no model file, no NNCF, no OpenVINO,
no NumPy: ovtune imports this module with the registrations):

- **INT8** (phase ``quantized``): ``pot.default`` on the recipe's calibration data, both presets
  (``performance`` first for a CNN; ``mixed`` first for a transformer, where it is NNCF's
  default), ``model_type = "transformer"`` when the model has attention blocks. Not for a model
  that is already quantized or compressed, one without data to calibrate with, one without
  compute layers, nor on a device that reports no INT8 (unless the objective is the size).
- **recovery** (phase ``recovery``, tried only when every plain INT8 candidate breaks a bound;
  proposed only when the recipe has a ``[metric]``, since the bound they recover is accuracy):
  ``pot.accuracy_aware`` steered by the metric to the tune's ``max_drop``; the detection head
  (or, without one, the compute layers nearest the outputs) kept in float through
  ``ignored_scope``; and the milder settings (``mixed`` preset, full bias correction).

Every variant sets ``speed_check = 0``: the tuner measures speed itself. The sizes (calibration
samples, accuracy-control iterations and ranking samples) follow the tune's budget; the stages
also honour the tune's deadline at run time (``StageContext.deadline``), whatever these sizes.
"""

from __future__ import annotations

import logging
from typing import Any

from ovtune.plugin import ModelProfile, ProposedVariant, TuneRequest

log = logging.getLogger("ovtune.tune.pot")

COMPUTE_OPS = (
    "Convolution",
    "GroupConvolution",
    "MatMul",
    "ConvolutionBackpropData",
    "GroupConvolutionBackpropData",
)
"""The layers INT8 speeds up (what ``ModelProfile.op_counts`` and ``weight_bytes`` name them)."""

MAX_CALIBRATION = 300
"""NNCF's (and POT's) default ``subset_size``: more samples seldom move the ranges."""
MIN_CALIBRATION = 32
SECONDS_PER_CALIBRATION_SAMPLE = 2.0
"""Budget seconds per calibration sample proposed: 300 samples from a 10-minute budget on."""

MAX_ITERATIONS = 100
MIN_ITERATIONS = 2
SECONDS_PER_ITERATION = 6.0
"""Budget seconds per group of layers the accuracy control may revert: generous, because the
tune's deadline stops accuracy control and keeps the model reached so far (10 groups of a
600 s budget left a file-type classifier 9 points past its bound with 8 minutes unused)."""
MAX_RANKING = 100
MIN_RANKING = 16
SECONDS_PER_RANKING_SAMPLE = 10.0
"""Budget seconds per sample the accuracy control ranks layers on (every layer group is compiled
and scored on these samples: the cost grows with both)."""

SHOWN_NAMES = 3


def propose(request: TuneRequest) -> list[ProposedVariant]:
    """The ``pot`` variants worth trying for ``request`` (see the module's description)."""
    model = request.model
    if model.low_precision:
        log.info("pot: no INT8 proposed: the model is already quantized or compressed")
        return []
    if request.calibration is None:
        log.info("pot: no INT8 proposed: the recipe has no [data.*] to calibrate with")
        return []
    layers = compute_layers(model)
    if not layers:
        log.info("pot: no INT8 proposed: the model has no convolution or MatMul for INT8 kernels")
        return []
    capabilities = request.device.capabilities
    if capabilities and "INT8" not in capabilities and request.objective.split(".", 1)[0] != "size":
        log.info(
            "pot: no INT8 proposed: %s reports no INT8 (%s), so INT8 would not be faster",
            request.device.name,
            ", ".join(capabilities),
        )
        return []
    proposals = [int8_variant(request)]
    if request.metric:
        proposals += recovery_variants(request)
    return proposals


def int8_variant(request: TuneRequest) -> ProposedVariant:
    model = request.model
    stage = base_stage(request)
    if model.transformer:
        reason = (
            f"{model.attention_blocks} attention blocks (MatMul, Softmax, MatMul): INT8 with model_type = "
            f'"transformer", which keeps the operations INT8 hurts in transformers in float and smooths the '
            f"MatMul inputs; {layer_text(model)}; mixed preset first (NNCF's default for transformers)"
        )
        presets: tuple[str, ...] = ("mixed", "performance")
        name = "int8-transformer"
    else:
        reason = (
            f"{layer_text(model)}: INT8 kernels for them on {request.device.name}; performance preset "
            "(symmetric, fastest) and mixed (asymmetric activations, often more accurate)"
        )
        presets = ("performance", "mixed")
        name = "int8"
    return ProposedVariant(
        name=name,
        stages=(stage,),
        reason=f"{reason}; calibrated on up to {stage['subset_size']} samples of data.{request.calibration}",
        phase="quantized",
        choices={"1.preset": presets},
    )


def recovery_variants(request: TuneRequest) -> list[ProposedVariant]:
    """Variants that give some speed back for accuracy, when plain INT8 breaks the bound:
    the cheap ones first (one quantization each), accuracy-aware quantization last (it
    validates the model again and again, and may use the rest of the budget)."""
    proposals: list[ProposedVariant] = []
    float_layers = float_layers_variant(request)
    if float_layers is not None:
        proposals.append(float_layers)
    proposals.append(milder_variant(request))
    if request.max_drop is not None:
        proposals.append(accuracy_aware_variant(request, request.max_drop))
    else:
        log.info("pot: no accuracy-aware quantization proposed: the tune bounds no accuracy drop (max_drop)")
    return proposals


def accuracy_aware_variant(request: TuneRequest, max_drop: float) -> ProposedVariant:
    model = request.model
    iterations = _scaled(request.budget_seconds / SECONDS_PER_ITERATION, MIN_ITERATIONS, MAX_ITERATIONS)
    ranking = _scaled(request.budget_seconds / SECONDS_PER_RANKING_SAMPLE, MIN_RANKING, MAX_RANKING)
    stage = {
        **base_stage(request),
        "use": "pot.accuracy_aware",
        "max_drop": max_drop,
        "drop_type": "absolute",  # the tuner's max_drop: original - quantized, against the f32 original
        "holdout": 0.0,  # NNCF steers by the data the tuner judges the drop on
        "max_iterations": iterations,
        "ranking_subset_size": ranking,
    }
    return ProposedVariant(
        name="int8-accuracy-aware",
        stages=(stage,),
        reason=(
            f"max_drop {max_drop:g}: NNCF's accuracy control ranks the quantized groups of the "
            f"{sum(compute_layers(model).values())} compute layers by their cost in accuracy and puts the worst "
            f"back in float until the drop is within the bound (at most {iterations} groups, ranked on "
            f"{ranking} samples)"
        ),
        phase="recovery",
    )


def float_layers_variant(request: TuneRequest) -> ProposedVariant | None:
    """The detection head (with the compute layers feeding it), or else the compute layers
    nearest the outputs, kept in float; ``None`` when the profile names neither."""
    model = request.model
    head, outputs = model.detection_head, model.output_layers
    if head:
        names = list(dict.fromkeys((*head, *outputs)))
        feeding = f", fed by {_names_text(outputs)}" if outputs else ""
        reason = (
            f"detection head found: {len(head)} operations after the concatenation of its box and class "
            f"branches{feeding}; keep the detection head in float, where INT8 costs a detector most accuracy"
        )
        name = "int8-float-head"
    elif outputs:
        names = list(outputs)
        reason = (
            f"keep the output layer{'s' if len(outputs) > 1 else ''} {_names_text(outputs)} in float: the "
            "errors of the last layers reach the outputs undamped"
        )
        name = "int8-float-outputs"
    else:
        return None
    stage = {
        **base_stage(request),
        # names come from the original model; one a preparation (static shapes) dropped must not
        # fail the trial, so names that match nothing are skipped instead of refused
        "ignored_scope": {"names": names, "validate_names": False},
    }
    return ProposedVariant(name=name, stages=(stage,), reason=reason, phase="recovery")


def milder_variant(request: TuneRequest) -> ProposedVariant:
    model = request.model
    stage = {**base_stage(request), "fast_bias_correction": False}
    if model.transformer:
        what = "NNCF's full bias correction"
    else:
        stage["preset"] = "mixed"
        what = "the mixed preset (asymmetric activations) with NNCF's full bias correction"
    return ProposedVariant(
        name="int8-mild",
        stages=(stage,),
        reason=(
            f"{what}, layer by layer over the {sum(compute_layers(model).values())} compute layers: slower to "
            "quantize, recovers accuracy the fast correction leaves"
        ),
        phase="recovery",
    )


def base_stage(request: TuneRequest) -> dict[str, Any]:
    """The ``pot.default`` table every variant starts from."""
    stage: dict[str, Any] = {
        "use": "pot.default",
        "calibration": request.calibration,
        "subset_size": calibration_samples(request.budget_seconds),
        "speed_check": 0,  # the tuner measures speed itself
    }
    if request.model.transformer:
        stage["model_type"] = "transformer"
    return stage


def calibration_samples(budget_seconds: float) -> int:
    """Calibration samples for a tune of ``budget_seconds``: a sample per 2 s of budget, between
    32 and NNCF's default of 300 (the stage takes no more than the data has, and stops at the
    tune's deadline)."""
    return _scaled(budget_seconds / SECONDS_PER_CALIBRATION_SAMPLE, MIN_CALIBRATION, MAX_CALIBRATION)


def compute_layers(model: ModelProfile) -> dict[str, int]:
    """Compute layer type -> count, most frequent first."""
    counts = {kind: model.op_counts.get(kind, 0) for kind in COMPUTE_OPS}
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda item: -item[1]))


def layer_text(model: ModelProfile) -> str:
    """``48 Convolution and 14 GroupConvolution layers hold 99% of the 4.7 MB of weights``."""
    layers = compute_layers(model)
    parts = [f"{count} {kind}" for kind, count in layers.items()]
    text = (", ".join(parts[:-1]) + " and " + parts[-1]) if len(parts) > 1 else parts[0]
    text += " layers" if sum(layers.values()) > 1 else " layer"
    total = model.total_weight_bytes
    if total:
        text += f" hold {model.weight_share(*layers):.0%} of the {total / 1e6:.1f} MB of weights"
    return text


def _names_text(names: tuple[str, ...]) -> str:
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def _scaled(value: float, low: int, high: int) -> int:
    return max(low, min(high, int(value)))
