"""The search: defaults first, then a sampler, within a time budget and a trial budget.

Why Optuna's TPE: the space is small, categorical and conditional (a variant's options exist
only in that variant), every trial costs seconds to minutes of real measurement, and some
configurations break a bound. TPE samples conditional categorical spaces define-by-run, and
its constraint handling (``Trial.set_constraint``) steers away from infeasible regions instead of treating them as bad
values. A grid would spend the budget on combinations that the first trials already rule out.

The study lives in memory; the journal (:mod:`ovtune.tune.journal`) is the record. Resuming
replays the finished trials into a new study (``create_trial``), so the sampler continues from
what was measured, and no finished configuration is measured again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ovtune.jobs import Executor
from ovtune.tune.choice import constraint_values, objective_value, violations
from ovtune.tune.goals import Bound, Goal
from ovtune.tune.journal import Journal
from ovtune.tune.prebuild import prebuild
from ovtune.tune.space import Config, SearchSpace
from ovtune.tune.trials import TrialRunner

log = logging.getLogger("ovtune.tune")

MAX_REPEATS = 25
"""Stop when the sampler proposes only measured configurations this many times in a row."""


@dataclass
class SearchState:
    trials: list[dict[str, Any]] = field(default_factory=list)
    resumed: int = 0
    stopped_by: str = ""
    phases: list[dict[str, Any]] = field(default_factory=list)
    """One entry per phase: its name, variants, trials run, and why it ended or was skipped."""

    def by_key(self) -> dict[str, dict[str, Any]]:
        return {Config.from_json(t["config"]).key(): t for t in self.trials}

    @property
    def spent(self) -> float:
        return sum(float(t.get("seconds", 0.0)) for t in self.trials)


def objective_hint(goal: Goal) -> str:
    """The performance hint that matches the goal (throughput for throughput, else latency)."""
    return "throughput" if goal.measurement == "throughput" else "latency"


FLOAT_TIME_SHARE = 0.4
"""Share of the time left that the float phase may use when quantized variants follow."""


def run_search(
    space: SearchSpace,
    runner: TrialRunner,
    journal: Journal,
    previous: list[dict[str, Any]],
    *,
    on_trial: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, str], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
    deadline: float | None = None,
    executor: Executor | None = None,
) -> SearchState:
    """Search ``space`` phase by phase (:meth:`SearchSpace.phases`), as an expert works: the
    float variants with the runtime settings first (no new model, or a quick graph change),
    then the quantized ones, built with the runtime settings that won so far; the recovery
    variants only when every plain quantized candidate breaks a bound. The trial and time
    budgets are shared: a phase stops early when the phases after it need the rest, and the
    quantized phase stops as soon as each of its variants broke a bound, instead of spending
    the budget on more of what failed. ``deadline`` (``time.time()``) ends the search.

    With an ``executor`` that builds in parallel, each phase first builds its likely models on
    it (:mod:`ovtune.tune.prebuild`); every trial measures while the executor keeps this
    machine to the tune alone (:meth:`~ovtune.jobs.Executor.hold`)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    section = space.section
    state = SearchState(trials=list(previous), resumed=len(previous))
    if deadline is None:
        deadline = time.time() + max(0.0, section.budget - state.spent)
    phases = space.phases()
    for position, (phase, names) in enumerate(phases):
        entry: dict[str, Any] = {"name": phase, "variants": names, "trials": 0}
        state.phases.append(entry)
        if phase == "recovery":
            blocked = _escalation(state.trials, space)
            if blocked is None:
                entry["skipped"] = "a quantized candidate meets every bound"
                continue
            entry["why"] = blocked
        if state.stopped_by:
            entry["skipped"] = f"stopped by the {state.stopped_by}"
            continue
        later = [p for p, _ in phases[position + 1 :]]
        remaining = section.trials - len(state.trials)
        sub = space.subspace(names)
        cap = min(remaining, _trial_share(phase, later, remaining, sub.size()))
        phase_deadline = deadline
        if phase == "float" and later:
            phase_deadline = min(deadline, time.time() + FLOAT_TIME_SHARE * max(0.0, deadline - time.time()))
        if on_phase:
            on_phase(_phase_line(phase, names, entry.get("why", ""), cap, deadline))
        before = len(state.trials)
        if executor is not None and executor.parallel:
            entry["prebuilt"] = prebuild(
                sub, runner, executor, objective_hint=objective_hint(space.goal), limit=cap, say=on_phase or log.info
            )
        with executor.hold() if executor is not None else contextlib.nullcontext():
            ended = _search_phase(
                sub,
                space,
                runner,
                journal,
                state,
                phase=phase,
                cap=len(state.trials) + cap,
                phase_deadline=phase_deadline,
                deadline=deadline,
                seed_deploy=_best_deploy(state.trials, space) if phase not in {"float", "search"} else None,
                on_trial=on_trial,
                on_start=on_start,
            )
        entry["trials"] = len(state.trials) - before
        entry["ended"] = ended
    return state


