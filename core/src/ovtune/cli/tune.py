"""``ovtune tune RECIPE``: search the recipe's ``[tune]`` space (:mod:`ovtune.tune.session`)."""

from __future__ import annotations

from pathlib import Path

import click

from ovtune.cli.app import AppState
from ovtune.errors import OvtuneError


class BoundsUnmetError(OvtuneError):
    """The tune finished, but nothing meets the bounds (exit status 1, like a failed gate)."""

    exit_code = 1


@click.command("tune")
@click.argument("recipe", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Tune folder (default: runs/NAME-tune next to RECIPE).")
@click.option("--fresh", is_flag=True, help="Forget the finished trials of an earlier tune and start over.")
@click.option("--force", is_flag=True, help="Write into --out even if it is not an ovtune folder.")
@click.pass_obj
def tune_command(state: AppState, recipe: Path, out: Path | None, fresh: bool, force: bool) -> None:
    """Search RECIPE's [tune] space for the best configuration that meets its bounds."""
    from ovtune.tune.session import run_tune

    host = state.host()
    host.registry.check()
    report = run_tune(recipe, host, out=out, fresh=fresh, force=force, say=lambda line: click.echo(line, err=True))
    if report["decision"]["status"] != "met":
        raise BoundsUnmetError("no configuration meets every bound of [tune.constraints]; see the notes above")
