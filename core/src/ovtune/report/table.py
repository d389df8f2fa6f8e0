"""The comparison table every reporter shows: one row per model.

Kept separate from any output format so that console, Markdown and HTML reports show the same
numbers computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    label: str
    size_mb: float | None
    latency_median_ms: float | None
    latency_p90_ms: float | None
    sync_fps: float | None
    accuracy: float | None
    accuracy_drop: float | None
    precision: str
    speedup: float | None
    noisy: bool
    cached: bool | None


def rows(report: dict[str, Any]) -> list[Row]:
    """One :class:`Row` per measured model, the original first."""
    models = report.get("models", [])
    stages = {f"{s['index']:02d}-{s['name']}": s for s in report.get("stages", [])}
    base = _get(models[0], "latency", "median_ms") if models else None
    result = []
    for model in models:
        median = _get(model, "latency", "median_ms")
        result.append(
            Row(
                label=model["label"],
                size_mb=_get(model, "size", "mb"),
                latency_median_ms=median,
                latency_p90_ms=_get(model, "latency", "p90_ms"),
                sync_fps=_get(model, "latency", "sync_fps"),
                accuracy=_get(model, "accuracy", "value"),
                accuracy_drop=_get(model, "accuracy", "drop"),
                precision=model.get("runtime", {}).get("precision", {}).get("dominant", "?"),
                speedup=base / median if base and median else None,
                noisy=bool(_get(model, "latency", "noisy")),
                cached=stages[model["label"]]["cached"] if model["label"] in stages else None,
            )
        )
    return result


def notes(report: dict[str, Any]) -> list[str]:
    """Sentences that say what the numbers mean where readers misread them."""
    result = []
    config = report.get("config", {})
    precisions = {row.label: row.precision for row in rows(report)}
    if "INFERENCE_PRECISION_HINT" not in config and any(p == "bf16" for p in precisions.values()):
        result.append(
            "Models ran in bf16: OpenVINO's default on CPUs with bf16 support (AVX512-BF16, AMX) unless "
            '[deploy] precision = "f32". Accuracy above is of that bf16 execution.'
        )
    for model in report.get("models", []):
        latency = model.get("measurements", {}).get("latency")
        if latency and latency.get("inputs") == "random":
            result.append(f"{model['label']}: latency measured on random inputs (no data fitted the model).")
        if latency and latency.get("noisy"):
            result.append(
                f"{model['label']}: latency trials disagree by {latency['relative_spread']:.0%}; "
                "treat differences below that as noise."
            )
    return result


def _get(model: dict[str, Any], measurement: str, key: str) -> Any:
    return model.get("measurements", {}).get(measurement, {}).get(key)
