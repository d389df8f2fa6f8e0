"""``ovtune compare RUN_A RUN_B``: what changed between two runs, and a CI gate on regressions.

Two runs are compared model by model (by label: ``original``, ``01-mo``, ...) and metric by
metric (``latency.median_ms``, ``accuracy.value``, ...): value in A, value in B, ratio B/A,
relative and absolute change, and whether the change is better or worse given the metric's
direction. Two things make such numbers misleading, so both are said next to them:

- a model that ran in another precision (bf16 instead of f32: OpenVINO's default on CPUs with
  AMX) is a different execution, not a faster or slower build of the same one;
- a timing change smaller than the disagreement between the runs' own trials
  (``relative_spread``) is noise, not a result.

``--fail-on EXPR`` turns the comparison into a gate: ``METRIC OP CHANGE`` (``latency.median>+5%``,
``accuracy.value<-0.01``). A met condition prints one ``regression: ...`` line and makes the
command exit 1; a mistake in the arguments is an :class:`~ovtune.errors.UsageError` (one
``error:`` line, exit 2), so CI can tell "the model got worse" from "the check is broken".

Only the two ``report.json`` files are read: nothing here imports OpenVINO, and rich is
imported when the table is printed.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ovtune.errors import UsageError
from ovtune.figures import SHORTHAND_SUFFIXES, Direction, FigureCatalog
from ovtune.report.json_report import REPORT_FILE

if TYPE_CHECKING:
    from rich.console import Console

REGRESSION_EXIT = 1
"""Exit status when a ``--fail-on`` condition is met (user errors exit 2)."""


_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(
    r"^\s*(?P<metric>[A-Za-z_][\w.]*?)\s*(?P<op>>=|<=|>|<)\s*"
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<percent>%?)\s*$"
)
_EXAMPLE = "e.g. 'latency.median>+5%' or 'accuracy.value<-0.01'"


# --------------------------------------------------------------------------------------
# Reading runs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One side of the comparison: a report and the file it came from."""

    role: str
    """``RUN_A`` or ``RUN_B``: the argument name that error messages refer to."""
    path: Path
    report: dict[str, Any]

    @property
    def models(self) -> dict[str, dict[str, Any]]:
        return {model["label"]: model for model in self.report["models"]}

    def describe(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "name": self.report.get("name"),
            "started": self.report.get("started"),
            "device": self.report.get("device"),
            "precision_hint": self.report.get("config", {}).get("INFERENCE_PRECISION_HINT"),
            "ovtune_version": self.report.get("ovtune_version"),
        }


def load_run(argument: Path | str, role: str) -> Run:
    """Read a run folder (its ``report.json``) or a ``report.json`` path; a missing or foreign
    file is a usage error naming the argument, so a CI job with a wrong path fails with exit 2
    instead of comparing nothing and passing."""
    from ovtune.report.model import REPORT_SCHEMA_VERSION

    given = Path(argument)
    path = given / REPORT_FILE if given.is_dir() else given
    if given.is_dir() and not path.is_file():
        raise UsageError(f"{role}: {given} has no {REPORT_FILE}; give a run folder written by 'ovtune run'")
    if not path.is_file():
        raise UsageError(f"{role}: {given} does not exist; give a run folder or its {REPORT_FILE}")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{role}: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{role}: {path} is not JSON: {exc}") from None
    models = report.get("models") if isinstance(report, dict) else None
    if not isinstance(models, list) or not all(
        isinstance(model, dict) and isinstance(model.get("label"), str) for model in models
    ):
        raise UsageError(f"{role}: {path} is not an ovtune report (no 'models' list with labels)")
    version = report.get("schema_version")
    if isinstance(version, int) and version > REPORT_SCHEMA_VERSION:
        raise UsageError(
            f"{role}: {path} has report schema {version}; this ovtune reads schema {REPORT_SCHEMA_VERSION}: upgrade it"
        )
    return Run(role, path, report)


# --------------------------------------------------------------------------------------
# Metrics and conditions
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """A number inside a measurement's result: ``measurement`` plus a key path (usually one key;
    nested results such as ``first_inference.no_cache.total_ms`` have more)."""

    measurement: str
    keys: tuple[str, ...]

    @property
    def name(self) -> str:
        return ".".join((self.measurement, *self.keys))

    def value(self, model: dict[str, Any]) -> float | None:
        """The metric's value for one model of a report, or None when it has none (or NaN)."""
        found: Any = model.get("measurements", {}).get(self.measurement)
        for key in self.keys:
            found = found.get(key) if isinstance(found, dict) else None
        if not _is_number(found) or math.isnan(found):
            return None
        return float(found)


@dataclass(frozen=True)
class Condition:
    """One ``--fail-on`` expression: the metric as written, an operator, and a threshold that is
    relative (``%``: change in percent of A's value) or absolute (B - A)."""

    text: str
    metric_text: str
    op: str
    threshold: float
    relative: bool

    @property
    def threshold_text(self) -> str:
        return f"{self.threshold:+g}{'%' if self.relative else ''}"

    def met(self, change: Change) -> bool:
        """Whether ``change`` satisfies the condition (a regression, for a gate)."""
        observed = change.percent if self.relative else change.delta
        if math.isclose(observed, self.threshold, rel_tol=1e-9, abs_tol=1e-12):
            return self.op in (">=", "<=")  # 120 ms against 100 ms is +20%, whatever the rounding
        return _OPERATORS[self.op](observed, self.threshold)


