"""The console reporter: a rich table after each run, and the ``ovtune bench`` table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ovtune.report.table import grid, notes, rows

REPORT_WIDTH = 160
"""Width used when output is not a terminal (CI logs, pipes), so columns are not truncated."""


def make_console(stderr: bool = False) -> Console:
    """A console that keeps the table readable in logs and pipes."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=REPORT_WIDTH)


def render_table(
    report: dict[str, Any], title: str | None = None, extra_columns: dict[str, list[str]] | None = None
) -> Table:
    """One row per model (:func:`ovtune.report.table.grid`, shared with the Markdown and HTML
    reports): the best value of each column in green with a ``*``, ``~`` on figures whose trials
    disagreed, speedups against the original and the native framework, the precision that ran.

    ``extra_columns`` maps a header to one cell per row (e.g. the settings of ``ovtune bench``)."""
    extra_columns = extra_columns or {}
    headers, cells = grid(report)
    cached = [row.cached for row in rows(report)]
    table = Table(title=title or f"ovtune: {report.get('name', '')} on {report.get('device', '?')}")
    for position, header in enumerate([*headers, *extra_columns]):
        wrapped = (
            header.replace(" ms ", "\nms ").replace(" FPS", "\nFPS").replace(" (", "\n(").replace(" that", "\nthat")
        )
        table.add_column(
            escape(wrapped),
            justify="left" if position in (0, len(headers) - 1) else "right",
            style="bold" if position == 0 else None,
        )
    for position, line in enumerate(cells):
        texts = []
        for index, cell in enumerate(line):
            text = escape(cell.text)
            if index == 0 and cached[position]:
                text += " [dim](cached)[/]"
            if cell.best:
                text = f"[bold green]{text} *[/]"
            if cell.noisy:
                text += " [yellow]~[/]"
            texts.append(text)
        texts.extend(escape(values[position]) for values in extra_columns.values())
        table.add_row(*texts)
    return table


def _wrap(header: str) -> str:
    for before, after in ((" ms ", "\nms "), (" FPS", "\nFPS"), (" (", "\n("), (" that", "\nthat")):
        header = header.replace(before, after)
    return header


def write_console(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    console.print(render_table(report))
    console.print("* best in its column; ~ trials disagreed (see below)", style="dim")
    for note in notes(report):
        console.print(f"- {escape(note)}", style="dim")
    console.print(f"run folder: {escape(str(out_dir))}", style="dim")
    return []


def render_bench(result: dict[str, Any], console: Console) -> None:
    """The ``ovtune bench`` output: one row per hint, then the benchmark_app commands."""
    report = {"name": Path(result["model"]).name, "device": result["device"], "models": result["models"]}
    settings = []
    for model in result["models"]:
        properties = model.get("runtime", {}).get("properties", {})
        settings.append(
            f"{properties.get('PERFORMANCE_HINT', '?')}, {properties.get('NUM_STREAMS', '?')} streams, "
            f"{properties.get('OPTIMAL_NUMBER_OF_INFER_REQUESTS', '?')} requests"
        )
    table = render_table(
        report,
        title=f"ovtune bench: {Path(result['model']).name} on {result['device']}",
        extra_columns={"settings read back": settings},
    )
    console.print(table)
    for note in notes(report):
        console.print(f"- {escape(note)}", style="dim")
    verdict = throughput_verdict(result["models"])
    if verdict:
        console.print(verdict, style="bold")
    console.print("Cross-check with benchmark_app:", style="bold")
    for model in result["models"]:
        console.print(f"  {escape(model['label'])}: {escape(model['benchmark_app'])}")


def throughput_verdict(models: list[dict[str, Any]]) -> str | None:
    """Which hint gave the most frames per second, when both were measured."""
    by_hint = {
        model["runtime"]["properties"].get("PERFORMANCE_HINT"): model["measurements"]["throughput"]
        for model in models
        if "throughput" in model.get("measurements", {})
    }
    if not {"LATENCY", "THROUGHPUT"} <= set(by_hint):
        return None
    latency, throughput = by_hint["LATENCY"], by_hint["THROUGHPUT"]
    ratio = throughput["fps"] / latency["fps"] if latency["fps"] else float("inf")
    noise = max(latency.get("relative_spread", 0.0), throughput.get("relative_spread", 0.0))
    summary = (
        f"Throughput: THROUGHPUT hint {throughput['fps']:.1f} FPS ({throughput['requests']} requests) vs "
        f"LATENCY hint {latency['fps']:.1f} FPS ({latency['requests']} request): {ratio:.2f}x"
    )
    if abs(ratio - 1) <= noise:
        return f"{summary}, within the noise between trials ({noise:.0%})."
    winner = "THROUGHPUT" if ratio > 1 else "LATENCY"
    return f"{summary}; the {winner} hint gives more frames per second for this model here."
