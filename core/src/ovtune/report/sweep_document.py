"""``sweep.md``, ``sweep.html`` and the console table of a sweep: the best recipe of each model
per hardware class, then every job, then the charts.

Built from ``sweep.json`` (:mod:`ovtune.report.sweep`) with the pieces of a run's documents: the
same style, the same escaping and the same charts (:mod:`ovtune.report.charts`), drawn once per
hardware class so that no chart puts figures from different hardware side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from ovtune.report.charts import Chart, charts
from ovtune.report.document import CHART_DIR, STYLE, md_text
from ovtune.report.sweep import OBJECTIVES
from ovtune.storage import atomic_write_text

MARKDOWN_FILE = "sweep.md"
HTML_FILE = "sweep.html"

Table_ = tuple[list[str], list[list[str]]]
"""Headers and rows of text."""


def _number(value: Any, spec: str = ".4g") -> str:
    return format(value, spec) if isinstance(value, int | float) and not isinstance(value, bool) else "-"


def _signed(value: Any) -> str:
    return format(value, "+.4g") if isinstance(value, int | float) else "-"


FIGURE_HEADERS = ["latency median (ms)", "throughput (FPS)", "size (MB)", "accuracy", "drop vs f32", "precision"]


def _figure_cells(figures: dict[str, Any] | None, drop: Any) -> list[str]:
    figures = figures or {}
    return [
        _number(figures.get("latency_median_ms")),
        _number(figures.get("throughput_fps")),
        _number(figures.get("size_mb")),
        _number(figures.get("accuracy")),
        _signed(drop),
        str(figures.get("precision") or "-"),
    ]


def _hardware(row: dict[str, Any]) -> str:
    """The hardware class's id (its label is in the header lines: it is long)."""
    return str(row.get("hardware_class") or "-")


def best_table(sweep: dict[str, Any]) -> Table_:
    """One row per model and hardware class: the best recipe for the sweep's objective."""
    headers = ["model", "hardware", "best recipe", *FIGURE_HEADERS]
    rows = []
    for row in sweep["best"]:
        recipe = row["recipe"] if row["recipe"] is not None else f"none ({row['reason']})"
        rows.append([row["model"], _hardware(row), recipe, *_figure_cells(row["figures"], row["accuracy_drop"])])
    return headers, rows


def _best_title(sweep: dict[str, Any]) -> str:
    objective = OBJECTIVES[sweep["objective"]]
    bound = f", accuracy drop at most {sweep['max_drop']:g}" if sweep.get("max_drop") is not None else ""
    return f"Best recipe per model: {objective.label}, {objective.better} is better{bound}"


def jobs_table(sweep: dict[str, Any]) -> Table_:
    """Every job: model x recipe."""
    headers = ["model", "recipe", "state", "hardware", *FIGURE_HEADERS, "seconds"]
    rows = [
        [
            job["model"],
            job["recipe"],
            job["state"],
            _hardware(job),
            *_figure_cells(job.get("final"), job.get("accuracy_drop")),
            _number(job.get("seconds"), ".1f"),
        ]
        for job in sweep["jobs"]
    ]
    return headers, rows


def _meta(sweep: dict[str, Any]) -> list[tuple[str, str]]:
    classes = "; ".join(f"{key}: {label or '?'}" for key, label in sweep["hardware_classes"].items())
    return [
        ("sweep file", str(sweep.get("sweep_path", ""))),
        ("executor", str(sweep.get("executor", ""))),
        ("hardware classes", classes or "-"),
        (
            "objective",
            sweep["objective"] + (f", max drop {sweep['max_drop']:g}" if sweep.get("max_drop") is not None else ""),
        ),
        ("started", str(sweep.get("started", ""))),
        ("finished", str(sweep.get("finished", ""))),
    ]


def _failures(sweep: dict[str, Any]) -> list[str]:
    return [f"{job['id']}: {job.get('error') or job['state']}" for job in sweep["jobs"] if job["state"] != "complete"]


def sweep_charts(sweep: dict[str, Any]) -> list[Chart]:
    """The run report's charts over the sweep's jobs, once per hardware class."""
    classes = sweep["hardware_classes"]
    made = []
    for hardware_class, label in classes.items():
        models = [m for m in sweep["models"] if m.get("hardware_class") == hardware_class]
        for chart in charts({"models": models, "figures": sweep["figures"]}):
            if len(classes) > 1:
                title = f"{chart.title} on {label or hardware_class}"
                made.append(chart.retitled(f"{chart.name}-{hardware_class}", title))
            else:
                made.append(chart)
    return made


