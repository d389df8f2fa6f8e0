"""What a tune optimizes and what it must respect, in terms of declared figures.

``[tune] objective`` names a figure (``"latency"``: the latency measurement's main figure,
``"latency.p90"``, ``"energy.joules"`` of a plugin measurement); ``[tune.constraints]`` bounds
figures (``max_latency_ms``, ``max_size_mb``, or any figure through ``max``/``min`` tables).
Both are resolved once against the installed measurements' declarations
(:mod:`ovtune.figures`), so a plugin's measurement is an objective and a bound as soon as it
declares the figure, and a misspelt one is an error at its recipe key before anything runs.
A trial's values are keyed by figure id, plus ``drop``: the accuracy drop against the
original model in f32, which the tuner measures itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ovtune.errors import RecipeError
from ovtune.figures import DeclaredFigure, FigureCatalog
from ovtune.recipe_sections.tune import TuneConstraints

DROP = "drop"
"""The trial value of the accuracy drop against the f32 original (not a measurement's figure)."""
DETERMINISTIC = ("size",)
"""Measurements that give the same figure every time: finalists are not measured again for them."""
TABLE_MEASUREMENTS = ("size", "latency", "throughput")
"""Measured in every trial: the trials table and the Pareto front show them."""


@dataclass(frozen=True)
class Goal:
    """The figure a tune optimizes and which way."""

    figure: DeclaredFigure
    higher: bool

    @property
    def key(self) -> str:
        return self.figure.id

    @property
    def measurement(self) -> str:
        return self.figure.measurement

    @property
    def unit(self) -> str:
        return self.figure.figure.unit

    @property
    def name(self) -> str:
        """How reports name it: the figure's label (``latency ms median``)."""
        return self.figure.label

    def value(self, trial: Mapping[str, Any]) -> float | None:
        value = (trial.get("values") or {}).get(self.key)
        return float(value) if value is not None else None


@dataclass(frozen=True)
class Bound:
    """One constraint: a trial value must stay at most (or at least) ``limit``."""

    name: str
    """The key the user wrote (``max_latency_ms``, ``max."energy.joules"``)."""
    key: str
    limit: float
    upper: bool = True
    label: str = ""

    def excess(self, value: float | None) -> float:
        """How far ``value`` is past the bound (0 when it holds; infinite when not measured)."""
        if value is None:
            return math.inf
        past = float(value) - self.limit if self.upper else self.limit - float(value)
        return max(past, 0.0)

    def describe(self, value: float) -> str:
        return f"{self.label or self.key} {value:.4g} {'<=' if self.upper else '>='} {self.limit:g}"


def resolve_goal(objective: str, figures: FigureCatalog, *, file: Any = None) -> Goal:
    """The goal named by ``[tune] objective``; a figure that is unknown or has no direction is
    a :class:`RecipeError` at ``tune.objective`` listing what could be optimized."""
    figure = figures.resolve(objective)
    direction = figure.direction() if figure is not None else None
    if figure is None or direction is None:
        known = ", ".join(_objectives(figures))
        reason = "is not a figure of an installed measurement" if figure is None else "has no direction"
        raise RecipeError(f"{objective!r} {reason}; choose among: {known}", file=file, key="tune.objective")
    return Goal(figure, higher=direction == "higher")


def resolve_bounds(constraints: TuneConstraints, figures: FigureCatalog, *, file: Any = None) -> list[Bound]:
    """Every bound of ``[tune.constraints]``, the named ones and the ``max``/``min`` tables."""
    bounds = []
    if constraints.max_drop is not None:
        bounds.append(Bound("max_drop", DROP, constraints.max_drop, label="accuracy drop"))
    named = [
        ("max_latency_ms", "latency.median_ms", constraints.max_latency_ms),
        ("max_size_mb", "size.mb", constraints.max_size_mb),
    ]
    for name, figure_id, limit in named:
        if limit is not None:
            figure = figures.get(figure_id)
            bounds.append(Bound(name, figure_id, limit, label=figure.label if figure else figure_id))
    for table, upper in (("max", True), ("min", False)):
        for text, limit in getattr(constraints, table).items():
            figure = figures.resolve(text)
            if figure is None:
                known = ", ".join(_objectives(figures))
                raise RecipeError(
                    f"{text!r} is not a figure of an installed measurement; choose among: {known}",
                    file=file,
                    key=f'tune.constraints.{table}."{text}"',
                )
            bounds.append(Bound(f'{table}."{text}"', figure.id, limit, upper=upper, label=figure.label))
    return bounds


PARETO_AXES = (DROP, "latency.median_ms", "throughput.fps", "size.mb")
"""The axes of the Pareto front (with the goal's figure when it is another one)."""
HIGHER_AXES = {"throughput.fps"}


def shown_keys(goal: Goal) -> list[str]:
    """The trial values the tables show: the Pareto axes, and the goal when it is another figure."""
    return [*PARETO_AXES, *([goal.key] if goal.key not in PARETO_AXES else [])]


def measurements_for(goal: Goal, bounds: Sequence[Bound]) -> list[str]:
    """What each trial measures: the table's figures, the goal's and every bound's measurement."""
    names = list(TABLE_MEASUREMENTS)
    for key in [goal.key, *(bound.key for bound in bounds)]:
        measurement = key.split(".", 1)[0]
        if key != DROP and measurement not in names:
            names.append(measurement)
    return names


def trial_values(
    measurements: Mapping[str, Any], figures: FigureCatalog, reference: Mapping[str, Any] | None
) -> dict[str, float | None]:
    """A trial's figures by id (every declared figure of what it measured), and the drop."""
    values: dict[str, float | None] = {}
    for name, result in measurements.items():
        for figure in figures.of(name):
            value = figure.result_value(result)
            values[figure.id] = value if value is None or math.isfinite(value) else None
    accuracy = measurements.get("accuracy")
    values[DROP] = None
    if accuracy and reference:
        delta = float(reference["value"]) - float(accuracy["value"])
        values[DROP] = delta if reference.get("higher_is_better", True) else -delta
    return values


def _objectives(figures: FigureCatalog) -> list[str]:
    """The objectives to suggest: each measurement's main figure, by measurement name."""
    names = dict.fromkeys(f.measurement for f in figures)
    return [name for name in names if (main := figures.main(name)) is not None and main.direction() is not None]