def _phase_line(phase: str, names: list[str], why: str, cap: int, deadline: float) -> str:
    left = max(0.0, deadline - time.time())
    what = {
        "float": "float variants with the runtime settings",
        "quantized": "quantized variants",
        "recovery": "recovery variants",
        "search": "every variant",
    }.get(phase, phase)
    because = f" ({why})" if why else ""
    return f"phase {phase}: {what}{because}: {', '.join(names)}; up to {cap} trials, {left:.0f} s left"


def _trial_share(phase: str, later: list[str], remaining: int, size: int) -> int:
    """Trials a phase may use: the float phase leaves most of the trial budget to the phases
    after it, the quantized phase keeps some for recovery; the last phase uses the rest."""
    if not later:
        return remaining
    share = FLOAT_TIME_SHARE if phase == "float" else 0.7
    return max(1, min(size, math.ceil(remaining * share)))


def _escalation(trials: list[dict[str, Any]], space: SearchSpace) -> str | None:
    """Why the recovery phase runs (every completed quantized trial breaks a bound), or
    ``None`` when it need not (a quantized trial meets every bound, or none completed)."""
    quantized = [
        t
        for t in trials
        if space.phase_of(Config.from_json(t["config"]).variant) == "quantized" and t.get("state") == "complete"
    ]
    if not quantized:
        return None
    broken = [violations(t, space.bounds) for t in quantized]
    if all(broken):
        names = sorted({name for found in broken for name in found})
        return f"every quantized candidate breaks {', '.join(names)}"
    return None


def _best_deploy(trials: list[dict[str, Any]], space: SearchSpace) -> tuple[tuple[str, int], ...] | None:
    """The runtime settings of the best trial that meets every bound so far."""
    feasible = [
        t
        for t in trials
        if t.get("state") == "complete" and t.get("value") is not None and not violations(t, space.bounds)
    ]
    if not feasible:
        return None
    best = (max if space.goal.higher else min)(feasible, key=lambda t: float(t["value"]))
    return Config.from_json(best["config"]).deploy


def _search_phase(
    sub: SearchSpace,
    space: SearchSpace,
    runner: TrialRunner,
    journal: Journal,
    state: SearchState,
    *,
    phase: str,
    cap: int,
    phase_deadline: float,
    deadline: float,
    seed_deploy: tuple[tuple[str, int], ...] | None,
    on_trial: Callable[[dict[str, Any]], None] | None,
    on_start: Callable[[int, str], None] | None,
) -> str:
    """One phase: its defaults first (with ``seed_deploy``, the runtime settings that won so
    far, when given), then the sampler; returns why it ended."""
    import optuna

    section = space.section
    defaults = sub.defaults(objective_hint(space.goal))
    if seed_deploy is not None:
        seeded = [Config(c.variant, c.choices, seed_deploy) for c in defaults]
        defaults = seeded + defaults
    sampler: optuna.samplers.BaseSampler
    if section.sampler == "random":
        sampler = optuna.samplers.RandomSampler(seed=section.seed)
    else:
        # constrained TPE: the constraints each trial carries (set_constraint) steer it
        sampler = optuna.samplers.TPESampler(seed=section.seed, n_startup_trials=max(len(defaults) + 2, 4))
    study = optuna.create_study(direction="maximize" if space.goal.higher else "minimize", sampler=sampler)
    mine = {v.name for v in sub.variants}
    for trial in state.trials:
        if Config.from_json(trial["config"]).variant in mine:
            _replay(study, sub, trial)
    done = state.by_key()
    queued: set[str] = set()
    for config in defaults:
        if config.key() not in done and config.key() not in queued:
            study.enqueue_trial(_params(sub, config))
            queued.add(config.key())
    measured_here = sum(1 for key in done if json.loads(key)[0] in mine)
    built = {_model_key(Config.from_json(t["config"])) for t in state.trials if t.get("state") == "complete"}
    repeats = 0
    while True:
        if len(state.trials) >= section.trials:
            state.stopped_by = f"trial budget ({section.trials})"
            return state.stopped_by
        if len(state.trials) >= cap:
            return "its share of the trial budget is used"
        measuring = _measurement_seconds(state.trials)
        if time.time() + measuring > deadline:
            state.stopped_by = f"time budget ({section.budget:.0f} s; {state.spent:.0f} s spent)"
            return state.stopped_by
        if time.time() + measuring > phase_deadline:
            return "its share of the time budget is used"
        if measured_here >= sub.size():
            return f"all {sub.size()} configurations are measured"
        if phase == "quantized" and _every_variant_broke(state.trials, sub):
            return "every quantized variant broke a bound: escalating"
        ask = study.ask()
        config = _suggest(ask, sub)
        if config.key() in done:
            repeats += 1
            _tell(study, ask, done[config.key()], space)
            if repeats >= MAX_REPEATS:
                return "the sampler proposes only configurations already measured"
            continue
        repeats = 0
        expected = measuring if _model_key(config) in built else 2 * measuring
        if time.time() + expected > deadline:  # a new model: leave it time to be built
            study.tell(ask, state=optuna.trial.TrialState.FAIL)
            state.stopped_by = f"time budget ({section.budget:.0f} s; {state.spent:.0f} s spent)"
            return state.stopped_by
        number = len(state.trials) + 1
        if on_start:
            on_start(number, space.label(config))
        trial = runner.evaluate(config, number)
        trial["phase"] = phase
        trial["constraints"] = constraint_values(trial, space.bounds)
        trial["value"] = objective_value(trial, space.goal)
        journal.append(trial)
        state.trials.append(trial)
        done[config.key()] = trial
        built.add(_model_key(config))
        measured_here += 1
        _tell(study, ask, trial, space)
        if on_trial:
            on_trial(trial)


