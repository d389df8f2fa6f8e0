"""The comparison itself, free of any output: for each model in both runs, the changes of its
default metrics and of every metric a condition names (value in A and B, ratio, relative and
absolute change, the better direction its measurement declares, the runs' own noise), the
conditions evaluated against them, and the notes a reader needs before trusting the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ovtune.compare._numbers import finite, format_number, format_percent, format_signed, is_number
from ovtune.compare.conditions import Condition, Metric, resolve_metric
from ovtune.compare.runs import Run
from ovtune.errors import UsageError
from ovtune.figures import Direction, FigureCatalog


def better_direction(metric: Metric, a: dict[str, Any], b: dict[str, Any], figures: FigureCatalog) -> Direction | None:
    """Which way is better for a metric, as its measurement declares it (a metric's own
    ``higher_is_better`` decides for accuracy). ``a`` and ``b`` are the two models' results of
    the measurement. None where the figure is not declared or carries no direction."""
    figure = figures.get(metric.name)
    return figure.direction(a, b) if figure is not None else None


def run_figures(*runs: Run) -> FigureCatalog:
    """The figures the runs' reports declare (the first run's declaration wins)."""
    return FigureCatalog(figure for run in runs for figure in FigureCatalog.from_report(run.report))


@dataclass(frozen=True)
class Change:
    """One metric of one model in both runs."""

    model: str
    metric: Metric
    a: float
    b: float
    better: Direction | None
    noise: float | None
    """The larger ``relative_spread`` of the two results (timing measurements only)."""

    @property
    def delta(self) -> float:
        return self.b - self.a

    @property
    def ratio(self) -> float | None:
        return self.b / self.a if self.a else None

    @property
    def percent(self) -> float:
        """Change in percent of A's value (infinite when A is 0 and B is not)."""
        if self.a:
            return (self.b - self.a) / abs(self.a) * 100.0
        return 0.0 if self.b == self.a else math.copysign(math.inf, self.b)

    @property
    def within_noise(self) -> bool:
        """A change no larger than the runs' own trial-to-trial spread tells nothing."""
        return bool(self.noise) and self.a != self.b and abs(self.percent) <= 100.0 * (self.noise or 0.0)

    @property
    def verdict(self) -> str:
        if self.a == self.b:
            return "same"
        if self.within_noise:
            return "within noise"
        if self.better is None:
            return "changed"
        improved = self.b < self.a if self.better == "lower" else self.b > self.a
        return "better" if improved else "worse"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric.name,
            "a": self.a,
            "b": self.b,
            "ratio": finite(self.ratio),
            "change_percent": finite(self.percent),
            "delta": self.delta,
            "better": self.better,
            "noise": self.noise,
            "within_noise": self.within_noise,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class ModelComparison:
    label: str
    precision_a: str
    precision_b: str
    changes: list[Change]


@dataclass(frozen=True)
class Outcome:
    """A condition evaluated for one model."""

    condition: Condition
    change: Change
    violated: bool

    def line(self) -> str:
        """``regression: 01-pot.default latency.median_ms +12.3% > +5% (A 0.253, B 0.284)``."""
        change = self.change
        observed = format_percent(change.percent) if self.condition.relative else format_signed(change.delta)
        noise = f"; within the runs' noise of ±{change.noise:.0%}" if change.within_noise else ""
        return (
            f"regression: {change.model} {change.metric.name} {observed} {self.condition.op} "
            f"{self.condition.threshold_text} (A {format_number(change.a)}, B {format_number(change.b)}{noise})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "condition": self.condition.text,
            "model": self.change.model,
            "metric": self.change.metric.name,
            "observed": finite(self.change.percent) if self.condition.relative else self.change.delta,
            "threshold": self.condition.threshold,
            "relative": self.condition.relative,
            "violated": self.violated,
            "within_noise": self.change.within_noise,
        }


@dataclass
class Comparison:
    a: Run
    b: Run
    models: list[ModelComparison]
    only_a: list[str]
    only_b: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.violated]

    def violated(self, change: Change) -> bool:
        return any(outcome.change is change for outcome in self.regressions)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a.describe(),
            "b": self.b.describe(),
            "models": [
                {
                    "label": model.label,
                    "precision": {"a": model.precision_a, "b": model.precision_b},
                    "metrics": [change.to_json() for change in model.changes],
                }
                for model in self.models
            ],
            "only_in_a": self.only_a,
            "only_in_b": self.only_b,
            "notes": self.notes,
            "conditions": [outcome.to_json() for outcome in self.outcomes],
            "regressions": [outcome.line() for outcome in self.regressions],
        }