def _markdown_table(table: Table_) -> list[str]:
    headers, rows = table

    def cells(values: list[str]) -> str:
        return "| " + " | ".join(md_text(value).replace("|", "\\|") for value in values) + " |"

    return [cells(headers), "|" + "---|" * len(headers), *(cells(row) for row in rows)]


def markdown(sweep: dict[str, Any], chart_files: dict[str, str]) -> str:
    lines = [f"# ovtune sweep: {md_text(sweep['name'])}", ""]
    lines += [f"- **{md_text(key)}**: {md_text(value)}" for key, value in _meta(sweep)]
    lines += ["", f"## {md_text(_best_title(sweep))}", "", *_markdown_table(best_table(sweep))]
    lines += ["", "Chosen within each hardware class; drops are against the model's original run in f32.", ""]
    lines += ["## Every job", "", *_markdown_table(jobs_table(sweep))]
    failures = _failures(sweep)
    if failures:
        lines += ["", "## Failed jobs", "", *(f"- {md_text(line)}" for line in failures)]
    if chart_files:
        lines += ["", "## Charts", ""]
        lines += [f"![{md_text(title)}]({path})" for title, path in chart_files.items()]
    return "\n".join(lines) + "\n"


def _html_table(table: Table_, table_id: str) -> list[str]:
    headers, rows = table
    return [
        f'<div class="scroll"><table id="{table_id}"><thead><tr>',
        *(f"<th>{escape(header)}</th>" for header in headers),
        "</tr></thead><tbody>",
        *("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows),
        "</tbody></table></div>",
    ]


def html(sweep: dict[str, Any], chart_list: list[Chart]) -> str:
    """The self-contained HTML document (inline SVG and CSS, no script)."""
    name = escape(str(sweep["name"]))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>ovtune sweep: {name}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>ovtune sweep: {name}</h1>",
        '<dl class="meta">',
        *(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in _meta(sweep)),
        "</dl>",
        f"<h2>{escape(_best_title(sweep))}</h2>",
        *_html_table(best_table(sweep), "best"),
        '<p class="meta">Chosen within each hardware class; drops are against the model\'s original run in f32.</p>',
        "<h2>Every job</h2>",
        *_html_table(jobs_table(sweep), "jobs"),
    ]
    failures = _failures(sweep)
    if failures:
        parts += ["<h2>Failed jobs</h2>", "<ul>", *(f"<li>{escape(line)}</li>" for line in failures), "</ul>"]
    if chart_list:
        parts.append("<h2>Charts</h2>")
        parts += [f'<figure class="chart" id="chart-{escape(c.name)}">{c.svg}</figure>' for c in chart_list]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_documents(sweep: dict[str, Any], folder: Path) -> list[Path]:
    """``sweep.md`` with its ``charts/*.svg``, and ``sweep.html``, each written atomically."""
    chart_list = sweep_charts(sweep)
    written = []
    chart_files = {}
    for chart in chart_list:
        path = folder / CHART_DIR / f"{chart.name}.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, chart.svg + "\n")
        chart_files[chart.title] = f"{CHART_DIR}/{path.name}"
        written.append(path)
    atomic_write_text(folder / MARKDOWN_FILE, markdown(sweep, chart_files))
    atomic_write_text(folder / HTML_FILE, html(sweep, chart_list))
    return [folder / MARKDOWN_FILE, folder / HTML_FILE, *written]


def render_best(sweep: dict[str, Any], console: Console) -> None:
    """The best recipe of each model, as a console table, and the failed jobs below it."""
    headers, rows = best_table(sweep)
    classes = sweep["hardware_classes"]
    shown = [index for index in range(len(headers)) if not (headers[index] == "hardware" and len(classes) == 1)]
    caption = f"measured on {next(iter(classes.values())) or next(iter(classes))}" if len(classes) == 1 else None
    table = Table(title=f"ovtune sweep {sweep['name']}: {_best_title(sweep)}", caption=caption)
    for index in shown:
        table.add_column(rich_escape(headers[index]), justify="left" if index < 3 else "right")
    for row in rows:
        table.add_row(*(rich_escape(row[index]) for index in shown))
    console.print(table)
    show: Callable[[str], None] = console.print
    for line in _failures(sweep):
        show(f"[red]failed[/] {rich_escape(line)}")
