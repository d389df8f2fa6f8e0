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

from ovtune.recipe_sections.tune import Objective, TuneConstraints

OBJECTIVE_VALUE: dict[str, tuple[str, bool, str]] = {
    "throughput": ("fps", True, "FPS"),
    "latency": ("latency_ms", False, "ms median latency"),
    "latency.p90": ("latency_p90_ms", False, "ms p90 latency"),
    "first_inference": ("first_inference_ms", False, "ms first inference (cached)"),
    "size": ("size_mb", False, "MB"),
}
"""objective -> (trial value key, higher is better, unit)."""

PARETO_AXES = (("drop", False), ("latency_ms", False), ("fps", True), ("size_mb", False))


def objective_value(trial: dict[str, Any], objective: Objective) -> float | None:
    key = OBJECTIVE_VALUE[objective][0]
    value = (trial.get("values") or {}).get(key)
    return float(value) if value is not None else None


def violations(trial: dict[str, Any], constraints: TuneConstraints) -> dict[str, float]:
    """Bound -> how far the trial is past it (only the bounds it breaks)."""
    values = trial.get("values") or {}
    broken = {}
    for bound, key in (("max_drop", "drop"), ("max_latency_ms", "latency_ms"), ("max_size_mb", "size_mb")):
        limit = getattr(constraints, bound)
        value = values.get(key)
        if limit is None:
            continue
        if value is None:
            broken[bound] = float("inf")
        elif value > limit:
            broken[bound] = float(value) - limit
    return broken


def constraint_values(trial: dict[str, Any], constraints: TuneConstraints) -> list[float]:
    """Optuna's convention: one number per bound, <= 0 when it holds."""
    values = trial.get("values") or {}
    result = []
    for bound, key in (("max_drop", "drop"), ("max_latency_ms", "latency_ms"), ("max_size_mb", "size_mb")):
        limit = getattr(constraints, bound)
        if limit is not None:
            value = values.get(key)
            result.append(1e9 if value is None else float(value) - limit)
    return result or [0.0]


def pareto_front(trials: Sequence[dict[str, Any]]) -> list[int]:
    """Numbers of the complete trials no other trial beats on every axis (accuracy drop,
    median latency, throughput, size)."""
    points = []
    for trial in trials:
        values = trial.get("values") or {}
        point: list[float | None] = []
        for key, higher in PARETO_AXES:
            value = values.get(key)
            if value is None:
                point.append(None)
                continue
            point.append(-float(value) if higher else float(value))
        points.append((trial["number"], point))
    usable = [axis for axis in range(len(PARETO_AXES)) if all(p[axis] is not None for _, p in points)]
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


def feasible(trials: Sequence[dict[str, Any]], constraints: TuneConstraints, objective: Objective) -> list[Any]:
    return [
        t
        for t in trials
        if t.get("state") == "complete" and objective_value(t, objective) is not None and not violations(t, constraints)
    ]


def rank(trials: Sequence[dict[str, Any]], objective: Objective) -> list[dict[str, Any]]:
    """Best first, one trial per configuration."""
    _, higher, _ = OBJECTIVE_VALUE[objective]
    seen: set[str] = set()
    ordered = []
    for trial in sorted(trials, key=lambda t: objective_value(t, objective) or 0.0, reverse=higher):
        key = repr(trial["config"])
        if key not in seen:
            seen.add(key)
            ordered.append(trial)
    return ordered


def candidates(
    trials: Sequence[dict[str, Any]], constraints: TuneConstraints, objective: Objective
) -> tuple[list[dict[str, Any]], list[str], str]:
    """The trials the winner may come from, notes on why, and the status."""
    complete = [t for t in trials if t.get("state") == "complete"]
    ok = feasible(complete, constraints, objective)
    notes: list[str] = []
    quantized = [t for t in complete if t.get("quantized")]
    if quantized and not any(t.get("quantized") for t in ok):
        best = min(quantized, key=lambda t: (t.get("values") or {}).get("drop") or float("inf"))
        drop = (best.get("values") or {}).get("drop")
        notes.append(
            f"every quantized configuration ({len(quantized)} trial{'s' if len(quantized) > 1 else ''}) breaks "
            + ", ".join(f"{bound}" for bound in sorted(violations(best, constraints)) or ["a bound"])
            + (
                f"; the smallest accuracy drop was {drop:.4g} (trial {best['number']}: {best['label']})"
                if drop is not None
                else ""
            )
            + "; the choice is among float configurations"
        )
    if ok:
        return rank(ok, objective), notes, "met"
    floats = [t for t in complete if not t.get("quantized")]
    if not floats:
        return [], [*notes, "no trial completed with a float model"], "unmet"

    def badness(trial: dict[str, Any]) -> tuple[float, float]:
        broken = violations(trial, constraints)
        return sum(broken.values()), -(objective_value(trial, objective) or 0.0)

    least_bad = min(floats, key=badness)
    notes.append(
        "no configuration meets every bound; returning the float configuration closest to them "
        f"(trial {least_bad['number']}: {least_bad['label']}, past "
        + ", ".join(f"{bound} by {amount:.4g}" for bound, amount in violations(least_bad, constraints).items())
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
    objective: Objective,
    constraints: TuneConstraints,
    default: dict[str, Any] | None,
) -> str:
    """One paragraph: what won, by how much, against what, and that it meets the bounds."""
    key, higher, unit = OBJECTIVE_VALUE[objective]
    confirmed = winner["number"] in confirmation

    def value_of(trial: dict[str, Any]) -> float:
        if trial["number"] in confirmation:
            return summarize(confirmation[trial["number"]])
        return float((trial.get("values") or {}).get(key) or 0.0)

    best = value_of(winner)
    how = f"median of {len(confirmation[winner['number']])} interleaved rounds" if confirmed else "search measurement"
    parts = [
        f"trial {winner['number']} ({winner['label']}) has the {'highest' if higher else 'lowest'} {objective}: "
        f"{best:.4g} {unit} ({how})"
    ]
    if runner_up is not None:
        other = value_of(runner_up)
        ratio = (best / other if higher else other / best) if other and best else float("nan")
        parts.append(f"runner-up trial {runner_up['number']} ({runner_up['label']}) {other:.4g} {unit}, {ratio:.2f}x")
    if default is not None and default["number"] != winner["number"]:
        base = float((default.get("values") or {}).get(key) or 0.0)
        if base:
            ratio = best / base if higher else base / best
            parts.append(f"{ratio:.2f}x the default configuration (trial {default['number']}: {default['label']})")
    values = winner.get("values") or {}
    bounds = []
    if constraints.max_drop is not None and values.get("drop") is not None:
        bounds.append(f"accuracy drop {values['drop']:.4g} <= {constraints.max_drop:g}")
    if constraints.max_latency_ms is not None and values.get("latency_ms") is not None:
        bounds.append(f"median latency {values['latency_ms']:.3g} ms <= {constraints.max_latency_ms:g}")
    if constraints.max_size_mb is not None and values.get("size_mb") is not None:
        bounds.append(f"size {values['size_mb']:.3g} MB <= {constraints.max_size_mb:g}")
    if bounds:
        parts.append("meets " + ", ".join(bounds))
    parts.append(f"ran in {winner.get('precision', '?')}")
    return "; ".join(parts)