def compare_runs(a: Run, b: Run, conditions: Sequence[Condition] = (), models: Sequence[str] = ()) -> Comparison:
    """Compare every model present in both runs (or only ``models``), on the default metrics and
    on every metric a condition names, and evaluate the conditions."""
    a_models, b_models = a.models, b.models
    common = [label for label in a_models if label in b_models]
    for label in models:
        for run, present in ((a, a_models), (b, b_models)):
            if label not in present:
                raise UsageError(
                    f"--model {label}: not in {run.role} ({run.path}); "
                    f"models in both runs: {', '.join(common) or 'none'}"
                )
    selected = [label for label in common if label in models] if models else common
    resolved = [
        (condition, resolve_metric(condition.metric_text, (a, b), option=f"--fail-on {condition.text!r}"))
        for condition in conditions
    ]
    extra = [metric for _, metric in resolved]
    comparison = Comparison(
        a,
        b,
        [],
        [] if models else [label for label in a_models if label not in b_models],
        [] if models else [label for label in b_models if label not in a_models],
    )
    figures = run_figures(a, b)
    for label in selected:
        model_a, model_b = a_models[label], b_models[label]
        changes = {
            metric: change
            for metric in _unique([*_default_metrics(model_a, model_b, figures), *extra])
            if (change := _change(label, metric, model_a, model_b, figures)) is not None
        }
        comparison.models.append(
            ModelComparison(label, _precision(model_a), _precision(model_b), list(changes.values()))
        )
        for condition, metric in resolved:
            change = changes.get(metric)
            if change is not None:
                comparison.outcomes.append(Outcome(condition, change, condition.met(change)))
    for condition, metric in resolved:
        if not any(outcome.condition is condition for outcome in comparison.outcomes):
            where = ", ".join(selected) or "no model"
            raise UsageError(f"--fail-on {condition.text!r}: {where}: no {metric.name} in both runs to compare")
    comparison.notes = _notes(comparison, selected, [metric for _, metric in resolved])
    return comparison


def _default_metrics(a: dict[str, Any], b: dict[str, Any], figures: FigureCatalog) -> list[Metric]:
    """The headline figures (the run's own table) of each measurement both models have; every
    numeric key of a measurement that declares none. ``--fail-on`` metrics are added to these."""
    metrics: list[Metric] = []
    measurements_b = b.get("measurements", {})
    for name, result in a.get("measurements", {}).items():
        if name not in measurements_b or not isinstance(result, dict):
            continue
        headline = figures.headline([name])
        if headline:
            metrics.extend(Metric(name, tuple(f.figure.key.split("."))) for f in headline)
        else:
            metrics.extend(Metric(name, (key,)) for key, value in result.items() if is_number(value))
    return metrics


def _change(label: str, metric: Metric, a: dict[str, Any], b: dict[str, Any], figures: FigureCatalog) -> Change | None:
    value_a, value_b = metric.value(a), metric.value(b)
    if value_a is None or value_b is None:
        return None
    result_a = a["measurements"][metric.measurement]
    result_b = b["measurements"][metric.measurement]
    spreads = [r["relative_spread"] for r in (result_a, result_b) if is_number(r.get("relative_spread"))]
    return Change(
        model=label,
        metric=metric,
        a=value_a,
        b=value_b,
        better=better_direction(metric, result_a, result_b, figures),
        noise=max(spreads) if spreads else None,
    )


def _notes(comparison: Comparison, selected: Sequence[str], condition_metrics: Sequence[Metric]) -> list[str]:
    """What a reader must know before trusting the numbers: different executions, noisy
    timings, models and measurements one run lacks."""
    a, b = comparison.a, comparison.b
    notes = []
    if a.report.get("device") != b.report.get("device"):
        notes.append(f"The runs used different devices: {a.report.get('device')} in A, {b.report.get('device')} in B.")
    for label in selected:
        class_a, class_b = (run.models[label].get("hardware_class") for run in (a, b))
        if class_a != class_b:
            notes.append(
                f"{label}: measured on different hardware (class {class_a} in A, {class_b} in B); "
                "its timings compare machines, not builds."
            )
    for model in comparison.models:
        if model.precision_a != model.precision_b:
            notes.append(
                f"{model.label}: ran in {model.precision_a} in A and in {model.precision_b} in B; the figures compare "
                "different executions, not only different builds."
            )
    for label in selected:
        for run in (a, b):
            measurements = run.models[label].get("measurements", {})
            for name, result in measurements.items():
                if isinstance(result, dict) and result.get("noisy"):
                    notes.append(
                        f"{label}: {name} in {run.role[-1]} is noisy (trials disagree by "
                        f"{result.get('relative_spread', 0.0):.0%}); treat smaller changes as noise."
                    )
        only = [
            (run.role[-1], name)
            for run, other in ((a, b), (b, a))
            for name in run.models[label].get("measurements", {})
            if name not in other.models[label].get("measurements", {})
        ]
        notes.extend(f"{label}: {name} was measured only in {role}." for role, name in only)
        for metric in condition_metrics:
            if not any(change.metric == metric for m in comparison.models if m.label == label for change in m.changes):
                notes.append(f"{label}: no {metric.name} in both runs; its --fail-on conditions were not evaluated.")
    if comparison.only_a:
        notes.append(f"Only in A: {', '.join(comparison.only_a)}.")
    if comparison.only_b:
        notes.append(f"Only in B: {', '.join(comparison.only_b)}.")
    return notes


def _precision(model: dict[str, Any]) -> str:
    return str(model.get("runtime", {}).get("precision", {}).get("dominant", "?"))


def _unique(metrics: Iterable[Metric]) -> list[Metric]:
    return list(dict.fromkeys(metrics))
