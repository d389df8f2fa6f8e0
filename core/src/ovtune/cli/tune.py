"""``ovtune tune RECIPE`` or ``ovtune tune MODEL --data PATH``: search for the best
configuration that meets the bounds (:mod:`ovtune.tune.session`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ovtune.cli.app import AppState
from ovtune.errors import OvtuneError, UsageError

RECIPE_SUFFIXES = (".toml",)


class BoundsUnmetError(OvtuneError):
    """The tune finished, but nothing meets the bounds (exit status 1, like a failed gate)."""

    exit_code = 1


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    from ovtune.fields import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(f"--budget {value}: {exc}") from None


@click.command("tune")
@click.argument("target", metavar="RECIPE|MODEL", type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path), help="MODEL only: inputs (.npz, .npy or a folder of images).")
@click.option(
    "--calibration", type=click.Path(path_type=Path), help="MODEL only: calibration data, when kept apart from --data."
)
@click.option("--metric", help="MODEL only: a metric kind (cosine, top1, ...) or python:pkg.mod:fn; default: cosine.")
@click.option("--max-drop", type=float, help="Largest accepted accuracy drop (default for MODEL: 0.01).")
@click.option("--objective", help="Figure to optimize: throughput, latency, latency.p90, size, ...")
@click.option("--budget", help="Time budget of the search ('10m', '90s').")
@click.option("--trials", type=click.IntRange(1, 10_000), help="Trial budget.")
@click.option("--out", type=click.Path(path_type=Path), help="Tune folder (default: runs/NAME-tune).")
@click.option("--fresh", is_flag=True, help="Forget the finished trials of an earlier tune and start over.")
@click.option(
    "--executor",
    default="serial",
    show_default=True,
    help="Who builds: 'serial' (this process), or 'ray' (ovtune-ray: each phase's models built in parallel).",
)
@click.option("--address", help="With --executor ray: the cluster to join (default: $RAY_ADDRESS, else a local Ray).")
@click.option("--force", is_flag=True, help="Write into --out even if it is not an ovtune folder.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print tune.json on stdout (the trials table and progress go to stderr)."
)
@click.pass_obj
def tune_command(state: AppState, target: Path, **options: Any) -> None:
    """Search for the fastest configuration that meets the bounds.

    RECIPE: search its [tune] space (with none listed, the installed plugins propose one).
    MODEL --data PATH: no recipe needed; the plugins propose the space for the model, the
    data and this machine's device. Either way, the space is printed before the search and
    written to space.toml beside the results."""
    from ovtune.cli.run import human_output_to_stderr
    from ovtune.progress import TuneProgress

    as_json = options.pop("as_json")
    with human_output_to_stderr(as_json):
        report = _tune(state, target, options, TuneProgress(live=not as_json))
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    if report["decision"]["status"] != "met":
        raise BoundsUnmetError("no configuration meets every bound of [tune.constraints]; see the notes above")


def _tune(state: AppState, target: Path, options: dict[str, Any], progress: Any) -> dict[str, Any]:
    from ovtune.tune.session import run_tune, tune_model

    host = state.host()
    host.registry.check()
    say = lambda line: click.echo(line, err=True)  # noqa: E731
    folder = {key: options.pop(key) for key in ("out", "fresh", "force", "executor", "address")}
    options["budget"] = _seconds(options["budget"])
    if target.suffix.lower() in RECIPE_SUFFIXES:
        for key in ("data", "calibration", "metric"):
            if options[key] is not None:
                raise UsageError(f"--{key} is for a model; a recipe names its data and metric in [data.*] and [metric]")
        overrides = {
            key: options[key] for key in ("objective", "budget", "trials", "max_drop") if options[key] is not None
        }
        return run_tune(target, host, overrides=overrides, say=say, progress=progress, **folder)
    if options["data"] is None:
        raise UsageError(f"{target}: a model needs --data PATH (its inputs), or give a recipe (.toml)")
    return tune_model(target, host, say=say, progress=progress, **folder, **options)
