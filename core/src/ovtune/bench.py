"""``ovtune bench MODEL``: measure one model without writing a recipe.

The flags become an in-memory recipe validated exactly like a file (so a bad value names the
``deploy.*`` key it maps to) and run through the same pipeline and measurements. Without
``--hint``, everything is measured with the LATENCY hint and throughput once more with the
THROUGHPUT hint, so the output says whether the throughput hint pays off for this model on this
machine; every row prints the equivalent
``benchmark_app`` command to cross-check the figures.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ovtune.manager import PluginHost
from ovtune.recipe import build_recipe

LATENCY_METRICS = ("latency", "first_inference", "memory", "size", "accuracy")


@dataclass
class BenchSettings:
    """The command-line flags of ``ovtune bench``."""

    device: str = "CPU"
    hint: str | None = None
    streams: str | None = None
    requests: int | None = None
    threads: int | None = None
    precision: str | None = None
    pinning: bool | None = None
    cache_dir: Path | None = None
    duration: float = 10.0
    trials: int = 3
    shape: str | dict[str, str] | None = None
    metrics: list[str] = field(default_factory=lambda: ["latency", "throughput"])
    properties: dict[str, Any] = field(default_factory=dict)


def plan(settings: BenchSettings) -> list[tuple[str | None, list[str]]]:
    """(hint, metrics) per run: one run with the given hint, or one per natural hint."""
    if settings.hint is not None:
        return [(settings.hint, settings.metrics)]
    runs: list[tuple[str | None, list[str]]] = [("latency", list(settings.metrics))]
    if "throughput" in settings.metrics:
        runs.append(("throughput", ["throughput"]))
    return runs


def _deploy(settings: BenchSettings, hint: str | None) -> dict[str, Any]:
    deploy: dict[str, Any] = {"device": settings.device, "properties": settings.properties}
    values = {
        "hint": hint,
        "requests": settings.requests,
        "threads": settings.threads,
        "precision": settings.precision,
        "pinning": settings.pinning,
    }
    deploy.update({key: value for key, value in values.items() if value is not None})
    if settings.streams is not None:
        deploy["streams"] = int(settings.streams) if settings.streams.isdigit() else settings.streams.lower()
    if settings.cache_dir is not None:
        deploy["cache_dir"] = str(settings.cache_dir)
    return deploy


def run_bench(model: Path, settings: BenchSettings, host: PluginHost) -> dict[str, Any]:
    """Measure ``model``; returns ``{"model", "rows": [...]}`` (one row per hint)."""
    from ovtune.measure.benchmark_app import benchmark_app_command
    from ovtune.pipeline import Pipeline

    rows = []
    for hint, metrics in plan(settings):
        raw = {
            "schema": 1,
            "name": "bench",
            "model": {"source": str(model.resolve())},
            "deploy": _deploy(settings, hint),
            "measure": {"metrics": metrics, "duration": settings.duration, "trials": settings.trials},
            "output": {"reports": []},
        }
        recipe = build_recipe(raw, base_dir=Path.cwd(), registry=host.registry, file=None)
        with tempfile.TemporaryDirectory(prefix="ovtune-bench-") as folder:
            report = Pipeline(recipe, host, run_dir=Path(folder), reshape=settings.shape).run()
        entry = report["models"][0]
        input_type = report["model"]["inputs"][0]["element_type"] if report["model"]["inputs"] else None
        entry["label"] = f"{hint or 'no'} hint"
        entry["benchmark_app"] = benchmark_app_command(
            model,
            recipe.deploy,
            seconds=settings.duration * settings.trials,
            input_precision=input_type,
            shape=_shape_flag(settings.shape),
        )
        entry["config"] = report["config"]
        rows.append(entry)
        last = report
    return {
        "model": str(model),
        "device": last["device"],
        "device_info": last["device_info"],
        "environment": last["environment"],
        "inputs": last["model"]["inputs"],
        "models": rows,
    }


def _shape_flag(shape: str | dict[str, str] | None) -> str | None:
    if shape is None or isinstance(shape, str):
        return shape
    return ",".join(f"{name}{dims}" for name, dims in shape.items())
