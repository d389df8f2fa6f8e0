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

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ovtune.tune.choice import constraint_values, objective_value
from ovtune.tune.goals import Bound, Goal
from ovtune.tune.journal import Journal
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

    def by_key(self) -> dict[str, dict[str, Any]]:
        return {Config.from_json(t["config"]).key(): t for t in self.trials}

    @property
    def spent(self) -> float:
        return sum(float(t.get("seconds", 0.0)) for t in self.trials)


def objective_hint(goal: Goal) -> str:
    """The performance hint that matches the goal (throughput for throughput, else latency)."""
    return "throughput" if goal.measurement == "throughput" else "latency"


def run_search(
    space: SearchSpace,
    runner: TrialRunner,
    journal: Journal,
    previous: list[dict[str, Any]],
    *,
    on_trial: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[int, str], None] | None = None,
) -> SearchState:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    section = space.section
    state = SearchState(trials=list(previous), resumed=len(previous))
    defaults = space.defaults(objective_hint(space.goal))
    sampler: optuna.samplers.BaseSampler
    if section.sampler == "random":
        sampler = optuna.samplers.RandomSampler(seed=section.seed)
    else:
        # constrained TPE: the constraints each trial carries (set_constraint) steer it
        sampler = optuna.samplers.TPESampler(seed=section.seed, n_startup_trials=max(len(defaults) + 2, 4))
    study = optuna.create_study(direction="maximize" if space.goal.higher else "minimize", sampler=sampler)
    for trial in state.trials:
        _replay(study, space, trial)
    done = state.by_key()
    for config in defaults:
        if config.key() not in done:
            study.enqueue_trial(_params(space, config))
    repeats = 0
    while True:
        if len(state.trials) >= section.trials:
            state.stopped_by = f"trial budget ({section.trials})"
            break
        elapsed = state.spent  # every trial's own seconds, resumed ones included
        expected = _typical_seconds(state.trials)
        if elapsed + expected > section.budget:
            state.stopped_by = f"time budget ({section.budget:.0f} s; {elapsed:.0f} s spent)"
            break
        if len(done) >= space.size():
            state.stopped_by = f"the whole space ({space.size()} configurations) is measured"
            break
        ask = study.ask()
        config = _suggest(ask, space)
        if config.key() in done:
            repeats += 1
            _tell(study, ask, done[config.key()], space)
            if repeats >= MAX_REPEATS:
                state.stopped_by = "the sampler proposes only configurations already measured"
                break
            continue
        repeats = 0
        number = len(state.trials) + 1
        if on_start:
            on_start(number, space.label(config))
        trial = runner.evaluate(config, number)
        trial["constraints"] = constraint_values(trial, space.bounds)
        trial["value"] = objective_value(trial, space.goal)
        journal.append(trial)
        state.trials.append(trial)
        done[config.key()] = trial
        _tell(study, ask, trial, space)
        if on_trial:
            on_trial(trial)
    return state


def _typical_seconds(trials: list[dict[str, Any]]) -> float:
    """Median duration of the trials so far (0 before the first): do not start a trial that
    would likely run past the budget."""
    seconds = sorted(float(t.get("seconds", 0.0)) for t in trials)
    return seconds[len(seconds) // 2] if seconds else 0.0


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
