"""The comparison on a terminal: where each run came from, one table row per model and metric
with its verdict, then the notes. Kept apart from the comparison so that ``--json`` and the
``regression:`` lines never depend on rich, which is imported only when the table is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune.compare._numbers import format_number, format_percent, format_signed
from ovtune.compare.comparison import Comparison

if TYPE_CHECKING:
    from rich.console import Console

_VERDICT_STYLE = {"better": "green", "worse": "red", "within noise": "yellow", "same": "dim", "changed": ""}


def render(comparison: Comparison, console: Console) -> None:
    """The comparison table, one row per model and metric, then the notes."""
    from rich.markup import escape
    from rich.table import Table

    a, b = comparison.a, comparison.b
    for run in (a, b):
        info = run.describe()
        hint = info["precision_hint"] or "device default"
        console.print(
            f"{run.role[-1]}: {escape(str(run.path))} ({escape(str(info['name']))}, started {info['started']}, "
            f"{info['device']}, precision hint {hint})",
            style="dim",
        )
    table = Table(title=f"ovtune compare: A {a.report.get('name', '')} vs B {b.report.get('name', '')}")
    table.add_column("model", style="bold")
    table.add_column("precision\nA -> B")
    table.add_column("metric")
    table.add_column("better")
    for header in ("A", "B", "B/A", "change", "B - A"):
        table.add_column(header, justify="right")
    table.add_column("verdict")
    for model in comparison.models:
        precision = model.precision_a
        if model.precision_b != model.precision_a:
            precision = f"[yellow]{escape(model.precision_a)} -> {escape(model.precision_b)}[/]"
        if not model.changes:
            table.add_row(escape(model.label), precision, "[dim]no metric in both runs[/]", end_section=True)
        for position, change in enumerate(model.changes):
            verdict = change.verdict
            text = f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]" if _VERDICT_STYLE[verdict] else verdict
            if change.within_noise:
                text += f" (±{change.noise:.0%})"
            if comparison.violated(change):
                text += " [bold red]FAIL[/]"
            table.add_row(
                escape(model.label) if position == 0 else "",
                precision if position == 0 else "",
                escape(change.metric.name),
                change.better or "-",
                format_number(change.a),
                format_number(change.b),
                "-" if change.ratio is None else f"{change.ratio:.3f}",
                format_percent(change.percent),
                format_signed(change.delta),
                text,
                end_section=position == len(model.changes) - 1,
            )
    console.print(table)
    for note in comparison.notes:
        console.print(f"- {escape(note)}", style="dim")
