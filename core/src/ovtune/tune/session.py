"""One tune session: run the search, confirm the finalists, write the results.

The library side of ``ovtune tune`` (the command is :mod:`ovtune.cli.tune`): it takes a plugin
host and reports progress lines through a callback, so it runs the same under the command line,
a notebook or a test, with no command-line library. Ctrl-C (or a killed process) loses at most
the trial that was running: every finished trial is in the journal, and running the same
session again resumes from it.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ovtune import __version__
from ovtune.errors import RecipeError
from ovtune.recipe import build_recipe, load_recipe
from ovtune.run_folder import RunFolder
from ovtune.tune.choice import (
    Decision,
    candidates,
    explain,
    pareto_front,
    summarize,
    violations,
)
from ovtune.tune.goals import DETERMINISTIC, measurements_for, shown_keys
from ovtune.tune.journal import Journal
from ovtune.tune.search import objective_hint, run_search
from ovtune.tune.space import Config, SearchSpace, check_recipe_space
from ovtune.tune.trials import TrialRunner

TUNE_SCHEMA_VERSION = 1

Say = Callable[[str], None]
"""Where a session reports progress: one line at a time (the command line prints to stderr)."""


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_space(recipe_path: Path, host: Any) -> tuple[Any, SearchSpace]:
    """The recipe (validated) and its search space, every listed value checked once."""
    recipe = load_recipe(recipe_path, host.registry)
    if recipe.document.tune is None:
        raise RecipeError(
            "no [tune] section: add one (objective, budget, [tune.deploy] choices ...); see docs/tune.md",
            file=recipe_path,
            key="tune",
        )
    space = check_recipe_space(recipe, host.registry, file=recipe_path)
    assert space is not None
    return recipe, space


def tune_dir_for(recipe_path: Path, name: str, out: Path | None) -> Path:
    """``--out``, or ``runs/NAME-tune`` next to the recipe."""
    return (out or recipe_path.resolve().parent / "runs" / f"{name}-tune").resolve()


def run_tune(
    recipe_path: Path,
    host: Any,
    *,
    out: Path | None = None,
    fresh: bool = False,
    force: bool = False,
    say: Say = _to_stderr,
) -> dict[str, Any]:
    """Search, confirm, choose and write; returns the tune report. The tune folder is
    claimed (marker and lock) for the whole session: two tunes never share one. ``say``
    receives the progress lines (resuming, the reference, each trial, the confirmation)."""
    recipe, space = load_space(recipe_path, host)
    folder = tune_dir_for(recipe_path, recipe.name, out)
    with RunFolder(folder, force=force, kind="tune"):
        return _tune_into(folder, recipe, space, host, recipe_path=recipe_path, fresh=fresh, say=say)


def _tune_into(
    folder: Path, recipe: Any, space: SearchSpace, host: Any, *, recipe_path: Path, fresh: bool, say: Say
) -> dict[str, Any]:
    section = space.section
    journal = Journal(folder)
    header = {"space": space.fingerprint(), "ovtune_version": __version__, "objective": section.objective}
    previous = journal.start(header, fresh=fresh)
    runner = TrialRunner(space, host, recipe.path or recipe_path.resolve(), recipe.base_dir, folder / "work")
    if previous:
        say(f"resuming: {len(previous)} finished trial(s) in {journal.path}")
    started = time.perf_counter()
    defaults = space.defaults(objective_hint(space.goal))
    reference = runner.measure_reference(defaults[0])
    if reference is not None:
        say(f"reference: original model in f32, {reference['metric']} = {reference['value']:.4g}")
    runner.resume(previous)

    def started_trial(number: int, label: str) -> None:
        say(f"trial {number}/{section.trials}: {label}")

    def finished_trial(trial: dict[str, Any]) -> None:
        say(f"  {_trial_line(trial, space)}")

    state = run_search(space, runner, journal, previous, on_trial=finished_trial, on_start=started_trial)
    trials = state.trials
    for trial in trials:
        trial["violations"] = violations(trial, space.bounds) if trial.get("state") == "complete" else {}
        trial["feasible"] = trial.get("state") == "complete" and not trial["violations"]
    decision = _decide(trials, space, runner, say)
    front = pareto_front([t for t in trials if t.get("state") == "complete" and t.get("values")], space.goal)
    report: dict[str, Any] = {
        "schema_version": TUNE_SCHEMA_VERSION,
        "ovtune_version": __version__,
        "name": recipe.name,
        "recipe_path": str(recipe.path),
        "tune_dir": str(folder),
        "objective": section.objective,
        "objective_figure": space.goal.figure.to_json(),
        "constraints": section.constraints.model_dump(),
        "bounds": [vars(bound) for bound in space.bounds],
        "figures": space.figures.to_json([*measurements_for(space.goal, space.bounds), "accuracy"]),
        "budget": {"seconds": section.budget, "trials": section.trials},
        "space_size": space.size(),
        "stopped_by": f"stopped by the {state.stopped_by}" if state.stopped_by else "",
        "resumed_trials": state.resumed,
        "search_seconds": state.spent,
        "session_seconds": time.perf_counter() - started,
        "reference_accuracy": reference,
        "trials": trials,
        "pareto_front": front,
        "decision": {
            "status": decision.status,
            "winner": decision.winner["number"] if decision.winner else None,
            "reason": decision.reason,
            "notes": decision.notes,
            "finalists": decision.finalists,
            "confirmation": {str(k): v for k, v in decision.confirmation.items()},
        },
        "files": {},
    }
    if decision.winner is not None:
        report["files"] = _write_winner(folder, decision, space, runner=runner, recipe=recipe)
    from ovtune.tune.outputs import write_report

    write_report(folder, report)
    shutil.rmtree(folder / "work", ignore_errors=True)
    _print(report, space)
    return report


def _decide(trials: list[dict[str, Any]], space: SearchSpace, runner: TrialRunner, say: Say) -> Decision:
    section = space.section
    goal = space.goal
    pool, notes, status = candidates(trials, space.bounds, goal)
    if not pool:
        return Decision(None, "no trial completed", "unmet", notes)
    finalists = pool[: section.finalists] if status == "met" else pool[:1]
    confirmation: dict[int, list[float]] = {}
    if section.confirm and len(finalists) > 1 and goal.measurement not in DETERMINISTIC:
        say(f"confirming {len(finalists)} finalists: {section.confirm} interleaved rounds of {goal.name}")
        for _ in range(section.confirm):
            for trial in finalists:
                value = runner.remeasure(Config.from_json(trial["config"]), goal)
                confirmation.setdefault(trial["number"], []).append(value)
        finalists = sorted(finalists, key=lambda t: summarize(confirmation[t["number"]]), reverse=goal.higher)
    winner = finalists[0]
    runner_up = finalists[1] if len(finalists) > 1 else None
    default_key = space.defaults(objective_hint(goal))[0].key()
    default = next((t for t in trials if Config.from_json(t["config"]).key() == default_key), None)
    if default is not None and default.get("state") != "complete":
        default = None
    reason = explain(
        winner,
        runner_up,
        confirmation=confirmation,
        goal=goal,
        bounds=space.bounds,
        default=default,
    )
    return Decision(winner, reason, status, notes, [t["number"] for t in finalists], confirmation)


def _write_winner(
    folder: Path, decision: Decision, space: SearchSpace, *, runner: TrialRunner, recipe: Any
) -> dict[str, str]:
    from ovtune.tune.outputs import DEPLOY_DIR, write_best_recipe, write_deploy_folder

    assert decision.winner is not None
    winner = decision.winner
    config = Config.from_json(winner["config"])
    chosen = build_recipe(
        space.recipe_table(config), base_dir=recipe.base_dir, registry=runner.host.registry, file=recipe.path
    )
    table = chosen.resolved()
    table["output"] = {k: v for k, v in table["output"].items() if k != "dir"}
    best = folder / "best.toml"
    write_best_recipe(best, table, recipe.name, winner, decision.reason)
    summary = {
        "objective": space.section.objective,
        "trial": winner["number"],
        "configuration": winner["label"],
        "values": winner.get("values"),
        "precision": winner.get("precision"),
        "reason": decision.reason,
        "status": decision.status,
    }
    deploy = write_deploy_folder(folder / DEPLOY_DIR, winner, chosen, original=runner.original(chosen), summary=summary)
    return {"best_recipe": str(best), "deploy": str(deploy)}


def _trial_line(trial: dict[str, Any], space: SearchSpace) -> str:
    if trial.get("state") != "complete":
        return f"failed: {trial.get('error')}"
    values = trial.get("values") or {}
    figures = [space.figures.get(key) for key in shown_keys(space.goal) if key != "drop"]
    parts = [
        f"{f.text(values[f.id])} {f.figure.unit or f.label}" for f in figures if f and values.get(f.id) is not None
    ]
    if values.get("drop") is not None:
        parts.append(f"drop {values['drop']:+.4g}")
    parts += [str(trial.get("precision")), f"{trial['seconds']:.1f} s"]
    broken = violations(trial, space.bounds)
    text = ", ".join(p for p in parts if p)
    return text + (f"  (breaks {', '.join(broken)})" if broken else "")


def _header(space: SearchSpace, key: str) -> str:
    figure = space.figures.get(key)
    return figure.label if figure else key


def _print(report: dict[str, Any], space: SearchSpace) -> None:
    from rich.table import Table

    from ovtune.report.console import make_console

    console = make_console()
    table = Table(title=f"ovtune tune: {report['name']} ({report['objective']}; *: Pareto front)")
    keys = shown_keys(space.goal)
    headers = ["drop" if key == "drop" else _header(space, key) for key in keys]
    for column in ("#", "variant", "deploy", "ran in", *headers, "ok"):
        table.add_column(column, justify="right" if column == "#" or column in headers else "left")
    front = set(report["pareto_front"])
    winner = report["decision"]["winner"]
    for trial in report["trials"]:
        config = Config.from_json(trial["config"])
        values = trial.get("values") or {}
        number = f"{'*' if trial['number'] in front else ''}{trial['number']}"
        variant = space.variant_label(config) + (" <- chosen" if trial["number"] == winner else "")
        if trial.get("state") != "complete":
            table.add_row(number, variant, space.deploy_label(config), "failed", *([""] * len(keys)), "no")
            continue
        table.add_row(
            number,
            variant,
            space.deploy_label(config),
            str(trial.get("precision")),
            *(_fmt(values.get(key)) for key in keys),
            "yes" if trial.get("feasible") else "no",
        )
    console.print(table)
    decision = report["decision"]
    for note in decision["notes"]:
        console.print(f"note: {note}")
    if report["stopped_by"]:
        console.print(f"{report['stopped_by'].capitalize()}.")
    if decision["reason"]:
        console.print(f"chosen: {decision['reason']}")
    for name, path in report["files"].items():
        console.print(f"{name.replace('_', ' ')}: {path}")


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"
