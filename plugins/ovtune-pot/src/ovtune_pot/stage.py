"""The ``pot.default`` and ``pot.accuracy_aware`` stages: POT's algorithms on NNCF.

Both build NNCF datasets from the recipe's ``[data.*]`` entries (items are sample indices, turned
into model inputs by ``transform``), run NNCF with its console output captured
(:mod:`ovtune_nncf.common`), report progress through the stage context, and then prove the
result: integer execution in the runtime graph, the metric before and after on samples the
algorithm did not use, and the latency of both models (:mod:`ovtune_pot.proof`). With a
deadline (``ovtune tune``'s budget), calibration, accuracy control and the proof stop spending
time once it is reached, and the record says what was cut (:mod:`ovtune_pot.deadline`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ovtune_nncf.common import nncf_arguments, nncf_reason, quiet_nncf

from ovtune.plugin import ImportReferenceError, StageError, compile_config, compile_model, import_object
from ovtune.plugin.measure import Evaluator
from ovtune_pot.deadline import (
    AccuracyControlClock,
    CalibrationSamples,
    DeadlineReached,
    calibration_dataset,
    intermediate_model,
)
from ovtune_pot.options import AccuracyAwareQuantizationOptions, DefaultQuantizationOptions
from ovtune_pot.proof import SPEED_ROUNDS, integer_execution, speed_check

if TYPE_CHECKING:
    import logging

    import openvino as ov

    from ovtune.plugin import Dataset, Sample, StageContext, StageResult


def run_default(model: ov.Model, options: DefaultQuantizationOptions, context: StageContext) -> StageResult:
    """``pot.default``: ``nncf.quantize`` on the calibration data, then the proof."""
    import nncf

    calibration, samples = _calibration(options, context)
    evaluation = _evaluation(model, options, context)
    started = time.perf_counter()
    with quiet_nncf(context.log) as records:
        try:
            quantized = nncf.quantize(
                model.clone(),  # NNCF writes rt_info and friendly names into the model it gets
                calibration,
                subset_size=samples.count,
                fast_bias_correction=options.fast_bias_correction,
                **_common_arguments(options),
            )
        except Exception as exc:  # noqa: BLE001 - NNCF raises many types for bad settings
            raise StageError(nncf_reason(exc)) from None
    seconds = time.perf_counter() - started
    return _prove(
        model,
        quantized,
        options,
        context,
        evaluation=evaluation,
        seconds=seconds,
        records=records,
        bound=None,
        samples=samples,
    )


def run_accuracy_aware(
    model: ov.Model, options: AccuracyAwareQuantizationOptions, context: StageContext
) -> StageResult:
    """``pot.accuracy_aware``: ``nncf.quantize_with_accuracy_control`` steered by the recipe's
    metric on part of its data, then the proof on the held-out rest."""
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedAccuracyRestorerParameters, RestoreMode

    calibration, samples = _calibration(options, context)
    evaluation = _evaluation(model, options, context)
    if evaluation is None:  # the options model refuses a recipe without [metric]; kept for the Python API
        raise StageError(f"{context.key}: pot.accuracy_aware needs the recipe's [metric]")
    evaluator, steer, _ = evaluation

    restorer = AdvancedAccuracyRestorerParameters(
        tune_hyperparams=options.tune_hyperparams,
        ranking_subset_size=options.ranking_subset_size,
        restore_mode=RestoreMode(options.restore_mode),
        **({"max_num_iterations": options.max_iterations} if options.max_iterations else {}),
    )
    if context.deadline is not None:  # the fully quantized model, kept if the deadline stops NNCF early
        saved = context.work_dir / "accuracy-control"
        saved.mkdir(parents=True, exist_ok=True)
        restorer.intermediate_model_dir = str(saved)
    started = time.perf_counter()
    with quiet_nncf(context.log) as records:
        clock = AccuracyControlClock(
            context,
            restorer,
            len(steer),
            records,
            bound_met=lambda original, score: _bound_met(options, original, score),
        )

        def validate(compiled: Any, items: Any) -> float:
            context.progress(clock.calls + 1, None, "accuracy control: validation pass")
            return clock.validate(lambda indices: evaluator.steering_score(compiled, indices), [int(i) for i in items])

        try:
            quantized = nncf.quantize_with_accuracy_control(
                model.clone(),
                calibration,
                nncf.Dataset(list(steer)),
                validation_fn=validate,
                max_drop=options.max_drop,
                drop_type=nncf.DropType(options.drop_type),
                subset_size=samples.count,
                fast_bias_correction=options.fast_bias_correction,
                advanced_accuracy_restorer_parameters=restorer,
                **_common_arguments(options, advanced="advanced_quantization_parameters"),
            )
        except DeadlineReached:
            quantized = intermediate_model(context.work_dir / "accuracy-control")
        except Exception as exc:  # noqa: BLE001 - NNCF raises many types for bad settings
            raise StageError(nncf_reason(exc)) from None
    seconds = time.perf_counter() - started
    return _prove(
        model,
        quantized,
        options,
        context,
        evaluation=evaluation,
        seconds=seconds,
        records=records,
        bound=options,
        samples=samples,
        clock=clock,
    )


def _bound_met(options: AccuracyAwareQuantizationOptions, original: float, score: float) -> bool:
    """NNCF's rule: a score at least the original's meets any bound."""
    if score >= original:
        return True
    drop = original - score if options.drop_type == "absolute" else abs(1 - score / original)
    return drop <= options.max_drop


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _calibration(options: DefaultQuantizationOptions, context: StageContext) -> tuple[Any, CalibrationSamples]:
    """The calibration ``nncf.Dataset`` (sample indices mapped to model inputs by ``transform``,
    each statistics pass ending at the deadline) and the count of samples it gave."""
    dataset = context.data.get(options.calibration)
    total = min(len(dataset), options.subset_size)
    return calibration_dataset(dataset, _transform(options, context), context, total=total)


def _transform(options: DefaultQuantizationOptions, context: StageContext) -> Callable[[Sample], Any]:
    if options.transform is None:
        return lambda sample: dict(sample.inputs)
    try:
        function = import_object(options.transform, search_path=context.recipe.base_dir)
    except ImportReferenceError as exc:
        raise StageError(f"{context.key}.transform: {exc}") from None
    return function  # type: ignore[no-any-return]


Evaluation = tuple[Evaluator, range, range]
"""The evaluator, the samples an algorithm may steer by, and the held-out samples."""


def _evaluation(model: ov.Model, options: DefaultQuantizationOptions, context: StageContext) -> Evaluation | None:
    """How accuracy is judged, or ``None`` when the recipe has no ``[metric]``.

    ``pot.accuracy_aware`` splits the metric's data into the part NNCF steers by and a held-out
    part (``holdout``). ``pot.default`` holds out the whole metric's data, except the first
    ``subset_size`` samples when calibration reads the same dataset."""
    spec = context.recipe.metric
    if spec is None:
        return None
    dataset = context.data.get(spec.data)
    count = len(dataset)
    if isinstance(options, AccuracyAwareQuantizationOptions):
        held = round(count * options.holdout)
        if options.holdout and held in (0, count):
            raise StageError(
                f"{context.key}.holdout: {options.holdout} of data.{spec.data}'s {count} samples leaves "
                "no samples on one side; use more validation data or another holdout"
            )
        steer = range(count - held) if held else range(count)
        holdout = range(count - held, count) if held else range(count)
    elif spec.data == options.calibration:
        used = min(count, options.subset_size)
        steer, holdout = range(used), range(used, count) if used < count else range(count)
    else:
        steer, holdout = range(0), range(count)
    config = compile_config(context.deploy)
    return Evaluator(spec, dataset, model, context.deploy.device, config), steer, holdout


def _common_arguments(options: DefaultQuantizationOptions, advanced: str = "advanced_parameters") -> dict[str, Any]:
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, AdvancedSmoothQuantParameters

    arguments = nncf_arguments(
        options,
        target_device=lambda device: nncf.TargetDevice[device.upper()],
        preset=nncf.QuantizationPreset,
        model_type=nncf.ModelType,
    )
    if options.smooth_quant_alpha is not None:
        arguments[advanced] = AdvancedQuantizationParameters(
            smooth_quant_alphas=AdvancedSmoothQuantParameters(matmul=options.smooth_quant_alpha)
        )
    return arguments


# --------------------------------------------------------------------------------------
# Proof
# --------------------------------------------------------------------------------------


class _Compiled:
    """Both models compiled with the recipe's ``[deploy]`` settings; the original only when a
    check needs it (past the deadline, none does)."""

    def __init__(self, model: ov.Model, quantized: ov.Model, context: StageContext):
        import openvino as ov

        self._core = ov.Core()
        self._model = model
        self._device = context.deploy.device
        self.config = compile_config(context.deploy)
        self.quantized = compile_model(self._core, quantized, self._device, self.config)
        self._original: ov.CompiledModel | None = None

    @property
    def original(self) -> ov.CompiledModel:
        if self._original is None:
            self._original = compile_model(self._core, self._model, self._device, self.config)
        return self._original


def _prove(
    model: ov.Model,
    quantized: ov.Model,
    options: DefaultQuantizationOptions,
    context: StageContext,
    *,
    evaluation: Evaluation | None,
    seconds: float,
    records: list[logging.LogRecord],
    bound: AccuracyAwareQuantizationOptions | None,
    samples: CalibrationSamples,
    clock: AccuracyControlClock | None = None,
) -> StageResult:
    from ovtune.plugin import StageResult

    context.progress(0, None, "checking the quantized model")
    compiled = _Compiled(model, quantized, context)
    precision, notes = integer_execution(compiled.quantized)
    details: dict[str, Any] = {
        "algorithm": options.algorithm,
        "nncf_seconds": seconds,
        "calibration": {"data": options.calibration, "samples": samples.used},
        "runtime_precision": precision,
        "deploy": {k: str(v) for k, v in compiled.config.items()},
    }
    skipped: list[str] = []
    if clock is not None and clock.stopped:
        details["accuracy_control"] = {"stopped": clock.stopped, "validation_passes": clock.passes}
    if clock is not None and clock.sized:
        details.setdefault("accuracy_control", {})["sized"] = clock.sized
    reverted_kept = clock is None or not clock.raised
    if clock is not None and clock.records_at_stop is not None:
        records = records[: clock.records_at_stop]
    if evaluation is not None:
        if _accuracy_overruns(context, evaluation, clock):
            skipped.append("the held-out accuracy check")
            if bound is not None:
                details["accuracy"] = _bound_record(bound, records, reverted_kept)
        else:
            accuracy, accuracy_notes = _accuracy(compiled, evaluation, bound, records, reverted_kept)
            details["accuracy"] = accuracy
            notes += accuracy_notes
    if options.speed_check > 0 and context.shares_machine:
        notes.append(
            "Speed check skipped: the model was built beside other builds, whose work a timing here would "
            "measure too; the run's own measurements time it alone."
        )
    elif options.speed_check > 0:
        left = context.time_left()
        if left is not None and left < 2 * SPEED_ROUNDS * options.speed_check:
            skipped.append("the speed check")
        else:
            data, name = _timing_data(context, evaluation, options)
            speed = speed_check(compiled.original, compiled.quantized, data, name, options.speed_check)
            details["speed"] = speed
            notes.append(
                f"Median latency with the recipe's [deploy] settings: original {speed['original_median_ms']:.3f} ms, "
                f"quantized {speed['quantized_median_ms']:.3f} ms ({speed['speedup']:.2f}x, {SPEED_NOTE})."
            )
    if skipped:
        details["proof_skipped"] = skipped
        notes.append(f"Skipped for the deadline: {' and '.join(skipped)} (ovtune tune measures the model itself).")
    _say_cut_short(context, samples, clock, skipped)
    return StageResult(quantized, notes=notes, details=details)


def _accuracy_overruns(context: StageContext, evaluation: Evaluation, clock: AccuracyControlClock | None) -> bool:
    """Whether scoring both models on the held-out samples would end past the deadline (known
    from the accuracy control's time per sample; otherwise only once the deadline has passed)."""
    left = context.time_left()
    if left is None:
        return False
    per_sample = clock.seconds_per_sample if clock is not None else None
    return left <= 0 or (per_sample is not None and 2 * len(evaluation[2]) * per_sample > left)


def _say_cut_short(
    context: StageContext, samples: CalibrationSamples, clock: AccuracyControlClock | None, skipped: list[str]
) -> None:
    """Tell the context what the deadline cut: the record carries it, and the cache keeps the
    result apart from the stage's full one (which has its proof)."""
    reasons = []
    if samples.cut:
        reasons.append(f"calibrated on {samples.used} of {samples.count} samples")
    if clock is not None:
        reasons += [reason for reason in (clock.sizing_note(), clock.stopped) if reason]
    if skipped:
        reasons.append(f"{' and '.join(skipped)} skipped")
    if reasons:
        context.cut_short("; ".join(reasons))


SPEED_NOTE = "interleaved rounds; the run's measurements are the figures to quote"


def _timing_data(
    context: StageContext, evaluation: Evaluation | None, options: DefaultQuantizationOptions
) -> tuple[Dataset, str]:
    if evaluation is not None:
        assert context.recipe.metric is not None
        return evaluation[0].dataset, context.recipe.metric.data
    return context.data.get(options.calibration), options.calibration


def _accuracy(
    compiled: _Compiled,
    evaluation: Evaluation,
    bound: AccuracyAwareQuantizationOptions | None,
    records: list[logging.LogRecord],
    reverted_kept: bool = True,
) -> tuple[dict[str, Any], list[str]]:
    """The metric of both models on the held-out samples, and what it means."""
    evaluator, steer, holdout = evaluation
    original = evaluator.score(compiled.original, holdout)
    quantized = evaluator.score(compiled.quantized, holdout)
    drop = evaluator.drop(original, quantized)
    where = f"data.{evaluator.spec.data}[{holdout.start + 1}:{holdout.stop}]"
    unseen = not set(steer) & set(holdout)
    accuracy: dict[str, Any] = {
        "metric": evaluator.name,
        "data": where,
        "samples": len(holdout),
        "held_out": unseen,
        "original": original,
        "quantized": quantized,
        "drop": drop,
        "higher_is_better": evaluator.higher_is_better,
    }
    seen = "held-out" if unseen else "NOT held-out (the algorithm used these samples too)"
    notes = [
        f"{evaluator.name} on {len(holdout)} {seen} samples ({where}): original {original:.5g}, "
        f"quantized {quantized:.5g}, drop {drop:+.3g}."
    ]
    if bound is not None:
        limit = bound.max_drop * (abs(original) if bound.drop_type == "relative" else 1.0)
        record = _bound_record(bound, records, reverted_kept)
        reverted = record["reverted_operations"]
        accuracy.update(record, allowed_drop=limit, met=drop <= limit, missed_by=max(0.0, drop - limit))
        if drop <= limit:
            notes.append(f"max_drop {bound.max_drop} ({bound.drop_type}) is met on the held-out samples.")
        else:
            notes.append(
                f"max_drop {bound.max_drop} ({bound.drop_type}) is NOT met on the held-out samples: the drop is "
                f"{drop:.3g}, {drop - limit:.3g} above the allowed {limit:.3g}. The best model found is saved."
            )
        if reverted:
            shown = ", ".join(reverted[:8]) + (" ..." if len(reverted) > 8 else "")
            notes.append(f"{len(reverted)} operations were reverted to floating point: {shown}")
        else:
            notes.append("No operation was reverted to floating point.")
    return accuracy, notes


def _bound_record(
    bound: AccuracyAwareQuantizationOptions, records: list[logging.LogRecord], reverted_kept: bool
) -> dict[str, Any]:
    """The accuracy control's bound and what NNCF reported about it. ``reverted_kept`` is false
    when the deadline stopped NNCF and the stage kept the fully quantized model instead: the
    operations NNCF had reverted by then are not in float in it."""
    return {
        "max_drop": bound.max_drop,
        "drop_type": bound.drop_type,
        "reverted_operations": reverted_operations(records) if reverted_kept else [],
        "nncf_report": list(
            dict.fromkeys(r.getMessage().splitlines()[0] for r in records if _is_summary(r.getMessage()))
        ),
    }


_REVERTED = re.compile(r"(?:were reverted back|Reverted \d+ operations) to the floating-point precision")
_SUMMARY = (
    "Accuracy drop",
    "Algorithm completed",
    "The algorithm could not",
    "Maximum number of iteration",
    "All layers have been checked",
    "Total number of quantized operations",
)


def _is_summary(message: str) -> bool:
    return message.startswith(_SUMMARY)


def reverted_operations(records: list[logging.LogRecord]) -> list[str]:
    """The operations NNCF's accuracy control put back in floating point, from its log: its
    final report when it wrote one, otherwise every "Reverted N operations" step."""
    final = [r.getMessage() for r in records if "were reverted back to the floating-point" in r.getMessage()]
    messages = final[-1:] or [r.getMessage() for r in records if _REVERTED.search(r.getMessage())]
    names: list[str] = []
    for message in messages:
        names += [line.strip() for line in message.splitlines()[1:] if line.strip()]
    return list(dict.fromkeys(names))
