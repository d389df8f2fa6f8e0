"""One trial: a configuration's recipe, its model from the stage cache, and its figures.

A trial is measured with the same code as ``ovtune run`` (:func:`ovtune.pipeline.Pipeline`
for the stages, :func:`ovtune.measure.engine.measure_models` for the figures), so a tuned
configuration's numbers mean what a recipe run's mean. Stage outputs come from the shared
stage cache: identical stage settings are computed once, for every trial and every later
``ovtune run``. Accuracy does not depend on the performance hint, streams or requests, only on
the model and the inference precision, so it is measured once per (model, precision).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.context import DataCatalog, MeasureSubject, RunInfo, describe_inputs
from ovtune.errors import OvtuneError, runtime_reason
from ovtune.storage import model_files
from ovtune.tune.goals import Goal, measurements_for, trial_values
from ovtune.tune.space import Config, SearchSpace

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.manager import PluginHost
    from ovtune.recipe import Recipe

log = logging.getLogger("ovtune.tune")


LOW_PRECISION_WEIGHTS = ("i8", "u8", "i4", "u4", "nf4", "f4e2m1", "f8e4m3", "f8e5m2", "i2", "u2", "i3", "u3")
"""Constant element types that mean "quantized or compressed weights"."""


@dataclass
class TrialRunner:
    """Builds and measures configurations of one search space."""

    space: SearchSpace
    host: PluginHost
    recipe_path: Path
    base_dir: Path
    work_dir: Path
    on_stage: Callable[[str], None] | None = None
    deadline: float | None = None
    """When the search must end (``time.time()``): given to every stage it builds."""
    cut_short_entries: dict[str, str] = field(default_factory=dict)
    """Stages stopped at the deadline in this tune, shared by its pipelines (reused by the
    trials of this tune only)."""
    reference_accuracy: dict[str, Any] | None = None
    accuracy_cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded_original: Any = None
    """The recipe's model once loaded (given when the caller has loaded it already)."""
    hardware: dict[str, Any] = field(default_factory=dict)
    """The fingerprint of the machine that measures (:func:`ovtune.measure.hardware.fingerprint`):
    every trial records its class, so figures of two machines are never ranked together."""
    _reference_outputs: Any = None
    _weights: dict[str, dict[str, int]] = field(default_factory=dict)

    # -- recipes -----------------------------------------------------------------------

    def recipe(self, config: Config, metrics: list[str]) -> Recipe:
        """The plain recipe of ``config``, measuring ``metrics`` only."""
        from ovtune.recipe import build_recipe

        table = self.space.recipe_table(config)
        measure = {k: v for k, v in table.get("measure", {}).items() if k != "baseline"}
        measure["metrics"] = metrics
        table["measure"] = measure
        table["output"] = {**table.get("output", {}), "reports": []}
        return build_recipe(table, base_dir=self.base_dir, registry=self.host.registry, file=self.recipe_path)

    def metrics_for(self, *, accuracy: bool) -> list[str]:
        """What a trial measures: the table's figures, the goal's and the bounds' measurements,
        and accuracy when the recipe has a metric (and it is not known from an earlier trial)."""
        metrics = measurements_for(self.space.goal, self.space.bounds)
        if accuracy and self.space.base.get("metric") and "accuracy" not in metrics:
            metrics.append("accuracy")
        if not accuracy and "accuracy" in metrics:
            metrics.remove("accuracy")
        return metrics

    # -- the original model ----------------------------------------------------------------

    def original(self, recipe: Recipe) -> ov.Model:
        """The recipe's model, loaded once for every trial (stages must not change it)."""
        if self.loaded_original is None:
            from ovtune.pipeline import Pipeline

            self.loaded_original = Pipeline(recipe, self.host, run_dir=self.work_dir).load_original()
        return self.loaded_original

    def measure_reference(self, first: Config) -> dict[str, Any] | None:
        """The metric of the original model in f32: what every drop is measured against."""
        if not self.space.base.get("metric"):
            return None
        table = self.space.recipe_table(first)
        table["stage"] = []
        table["deploy"] = {**table.get("deploy", {}), "precision": "f32"}
        for key in ("hint", "streams", "requests"):
            table["deploy"].pop(key, None)
        table["measure"] = {**{k: v for k, v in table.get("measure", {}).items() if k != "baseline"}}
        table["measure"]["metrics"] = ["accuracy"]
        table["output"] = {**table.get("output", {}), "reports": []}
        from ovtune.recipe import build_recipe

        recipe = build_recipe(table, base_dir=self.base_dir, registry=self.host.registry, file=self.recipe_path)
        entry = self._measure(recipe, [], "original (f32)")
        self.reference_accuracy = entry["measurements"]["accuracy"]
        return self.reference_accuracy

    def resume(self, trials: list[dict[str, Any]]) -> None:
        """Remember the accuracy of finished trials, so a resumed tune does not measure it again."""
        for trial in trials:
            if trial.get("state") == "complete" and trial.get("accuracy") and trial.get("accuracy_key"):
                self.accuracy_cache.setdefault(trial["accuracy_key"], trial["accuracy"])

    # -- one trial -------------------------------------------------------------------------

    def evaluate(self, config: Config, number: int) -> dict[str, Any]:
        """Build and measure ``config``; a user error (a stage refusing an option) is a failed
        trial, recorded with its message, not the end of the tune."""
        started = time.perf_counter()
        label = self.space.label(config)
        trial: dict[str, Any] = {"number": number, "config": config.to_json(), "label": label}
        if self.hardware:
            trial["hardware_class"] = self.hardware.get("class")
        try:
            trial.update(self._evaluate(config, label))
            trial["state"] = "complete"
        except OvtuneError as exc:
            trial["state"] = "failed"
            trial["error"] = str(exc)
            log.info("trial %d (%s) failed: %s", number, label, exc)
        except RuntimeError as exc:  # OpenVINO refusing this configuration: a failed trial, not a failed tune
            trial["state"] = "failed"
            trial["error"] = f"OpenVINO: {runtime_reason(exc)}"
            log.info("trial %d (%s) failed: %s", number, label, trial["error"])
        trial["seconds"] = time.perf_counter() - started
        return trial

    def _evaluate(self, config: Config, label: str) -> dict[str, Any]:
        probe = self.recipe(config, ["size"])
        precision = probe.deploy.precision or "default"
        records = self._stages(probe)
        model_path = Path(records[-1].model_path) if records else None
        model_hash = records[-1].details["output_hash"] if records else "original"
        accuracy_key = f"{model_hash}:{precision}"
        cached_accuracy = self.accuracy_cache.get(accuracy_key)
        recipe = self.recipe(config, self.metrics_for(accuracy=cached_accuracy is None))
        entry = self._measure(recipe, records, label)
        measurements = entry["measurements"]
        accuracy = measurements.get("accuracy") or cached_accuracy
        if measurements.get("accuracy"):
            self.accuracy_cache[accuracy_key] = measurements["accuracy"]
        dominant = entry["runtime"]["precision"].get("dominant", "unknown")
        integer_share = entry["runtime"]["precision"].get("integer_compute_share", 0.0)
        if model_path and model_hash not in self._weights:
            self._weights[model_hash] = _weight_precisions(model_path)
        weights = self._weights.get(model_hash, {})
        return {
            "stages": [
                {"name": r.name, "cached": r.cached, "seconds": r.seconds, "model_path": r.model_path} for r in records
            ],
            "model_path": str(model_path) if model_path else None,
            "model_hash": model_hash,
            "cut_short": [f"{r.name}: {r.details['cut_short']}" for r in records if r.details.get("cut_short")],
            "device": entry.get("device"),
            "properties": entry["runtime"]["properties"],
            "precision": dominant,
            "integer_compute_share": integer_share,
            "low_precision_weights": sorted(p for p in weights if p in LOW_PRECISION_WEIGHTS),
            "quantized": bool(integer_share) or any(p in LOW_PRECISION_WEIGHTS for p in weights),
            "values": trial_values(
                {**measurements, **({"accuracy": accuracy} if accuracy else {})},
                self.space.figures,
                self.reference_accuracy,
            ),
            "measurements": measurements,
            "accuracy": accuracy,
            "accuracy_cached": cached_accuracy is not None,
            "accuracy_key": accuracy_key,
        }

    def remeasure(self, config: Config, goal: Goal) -> float:
        """Measure the goal's figure of ``config`` again (its model comes from the stage cache)."""
        recipe = self.recipe(config, [goal.measurement])
        records = self._stages(recipe)
        entry = self._measure(recipe, records, self.space.label(config))
        value = goal.figure.value(entry)
        return float(value) if value is not None and math.isfinite(value) else math.nan

    def _stages(self, recipe: Recipe) -> list[Any]:
        from ovtune.pipeline import Pipeline

        if not recipe.stages:
            return []
        pipeline = Pipeline(recipe, self.host, run_dir=self.work_dir)
        pipeline.copy_stage_outputs = False
        pipeline.deadline = self.deadline
        pipeline.cut_short_entries = self.cut_short_entries
        original = self.original(recipe)
        catalog = DataCatalog(recipe.data, describe_inputs(original), recipe.base_dir)
        if self.on_stage:
            self.on_stage(", ".join(spec.name for spec in recipe.stages))
        return pipeline.run_stages(original, catalog)

    def _measure(self, recipe: Recipe, records: list[Any], label: str) -> dict[str, Any]:
        from ovtune.measure.engine import measure_models

        original = self.original(recipe)
        files = model_files(recipe.model.source) if isinstance(recipe.model.source, Path) else []
        reference = MeasureSubject("original", None, files, loader=lambda: original)
        if records:
            path = Path(records[-1].model_path)
            subject = MeasureSubject(label, path, model_files(path))
        else:
            subject = MeasureSubject(label, None, files, loader=lambda: original)
        catalog = DataCatalog(recipe.data, describe_inputs(original), recipe.base_dir)
        info = RunInfo(recipe.name, recipe.path, self.work_dir, tuple(s.name for s in recipe.stages))
        cache = {"reference_outputs": self._reference_outputs} if self._reference_outputs is not None else {}
        measured = measure_models([subject], recipe, self.host, catalog, info, reference=reference, cache=cache)
        if "reference_outputs" in cache:
            self._reference_outputs = cache["reference_outputs"]
        entry: dict[str, Any] = measured["models"][0]
        entry["device"] = measured["device"]
        return entry


def _weight_precisions(model_path: Path) -> dict[str, int]:
    """Element types of the model's weight constants, counted (from the IR file)."""
    import openvino as ov

    counts: dict[str, int] = {}
    model = ov.Core().read_model(str(model_path))
    for op in model.get_ordered_ops():
        if op.get_type_name() == "Constant":
            name = op.get_output_element_type(0).get_type_name()
            counts[name] = counts.get(name, 0) + 1
    return counts
