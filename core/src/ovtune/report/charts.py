"""Charts of a run's report as self-contained SVG (no scripts, no fonts, no CDN).

Four charts, where people would rather look than read: the latency distribution of each model
(box: p25-p75, whiskers min-p99, the median marked), throughput per model, accuracy against
latency with the Pareto front marked, and first inference cold against cached. Each function
returns ``None`` when the report lacks the figures for its chart, so reports of partial
measurements show only the charts they can. SVG is text: the HTML report inlines it, the
Markdown report links the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ovtune.figures import DeclaredFigure, FigureCatalog

WIDTH = 760
ROW = 34
LEFT = 230
RIGHT = 40
TOP = 40
BOTTOM = 44
COLORS = {"openvino": "#1f6feb", "baseline": "#8b949e", "original": "#d29922"}
FONT_FAMILY = 'font-family="DejaVu Sans, Arial, sans-serif"'
FONT = f'{FONT_FAMILY} font-size="12"'


@dataclass(frozen=True)
class Chart:
    """One chart: a file-name stem, a title, and the SVG text."""

    name: str
    title: str
    svg: str


def charts(report: dict[str, Any]) -> list[Chart]:
    """Every chart the report has figures for, in reading order."""
    made = [
        latency_distribution(report),
        throughput_bars(report),
        accuracy_vs_latency(report),
        first_inference(report),
        *plugin_figure_bars(report),
    ]
    return [chart for chart in made if chart is not None]


def _models(report: dict[str, Any], measurement: str) -> list[dict[str, Any]]:
    return [m for m in report.get("models", []) if m.get("measurements", {}).get(measurement)]


def _color(model: dict[str, Any]) -> str:
    if model.get("kind") == "baseline":
        return COLORS["baseline"]
    return COLORS["original"] if model.get("label") == "original" else COLORS["openvino"]


def _frame(title: str, height: int, body: list[str], axis_label: str) -> str:
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" class="ovtune-chart">',
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" {FONT_FAMILY} font-size="14" '
            f'font-weight="bold">{escape(title)}</text>',
            *body,
            f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{height - 8}" text-anchor="middle" '
            f"{FONT}>{escape(axis_label)}</text>",
            "</svg>",
        ]
    )


def _ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(count + 2) if step * i <= maximum + step * 0.999]


def _x_axis(top: int, bottom: int, ticks: Sequence[float], scale: float) -> list[str]:
    parts = []
    for tick in ticks:
        x = LEFT + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#e1e4e8"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" {FONT}>{tick:g}</text>')
    return parts


def _label(y: float, text: str) -> str:
    return f'<text x="{LEFT - 10}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{escape(text)}</text>'


def _bar(y: float, label: str, value: float, scale: float, *, color: str, text: str) -> list[str]:
    """A labelled horizontal bar with its value written after it."""
    return [
        _label(y, label),
        f'<rect class="bar" x="{LEFT}" y="{y - 10}" width="{max(value * scale, 1):.1f}" height="20" fill="{color}"/>',
        f'<text x="{LEFT + value * scale + 6:.1f}" y="{y + 4:.1f}" {FONT}>{escape(text)}</text>',
    ]


def latency_distribution(report: dict[str, Any]) -> Chart | None:
    """Box per model: p25-p75 box, whiskers min to p99, median line, mean dot."""
    models = [m for m in _models(report, "latency") if "p25_ms" in m["measurements"]["latency"]]
    if not models:
        return None
    height = TOP + ROW * len(models) + BOTTOM
    maximum = max(m["measurements"]["latency"]["p99_ms"] for m in models)
    ticks = _ticks(maximum)
    scale = (WIDTH - LEFT - RIGHT) / ticks[-1]
    body = _x_axis(TOP, height - BOTTOM, ticks, scale)
    for index, model in enumerate(models):
        figure = model["measurements"]["latency"]
        y = TOP + ROW * index + ROW / 2
        x = {key: LEFT + figure[f"{key}_ms"] * scale for key in ("min", "p25", "median", "p75", "p99", "mean")}
        color = _color(model)
        body += [
            _label(y, model["label"]),
            f'<line x1="{x["min"]:.1f}" y1="{y}" x2="{x["p99"]:.1f}" y2="{y}" stroke="{color}"/>',
            f'<rect class="box" x="{x["p25"]:.1f}" y="{y - 9}" width="{max(x["p75"] - x["p25"], 1):.1f}" '
            f'height="18" fill="{color}" fill-opacity="0.35" stroke="{color}"/>',
            f'<line x1="{x["median"]:.1f}" y1="{y - 9}" x2="{x["median"]:.1f}" y2="{y + 9}" stroke="{color}" '
            'stroke-width="3"/>',
            f'<circle cx="{x["mean"]:.1f}" cy="{y}" r="2.5" fill="#000"/>',
            f'<text x="{x["p99"] + 6:.1f}" y="{y + 4:.1f}" {FONT} fill="#57606a">{figure["median_ms"]:.3g} ms</text>',
        ]
    title = "Latency per inference (box p25-p75, whiskers min-p99, median bar, mean dot)"
    return Chart("latency", title, _frame(title, height, body, "milliseconds (lower is better)"))


def throughput_bars(report: dict[str, Any]) -> Chart | None:
    throughput = FigureCatalog.from_report(report).get("throughput.fps")
    return figure_bars(report, throughput, name="throughput", title="Throughput") if throughput else None


def figure_bars(report: dict[str, Any], figure: DeclaredFigure, *, name: str, title: str) -> Chart | None:
    """One bar per model for a declared figure (throughput, and every headline figure a
    plugin's measurement declares): its label and direction come from the declaration."""
    values = [(model, figure.value(model)) for model in report.get("models", [])]
    measured = [(model, value) for model, value in values if value is not None and value >= 0]
    if not measured:
        return None
    height = TOP + ROW * len(measured) + BOTTOM
    ticks = _ticks(max(value for _, value in measured) or 1.0)
    scale = (WIDTH - LEFT - RIGHT) / ticks[-1]
    body = _x_axis(TOP, height - BOTTOM, ticks, scale)
    for index, (model, value) in enumerate(measured):
        y = TOP + ROW * index + ROW / 2
        body += _bar(y, model["label"], value, scale, color=_color(model), text=figure.text(value))
    direction = figure.direction(*(model.get("measurements", {}).get(figure.measurement) for model, _ in measured))
    better = f" ({direction} is better)" if direction else ""
    return Chart(name, title, _frame(title, height, body, f"{figure.label}{better}"))


def plugin_figure_bars(report: dict[str, Any]) -> list[Chart | None]:
    """A bar chart for each headline figure of a measurement the built-in charts do not draw."""
    drawn = {"size", "latency", "throughput", "first_inference", "memory", "accuracy"}
    figures = [f for f in FigureCatalog.from_report(report) if f.figure.headline and f.measurement not in drawn]
    return [figure_bars(report, f, name=f.id.replace(".", "-"), title=f.label) for f in figures]


def pareto_front(points: Sequence[tuple[float, float, bool]]) -> list[int]:
    """Indices of the points no other point beats on both axes: lower latency (x) and better
    accuracy (y, higher when the flag says so), in order of latency."""
    front = []
    for index, (x, y, higher) in enumerate(points):
        dominated = any(
            (ox <= x and (oy >= y if higher else oy <= y)) and (ox < x or oy != y)
            for other, (ox, oy, _) in enumerate(points)
            if other != index
        )
        if not dominated:
            front.append(index)
    return sorted(front, key=lambda i: points[i][0])


def accuracy_vs_latency(report: dict[str, Any]) -> Chart | None:
    models = [m for m in _models(report, "accuracy") if m["measurements"].get("latency")]
    if len(models) < 2:
        return None
    points = [
        (
            m["measurements"]["latency"]["median_ms"],
            m["measurements"]["accuracy"]["value"],
            bool(m["measurements"]["accuracy"].get("higher_is_better", True)),
        )
        for m in models
    ]
    front = pareto_front(points)
    height = 360
    plot_top, plot_bottom = TOP + 10, height - BOTTOM - 10
    x_ticks = _ticks(max(p[0] for p in points))
    x_scale = (WIDTH - LEFT - RIGHT) / x_ticks[-1]
    low, high = min(p[1] for p in points), max(p[1] for p in points)
    pad = (high - low) * 0.15 or max(abs(high) * 0.01, 1e-3)
    low, high = low - pad, high + pad

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - plot_top)

    body = _x_axis(plot_top, plot_bottom, x_ticks, x_scale)
    for fraction in (0.0, 0.5, 1.0):
        value = low + (high - low) * fraction
        body.append(_label(y_of(value), f"{value:.4g}"))
    body.append(
        f'<text x="20" y="{(plot_top + plot_bottom) / 2}" {FONT} transform="rotate(-90 20 '
        f'{(plot_top + plot_bottom) / 2})" text-anchor="middle">'
        f"{escape(models[0]['measurements']['accuracy'].get('metric', 'accuracy'))}</text>"
    )
    line = " ".join(f"{LEFT + points[i][0] * x_scale:.1f},{y_of(points[i][1]):.1f}" for i in front)
    body.append(
        f'<polyline class="pareto" points="{line}" fill="none" stroke="#2da44e" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    for index, (model, (x, y, _)) in enumerate(zip(models, points, strict=True)):
        cx, cy = LEFT + x * x_scale, y_of(y)
        on_front = index in front
        body += [
            f'<circle class="point{" front" if on_front else ""}" cx="{cx:.1f}" cy="{cy:.1f}" '
            f'r="{7 if on_front else 5}" fill="{_color(model)}" stroke="{"#2da44e" if on_front else "none"}" '
            'stroke-width="2"/>',
            f'<text x="{cx + 9:.1f}" y="{cy + (18 if index % 2 else -8):.1f}" {FONT}>{escape(model["label"])}</text>',
        ]
    title = "Accuracy against median latency (dashed: Pareto front)"
    return Chart("accuracy-latency", title, _frame(title, height, body, "median latency, ms (left is faster)"))


def first_inference(report: dict[str, Any]) -> Chart | None:
    models = _models(report, "first_inference")
    if not models:
        return None
    height = TOP + ROW * 2 * len(models) + BOTTOM
    maximum = max(
        max(m["measurements"]["first_inference"]["cold_ms"], m["measurements"]["first_inference"]["cached_ms"])
        for m in models
    )
    ticks = _ticks(maximum)
    scale = (WIDTH - LEFT - RIGHT) / ticks[-1]
    body = _x_axis(TOP, height - BOTTOM, ticks, scale)
    for index, model in enumerate(models):
        figure = model["measurements"]["first_inference"]
        for offset, (key, label, color) in enumerate(
            (("cold_ms", "cold", "#cf222e"), ("cached_ms", "cached", "#2da44e"))
        ):
            y = TOP + ROW * (2 * index + offset) + ROW / 2
            value = figure[key]
            body += _bar(y, f"{model['label']}, {label}", value, scale, color=color, text=f"{value:.0f} ms")
    title = "First inference (read + compile + first infer, fresh process): cold vs cached"
    return Chart("first-inference", title, _frame(title, height, body, "milliseconds (lower is better)"))
