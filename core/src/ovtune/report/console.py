"""The console reporter: a rich table after each run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ovtune.report.table import Row, notes, rows


def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def render_table(report: dict[str, Any], title: str | None = None) -> Table:
    table = Table(title=title or f"ovtune: {report.get('name', '')} on {report.get('device', '?')}")
    table.add_column("model", style="bold")
    table.add_column("size MB", justify="right")
    table.add_column("latency ms\nmedian", justify="right")
    table.add_column("p90", justify="right")
    table.add_column("FPS\n(sync)", justify="right")
    table.add_column("speedup", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("drop", justify="right")
    table.add_column("precision\nthat ran")
    all_rows = rows(report)
    best_latency = min((r.latency_median_ms for r in all_rows if r.latency_median_ms), default=None)
    for row in all_rows:
        table.add_row(*_cells(row, best_latency))
    return table


def _cells(row: Row, best_latency: float | None) -> list[str]:
    latency = _fmt(row.latency_median_ms, ".3f")
    if row.latency_median_ms is not None and row.latency_median_ms == best_latency:
        latency = f"[green]{latency}[/]"
    if row.noisy:
        latency += " [yellow](noisy)[/]"
    label = row.label + (" [dim](cached)[/]" if row.cached else "")
    return [
        label,
        _fmt(row.size_mb, ".3f"),
        latency,
        _fmt(row.latency_p90_ms, ".3f"),
        _fmt(row.sync_fps, ".0f"),
        "-" if row.speedup is None else f"{row.speedup:.2f}x",
        _fmt(row.accuracy, ".4f"),
        _fmt(row.accuracy_drop, "+.4f"),
        row.precision,
    ]


REPORT_WIDTH = 150
"""Width used when output is not a terminal (CI logs, pipes), so columns are not truncated."""


def make_console(stderr: bool = False) -> Console:
    """A console that keeps the table readable in logs and pipes."""
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=REPORT_WIDTH)


def write_console(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    console.print(render_table(report))
    for note in notes(report):
        console.print(f"- {escape(note)}", style="dim")
    console.print(f"[dim]run folder: {out_dir}[/]")
    return []
