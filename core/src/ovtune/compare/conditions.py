"""The ``--fail-on`` language: ``METRIC OP CHANGE`` parsed into a :class:`Condition`, and the
metric it names resolved against what the two runs measured into a :class:`Metric`, so that a
misspelt or non-numeric metric is a usage error instead of a gate that never fires.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ovtune.compare._numbers import is_number
from ovtune.compare.runs import Run
from ovtune.errors import UsageError
from ovtune.figures import SHORTHAND_SUFFIXES


class Observed(Protocol):
    """A change as conditions judge it (:class:`ovtune.compare.comparison.Change` is one)."""

    @property
    def percent(self) -> float: ...

    @property
    def delta(self) -> float: ...


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
        found = _lookup(model.get("measurements", {}).get(self.measurement), self.keys)
        if not is_number(found) or math.isnan(found):
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

    def met(self, change: Observed) -> bool:
        """Whether ``change`` satisfies the condition (a regression, for a gate)."""
        return self.met_by(change.percent if self.relative else change.delta)

    def met_by(self, observed: float) -> bool:
        """Whether a change of ``observed`` (percent if relative, else B - A) meets it."""
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
        if any(is_number(value) for value in values):
            return metric
        if any(value is not None for value in values):
            raise UsageError(f"{option}: {metric.name} is not a number")
    keys = sorted({key for result in results for key, value in result.items() if is_number(value)})
    raise UsageError(f"{option}: {measurement} has no key {'.'.join((*path, last))!r}; numeric keys: {', '.join(keys)}")


def _lookup(result: Any, keys: Iterable[str]) -> Any:
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