def parse_condition(text: str) -> Condition:
    """Parse ``METRIC OP CHANGE``; the metric's names are checked later, against the runs."""
    match = _CONDITION.match(text)
    if match is None or "." not in match["metric"] or not all(match["metric"].split(".")):
        raise UsageError(f"--fail-on {text!r}: expected MEASUREMENT.KEY OP CHANGE ({_EXAMPLE})")
    return Condition(
        text=text,
        metric_text=match["metric"],
        op=match["op"],
        threshold=float(match["number"]),
        relative=bool(match["percent"]),
    )


def resolve_metric(text: str, runs: Sequence[Run], *, option: str) -> Metric:
    """Turn ``latency.median`` into ``Metric("latency", ("median_ms",))``, checked against what
    the runs measured: a misspelt metric must be an error, not a condition that never fires."""
    measured = _measured(runs)
    parts = text.split(".")
    for split in range(len(parts) - 1, 0, -1):
        measurement = ".".join(parts[:split])
        if measurement in measured:
            break
    else:
        names = ", ".join(measured) or "none"
        raise UsageError(f"{option}: neither run measured {parts[0]!r}; measured in these runs: {names}")
    *path, last = parts[split:]
    results = _results(runs, measurement)
    for suffix in SHORTHAND_SUFFIXES:
        metric = Metric(measurement, (*path, last + suffix))
        values = [_lookup(result, metric.keys) for result in results]
        if any(_is_number(value) for value in values):
            return metric
        if any(value is not None for value in values):
            raise UsageError(f"{option}: {metric.name} is not a number")
    keys = sorted({key for result in results for key, value in result.items() if _is_number(value)})
    raise UsageError(f"{option}: {measurement} has no key {'.'.join((*path, last))!r}; numeric keys: {', '.join(keys)}")


def better_direction(metric: Metric, a: dict[str, Any], b: dict[str, Any], figures: FigureCatalog) -> Direction | None:
    """Which way is better for a metric, as its measurement declares it (a metric's own
    ``higher_is_better`` decides for accuracy). ``a`` and ``b`` are the two models' results of
    the measurement. None where the figure is not declared or carries no direction."""
    figure = figures.get(metric.name)
    return figure.direction(a, b) if figure is not None else None


def run_figures(*runs: Run) -> FigureCatalog:
    """The figures the runs' reports declare (the first run's declaration wins)."""
    return FigureCatalog(figure for run in runs for figure in FigureCatalog.from_report(run.report))


