"""Charts of a run's report as self-contained SVG (no scripts, no fonts, no CDN).

Four charts, where people would rather look than read: the latency distribution of each model
(box: p25-p75, whiskers min-p99, the median marked), throughput per model, accuracy against
latency with the Pareto front marked, and first inference cold against cached. Each function
returns ``None`` when the report lacks the figures for its chart, so reports of partial
measurements show only the charts they can. SVG is text: the HTML report inlines it, the
Markdown report links the files.

Every element is written by :func:`element` from a mapping of attributes, so an attribute
cannot appear twice and every label is XML-escaped: each chart is well-formed XML
(``tests/test_charts.py`` parses every chart a real run and a real tune write). Each chart
carries a ``<title>`` and a ``<desc>`` that says its figures in words, a legend whenever its
colours or marks mean something (kinds of model, series, the Pareto front), a ``viewBox`` with
``width="100%"`` so that it fills the column it is shown in, and an axis range padded when
every value is the same, so equal figures still draw a readable axis.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ovtune.figures import DeclaredFigure, FigureCatalog

WIDTH = 900
ROW = 34
RIGHT = 90
TITLE_HEIGHT = 34
LEGEND_ROW = 20
BOTTOM = 44
CHAR_WIDTH = 7.0
"""Estimated width of one character of 12 px DejaVu Sans (for margins and legend layout)."""
LEFT_MIN, LEFT_MAX = 90, 340
COLORS = {"openvino": "#1f6feb", "baseline": "#8b949e", "original": "#d29922"}
KIND_LABELS = {"original": "original model", "openvino": "optimized (OpenVINO)", "baseline": "native framework"}
COLD, CACHED, FRONT = "#cf222e", "#2da44e", "#2da44e"
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"
TEXT = {"font-family": FONT_FAMILY, "font-size": "12"}
SVG_NAMESPACE = "http://www.w3.org/2000/svg"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Chart:
    """One chart: a file-name stem, a title, and the SVG text."""

    name: str
    title: str
    svg: str

    def retitled(self, name: str, title: str) -> Chart:
        """This chart under another name and title (its heading, ``<title>`` and
        ``aria-label`` all say the new one): a sweep's chart per hardware class."""
        old, new = xml_text(self.title), xml_text(title)
        svg = (
            self.svg.replace(f'aria-label="{old}"', f'aria-label="{new}"', 1)
            .replace(f"<title>{old}</title>", f"<title>{new}</title>", 1)
            .replace(f'font-weight="bold">{old}</text>', f'font-weight="bold">{new}</text>', 1)
        )
        return Chart(name, title, svg)


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


# --------------------------------------------------------------------------------------
# Writing SVG
# --------------------------------------------------------------------------------------


def xml_text(value: object) -> str:
    """``value`` as XML character data or an attribute value: ``&``, ``<``, ``>`` and quotes
    escaped, characters XML 1.0 forbids (control characters) dropped."""
    return escape(_NOT_XML.sub("", str(value)), quote=True)


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def element(tag: str, text: str | None = None, attributes: dict[str, Any] | None = None, *, raw: str = "") -> str:
    """``<tag a="v" ...>text</tag>``: attributes from a mapping (so none can repeat), ``None``
    values left out, floats rounded to 0.1, every value and ``text`` escaped; ``raw`` is
    markup already built (child elements) placed before ``text``."""
    parts = [tag]
    for name, value in (attributes or {}).items():
        if value is None:
            continue
        shown = _number(value) if isinstance(value, float) else str(value)
        parts.append(f'{name}="{xml_text(shown)}"')
    opening = " ".join(parts)
    if text is None and not raw:
        return f"<{opening}/>"
    return f"<{opening}>{raw}{xml_text(text) if text is not None else ''}</{tag}>"


def _text(x: float, y: float, content: str, **attributes: Any) -> str:
    return element("text", content, {"x": x, "y": y, **TEXT, **_attributes(attributes)})


