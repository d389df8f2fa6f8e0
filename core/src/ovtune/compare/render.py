"""The comparison on a terminal: where each run came from, one table row per model and metric
with its verdict, then the notes. Kept apart from the comparison so that ``--json`` and the
``regression:`` lines never depend on rich, which is imported only when the table is printed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune.compare._numbers import format_number, format_percent, format_signed
from ovtune.compare.comparison import Change, Comparison

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
    for header in ("A", "B", "B/A", "change", "B - A", "95% interval\nof change", "trials\nA/B"):
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
            if change.within_noise and change.interval is None:
                text += f" (±{change.noise:.0%})"
            if change.trials is not None and change.interval is None:
                text += " [yellow](too few trials)[/]"
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
                interval_text(change),
                trials_text(change),
                text,
                end_section=position == len(model.changes) - 1,
            )
    console.print(table)
    for note in comparison.notes:
        console.print(f"- {escape(note)}", style="dim")


def interval_text(change: Change) -> str:
    """``+4.1%..+31.0%``; ``-`` for a figure without per-trial figures, ``too few trials``."""
    if change.trials is None:
        return "-"
    interval = change.interval
    return interval.percent_text() if interval is not None else "too few trials"


def trials_text(change: Change) -> str:
    if change.trials is None:
        return "-"
    trials = change.trials
    runs = f" ({trials.runs_a}/{trials.runs_b} runs)" if trials.runs_a > 1 or trials.runs_b > 1 else ""
    return f"{trials.trials_a}/{trials.trials_b}{runs}"


def render_markdown(comparison: Comparison) -> str:
    """The comparison as markdown (a PR comment): the table, the notes, and one line per
    regression and per doubtful condition."""
    a, b = comparison.a, comparison.b
    lines = [
        f"**ovtune compare**: A `{a.path}` ({a.report.get('name', '')}) vs B `{b.path}` ({b.report.get('name', '')})",
        "",
        "| model | precision A -> B | metric | better | A | B | B/A | change | 95% interval of change | trials A/B "
        "| verdict |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for model in comparison.models:
        precision = model.precision_a
        if model.precision_b != model.precision_a:
            precision = f"{model.precision_a} -> {model.precision_b}"
        for change in model.changes:
            verdict = change.verdict
            if change.within_noise and change.interval is None:
                verdict += f" (±{change.noise:.0%})"
            if change.trials is not None and change.interval is None:
                verdict += " (too few trials)"
            if comparison.violated(change):
                verdict += " **FAIL**"
            cells = [
                model.label,
                precision,
                change.metric.name,
                change.better or "-",
                format_number(change.a),
                format_number(change.b),
                "-" if change.ratio is None else f"{change.ratio:.3f}",
                format_percent(change.percent),
                interval_text(change),
                trials_text(change),
                verdict,
            ]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines.append("")
    lines.extend(f"- {note}" for note in comparison.notes)
    lines.extend(f"- `{outcome.line()}`" for outcome in (*comparison.regressions, *comparison.doubts))
    return "\n".join(lines) + "\n"
