"""One tune session: run the search, confirm the finalists, write the results.

The library side of ``ovtune tune`` (the command is :mod:`ovtune.cli.tune`): it takes a plugin
host and reports progress lines through a callback, so it runs the same under the command line,
a notebook or a test, with no command-line library. Ctrl-C (or a killed process) loses at most
the trial that was running: every finished trial is in the journal, and running the same
session again resumes from it.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune import PROJECT_NAME, __version__, hookimpl
from ovtune.errors import RecipeError, UsageError
from ovtune.executors import local_node
from ovtune.figures import FigureCatalog
from ovtune.jobs import Executor
from ovtune.recipe import build_recipe, load_recipe
from ovtune.run_folder import RunFolder
from ovtune.tune.auto import propose_space, wants_proposals
from ovtune.tune.choice import (
    Decision,
    candidates,
    explain,
    pareto_front,
    summarize,
    violations,
)
from ovtune.tune.goals import DETERMINISTIC, measurements_for, resolve_bounds, resolve_goal, shown_keys
from ovtune.tune.journal import Journal
from ovtune.tune.search import objective_hint, run_search
from ovtune.tune.space import Config, SearchSpace, check_recipe_space, check_space
from ovtune.tune.trials import TrialRunner

if TYPE_CHECKING:
    from ovtune.progress import TuneProgress

TUNE_SCHEMA_VERSION = 1

Say = Callable[[str], None]
"""Where a session reports progress: one line at a time (the command line prints to stderr)."""


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_space(recipe_path: Path, host: Any) -> tuple[Any, SearchSpace]:
    """The recipe (validated) and its hand-written search space, every listed value checked
    once (the proposed part of a space needs the model: :func:`run_tune` adds it)."""
    recipe = load_tune_recipe(recipe_path, host)
    space = check_recipe_space(recipe, host.registry, file=recipe_path)
    assert space is not None
    return recipe, space


def load_tune_recipe(recipe_path: Path, host: Any, overrides: dict[str, Any] | None = None) -> Any:
    """The recipe, with ``overrides`` (``[tune]`` keys from the command line) applied; it
    must have a ``[tune]`` section."""
    from ovtune.recipe import read_recipe_table

    if not recipe_path.is_file():
        raise RecipeError("recipe file not found" if not recipe_path.exists() else "not a file", file=recipe_path)
    if overrides:
        raw = read_recipe_table(recipe_path)
        tune = dict(raw.get("tune") or {})
        constraints = dict(tune.get("constraints") or {})
        for key, value in overrides.items():
            if key == "max_drop":
                constraints[key] = value
            else:
                tune[key] = value
        if constraints:
            tune["constraints"] = constraints
        raw["tune"] = tune
        recipe = build_recipe(raw, base_dir=recipe_path.resolve().parent, registry=host.registry, file=recipe_path)
    else:
        recipe = load_recipe(recipe_path, host.registry)
    if recipe.document.tune is None:
        raise RecipeError(
            "no [tune] section: add one (objective, budget, [tune.deploy] choices ...); see docs/tune.md",
            file=recipe_path,
            key="tune",
        )
    check_goal(recipe, host, file=recipe_path)
    return recipe


def check_goal(recipe: Any, host: Any, *, file: Path | None) -> None:
    """The objective and the bounds name figures the installed measurements declare: checked
    before a tune folder is claimed or a model is profiled."""
    figures = FigureCatalog.from_registry(host.registry)
    resolve_goal(recipe.document.tune.objective, figures, file=file)
    resolve_bounds(recipe.document.tune.constraints, figures, file=file)


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
    overrides: dict[str, Any] | None = None,
    executor: str = "serial",
    address: str | None = None,
    say: Say = _to_stderr,
    progress: TuneProgress | None = None,
) -> dict[str, Any]:
    """Search, confirm, choose and write; returns the tune report. The tune folder is
    claimed (marker and lock) for the whole session: two tunes never share one. ``say``
    receives the progress lines (resuming, the reference, each trial, the confirmation).
    ``overrides`` replaces ``[tune]`` keys (``budget``, ``objective``, ``trials``,
    ``max_drop``). ``executor`` names who builds (``--executor``; ``address`` is a cluster to
    join): a parallel one builds each phase's models side by side before its trials measure."""
    recipe = load_tune_recipe(recipe_path, host, overrides)
    if not wants_proposals(recipe.document.tune):
        check_recipe_space(recipe, host.registry, file=recipe_path)  # a bad value fails before the folder
    folder = tune_dir_for(recipe_path, recipe.name, out)
    with _executor(host, executor, address) as running, RunFolder(folder, force=force, kind="tune"):
        return _tune_into(
            folder, recipe, host, recipe_path=recipe_path, fresh=fresh, say=say, executor=running, progress=progress
        )


