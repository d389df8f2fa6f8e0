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
    speedup_vs_baseline: float | None
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
    native = next((_get(m, "latency", "median_ms") for m in models if m.get("kind") == "baseline"), None)
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
                speedup_vs_baseline=native / median if native and median and model.get("kind") != "baseline" else None,
                noisy=bool(_get(model, "latency", "noisy") or _get(model, "throughput", "noisy")),
                cached=stages[model["label"]]["cached"] if model["label"] in stages else None,
            )
        )
    return result


def baseline_label(report: dict[str, Any]) -> str | None:
    """The label of the native-framework row, when the run has one."""
    return next((m["label"] for m in report.get("models", []) if m.get("kind") == "baseline"), None)


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
    return result + speedup_notes(report)


NOISY_COLUMNS = ("latency_median_ms", "throughput_fps")
"""Columns whose figures come from repeated trials (and can be flagged noisy)."""


@dataclass(frozen=True)
class Cell:
    text: str
    best: bool = False
    noisy: bool = False


def grid(report: dict[str, Any]) -> tuple[list[str], list[list[Cell]]]:
    """The comparison table as headers and cells, for reporters that write text (Markdown,
    HTML): the same rows, columns, best values and speedups as the console table."""
    table_rows = rows(report)
    columns = present_columns(table_rows)
    native = baseline_label(report)
    show_speedup = sum(1 for row in table_rows if row.speedup) > 1
    show_native = native is not None and any(row.speedup_vs_baseline for row in table_rows)
    headers = ["model", *(column.header for column in columns)]
    headers += ["speedup (latency)"] * show_speedup + [f"vs {native} (latency)"] * show_native + ["precision that ran"]
    cells = []
    for row in table_rows:
        line = [Cell(row.label + (" (baseline)" if row.kind == "baseline" else ""))]
        for column in columns:
            value = getattr(row, column.attribute)
            line.append(
                Cell(
                    "-" if value is None else format(value, column.pattern),
                    best=value is not None and len(table_rows) > 1 and value == best(table_rows, column),
                    noisy=row.noisy
                    and value is not None
                    and column.attribute in ("latency_median_ms", "throughput_fps"),
                )
            )
        if show_speedup:
            line.append(Cell("-" if row.speedup is None else f"{row.speedup:.2f}x"))
        if show_native:
            line.append(Cell("-" if row.speedup_vs_baseline is None else f"{row.speedup_vs_baseline:.2f}x"))
        line.append(Cell(row.precision))
        cells.append(line)
    return headers, cells


def speedup_notes(report: dict[str, Any]) -> list[str]:
    """For each optimized model: is its latency change outside the run's own noise?"""
    models = report.get("models", [])
    if not models or not _get(models[0], "latency", "median_ms"):
        return []
    base = models[0]["measurements"]["latency"]
    result = []
    for model in models[1:]:
        latency = model.get("measurements", {}).get("latency")
        if not latency or not latency.get("median_ms"):
            continue
        ratio = base["median_ms"] / latency["median_ms"]
        noise = max(base.get("relative_spread", 0.0), latency.get("relative_spread", 0.0))
        where = "inside" if abs(ratio - 1) <= noise else "outside"
        trials = min(base.get("trials", 1), latency.get("trials", 1))
        if trials < 2:
            result.append(
                f"{model['label']}: {ratio:.2f}x the original's speed from a single trial: "
                "no spread to judge noise by (set [measure] trials >= 2)."
            )
        else:
            result.append(
                f"{model['label']}: {ratio:.2f}x the original's speed, {where} the noise between trials ({noise:.0%})."
            )
    return result


def _get(model: dict[str, Any], measurement: str, key: str) -> Any:
    return model.get("measurements", {}).get(measurement, {}).get(key)
