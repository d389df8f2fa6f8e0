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
    kind: str
    size_mb: float | None
    latency_median_ms: float | None
    latency_p90_ms: float | None
    throughput_fps: float | None
    first_cold_ms: float | None
    first_cached_ms: float | None
    peak_rss_mb: float | None
    accuracy: float | None
    accuracy_drop: float | None
    precision: str
    speedup: float | None
    noisy: bool
    cached: bool | None


@dataclass(frozen=True)
class Column:
    """A table column: header, the Row attribute it shows, its format, and which way is better."""

    header: str
    attribute: str
    pattern: str
    lower_is_better: bool | None = True


COLUMNS = (
    Column("size MB", "size_mb", ".3f"),
    Column("latency ms median", "latency_median_ms", ".3f"),
    Column("latency ms p90", "latency_p90_ms", ".3f"),
    Column("throughput FPS", "throughput_fps", ".1f", lower_is_better=False),
    Column("first inference ms (cold)", "first_cold_ms", ".1f"),
    Column("first inference ms (cached)", "first_cached_ms", ".1f"),
    Column("peak RSS MB", "peak_rss_mb", ".1f"),
    Column("accuracy", "accuracy", ".4f", lower_is_better=None),
    Column("drop", "accuracy_drop", "+.4f", lower_is_better=None),
)


def rows(report: dict[str, Any]) -> list[Row]:
    """One :class:`Row` per measured model, the original first, baselines last."""
    models = report.get("models", [])
    stages = {f"{s['index']:02d}-{s['name']}": s for s in report.get("stages", [])}
    base = _get(models[0], "latency", "median_ms") if models else None
    result = []
    for model in models:
        median = _get(model, "latency", "median_ms")
        result.append(
            Row(
                label=model["label"],
                kind=model.get("kind", "openvino"),
                size_mb=_get(model, "size", "mb"),
                latency_median_ms=median,
                latency_p90_ms=_get(model, "latency", "p90_ms"),
                throughput_fps=_get(model, "throughput", "fps"),
                first_cold_ms=_get(model, "first_inference", "cold_ms"),
                first_cached_ms=_get(model, "first_inference", "cached_ms"),
                peak_rss_mb=_get(model, "memory", "peak_rss_mb"),
                accuracy=_get(model, "accuracy", "value"),
                accuracy_drop=_get(model, "accuracy", "drop"),
                precision=model.get("runtime", {}).get("precision", {}).get("dominant", "?"),
                speedup=base / median if base and median else None,
                noisy=bool(_get(model, "latency", "noisy") or _get(model, "throughput", "noisy")),
                cached=stages[model["label"]]["cached"] if model["label"] in stages else None,
            )
        )
    return result


def present_columns(table_rows: list[Row]) -> list[Column]:
    """The columns that at least one row has a value for."""
    return [column for column in COLUMNS if any(getattr(row, column.attribute) is not None for row in table_rows)]


def best(table_rows: list[Row], column: Column) -> float | None:
    """The best value of a column (None when the column has no direction)."""
    values = [getattr(row, column.attribute) for row in table_rows if getattr(row, column.attribute) is not None]
    if not values or column.lower_is_better is None:
        return None
    return min(values) if column.lower_is_better else max(values)


def notes(report: dict[str, Any]) -> list[str]:
    """Sentences that say what the numbers mean where readers misread them."""
    result = []
    config = report.get("config", {})
    table_rows = rows(report)
    if "INFERENCE_PRECISION_HINT" not in config and any(r.precision == "bf16" for r in table_rows):
        result.append(
            "Models ran in bf16: OpenVINO's default on CPUs with bf16 support (AVX512-BF16, AMX) unless "
            '[deploy] precision = "f32".'
            + (" Accuracy above is of that bf16 execution." if any(r.accuracy is not None for r in table_rows) else "")
        )
    for model in report.get("models", []):
        measurements = model.get("measurements", {})
        latency = measurements.get("latency")
        if latency and latency.get("inputs") == "random":
            result.append(f"{model['label']}: timed on random inputs (no data fitted the model).")
        for name in ("latency", "throughput"):
            figure = measurements.get(name)
            if figure and figure.get("noisy"):
                result.append(
                    f"{model['label']}: {name} trials disagree by {figure['relative_spread']:.0%}; "
                    "treat differences below that as noise."
                )
        first = measurements.get("first_inference")
        if first and not first.get("cache_pays_off"):
            result.append(
                f"{model['label']}: model caching barely helps here (cold {first['cold_ms']:.0f} ms vs cached "
                f"{first['cached_ms']:.0f} ms): compilation is a small part of the first inference on this device."
            )
        elif first:
            result.append(
                f"{model['label']}: model caching cuts the first inference from {first['cold_ms']:.0f} ms to "
                f"{first['cached_ms']:.0f} ms ({first['cache_speedup']:.1f}x)."
            )
        throughput = measurements.get("throughput")
        if throughput and "requests" in throughput:
            requests = throughput["requests"]
            hint = model.get("runtime", {}).get("properties", {}).get("PERFORMANCE_HINT", "no")
            plural = "s" if requests != 1 else ""
            result.append(f"{model['label']}: throughput with {requests} request{plural} in flight ({hint} hint).")
        if model.get("kind") == "baseline":
            result.extend(f"{model['label']}: {note}" for note in model.get("notes", []))
    return result


def _get(model: dict[str, Any], measurement: str, key: str) -> Any:
    return model.get("measurements", {}).get(measurement, {}).get(key)