@contextlib.contextmanager
def _executor(host: Any, name: str, address: str | None) -> Iterator[Executor]:
    from ovtune.executors import open_executor

    executor = open_executor(host, name, address=address)
    try:
        yield executor
    finally:
        executor.close()


def tune_model(
    model: Path,
    host: Any,
    *,
    out: Path | None,
    fresh: bool,
    force: bool,
    executor: str = "serial",
    address: str | None = None,
    say: Say = _to_stderr,
    progress: TuneProgress | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``ovtune tune MODEL --data PATH``: tune a model with no recipe. The recipe is made from
    the options (:func:`ovtune.tune.model_recipe.model_recipe`), written into the tune folder
    as ``recipe.toml``, and the plugins propose the space."""
    import tomli_w

    from ovtune.run_folder import slug_run_name
    from ovtune.storage import atomic_write_text
    from ovtune.tune.model_recipe import model_recipe

    table = model_recipe(model, **options)
    name = slug_run_name(model.stem)
    table["name"] = name
    try:  # a bad --objective or --max-drop fails before the tune folder is made
        check_goal(build_recipe(table, base_dir=Path.cwd(), registry=host.registry), host, file=None)
    except RecipeError as exc:
        flag = {"tune.objective": "--objective"}.get(exc.key or "", exc.key or "")
        raise UsageError(f"{flag}: {exc.reason}") from None
    folder = (out or Path.cwd() / "runs" / f"{name}-tune").resolve()
    with _executor(host, executor, address) as running, RunFolder(folder, force=force, kind="tune"):
        path = folder / "recipe.toml"
        atomic_write_text(path, tomli_w.dumps(table))
        recipe = load_tune_recipe(path, host)
        return _tune_into(
            folder, recipe, host, recipe_path=path, fresh=fresh, say=say, executor=running, progress=progress
        )


def _tune_into(
    folder: Path,
    recipe: Any,
    host: Any,
    *,
    recipe_path: Path,
    fresh: bool,
    say: Say,
    executor: Executor,
    progress: TuneProgress | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    began = time.time()
    section = recipe.document.tune
    budget_end = began + float(section.budget)
    journal = Journal(folder)
    original = None
    request = None
    if wants_proposals(section):
        from ovtune.pipeline import Pipeline

        original = Pipeline(recipe, host, run_dir=folder / "work").load_original()
        section, request = propose_space(folder, recipe, host, original, say)
    space = SearchSpace.from_recipe(recipe.raw, section, FigureCatalog.from_registry(host.registry), file=recipe_path)

    def build(table: dict[str, Any]) -> Any:
        return build_recipe(table, base_dir=recipe.base_dir, registry=host.registry, file=recipe_path)

    check_space(space, build, recipe_path)
    recipe_file = recipe.path or recipe_path.resolve()
    runner = TrialRunner(space, host, recipe_file, recipe.base_dir, folder / "work", loaded_original=original)
    runner.hardware = local_node().hardware
    header = {"space": space.fingerprint(), "ovtune_version": __version__, "objective": section.objective}
    previous = journal.start(header, fresh=fresh)
    previous, elsewhere = _same_hardware(previous, runner.hardware)
    if elsewhere:
        say(
            f"{elsewhere} finished trial(s) were measured on another machine class than this one "
            f"({runner.hardware['label']}): they are measured again here, never ranked together"
        )
    if previous:
        say(f"resuming: {len(previous)} finished trial(s) in {journal.path}")
    spent_before = sum(float(t.get("seconds", 0.0)) for t in previous)
    deadline = budget_end - spent_before - _confirmation_reserve(section)
    runner.deadline = deadline
    defaults = space.defaults(objective_hint(space.goal))
    with executor.hold():
        reference = runner.measure_reference(defaults[0])
    if reference is not None:
        say(f"reference: original model in f32, {reference['metric']} = {reference['value']:.4g}")
    runner.resume(previous)

    def started_trial(number: int, label: str) -> None:
        left = max(0.0, deadline - time.time())
        say(f"trial {number}/{section.trials}: {label}  ({time.time() - began:.0f} s used, {left:.0f} s left)")
        if progress is not None:
            progress.trial_started(number, label)

    def finished_trial(trial: dict[str, Any]) -> None:
        say(f"  {_trial_line(trial, space)}")
        if progress is not None:
            progress.trial_finished()

    if progress is not None:
        progress.start(trials=section.trials, budget=float(section.budget), began=began, done=len(previous))
    try:
        with _stage_progress(host, say):
            state = run_search(
                space,
                runner,
                journal,
                previous,
                on_trial=finished_trial,
                on_start=started_trial,
                on_phase=say,
                deadline=deadline,
                executor=executor,
            )
    finally:
        if progress is not None:
            progress.stop()
    trials = state.trials
    for trial in trials:
        trial["violations"] = violations(trial, space.bounds) if trial.get("state") == "complete" else {}
        trial["feasible"] = trial.get("state") == "complete" and not trial["violations"]
        trial.setdefault("phase", space.phase_of(Config.from_json(trial["config"]).variant))
    with executor.hold():
        decision = _decide(trials, space, runner, say, end=budget_end - spent_before)
    front = pareto_front([t for t in trials if t.get("state") == "complete" and t.get("values")], space.goal)
    winner_phase = decision.winner.get("phase") if decision.winner else None
    if winner_phase and len(state.phases) > 1:
        decision.notes.append(f"the winner was found in the {winner_phase} phase")
    if decision.winner and decision.winner.get("cut_short"):
        decision.notes.append(
            f"the winner's stages stopped early at the budget's deadline ({'; '.join(decision.winner['cut_short'])}); "
            "a longer --budget may find a better model"
        )
    for phase in state.phases:
        if phase.get("why"):
            decision.notes.append(f"recovery phase ran: {phase['why']}")
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
        "space": _space_summary(space, request),
        "phases": state.phases,
        "stopped_by": stop_text(state),
        "resumed_trials": state.resumed,
        "search_seconds": state.spent,
        "session_seconds": time.perf_counter() - started,
        "reference_accuracy": reference,
        "hardware": runner.hardware,
        "executor": {"name": executor.name, "parallel": executor.parallel},
        "trials": trials,
        "pareto_front": front,
        "decision": {
            "status": decision.status,
            "winner": decision.winner["number"] if decision.winner else None,
            "phase": winner_phase,
            "reason": decision.reason,
            "notes": decision.notes,
            "finalists": decision.finalists,
            "confirmation": {str(k): v for k, v in decision.confirmation.items()},
        },
        "files": {},
    }
    if (folder / "space.toml").is_file():
        report["files"]["space"] = str(folder / "space.toml")
    if decision.winner is not None:
        report["files"].update(_write_winner(folder, decision, space, runner=runner, recipe=recipe))
    from ovtune.tune.outputs import write_report

    report["session_seconds"] = time.perf_counter() - started
    write_report(folder, report)
    shutil.rmtree(folder / "work", ignore_errors=True)
    _print(report, space)
    return report


def stop_text(state: Any) -> str:
    """Why the search ended, as one sentence without its full stop: ``stopped by the trial
    budget (24)``, ``stopped: the whole space is measured``, or the last phase's reason."""
    if state.stopped_by:
        return f"stopped by the {state.stopped_by.removeprefix('the ')}"
    ran = [phase for phase in state.phases if "ended" in phase]
    if ran and all(str(phase["ended"]).startswith("all ") for phase in ran):
        return "stopped: the whole space is measured"
    return f"stopped: {ran[-1]['ended'].removeprefix('stopped: ')}" if ran else ""


def _same_hardware(trials: list[dict[str, Any]], hardware: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The journal's trials measured on this machine's hardware class, and how many were not
    (a tune folder resumed on another machine): those are measured again, not compared."""
    here = hardware.get("class")
    same = [t for t in trials if t.get("hardware_class", here) == here]
    return same, len(trials) - len(same)


CONFIRM_RESERVE_SHARE = 0.1
"""Share of the time budget kept for confirming the finalists after the search."""


def _confirmation_reserve(section: Any) -> float:
    if not section.confirm or section.finalists < 2:
        return 0.0
    return CONFIRM_RESERVE_SHARE * float(section.budget)


def _space_summary(space: SearchSpace, request: Any) -> dict[str, Any]:
    """What was searched (and, for a proposed space, what the model and device are)."""
    summary: dict[str, Any] = {
        "variants": [
            {"name": v.name, "phase": v.phase, "reason": v.reason, "stages": [s.get("use") for s in v.stage]}
            for v in space.variants
        ],
        "deploy": space.section.deploy,
        "proposed": request is not None,
    }
    if request is not None:
        model, device = request.model, request.device
        summary["model"] = {
            "inputs": [{"name": i.name, "shape": i.shape_text, "data_shapes": i.data_shapes} for i in model.inputs],
            "attention_blocks": model.attention_blocks,
            "detection_head": len(model.detection_head),
            "weight_bytes": dict(model.weight_bytes),
            "parameters": model.parameters,
        }
        summary["device"] = {
            "name": device.name,
            "full_name": device.full_name,
            "capabilities": list(device.capabilities),
            "precisions": list(device.precisions),
            "cores": device.cores,
        }
    return summary


class _StageProgressLines:
    """Shows what a long stage is doing inside a tune: a progress line at most every
    :attr:`every` seconds (accuracy control can take minutes), and each stage built (not taken
    from the cache) with its time."""

    every = 15.0

    def __init__(self, say: Say):
        self.say = say
        self.last = 0.0
        self.started = 0.0

    @hookimpl
    def ovtune_stage_start(self, run: Any, index: int, name: str, options: dict[str, Any]) -> None:
        self.started = self.last = time.time()

    @hookimpl
    def ovtune_stage_progress(self, run: Any, index: int, done: float, total: float | None, message: str) -> None:
        now = time.time()
        if now - self.last < self.every:
            return
        self.last = now
        count = f"{done:.0f}/{total:.0f}" if total else f"{done:.0f}"
        self.say(f"    stage {index} {run.stages[index - 1]}: {message} {count} ({now - self.started:.0f} s)")

    @hookimpl
    def ovtune_stage_finish(self, run: Any, index: int, record: Any) -> None:
        if not record.cached:
            cut = f"; stopped early: {record.details['cut_short']}" if record.details.get("cut_short") else ""
            self.say(f"    built stage {index} {record.name} in {record.seconds:.1f} s{cut}")


@contextlib.contextmanager
def _stage_progress(host: Any, say: Say) -> Iterator[None]:
    from ovtune.registry import PluginInfo

    name = "ovtune-tune-progress"
    host.register(_StageProgressLines(say), PluginInfo(name, __name__, PROJECT_NAME, __version__, builtin=True))
    try:
        yield
    finally:
        host.unregister(name)


def _decide(
    trials: list[dict[str, Any]], space: SearchSpace, runner: TrialRunner, say: Say, *, end: float | None = None
) -> Decision:
    section = space.section
    goal = space.goal
    pool, notes, status = candidates(trials, space.bounds, goal)
    if not pool:
        return Decision(None, "no trial completed", "unmet", notes)
    finalists = pool[: section.finalists] if status == "met" else pool[:1]
    confirmation: dict[int, list[float]] = {}
    if section.confirm and len(finalists) > 1 and goal.measurement not in DETERMINISTIC:
        say(f"confirming {len(finalists)} finalists: {section.confirm} interleaved rounds of {goal.name}")
        for round_number in range(section.confirm):
            if round_number and end is not None and time.time() >= end:
                notes.append(f"confirmation stopped after {round_number} round(s): the time budget is used")
                break
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
    if trial.get("cut_short"):
        text += f"  (stopped early at the deadline: {'; '.join(trial['cut_short'])})"
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
        console.print(f"{report['stopped_by'][:1].upper()}{report['stopped_by'][1:]}.")
    if decision["reason"]:
        console.print(f"chosen: {decision['reason']}")
    for name, path in report["files"].items():
        console.print(f"{name.replace('_', ' ')}: {path}")


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"
