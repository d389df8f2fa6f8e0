"""``report.md`` and ``report.html``: the comparison table, what the numbers mean, the charts,
each stage's record and options, where each model ran (``EXECUTION_DEVICES``: what AUTO
picked), the ``benchmark_app`` commands that cross-check the figures, the environment and (in
HTML) the resolved recipe as TOML, as documents people read and share.

Both are built from the same pieces as the console table (:func:`ovtune.report.table.grid` and
:func:`ovtune.report.table.notes`) and the same charts (:mod:`ovtune.report.charts`). The HTML
file is self-contained (inline SVG and CSS, no script, no CDN) so that it opens offline and can be
attached to a CI job; the Markdown file links the charts, written beside it as ``charts/*.svg``.
Every file is written atomically.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

import tomli_w
from rich.console import Console

from ovtune.report.charts import Chart, charts
from ovtune.report.lock import benchmark_app_commands
from ovtune.report.table import grid, notes
from ovtune.storage import atomic_write_text

MARKDOWN_FILE = "report.md"
HTML_FILE = "report.html"
CHART_DIR = "charts"

STYLE = """
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #1f2328; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #d0d7de; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.82em; }
th, td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f6f8fa; }
td.best { background: #dafbe1; font-weight: bold; }
td.noisy::after { content: " ~"; color: #9a6700; }
ul.notes li { margin: 0.25em 0; }
.chart { margin: 1em 0; }
svg.ovtune-chart { width: 100%; height: auto; display: block; }
code { background: #f6f8fa; padding: 0.1em 0.3em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
pre code { padding: 0; }
table.options td, table.options th { text-align: left; }
.meta { color: #57606a; }
"""


def execution_devices(model: dict[str, Any]) -> str:
    """The devices a model ran on, as OpenVINO read them back (``EXECUTION_DEVICES``: what
    AUTO picked), or ``""`` when not recorded (a native-framework baseline)."""
    properties = (model.get("runtime") or {}).get("properties") or {}
    devices = properties.get("EXECUTION_DEVICES")
    if isinstance(devices, list):
        return ", ".join(str(device) for device in devices)
    return str(devices or "")


def _ran_on(report: dict[str, Any]) -> str:
    """The devices the run's OpenVINO models ran on, in order of first use."""
    seen: dict[str, None] = {}
    for model in report.get("models", []):
        for device in execution_devices(model).split(", "):
            if device:
                seen[device] = None
    return ", ".join(seen)


def _device_line(report: dict[str, Any]) -> str:
    device = str(report.get("device", "?"))
    described = report.get("device_info", {}).get(device, {})
    line = f"{device}: {described.get('FULL_DEVICE_NAME', '')}".rstrip(": ")
    ran = _ran_on(report)
    return f"{line} (ran on {ran})" if ran and ran != device else line


def _device_rows(report: dict[str, Any]) -> list[list[str]]:
    """Per OpenVINO model: the device asked for, the devices it ran on, and the properties
    read back that say how (hint, streams, inference precision)."""
    rows = []
    for model in report.get("models", []):
        properties = (model.get("runtime") or {}).get("properties")
        if model.get("kind") == "baseline" or not properties:
            continue
        rows.append(
            [
                str(model["label"]),
                str(report.get("device", "")),
                execution_devices(model),
                *(
                    str(properties.get(key, ""))
                    for key in ("PERFORMANCE_HINT", "NUM_STREAMS", "INFERENCE_PRECISION_HINT")
                ),
            ]
        )
    return rows


DEVICE_HEADERS = ["model", "device asked", "ran on (EXECUTION_DEVICES)", "hint", "streams", "inference precision"]


def toml_ready(value: Any) -> Any:
    """A JSON value TOML can hold: ``None`` (TOML has no null: an option left unset) dropped."""
    if isinstance(value, dict):
        return {str(key): toml_ready(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [toml_ready(item) for item in value if item is not None]
    return value


def recipe_toml(report: dict[str, Any]) -> str:
    """The resolved recipe (defaults filled in, paths absolute) as TOML; options left unset
    are left out."""
    try:
        return tomli_w.dumps(toml_ready(report.get("recipe", {})))
    except (TypeError, ValueError):  # a value TOML cannot hold: show it as JSON rather than not at all
        return json.dumps(report.get("recipe", {}), indent=2, default=str)


def inline_value(value: Any) -> str:
    """A stage option's value as it would be written in a recipe (``"text"``, ``true``,
    ``[1, 2]``, ``{ names = [] }``); ``None`` is ``(not set)``."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(inline_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{key} = {inline_value(item)}" for key, item in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def _summary_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    environment = report.get("environment", {})
    libraries = environment.get("libraries", {})
    flags = ", ".join(environment.get("cpu_flags", []))
    lines = [
        ("recipe", str(report.get("recipe_path") or report.get("name", ""))),
        ("device", _device_line(report)),
        (
            "CPU",
            f"{environment.get('cpu', '?')}, {environment.get('cores', '?')} cores" + (f" ({flags})" if flags else ""),
        ),
        ("versions", ", ".join(f"{name} {version}" for name, version in libraries.items() if version)),
        ("compile properties", ", ".join(f"{k}={v}" for k, v in report.get("config", {}).items()) or "defaults"),
        ("started", str(report.get("started", ""))),
    ]
    return [(key, value) for key, value in lines if value]


def _stage_sections(report: dict[str, Any]) -> list[tuple[str, list[str], dict[str, Any]]]:
    """Per stage: its heading, its notes and its validated options."""
    sections = []
    for stage in report.get("stages", []):
        how = "from the cache" if stage.get("cached") else f"{stage.get('seconds', 0):.1f} s"
        title = f"{stage['index']:02d}-{stage['name']} ({stage.get('plugin', '')}, {how})"
        sections.append((title, list(stage.get("notes", [])), dict(stage.get("options") or {})))
    return sections


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_text(text: object) -> str:
    """``text`` for a Markdown document, shown as written and never rendered as HTML, as
    ``report.html`` escapes it: ``<`` (which starts every raw HTML tag: ``<script>`` in a recipe
    name, ``<img ...>`` in a plugin's stage note) becomes ``&lt;`` and an ``&`` that would start
    an entity becomes ``&amp;``; other characters stay readable in the raw file (``trials >= 2``).
    Inside a code span the escape shows literally; it is applied there too all the same, since
    telling code spans apart as a viewer would (backslashes, runs of backticks) is where an
    escape would slip. A line break becomes a space, so that a value cannot end its list item
    or table row."""
    value = " ".join(str(text).splitlines())
    return _ENTITY.sub("&amp;", value).replace("<", "&lt;")


def markdown(report: dict[str, Any], chart_files: dict[str, str]) -> str:
    """The Markdown report; ``chart_files`` maps a chart name to its relative path. Every text
    from the report goes through :func:`md_text`."""
    headers, cells = grid(report)
    lines = [f"# ovtune report: {md_text(report.get('name', ''))}", ""]
    lines += [f"- **{md_text(key)}**: {md_text(value)}" for key, value in _summary_lines(report)]
    header_row = " | ".join(md_text(header).replace("|", "\\|") for header in headers)
    lines += ["", "## Results", "", "| " + header_row + " |", "|" + "---|" * len(headers)]
    for line in cells:
        texts = [
            (f"**{md_text(cell.text)}**" if cell.best else md_text(cell.text)) + (" ~" if cell.noisy else "")
            for cell in line
        ]
        lines.append("| " + " | ".join(text.replace("|", "\\|") for text in texts) + " |")
    lines += [
        "",
        "**Bold**: best in its column. `~`: its trials disagreed (see below).",
        "",
        "## What the numbers mean",
        "",
    ]
    lines += [f"- {md_text(note)}" for note in notes(report)]
    if chart_files:
        lines += ["", "## Charts", ""]
        lines += [f"![{md_text(name)}]({path})" for name, path in chart_files.items()]
    for title, stage_notes, options in _stage_sections(report):
        lines += ["", f"## Stage {md_text(title)}", ""]
        lines += [f"- {md_text(note)}" for note in stage_notes] or ["- (no notes)"]
        if options:
            lines += [
                "",
                "Options: " + ", ".join(f"`{md_text(k)} = {md_text(inline_value(v))}`" for k, v in options.items()),
            ]
    devices = _device_rows(report)
    if devices:
        lines += ["", "## Where each model ran", ""]
        lines += ["| " + " | ".join(DEVICE_HEADERS) + " |", "|" + "---|" * len(DEVICE_HEADERS)]
        lines += ["| " + " | ".join(md_text(cell).replace("|", "\\|") for cell in row) + " |" for row in devices]
    commands = benchmark_app_commands(report)
    if commands:
        lines += ["", "## Cross-check with benchmark_app", ""]
        lines += [f"- {md_text(label)}: `{md_text(command)}`" for label, command in commands.items()]
    return "\n".join(lines) + "\n"


def write_markdown(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    written = []
    chart_files = {}
    for chart in charts(report):
        path = out_dir / CHART_DIR / f"{chart.name}.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, chart.svg + "\n")
        chart_files[chart.title] = f"{CHART_DIR}/{path.name}"
        written.append(path)
    target = out_dir / MARKDOWN_FILE
    atomic_write_text(target, markdown(report, chart_files))
    return [target, *written]


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------


def html(report: dict[str, Any], chart_list: list[Chart]) -> str:
    """The self-contained HTML report."""
    headers, cells = grid(report)
    name = escape(str(report.get("name", "")))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>ovtune report: {name}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>ovtune report: {name}</h1>",
        '<dl class="meta">',
        *(f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in _summary_lines(report)),
        "</dl>",
        "<h2>Results</h2>",
        '<div class="scroll"><table id="results"><thead><tr>',
        *(f"<th>{escape(header)}</th>" for header in headers),
        "</tr></thead><tbody>",
    ]
    for line in cells:
        row = []
        for cell in line:
            classes = " ".join(c for c, on in (("best", cell.best), ("noisy", cell.noisy)) if on)
            row.append(
                f'<td class="{classes}">{escape(cell.text)}</td>' if classes else f"<td>{escape(cell.text)}</td>"
            )
        parts.append("<tr>" + "".join(row) + "</tr>")
    parts += [
        "</tbody></table></div>",
        '<p class="meta">Green: best in its column. ~: its trials disagreed (see below).</p>',
        "<h2>What the numbers mean</h2>",
        '<ul class="notes">',
        *(f"<li>{escape(note)}</li>" for note in notes(report)),
        "</ul>",
    ]
    if chart_list:
        parts.append("<h2>Charts</h2>")
        parts += [f'<figure class="chart" id="chart-{chart.name}">{chart.svg}</figure>' for chart in chart_list]
    for index, (title, stage_notes, options) in enumerate(_stage_sections(report), start=1):
        parts += [
            f'<h2 id="stage-{index}">Stage {escape(title)}</h2>',
            "<ul>",
            *(f"<li>{escape(n)}</li>" for n in stage_notes),
            "</ul>",
        ]
        if options:
            parts += [
                f'<table class="options" id="stage-{index}-options"><thead><tr><th>option</th><th>value</th></tr>'
                "</thead><tbody>",
                *(
                    f"<tr><td><code>{escape(str(key))}</code></td><td><code>{escape(inline_value(value))}</code></td></tr>"
                    for key, value in options.items()
                ),
                "</tbody></table>",
            ]
    devices = _device_rows(report)
    if devices:
        parts += [
            '<h2 id="devices">Where each model ran</h2>',
            '<div class="scroll"><table class="options"><thead><tr>',
            *(f"<th>{escape(header)}</th>" for header in DEVICE_HEADERS),
            "</tr></thead><tbody>",
            *("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in devices),
            "</tbody></table></div>",
        ]
    commands = benchmark_app_commands(report)
    if commands:
        parts += [
            '<h2 id="benchmark-app">Cross-check with benchmark_app</h2>',
            '<p class="meta">The same model, device and settings measured by OpenVINO\'s own tool.</p>',
            *(
                f"<p>{escape(label)}</p><pre><code>{escape(command)}</code></pre>"
                for label, command in commands.items()
            ),
        ]
    parts += [
        '<h2 id="recipe">Recipe</h2>',
        '<p class="meta">As resolved: defaults filled in, paths absolute, options left unset left out.</p>',
        f"<pre><code>{escape(recipe_toml(report))}</code></pre>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_html(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    target = out_dir / HTML_FILE
    atomic_write_text(target, html(report, charts(report)))
    return [target]