def _every_variant_broke(trials: list[dict[str, Any]], sub: SearchSpace) -> bool:
    """Each variant of the phase has been tried, and none of its trials met every bound (a
    trial that failed, a stage refusing the model, counts as not meeting them)."""
    for variant in sub.variants:
        mine = [t for t in trials if t["config"]["variant"] == variant.name]
        if not mine:
            return False
        if any(t.get("state") == "complete" and not violations(t, sub.bounds) for t in mine):
            return False
    return True


def _measurement_seconds(trials: list[dict[str, Any]]) -> float:
    """Median time a trial spends measuring (its duration without the stages it built), 0
    before the first: what a trial on a model already built costs. A trial on a new model
    costs its build too, which the stage deadline bounds; so no trial starts that would likely
    end past the budget, and one long build (accuracy control) does not make the search
    believe that every later trial is as long."""
    seconds = sorted(
        max(
            0.0,
            float(t.get("seconds", 0.0))
            - sum(float(s.get("seconds") or 0.0) for s in t.get("stages") or [] if not s.get("cached")),
        )
        for t in trials
    )
    return seconds[len(seconds) // 2] if seconds else 0.0


def _model_key(config: Config) -> str:
    """The model of a configuration: its variant and stage choices (runtime settings aside)."""
    return json.dumps([config.variant, list(config.choices)])


def _params(space: SearchSpace, config: Config) -> dict[str, int]:
    names = [v.name for v in space.variants]
    params = {"variant": names.index(config.variant)}
    params.update({f"{config.variant}:{key}": index for key, index in config.choices})
    params.update({f"deploy.{key}": index for key, index in config.deploy})
    return params


def _distributions(space: SearchSpace, config: Config) -> dict[str, Any]:
    import optuna

    variant = space.variant(config.variant)
    result: dict[str, Any] = {"variant": optuna.distributions.CategoricalDistribution(list(range(len(space.variants))))}
    for key in variant.choices:
        result[f"{variant.name}:{key}"] = optuna.distributions.CategoricalDistribution(
            list(range(len(variant.choices[key])))
        )
    for key, values in space.section.deploy.items():
        result[f"deploy.{key}"] = optuna.distributions.CategoricalDistribution(list(range(len(values))))
    return result


def _suggest(trial: Any, space: SearchSpace) -> Config:
    variant = space.variants[trial.suggest_categorical("variant", list(range(len(space.variants))))]
    choices = tuple(
        sorted(
            (key, trial.suggest_categorical(f"{variant.name}:{key}", list(range(len(values)))))
            for key, values in variant.choices.items()
        )
    )
    deploy = tuple(
        sorted(
            (key, trial.suggest_categorical(f"deploy.{key}", list(range(len(values)))))
            for key, values in space.section.deploy.items()
        )
    )
    return Config(variant.name, choices, deploy)


def _tell(study: Any, ask: Any, trial: dict[str, Any], space: SearchSpace) -> None:
    import optuna

    for key, bound in enumerate_constraints(trial, space.bounds):
        ask.set_constraint(key, bound)
    value = trial.get("value")
    if trial.get("state") != "complete" or value is None:
        study.tell(ask, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(ask, float(value))


def enumerate_constraints(trial: dict[str, Any], bounds: Sequence[Bound]) -> list[tuple[str, float]]:
    """The trial's bounds as Optuna constraints (``"0"``, ``"1"``, ...: <= 0 when met)."""
    values = trial.get("constraints") or constraint_values(trial, bounds)
    return [(str(index), float(value)) for index, value in enumerate(values)]


def _replay(study: Any, space: SearchSpace, trial: dict[str, Any]) -> None:
    import optuna

    config = Config.from_json(trial["config"])
    if config.variant not in {v.name for v in space.variants}:
        return
    complete = trial.get("state") == "complete" and trial.get("value") is not None
    study.add_trial(
        optuna.trial.create_trial(
            params=_params(space, config),
            distributions=_distributions(space, config),
            value=float(trial["value"]) if complete else None,
            state=optuna.trial.TrialState.COMPLETE if complete else optuna.trial.TrialState.FAIL,
            constraints=dict(enumerate_constraints(trial, space.bounds)),
        )
    )
