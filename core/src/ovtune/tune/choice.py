"""Which trials are acceptable, which are Pareto-optimal, and which one wins and why.

The search ranks trials by figures measured one after another on a shared machine; two runs
of the same configuration differ by 20-40 % here. So the winner is not simply the best search
figure: the best few feasible configurations are measured again, interleaved (A B C A B C),
and the best median wins. The reason names the runner-up and the ratio.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ovtune.tune.goals import HIGHER_AXES, PARETO_AXES, Bound, Goal


def objective_value(trial: dict[str, Any], goal: Goal) -> float | None:
    return goal.value(trial)


def violations(trial: dict[str, Any], bounds: Sequence[Bound]) -> dict[str, float]:
    """Bound -> how far the trial is past it (only the bounds it breaks)."""
    values = trial.get("values") or {}
    broken = {}
    for bound in bounds:
        excess = bound.excess(values.get(bound.key))
        if excess > 0:
            broken[bound.name] = excess
    return broken


def constraint_values(trial: dict[str, Any], bounds: Sequence[Bound]) -> list[float]:
    """Optuna's convention: one number per bound, <= 0 when it holds."""
    values = trial.get("values") or {}
    result = []
    for bound in bounds:
        value = values.get(bound.key)
        if value is None:
            result.append(1e9)
        else:
            result.append(float(value) - bound.limit if bound.upper else bound.limit - float(value))
    return result or [0.0]


def pareto_front(trials: Sequence[dict[str, Any]], goal: Goal | None = None) -> list[int]:
    """Numbers of the complete trials no other trial beats on every axis (accuracy drop,
    median latency, throughput, size, and the goal's figure)."""
    axes = [(key, key in HIGHER_AXES) for key in PARETO_AXES]
    if goal is not None and goal.key not in PARETO_AXES:
        axes.append((goal.key, goal.higher))
    points = []
    for trial in trials:
        values = trial.get("values") or {}
        point: list[float | None] = []
        for key, higher in axes:
            value = values.get(key)
            if value is None:
                point.append(None)
                continue
            point.append(-float(value) if higher else float(value))
        points.append((trial["number"], point))
    usable = [axis for axis in range(len(axes)) if all(p[axis] is not None for _, p in points)]
    front = []
    for number, point in points:
        dominated = False
        for other_number, other in points:
            if other_number == number:
                continue
            if all(other[a] <= point[a] for a in usable) and any(other[a] < point[a] for a in usable):  # type: ignore[operator]
                dominated = True
                break
        if not dominated:
            front.append(number)
    return sorted(front)


@dataclass
class Decision:
    """The chosen trial, why, and what the user must know about the choice."""

    winner: dict[str, Any] | None
    reason: str
    status: str  # "met": the winner meets every bound; "unmet": nothing did, the least-bad float is returned
    notes: list[str] = field(default_factory=list)
    finalists: list[int] = field(default_factory=list)
    confirmation: dict[int, list[float]] = field(default_factory=dict)


def feasible(trials: Sequence[dict[str, Any]], bounds: Sequence[Bound], goal: Goal) -> list[Any]:
    return [
        t for t in trials if t.get("state") == "complete" and goal.value(t) is not None and not violations(t, bounds)
    ]


def rank(trials: Sequence[dict[str, Any]], goal: Goal) -> list[dict[str, Any]]:
    """Best first, one trial per configuration."""
    seen: set[str] = set()
    ordered = []
    for trial in sorted(trials, key=lambda t: goal.value(t) or 0.0, reverse=goal.higher):
        key = repr(trial["config"])
        if key not in seen:
            seen.add(key)
            ordered.append(trial)
    return ordered