def _attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Python keyword names as SVG attribute names: ``text_anchor`` -> ``text-anchor``, ``class_``
    -> ``class``."""
    return {name.rstrip("_").replace("_", "-"): value for name, value in attributes.items()}


def _shape(tag: str, **attributes: Any) -> str:
    return element(tag, None, _attributes(attributes))


@dataclass(frozen=True)
class LegendItem:
    """One entry of a legend: a mark (``bar``, ``box``, ``whisker``, ``median``, ``dot``,
    ``point``, ``front``, ``dashed``) in a colour, and what it means."""

    mark: str
    color: str
    label: str


def _legend_rows(items: Sequence[LegendItem]) -> list[list[tuple[float, LegendItem]]]:
    rows: list[list[tuple[float, LegendItem]]] = [[]]
    x = 16.0
    for item in items:
        width = 28 + CHAR_WIDTH * len(item.label) + 18
        if rows[-1] and x + width > WIDTH - 16:
            rows.append([])
            x = 16.0
        rows[-1].append((x, item))
        x += width
    return rows if rows[0] else []


def _legend_mark(x: float, y: float, item: LegendItem) -> str:
    color = item.color
    marks = {
        "bar": _shape("rect", x=x, y=y - 6, width=20, height=12, fill=color),
        "box": _shape("rect", x=x + 2, y=y - 6, width=16, height=12, fill=color, fill_opacity="0.35", stroke=color),
        "whisker": _shape("line", x1=x, y1=y, x2=x + 20, y2=y, stroke=color),
        "median": _shape("line", x1=x + 10, y1=y - 7, x2=x + 10, y2=y + 7, stroke=color, stroke_width=3),
        "dot": _shape("circle", cx=x + 10, cy=y, r=2.5, fill=color),
        "point": _shape("circle", cx=x + 10, cy=y, r=5, fill=color),
        "front": _shape("circle", cx=x + 10, cy=y, r=6, fill="none", stroke=color, stroke_width=2),
        "dashed": _shape("line", x1=x, y1=y, x2=x + 20, y2=y, stroke=color, stroke_width=2, stroke_dasharray="6 4"),
    }
    return marks[item.mark]


def _legend(items: Sequence[LegendItem]) -> list[str]:
    parts = []
    for index, row in enumerate(_legend_rows(items)):
        y = TITLE_HEIGHT + LEGEND_ROW * index + 6
        for x, item in row:
            parts.append(_legend_mark(x, y, item))
            parts.append(_text(x + 26, y + 4, item.label))
    if not parts:
        return []
    return [element("g", None, {"class": "legend"}, raw="".join(parts))]


def _top(legend: Sequence[LegendItem]) -> int:
    """Where the plot starts: below the title and the legend's rows."""
    return TITLE_HEIGHT + LEGEND_ROW * len(_legend_rows(legend)) + 8


def _frame(
    title: str, height: float, body: list[str], axis_label: str, *, left: float, legend: Sequence[LegendItem], desc: str
) -> str:
    height = math.ceil(height)
    opening = element(
        "svg",
        None,
        {
            "xmlns": SVG_NAMESPACE,
            "width": "100%",
            "viewBox": f"0 0 {WIDTH} {height}",
            "preserveAspectRatio": "xMinYMin meet",
            "role": "img",
            "aria-label": title,
            "class": "ovtune-chart",
        },
    )[:-2]
    return "\n".join(
        [
            f"{opening}>",
            element("title", title),
            element("desc", desc),
            _shape("rect", width=WIDTH, height=height, fill="#ffffff"),
            element(
                "text",
                title,
                {"x": WIDTH / 2, "y": 22, "text-anchor": "middle", **TEXT, "font-size": "14", "font-weight": "bold"},
            ),
            *_legend(legend),
            *body,
            _text(left + (WIDTH - left - RIGHT) / 2, height - 8, axis_label, text_anchor="middle"),
            "</svg>",
        ]
    )


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------


def _left(labels: Sequence[str]) -> float:
    """The left margin: room for the longest label, within bounds (longer ones are cut)."""
    longest = max((len(label) for label in labels), default=0)
    return float(min(max(CHAR_WIDTH * longest + 24, LEFT_MIN), LEFT_MAX))


def _cut(label: str, left: float) -> str:
    room = int((left - 20) / CHAR_WIDTH)
    return label if len(label) <= room else label[: max(room - 1, 1)] + "\u2026"


