"""The comparison table every reporter shows: one row per model.

Kept separate from any output format so that console, Markdown and HTML reports show the same
numbers computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ovtune.figures import DeclaredFigure, FigureCatalog


@dataclass(frozen=True)
class Row:
    """One model of the table: its headline figures by id, and what is said beside them."""

    label: str
    kind: str
    values: dict[str, float | None]
    noisy: frozenset[str]
    """Measurements whose trials disagreed for this model (their figures get a ``~``)."""
    precision: str
    speedup: float | None
    speedup_vs_baseline: float | None
    cached: bool | None


def columns(report: dict[str, Any]) -> list[DeclaredFigure]:
    """The table's columns: the headline figures the report declares, for measurements that
    at least one model has a value for (in declaration order: built-ins first)."""
    catalog = FigureCatalog.from_report(report)
    models = report.get("models", [])
    return [f for f in catalog if f.figure.headline and any(f.value(model) is not None for model in models)]


def rows(report: dict[str, Any]) -> list[Row]:
    """One :class:`Row` per measured model, the original first, baselines last."""
    models = report.get("models", [])
    figures = columns(report)
    stages = {f"{s['index']:02d}-{s['name']}": s for s in report.get("stages", [])}
    base = _get(models[0], "latency", "median_ms") if models else None
    native = next((_get(m, "latency", "median_ms") for m in models if m.get("kind") == "baseline"), None)
    result = []
    for model in models:
        median = _get(model, "latency", "median_ms")
        measurements = model.get("measurements", {})
        result.append(
            Row(
                label=model["label"],
                kind=model.get("kind", "openvino"),
                values={figure.id: figure.value(model) for figure in figures},
                noisy=frozenset(
                    name for name, value in measurements.items() if isinstance(value, dict) and value.get("noisy")
                ),
                precision=model.get("runtime", {}).get("precision", {}).get("dominant", "?"),
                speedup=base / median if base and median else None,
                speedup_vs_baseline=native / median if native and median and model.get("kind") != "baseline" else None,
                cached=stages[model["label"]]["cached"] if model["label"] in stages else None,
            )
        )
    return result


def baseline_label(report: dict[str, Any]) -> str | None:
    """The label of the native-framework row, when the run has one."""
    return next((m["label"] for m in report.get("models", []) if m.get("kind") == "baseline"), None)


def best(report: dict[str, Any], table_rows: list[Row], figure: DeclaredFigure) -> float | None:
    """The best value of a column (None when the figure has no direction or every value is equal)."""
    values = [row.values[figure.id] for row in table_rows if row.values.get(figure.id) is not None]
    results = [model.get("measurements", {}).get(figure.measurement) for model in report.get("models", [])]
    direction = figure.direction(*results)
    if not values or direction is None or len(set(values)) == 1:
        return None  # a tie everywhere has no best
    return min(values) if direction == "lower" else max(values)  # type: ignore[type-var]


def notes(report: dict[str, Any]) -> list[str]:
    """Sentences that say what the numbers mean where readers misread them."""
    result = []
    config = report.get("config", {})
    table_rows = rows(report)
    if "INFERENCE_PRECISION_HINT" not in config and any(r.precision == "bf16" for r in table_rows):
        scored = any(r.values.get("accuracy.value") is not None for r in table_rows)
        result.append(
            "Models ran in bf16: OpenVINO's default on CPUs with bf16 support (AVX512-BF16, AMX) unless "
            '[deploy] precision = "f32".' + (" Accuracy above is of that bf16 execution." if scored else "")
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
            note = f"{model['label']}: throughput with {requests} request{plural} in flight ({hint} hint)"
            sync_fps = (measurements.get("latency") or {}).get("sync_fps")
            if str(hint).upper() == "LATENCY" and sync_fps:
                # benchmark_app -hint latency runs the sync API: its FPS is the latency loop's
                note += (
                    f"; benchmark_app -hint latency reports the FPS of its sync loop instead, "
                    f"which is latency.sync_fps here ({sync_fps:.1f} FPS)"
                )
            result.append(note + ".")
        if model.get("kind") == "baseline":
            result.extend(f"{model['label']}: {note}" for note in model.get("notes", []))
    return result + speedup_notes(report)


@dataclass(frozen=True)
class Cell:
    text: str
    best: bool = False
    noisy: bool = False


def grid(report: dict[str, Any]) -> tuple[list[str], list[list[Cell]]]:
    """The comparison table as headers and cells, for reporters that write text (Markdown,
    HTML): the same rows, columns, best values and speedups as the console table."""
    table_rows = rows(report)
    figures = columns(report)
    native = baseline_label(report)
    show_speedup = sum(1 for row in table_rows if row.speedup) > 1
    show_native = native is not None and any(row.speedup_vs_baseline for row in table_rows)
    headers = ["model", *(figure.label for figure in figures)]
    headers += ["speedup (latency)"] * show_speedup + [f"vs {native} (latency)"] * show_native + ["precision that ran"]
    bests = {figure.id: best(report, table_rows, figure) for figure in figures}
    cells = []
    for row in table_rows:
        line = [Cell(row.label + (" (baseline)" if row.kind == "baseline" else ""))]
        for figure in figures:
            value = row.values[figure.id]
            line.append(
                Cell(
                    figure.text(value),
                    best=value is not None and len(table_rows) > 1 and value == bests[figure.id],
                    noisy=value is not None and figure.measurement in row.noisy,
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
