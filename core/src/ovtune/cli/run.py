"""``ovtune run RECIPE`` and ``ovtune demo``: a recipe through the pipeline, with progress."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from ovtune.cli.app import AppState
from ovtune.errors import UsageError
from ovtune.manager import PluginHost
from ovtune.registry import Registry


@click.command("run")
@click.argument("recipe", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Run folder (default: [output] dir).")
@click.option("--no-cache", is_flag=True, help="Recompute every stage instead of reusing the stage cache.")
@click.option(
    "--lock",
    "lock_file",
    is_flag=True,
    help="RECIPE is a run.lock.toml: rerun the locked recipe; refuses if a locked input or version changed.",
)
@click.option(
    "--allow-changed",
    is_flag=True,
    help="With --lock: replay even if the model, data or versions differ from the lock (warnings instead).",
)
@click.option("--force", is_flag=True, help="Write into --out even if it is a non-empty folder ovtune did not create.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print report.json on stdout (the table and progress go to stderr)."
)
@click.pass_obj
def run_command(  # noqa: PLR0917 - one parameter per command-line option
    state: AppState,
    recipe: Path,
    out_dir: Path | None,
    no_cache: bool,
    lock_file: bool,
    allow_changed: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Run RECIPE: every stage, every measurement, the reports."""
    if allow_changed and not lock_file:
        raise UsageError("--allow-changed only applies to --lock")
    with human_output_to_stderr(as_json):
        report = run_recipe(
            state.host(),
            recipe,
            out_dir=out_dir,
            use_cache=False if no_cache else None,
            locked=lock_file,
            allow_changed=allow_changed,
            force=force,
            live=not as_json,
        )
    if as_json:
        click.echo(json.dumps(report_document(report), indent=2, default=str))


@contextlib.contextmanager
def human_output_to_stderr(active: bool = True) -> Iterator[None]:
    """With ``--json``, whatever would print on stdout meanwhile (the console reporter's table,
    a library's own lines) goes to stderr, so that stdout holds the JSON document alone."""
    if not active:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


def report_document(report: dict[str, Any]) -> dict[str, Any]:
    """What ``ovtune run --json`` prints: ``report.json`` as written (which lists itself among
    its ``files``), or the same report when no json reporter ran."""
    for name in report.get("files", []):
        if Path(name).name == "report.json" and Path(name).is_file():
            return json.loads(Path(name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    return report


def run_recipe(
    host: PluginHost,
    recipe_path: Path,
    *,
    out_dir: Path | None = None,
    use_cache: bool | None = None,
    optional_plugins: bool = False,
    locked: bool = False,
    allow_changed: bool = False,
    force: bool = False,
    live: bool = True,
) -> dict[str, Any]:
    """Validate and run a recipe with progress display (drawn live on a terminal unless
    ``live`` is false: ``--json``). With ``optional_plugins`` (the demo),
    stages and the baseline whose plugins are not installed are left out, each with a line
    saying which distribution would add it, so the demo runs on the core alone."""
    from ovtune.pipeline import Pipeline
    from ovtune.progress import ConsoleProgress, MeasurementPlan
    from ovtune.recipe import build_recipe, load_recipe, read_recipe_table
    from ovtune.tune.space import check_recipe_space

    host.registry.check()
    document: dict[str, Any] | None = None
    if locked:
        from ovtune.report.lock import check_replay, read_lock

        document = read_lock(recipe_path)
        for line in check_replay(document, allow_changed=allow_changed):
            click.echo(f"warning: {line}", err=True)
        raw = document["recipe"]
        recipe = build_recipe(raw, base_dir=recipe_path.resolve().parent, registry=host.registry, file=recipe_path)
    elif optional_plugins:
        raw = _without_missing_plugins(read_recipe_table(recipe_path), host.registry)
        recipe = build_recipe(raw, base_dir=recipe_path.resolve().parent, registry=host.registry, file=recipe_path)
    else:
        recipe = load_recipe(recipe_path, host.registry)
    check_recipe_space(recipe, host.registry, file=recipe_path)
    progress = ConsoleProgress(plan=MeasurementPlan.of(recipe), live=live)
    host.pm.register(progress, name="progress")
    try:
        report = Pipeline(recipe, host, run_dir=out_dir, use_cache=use_cache, force=force).run()
    finally:
        progress.close()
        host.pm.unregister(progress)
    if document is not None:
        from ovtune.report.lock import output_changes

        for line in output_changes(document, report):
            click.echo(f"warning: {line}", err=True)
    return report


def _without_missing_plugins(raw: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """``raw`` without the stages and baseline no installed plugin provides (one line each)."""
    from ovtune.types import Baseline, Stage

    def missing(cls: type[Any], name: Any) -> bool:
        if not isinstance(name, str) or registry.find(cls, name) is not None:
            return False
        click.echo(f"note: leaving out {cls.kind} {name!r}: {registry.describe_missing(cls, name)}", err=True)
        return True

    result = dict(raw)
    stages = raw.get("stage")
    if isinstance(stages, list):
        result["stage"] = [s for s in stages if not (isinstance(s, dict) and missing(Stage, s.get("use")))]
    measure = raw.get("measure")
    if isinstance(measure, dict) and missing(Baseline, measure.get("baseline")):
        result["measure"] = {key: value for key, value in measure.items() if key != "baseline"}
    return result


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("ovtune-demo"),
    show_default=True,
    help="Run folder.",
)
@click.option("--no-cache", is_flag=True, help="Recompute every stage.")
@click.option("--force", is_flag=True, help="Write into --out even if it is a non-empty folder ovtune did not create.")
@click.pass_obj
def demo_command(state: AppState, out_dir: Path, no_cache: bool, force: bool) -> None:
    """Run the bundled demo: a CNN trained on scikit-learn's digits, through the demo recipe."""
    from ovtune.demo import recipe_path

    run_recipe(
        state.host(),
        recipe_path(),
        out_dir=out_dir,
        use_cache=False if no_cache else None,
        optional_plugins=True,
        force=force,
    )