def _ticks(maximum: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``maximum``."""
    if not maximum > 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    step = _step(maximum / count)
    return [step * i for i in range(count + 2) if step * i <= maximum + step * 0.999]


def _step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)


def padded_range(values: Sequence[float], fraction: float = 0.15) -> tuple[float, float]:
    """A value axis's range around ``values``: padded by ``fraction`` of their spread, or, when
    every value is the same, by 5 % of the value (0.05 around zero), so it is never empty."""
    low, high = min(values), max(values)
    pad = (high - low) * fraction or max(abs(high) * 0.05, 0.05)
    return low - pad, high + pad


def range_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values inside ``[low, high]`` (``high > low``)."""
    step = _step((high - low) / count)
    first = math.ceil(low / step - 1e-9)
    return [round(i * step, 12) for i in range(first, math.floor(high / step + 1e-9) + 1)]


def _x_axis(top: float, bottom: float, ticks: Sequence[float], x_of: Any) -> list[str]:
    parts = []
    for tick in ticks:
        x = x_of(tick)
        parts.append(_shape("line", x1=x, y1=top, x2=x, y2=bottom, stroke="#e1e4e8"))
        parts.append(_text(x, bottom + 14, f"{tick:g}", text_anchor="middle"))
    return parts


def _label(y: float, text: str, left: float) -> str:
    shown = _cut(text, left)
    if shown == text:
        return _text(left - 10, y + 4, text, text_anchor="end")
    return element(
        "text",
        shown,
        {"x": left - 10, "y": y + 4, "text-anchor": "end", **TEXT},
        raw=element("title", text),
    )


def _bar(y: float, label: str, value: float, x_of: Any, left: float, *, color: str, text: str) -> list[str]:
    """A labelled horizontal bar with its value written after it."""
    return [
        _label(y, label, left),
        _shape("rect", class_="bar", x=left, y=y - 10, width=max(x_of(value) - left, 1.0), height=20, fill=color),
        _text(x_of(value) + 6, y + 4, text),
    ]


def _kind(model: dict[str, Any]) -> str:
    if model.get("kind") == "baseline":
        return "baseline"
    return "original" if model.get("label") == "original" else "openvino"


def _color(model: dict[str, Any]) -> str:
    return COLORS[_kind(model)]


def _kind_legend(models: Sequence[dict[str, Any]], mark: str = "bar") -> list[LegendItem]:
    """What the colours mean, when the models have more than one kind."""
    kinds = [kind for kind in KIND_LABELS if any(_kind(model) == kind for model in models)]
    return [LegendItem(mark, COLORS[kind], KIND_LABELS[kind]) for kind in kinds] if len(kinds) > 1 else []


def _scale(left: float, maximum: float) -> Any:
    def x_of(value: float) -> float:
        return left + value / maximum * (WIDTH - left - RIGHT)

    return x_of


# --------------------------------------------------------------------------------------
# The charts
# --------------------------------------------------------------------------------------


def _models(report: dict[str, Any], measurement: str) -> list[dict[str, Any]]:
    return [m for m in report.get("models", []) if m.get("measurements", {}).get(measurement)]


def latency_distribution(report: dict[str, Any]) -> Chart | None:
    """Box per model: p25-p75 box, whiskers min to p99, median line, mean dot."""
    models = [m for m in _models(report, "latency") if "p25_ms" in m["measurements"]["latency"]]
    if not models:
        return None
    legend = [
        LegendItem("box", "#57606a", "p25-p75"),
        LegendItem("whisker", "#57606a", "min-p99"),
        LegendItem("median", "#57606a", "median"),
        LegendItem("dot", "#000000", "mean"),
        *_kind_legend(models, "box"),
    ]
    top = _top(legend)
    height = top + ROW * len(models) + BOTTOM
    left = _left([m["label"] for m in models])
    ticks = _ticks(max(m["measurements"]["latency"]["p99_ms"] for m in models))
    x_of = _scale(left, ticks[-1])
    body = _x_axis(top, height - BOTTOM, ticks, x_of)
    for index, model in enumerate(models):
        figure = model["measurements"]["latency"]
        y = top + ROW * index + ROW / 2
        x = {key: x_of(figure[f"{key}_ms"]) for key in ("min", "p25", "median", "p75", "p99", "mean")}
        color = _color(model)
        body += [
            _label(y, model["label"], left),
            _shape("line", x1=x["min"], y1=y, x2=x["p99"], y2=y, stroke=color),
            _shape(
                "rect",
                class_="box",
                x=x["p25"],
                y=y - 9,
                width=max(x["p75"] - x["p25"], 1.0),
                height=18,
                fill=color,
                fill_opacity="0.35",
                stroke=color,
            ),
            _shape("line", x1=x["median"], y1=y - 9, x2=x["median"], y2=y + 9, stroke=color, stroke_width=3),
            _shape("circle", cx=x["mean"], cy=y, r=2.5, fill="#000"),
            _text(x["p99"] + 6, y + 4, f"{figure['median_ms']:.3g} ms", fill="#57606a"),
        ]
    title = "Latency per inference"
    desc = "Median latency: " + "; ".join(
        f"{m['label']} {m['measurements']['latency']['median_ms']:.3g} ms" for m in models
    )
    return Chart(
        "latency",
        title,
        _frame(title, height, body, "milliseconds (lower is better)", left=left, legend=legend, desc=desc),
    )


def throughput_bars(report: dict[str, Any]) -> Chart | None:
    throughput = FigureCatalog.from_report(report).get("throughput.fps")
    return figure_bars(report, throughput, name="throughput", title="Throughput") if throughput else None


def figure_bars(report: dict[str, Any], figure: DeclaredFigure, *, name: str, title: str) -> Chart | None:
    """One bar per model for a declared figure (throughput, and every headline figure a
    plugin's measurement declares): its label and direction come from the declaration."""
    values = [(model, figure.value(model)) for model in report.get("models", [])]
    measured = [(model, value) for model, value in values if value is not None and math.isfinite(value) and value >= 0]
    if not measured:
        return None
    legend = _kind_legend([model for model, _ in measured])
    top = _top(legend)
    height = top + ROW * len(measured) + BOTTOM
    left = _left([model["label"] for model, _ in measured])
    ticks = _ticks(max(value for _, value in measured))
    x_of = _scale(left, ticks[-1])
    body = _x_axis(top, height - BOTTOM, ticks, x_of)
    for index, (model, value) in enumerate(measured):
        y = top + ROW * index + ROW / 2
        body += _bar(y, model["label"], value, x_of, left, color=_color(model), text=figure.text(value))
    direction = figure.direction(*(model.get("measurements", {}).get(figure.measurement) for model, _ in measured))
    better = f" ({direction} is better)" if direction else ""
    desc = f"{figure.label}: " + "; ".join(f"{model['label']} {figure.text(value)}" for model, value in measured)
    return Chart(
        name, title, _frame(title, height, body, f"{figure.label}{better}", left=left, legend=legend, desc=desc)
    )


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
    legend = [
        *_kind_legend(models, "point"),
        LegendItem("front", FRONT, "on the Pareto front"),
        LegendItem("dashed", FRONT, "Pareto front: no other model is both faster and more accurate"),
    ]
    top = _top(legend)
    height = top + 300 + BOTTOM
    plot_top, plot_bottom = top + 10, height - BOTTOM - 10
    metric = str(models[0]["measurements"]["accuracy"].get("metric", "accuracy"))
    left = 110.0
    x_ticks = _ticks(max(p[0] for p in points))
    x_of = _scale(left, x_ticks[-1])
    low, high = padded_range([p[1] for p in points])

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - plot_top)

    body = _x_axis(plot_top, plot_bottom, x_ticks, x_of)
    for value in range_ticks(low, high):
        body.append(_shape("line", x1=left, y1=y_of(value), x2=WIDTH - RIGHT, y2=y_of(value), stroke="#f0f2f4"))
        body.append(_text(left - 10, y_of(value) + 4, f"{value:.4g}", text_anchor="end"))
    middle = (plot_top + plot_bottom) / 2
    body.append(_text(20, middle, metric, transform=f"rotate(-90 20 {_number(middle)})", text_anchor="middle"))
    line = " ".join(f"{_number(x_of(points[i][0]))},{_number(y_of(points[i][1]))}" for i in front)
    body.append(
        _shape(
            "polyline", class_="pareto", points=line, fill="none", stroke=FRONT, stroke_width=2, stroke_dasharray="6 4"
        )
    )
    centres = [(x_of(x), y_of(y)) for x, y, _ in points]
    placed = [(cx - 8, cy - 8, cx + 8, cy + 8) for cx, cy in centres]  # labels cover no point
    marks, labels = [], []
    for index, (model, (cx, cy)) in enumerate(zip(models, centres, strict=True)):
        on_front = index in front
        marks.append(
            _shape(
                "circle",
                class_="point front" if on_front else "point",
                cx=cx,
                cy=cy,
                r=7 if on_front else 5,
                fill=_color(model),
                stroke=FRONT if on_front else "none",
                stroke_width=2,
            )
        )
        labels += _point_label(cx, cy, model["label"], placed, top=top)
    body += marks + labels
    title = "Accuracy against median latency"
    desc = f"{metric} and median latency: " + "; ".join(
        f"{m['label']} {p[1]:.4g} at {p[0]:.3g} ms{' (Pareto front)' if i in front else ''}"
        for i, (m, p) in enumerate(zip(models, points, strict=True))
    )
    return Chart(
        "accuracy-latency",
        title,
        _frame(title, height, body, "median latency, ms (left is faster)", left=left, legend=legend, desc=desc),
    )


