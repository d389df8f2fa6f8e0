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
from ovtune.compare.interval import RatioInterval, TrialEvidence, evidence, run_trial_values, trial_values
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
    trials: TrialEvidence | None = None
    """For a timing with per-trial figures in both runs (``latency.median_ms``,
    ``throughput.fps``): their counts and the 95 % interval of B/A, or why there is none."""

    @property
    def interval(self) -> RatioInterval | None:
        return self.trials.interval if self.trials is not None else None

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
        """A change the trials cannot tell from chance: its interval contains "no change" (1)
        or, without an interval, it is no larger than the runs' own trial-to-trial spread."""
        if self.a == self.b:
            return False
        if self.interval is not None:
            return bool(self.interval.contains(1.0))
        return bool(self.noise) and abs(self.percent) <= 100.0 * (self.noise or 0.0)

    @property
    def verdict(self) -> str:
        if self.a == self.b:
            return "same"
        if self.within_noise:
            return "within noise"
        if self.better is None:
            return "changed"
        higher = self.interval.low > 1.0 if self.interval is not None else self.b > self.a
        improved = higher if self.better == "higher" else not higher
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
            "trials": self.trials.to_json() if self.trials is not None else None,
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class ModelComparison:
    label: str
    precision_a: str
    precision_b: str
    changes: list[Change]


Judgement = str
"""How a condition came out for one model:

- ``"regression"``: met: by the whole 95 % interval of the change when the runs have per-trial
  figures, else by the point figures;
- ``"ok"``: not met (the whole interval is on the allowed side of the threshold, or the point
  figures do not meet it);
- ``"unclear"``: the interval straddles the threshold: not proven, so not a regression;
- ``"undecided"``: a timing with per-trial figures but too few trials for an interval; the
  point figures decide the exit status, and a line says the judgement is weak.
"""


@dataclass(frozen=True)
class Outcome:
    """A condition evaluated for one model."""

    condition: Condition
    change: Change
    judgement: Judgement
    point_met: bool
    """Whether the point figures alone meet the condition (the old, noise-prone gate)."""

    @property
    def violated(self) -> bool:
        return self.judgement == "regression" or (self.judgement == "undecided" and self.point_met)

    def _observed(self) -> str:
        change = self.change
        return format_percent(change.percent) if self.condition.relative else format_signed(change.delta)

    def _evidence(self) -> str:
        change = self.change
        interval = change.interval
        trials = change.trials
        if interval is not None and trials is not None:
            runs = ""
            if trials.runs_a > 1 or trials.runs_b > 1:
                runs = f" of {trials.runs_a} and {trials.runs_b} runs"
            return (
                f"; {interval.confidence:.0%} interval {self._bounds_text(interval)} from "
                f"{trials.trials_a} and {trials.trials_b} trials{runs}"
            )
        noise = f"; within the runs' noise of ±{change.noise:.0%}" if change.within_noise else ""
        weak = f"; {trials.reason}: judged on the point figures" if trials is not None else ""
        return f"{noise}{weak}"

    def _bounds_text(self, interval: RatioInterval) -> str:
        if self.condition.relative:
            return interval.percent_text()
        a = self.change.a
        return f"{format_signed(a * (interval.low - 1))}..{format_signed(a * (interval.high - 1))}"

    def line(self) -> str:
        """``regression: 01-pot.default latency.median_ms +52.3% > +10% (A 0.253, B 0.385; 95%
        interval +41.0%..+63.2% from 10 and 10 trials)``; for other outcomes the same with
        ``unclear:`` or ``undecided:``."""
        change = self.change
        prefix = "regression" if self.violated else self.judgement
        return (
            f"{prefix}: {change.model} {change.metric.name} {self._observed()} {self.condition.op} "
            f"{self.condition.threshold_text} (A {format_number(change.a)}, B {format_number(change.b)}"
            f"{self._evidence()})"
        )

    def to_json(self) -> dict[str, Any]:
        interval = self.change.interval
        bounds = None
        if interval is not None:
            scale = 100.0 if self.condition.relative else self.change.a
            bounds = [(interval.low - 1) * scale, (interval.high - 1) * scale]
        return {
            "condition": self.condition.text,
            "model": self.change.model,
            "metric": self.change.metric.name,
            "observed": finite(self.change.percent) if self.condition.relative else self.change.delta,
            "observed_interval": bounds,
            "threshold": self.condition.threshold,
            "relative": self.condition.relative,
            "judgement": self.judgement,
            "violated": self.violated,
            "within_noise": self.change.within_noise,
            "trials": self.change.trials.to_json() if self.change.trials is not None else None,
        }


def judge(condition: Condition, change: Change) -> Outcome:
    """Evaluate a condition on a change: by its interval when it has one (a regression only
    when the whole interval is beyond both the threshold and "no change"), else by the point
    figures."""
    point = condition.met(change)
    interval = change.interval
    if interval is None:
        judgement = "undecided" if change.trials is not None else ("regression" if point else "ok")
        return Outcome(condition, change, judgement, point)
    scale = 100.0 if condition.relative else change.a
    low, high = (interval.low - 1.0) * scale, (interval.high - 1.0) * scale
    upward = condition.op in (">", ">=")
    worst, best = (low, high) if upward else (high, low)
    if condition.met_by(worst) and (worst > 0 if upward else worst < 0):
        judgement = "regression"
    elif not condition.met_by(best):
        judgement = "ok"
    else:
        judgement = "unclear"
    return Outcome(condition, change, judgement, point)


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

    @property
    def doubts(self) -> list[Outcome]:
        """Outcomes that pass but deserve a line: an interval across the threshold, or too few
        trials to judge (whether or not the point figures fail)."""
        return [o for o in self.outcomes if not o.violated and o.judgement in ("unclear", "undecided")]

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
            "doubts": [outcome.line() for outcome in self.doubts],
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
                comparison.outcomes.append(judge(condition, change))
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
    trials_a = trial_values(metric.measurement, metric.keys, result_a)
    trials_b = trial_values(metric.measurement, metric.keys, result_b)
    runs_a = run_trial_values(metric.measurement, metric.keys, result_a)
    runs_b = run_trial_values(metric.measurement, metric.keys, result_b)
    return Change(
        model=label,
        metric=metric,
        a=value_a,
        b=value_b,
        better=better_direction(metric, result_a, result_b, figures),
        noise=max(spreads) if spreads else None,
        trials=evidence(trials_a, trials_b, runs_a, runs_b) if trials_a and trials_b else None,
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
