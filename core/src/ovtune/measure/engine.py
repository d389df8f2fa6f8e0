"""Runs the recipe's measurements on the original model, on every stage's output, and on the
native-framework baseline.

All models are compiled with the same ``[deploy]`` settings on the same device; what the
runtime actually applied (properties read back, runtime precision per layer) is recorded next
to every figure, with the device's own description.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ovtune.context import DataCatalog, MeasureContext, MeasureSubject, RunInfo
from ovtune.deploy import compile_config
from ovtune.faults import call
from ovtune.measure.device import select_device
from ovtune.measure.precision import read_back_properties, runtime_precision
from ovtune.measure.system import device_info

if TYPE_CHECKING:
    from ovtune.manager import PluginHost
    from ovtune.recipe import Recipe


def measure_models(
    subjects: list[MeasureSubject],
    recipe: Recipe,
    host: PluginHost,
    catalog: DataCatalog,
    run: RunInfo,
    *,
    reference: MeasureSubject | None = None,
    cache: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure every subject; returns the report section. The original model is the first
    subject, or ``reference`` (then not measured itself): metrics that compare outputs compare
    with it. ``cache`` (e.g. holding ``reference_outputs``) is shared across calls."""
    import openvino as ov

    core = ov.Core()
    device = select_device(host, recipe.deploy.device, core)
    config = compile_config(recipe.deploy)
    context = MeasureContext(
        core=core,
        device=device,
        config=config,
        deploy=recipe.deploy,
        measure=recipe.measure,
        data=catalog,
        metric=recipe.metric,
        reference=reference or subjects[0],
        recipe=recipe,
        cache=cache if cache is not None else {},
    )
    models = []
    for subject in subjects:
        started = time.perf_counter()
        compiled = context.compile(subject)
        entry: dict[str, Any] = {
            "label": subject.label,
            "kind": "openvino",
            "path": str(subject.model_path) if subject.model_path else None,
            "compile_seconds": time.perf_counter() - started,
            "runtime": {"properties": read_back_properties(compiled), "precision": runtime_precision(compiled)},
            "measurements": {},
        }
        for provided in recipe.measurements:
            measurement = provided.item
            host.notify("ovtune_measurement_start", run=run, model=subject.label, name=measurement.name)
            result = call(provided, "run", subject, recipe.options_for(measurement), context)
            entry["measurements"][measurement.name] = result
            host.notify("ovtune_measurement_finish", run=run, model=subject.label, name=measurement.name, result=result)
        if subject is not context.reference:
            context.compiled.pop(subject.label, None)
        models.append(entry)
    if recipe.baseline is not None:
        models.append(_measure_baseline(recipe, host, context, run))
    if reference is None:
        _add_accuracy_drop(models)
    return {
        "device": device,
        "device_info": device_info(core, device),
        "config": {k: str(v) for k, v in config.items()},
        "models": models,
    }


def _measure_baseline(recipe: Recipe, host: PluginHost, context: MeasureContext, run: RunInfo) -> dict[str, Any]:
    """Run the ``[measure] baseline`` plugin on the original model file, same inputs and harness."""
    assert recipe.baseline is not None
    baseline = recipe.baseline.item
    label = baseline.name
    host.notify("ovtune_measurement_start", run=run, model=label, name="baseline")
    source = recipe.model.source
    result = call(recipe.baseline, "run", source, recipe.options_for(baseline), context)
    host.notify("ovtune_measurement_finish", run=run, model=label, name="baseline", result=result)
    return {
        "label": label,
        "kind": "baseline",
        "framework": result.get("framework", label),
        "path": str(source),
        "runtime": {"precision": {"dominant": result.get("precision", "?")}},
        "measurements": result.get("measurements", {}),
        "notes": result.get("notes", []),
        "plugin": recipe.baseline.plugin.label,
    }


def _add_accuracy_drop(models: list[dict[str, Any]]) -> None:
    """Accuracy change against the original model, positive = worse."""
    original = models[0]["measurements"].get("accuracy") if models else None
    if not original:
        return
    for entry in models:
        accuracy = entry["measurements"].get("accuracy")
        if accuracy:
            delta = original["value"] - accuracy["value"]
            accuracy["drop"] = delta if accuracy["higher_is_better"] else -delta