def _point_label(
    cx: float, cy: float, label: str, placed: list[tuple[float, float, float, float]], *, top: float
) -> list[str]:
    """A point's label where it overlaps no label placed before: right of the point, else left,
    a row further up or down each try (joined to its point by a thin line when moved away).
    ``placed`` collects the boxes (x0, y0, x1, y1) of the labels written."""
    text = _cut(label, 300)
    width, height = CHAR_WIDTH * len(text), 14.0
    tries = [(side, row) for row in (-1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6) for side in (1, -1)]
    for side, row in tries:
        baseline = cy - 8 - 16 * (-row - 1) if row < 0 else cy + 16 * row
        x0 = cx + 9 if side > 0 else cx - 9 - width
        box = (x0, baseline - 11, x0 + width, baseline - 11 + height)
        inside = box[0] >= 4 and box[2] <= WIDTH - 4 and box[1] >= top
        if inside and not any(_overlap(box, other) for other in placed):
            break
    else:
        return []  # nowhere left to write it; the desc and the table still name the point
    placed.append(box)
    parts = []
    if abs(row) > 1:
        parts.append(
            _shape(
                "line",
                x1=cx,
                y1=cy,
                x2=box[0] if side > 0 else box[2],
                y2=baseline - 4,
                stroke="#8c959f",
                stroke_width="0.75",
            )
        )
    whole = element("title", label) if text != label else ""
    parts.append(element("text", text, {"x": box[0], "y": baseline, "class": "point-label", **TEXT}, raw=whole))
    return parts


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def first_inference(report: dict[str, Any]) -> Chart | None:
    models = _models(report, "first_inference")
    if not models:
        return None
    legend = [LegendItem("bar", COLD, "cold (no cache)"), LegendItem("bar", CACHED, "cached (warm CACHE_DIR)")]
    top = _top(legend)
    height = top + ROW * 2 * len(models) + BOTTOM
    maximum = max(
        max(m["measurements"]["first_inference"]["cold_ms"], m["measurements"]["first_inference"]["cached_ms"])
        for m in models
    )
    left = _left([f"{m['label']}, cached" for m in models])
    ticks = _ticks(maximum)
    x_of = _scale(left, ticks[-1])
    body = _x_axis(top, height - BOTTOM, ticks, x_of)
    for index, model in enumerate(models):
        figure = model["measurements"]["first_inference"]
        for offset, (key, label, color) in enumerate((("cold_ms", "cold", COLD), ("cached_ms", "cached", CACHED))):
            y = top + ROW * (2 * index + offset) + ROW / 2
            value = figure[key]
            body += _bar(y, f"{model['label']}, {label}", value, x_of, left, color=color, text=f"{value:.0f} ms")
    title = "First inference (read + compile + first infer, fresh process): cold vs cached"
    desc = "First inference: " + "; ".join(
        f"{m['label']} cold {m['measurements']['first_inference']['cold_ms']:.0f} ms, "
        f"cached {m['measurements']['first_inference']['cached_ms']:.0f} ms"
        for m in models
    )
    return Chart(
        "first-inference",
        title,
        _frame(title, height, body, "milliseconds (lower is better)", left=left, legend=legend, desc=desc),
    )