# --------------------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------------------


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
            "ratio": _finite(self.ratio),
            "change_percent": _finite(self.percent),
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
        observed = _percent(change.percent) if self.condition.relative else _signed(change.delta)
        noise = f"; within the runs' noise of ±{change.noise:.0%}" if change.within_noise else ""
        return (
            f"regression: {change.model} {change.metric.name} {observed} {self.condition.op} "
            f"{self.condition.threshold_text} (A {_number(change.a)}, B {_number(change.b)}{noise})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "condition": self.condition.text,
            "model": self.change.model,
            "metric": self.change.metric.name,
            "observed": _finite(self.change.percent) if self.condition.relative else self.change.delta,
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
            metrics.extend(Metric(name, (key,)) for key, value in result.items() if _is_number(value))
    return metrics


def _change(label: str, metric: Metric, a: dict[str, Any], b: dict[str, Any], figures: FigureCatalog) -> Change | None:
    value_a, value_b = metric.value(a), metric.value(b)
    if value_a is None or value_b is None:
        return None
    result_a = a["measurements"][metric.measurement]
    result_b = b["measurements"][metric.measurement]
    spreads = [r["relative_spread"] for r in (result_a, result_b) if _is_number(r.get("relative_spread"))]
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


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------

_VERDICT_STYLE = {"better": "green", "worse": "red", "within noise": "yellow", "same": "dim", "changed": ""}


def render(comparison: Comparison, console: Console) -> None:
    """The comparison table, one row per model and metric, then the notes."""
    from rich.markup import escape
    from rich.table import Table

    a, b = comparison.a, comparison.b
    for run in (a, b):
        info = run.describe()
        hint = info["precision_hint"] or "device default"
        console.print(
            f"{run.role[-1]}: {escape(str(run.path))} ({escape(str(info['name']))}, started {info['started']}, "
            f"{info['device']}, precision hint {hint})",
            style="dim",
        )
    table = Table(title=f"ovtune compare: A {a.report.get('name', '')} vs B {b.report.get('name', '')}")
    table.add_column("model", style="bold")
    table.add_column("precision\nA -> B")
    table.add_column("metric")
    table.add_column("better")
    for header in ("A", "B", "B/A", "change", "B - A"):
        table.add_column(header, justify="right")
    table.add_column("verdict")
    for model in comparison.models:
        precision = model.precision_a
        if model.precision_b != model.precision_a:
            precision = f"[yellow]{escape(model.precision_a)} -> {escape(model.precision_b)}[/]"
        if not model.changes:
            table.add_row(escape(model.label), precision, "[dim]no metric in both runs[/]", end_section=True)
        for position, change in enumerate(model.changes):
            verdict = change.verdict
            text = f"[{_VERDICT_STYLE[verdict]}]{verdict}[/]" if _VERDICT_STYLE[verdict] else verdict
            if change.within_noise:
                text += f" (±{change.noise:.0%})"
            if comparison.violated(change):
                text += " [bold red]FAIL[/]"
            table.add_row(
                escape(model.label) if position == 0 else "",
                precision if position == 0 else "",
                escape(change.metric.name),
                change.better or "-",
                _number(change.a),
                _number(change.b),
                "-" if change.ratio is None else f"{change.ratio:.3f}",
                _percent(change.percent),
                _signed(change.delta),
                text,
                end_section=position == len(model.changes) - 1,
            )
    console.print(table)
    for note in comparison.notes:
        console.print(f"- {escape(note)}", style="dim")


class RegressionsFound(click.ClickException):
    """Met ``--fail-on`` conditions: exit status 1 with one ``regression: ...`` line each.

    A :class:`click.ClickException` because that is how a click command ends with a status of
    its choosing both under ``ovtune``'s ``main`` and standalone; ``show`` prints the lines
    instead of click's ``Error:`` message, so a regression never reads like a usage error."""

    exit_code = REGRESSION_EXIT

    def __init__(self, lines: list[str]):
        super().__init__(f"{len(lines)} regression(s)")
        self.lines = lines

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(line, file=file, err=True)


@click.command("compare")
@click.argument("run_a", metavar="RUN_A", type=click.Path(path_type=Path))
@click.argument("run_b", metavar="RUN_B", type=click.Path(path_type=Path))
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    metavar="EXPR",
    help="Exit 1 when a change meets EXPR, e.g. 'latency.median>+5%' (relative) or 'accuracy.value<-0.01' "
    "(absolute, B - A). Repeatable.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="LABEL",
    help="Compare only this model (repeatable; default: every model present in both runs).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare_command(run_a: Path, run_b: Path, fail_on: tuple[str, ...], models: tuple[str, ...], as_json: bool) -> None:
    """Compare two runs; fail on a regression.

    RUN_A and RUN_B are run folders of 'ovtune run' (or their report.json). Every model present
    in both is compared metric by metric; with --fail-on, a met condition prints a
    'regression:' line and the exit status is 1."""
    conditions = [parse_condition(text) for text in fail_on]
    comparison = compare_runs(load_run(run_a, "RUN_A"), load_run(run_b, "RUN_B"), conditions, models)
    if as_json:
        click.echo(json.dumps(comparison.to_json(), indent=2))
    else:
        from ovtune.report.console import make_console

        render(comparison, make_console())
    if comparison.regressions:
        raise RegressionsFound([outcome.line() for outcome in comparison.regressions])
    if conditions:
        click.echo(
            f"ok: no regression ({len(conditions)} condition{'s' if len(conditions) != 1 else ''} on "
            f"{len({outcome.change.model for outcome in comparison.outcomes})} model(s))",
            err=True,
        )


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lookup(result: dict[str, Any], keys: Iterable[str]) -> Any:
    found: Any = result
    for key in keys:
        found = found.get(key) if isinstance(found, dict) else None
    return found


def _measured(runs: Sequence[Run]) -> list[str]:
    names: dict[str, None] = {}
    for run in runs:
        for model in run.report["models"]:
            names.update(dict.fromkeys(model.get("measurements", {})))
    return list(names)


def _results(runs: Sequence[Run], measurement: str) -> list[dict[str, Any]]:
    return [
        result
        for run in runs
        for model in run.report["models"]
        if isinstance(result := model.get("measurements", {}).get(measurement), dict)
    ]


def _precision(model: dict[str, Any]) -> str:
    return str(model.get("runtime", {}).get("precision", {}).get("dominant", "?"))


def _unique(metrics: Iterable[Metric]) -> list[Metric]:
    return list(dict.fromkeys(metrics))


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: a change from 0 has no ratio or percentage."""
    return value if value is not None and math.isfinite(value) else None


def _number(value: float) -> str:
    if value.is_integer() and abs(value) >= 1000:
        return f"{value:.0f}"
    magnitude = abs(value)
    return f"{value:.1f}" if magnitude >= 1000 else f"{value:.3f}" if magnitude >= 1 else f"{value:.4f}"


def _signed(value: float) -> str:
    text = _number(value)
    return text if text.startswith("-") else f"+{text}"


def _percent(value: float) -> str:
    """``+12.3%``; a change too small for one decimal keeps two significant digits, so that a
    real change never reads as ``+0.0%``."""
    if not math.isfinite(value):
        return f"{'+' if value > 0 else '-'}inf%"
    return f"{value:+.2g}%" if 0 < abs(value) < 0.05 else f"{value:+.1f}%"
