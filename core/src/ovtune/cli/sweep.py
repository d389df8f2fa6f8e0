"""``ovtune sweep SWEEP.toml``: every model under every recipe, as jobs of an executor
(:mod:`ovtune.sweep.session`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ovtune.cli.app import AppState


@click.command("sweep")
@click.argument("sweep_file", metavar="SWEEP", type=click.Path(path_type=Path))
@click.option(
    "--executor",
    "executor_name",
    default="serial",
    show_default=True,
    help="Who runs the jobs: serial (here, one after the other) or a plugin's executor (ray).",
)
@click.option("--address", help="The executor's cluster to join (for executors that have one).")
@click.option("--out", type=click.Path(path_type=Path), help="Sweep folder (default: runs/NAME-sweep).")
@click.option("--fresh", is_flag=True, help="Forget the finished jobs of an earlier sweep and run them all.")
@click.option("--force", is_flag=True, help="Write into --out even if it is not an ovtune folder.")
@click.option("--json", "as_json", is_flag=True, help="Print sweep.json instead of the table.")
@click.pass_obj
def sweep_command(  # noqa: PLR0917 - one parameter per command-line option
    state: AppState,
    sweep_file: Path,
    executor_name: str,
    address: str | None,
    out: Path | None,
    fresh: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Run every model of SWEEP under every recipe; report the best recipe of each model.

    Finished jobs are skipped when the same sweep runs again (a killed sweep resumes); a job whose
    recipe changed runs again. Exit status 1 when a job failed."""
    from ovtune.report.console import make_console
    from ovtune.report.sweep_document import render_best
    from ovtune.sweep.session import JobsFailedError, failed_jobs, run_sweep

    host = state.host()
    host.registry.check()
    report = run_sweep(
        sweep_file,
        host,
        executor_name=executor_name,
        address=address,
        out=out,
        fresh=fresh,
        force=force,
        say=lambda line: click.echo(line, err=True),
    )
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        render_best(report, make_console())
    failed = failed_jobs(report)
    if failed:
        raise JobsFailedError(
            f"{len(failed)} of {len(report['jobs'])} job(s) failed: {', '.join(j['id'] for j in failed)}"
        )