def candidates(
    trials: Sequence[dict[str, Any]], bounds: Sequence[Bound], goal: Goal
) -> tuple[list[dict[str, Any]], list[str], str]:
    """The trials the winner may come from, notes on why, and the status."""
    complete = [t for t in trials if t.get("state") == "complete"]
    ok = feasible(complete, bounds, goal)
    notes: list[str] = []
    quantized = [t for t in complete if t.get("quantized")]
    if quantized and not any(t.get("quantized") for t in ok):
        best = min(quantized, key=lambda t: (t.get("values") or {}).get("drop") or float("inf"))
        drop = (best.get("values") or {}).get("drop")
        notes.append(
            f"every quantized configuration ({len(quantized)} trial{'s' if len(quantized) > 1 else ''}) breaks "
            + ", ".join(f"{bound}" for bound in sorted(violations(best, bounds)) or ["a bound"])
            + (
                f"; the smallest accuracy drop was {drop:.4g} (trial {best['number']}: {best['label']})"
                if drop is not None
                else ""
            )
            + "; the choice is among float configurations"
        )
    if ok:
        return rank(ok, goal), notes, "met"
    floats = [t for t in complete if not t.get("quantized")]
    if not floats:
        return [], [*notes, "no trial completed with a float model"], "unmet"

    def badness(trial: dict[str, Any]) -> tuple[float, float]:
        broken = violations(trial, bounds)
        value = goal.value(trial) or 0.0
        return sum(broken.values()), -value if goal.higher else value

    least_bad = min(floats, key=badness)
    notes.append(
        "no configuration meets every bound; returning the float configuration closest to them "
        f"(trial {least_bad['number']}: {least_bad['label']}, past "
        + ", ".join(f"{bound} by {amount:.4g}" for bound, amount in violations(least_bad, bounds).items())
        + ")"
    )
    return [least_bad], notes, "unmet"


def summarize(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def explain(
    winner: dict[str, Any],
    runner_up: dict[str, Any] | None,
    *,
    confirmation: dict[int, list[float]],
    goal: Goal,
    bounds: Sequence[Bound],
    default: dict[str, Any] | None,
) -> str:
    """One paragraph: what won, by how much, against what, and that it meets the bounds."""
    key, higher, unit = goal.key, goal.higher, goal.unit
    confirmed = winner["number"] in confirmation

    def value_of(trial: dict[str, Any]) -> float:
        if trial["number"] in confirmation:
            return summarize(confirmation[trial["number"]])
        return float((trial.get("values") or {}).get(key) or 0.0)

    best = value_of(winner)
    how = f"median of {len(confirmation[winner['number']])} interleaved rounds" if confirmed else "search measurement"
    parts = [
        f"trial {winner['number']} ({winner['label']}) has the {'highest' if higher else 'lowest'} {goal.name}: "
        f"{best:.4g} {unit} ({how})"
    ]
    if runner_up is not None:
        other = value_of(runner_up)
        ratio = (best / other if higher else other / best) if other and best else float("nan")
        parts.append(f"runner-up trial {runner_up['number']} ({runner_up['label']}) {other:.4g} {unit}, {ratio:.2f}x")
    if default is not None and default["number"] != winner["number"]:
        base = value_of(default)  # its confirmation rounds when it was a finalist: like for like
        broken_default = violations(default, bounds)
        if broken_default:
            parts.append(
                f"the default configuration (trial {default['number']}: {default['label']}) breaks "
                f"{', '.join(broken_default)}"
            )
        elif base:
            ratio = best / base if higher else base / best
            parts.append(f"{ratio:.2f}x the default configuration (trial {default['number']}: {default['label']})")
    values = winner.get("values") or {}
    broken = violations(winner, bounds)
    met = [
        bound.describe(values[bound.key])
        for bound in bounds
        if values.get(bound.key) is not None and bound.name not in broken
    ]
    if met:
        parts.append("meets " + ", ".join(met))
    if broken:
        parts.append(
            "breaks "
            + ", ".join(
                f"{bound.name} ({(bound.label or bound.key)} {values.get(bound.key, float('nan')):.4g}, "
                f"limit {bound.limit:g})"
                for bound in bounds
                if bound.name in broken
            )
        )
    parts.append(f"ran in {winner.get('precision', '?')}")
    return "; ".join(parts)
