"""``ovtune compare``: arguments and options in, the table or JSON out, and exit status 1 when
a ``--fail-on`` condition is met (:class:`RegressionsFound`). The comparison itself is the
library :mod:`ovtune.compare`, which imports no click.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click

from ovtune.compare.comparison import compare_runs
from ovtune.compare.conditions import parse_condition
from ovtune.compare.render import render, render_markdown
from ovtune.compare.runs import load_run

REGRESSION_EXIT = 1
"""Exit status when a ``--fail-on`` condition is met (user errors exit 2)."""


class RegressionsFound(click.ClickException):
    """Met ``--fail-on`` conditions: exit status 1 with one ``regression: ...`` line each.

    A :class:`click.ClickException` because that is how a click command ends with a status of
    its choosing both under ``ovtune``'s ``main`` and standalone; ``show`` prints the lines
    instead of click's ``Error:`` message, so a regression never reads like a usage error."""

    exit_code = REGRESSION_EXIT

    def __init__(self, lines: list[str]):
        super().__init__(f"{len(lines)} regression(s)")
        self.lines = lines

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(line, file=file, err=True)


@click.command("compare")
@click.argument("run_a", metavar="RUN_A", type=click.Path(path_type=Path))
@click.argument("run_b", metavar="RUN_B", type=click.Path(path_type=Path))
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    metavar="EXPR",
    help="Exit 1 when a change meets EXPR, e.g. 'latency.median>+5%' (relative) or 'accuracy.value<-0.01' "
    "(absolute, B - A). Repeatable.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="LABEL",
    help="Compare only this model (repeatable; default: every model present in both runs).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print the comparison as markdown.")
def compare_command(
    run_a: Path, run_b: Path, *, fail_on: tuple[str, ...], models: tuple[str, ...], as_json: bool, as_markdown: bool
) -> None:
    """Compare two runs; fail on a regression.

    RUN_A and RUN_B are run folders of 'ovtune run' (or their report.json), or run sets: a
    folder of several run folders of one recipe, so that a change in the machine's load between
    runs widens the interval instead of passing for a regression. Every model present
    in both is compared metric by metric; with --fail-on, a met condition prints a
    'regression:' line and the exit status is 1. A timing with per-trial figures
    (latency.median, throughput.fps) is a regression only when the 95% interval of its change
    is wholly beyond the threshold; with fewer than 4 trials a run, the point figures decide and
    an 'undecided:' line says so."""
    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown: choose one")
    conditions = [parse_condition(text) for text in fail_on]
    comparison = compare_runs(load_run(run_a, "RUN_A"), load_run(run_b, "RUN_B"), conditions, models)
    if as_json:
        click.echo(json.dumps(comparison.to_json(), indent=2))
    elif as_markdown:
        click.echo(render_markdown(comparison), nl=False)
    else:
        from ovtune.report.console import make_console

        render(comparison, make_console())
    for outcome in comparison.doubts:
        click.echo(outcome.line(), err=True)
    if comparison.regressions:
        raise RegressionsFound([outcome.line() for outcome in comparison.regressions])
    if conditions:
        click.echo(
            f"ok: no regression ({len(conditions)} condition{'s' if len(conditions) != 1 else ''} on "
            f"{len({outcome.change.model for outcome in comparison.outcomes})} model(s))",
            err=True,
        )
