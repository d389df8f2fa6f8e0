"""The figures of a run: the numbers measurements declare, found and judged one way everywhere.

Each :class:`ovtune.types.Measurement` declares its figures (:class:`ovtune.types.Figure`): the
key in its result, a label, a unit, which way is better, whether the table shows it. A run's
report carries the declarations of the measurements it ran (``report["figures"]``), so that a
report read later, by ``compare`` on another machine or with other plugins installed, still
knows its own figures. The table, the Markdown and HTML reports, ``compare --fail-on``,
``[tune] objective`` and ``[tune.constraints]`` all look figures up here: a plugin's measurement
that declares a headline figure is a table column, a CI gate and a tuning objective without a
line of core code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ovtune.types import Figure, Measurement

if TYPE_CHECKING:
    from ovtune.registry import Registry

Direction = Literal["lower", "higher"]
SHORTHAND_SUFFIXES = ("", "_ms", "_mb")
"""``latency.median`` means ``latency.median_ms``: tried in this order on the last key."""


@dataclass(frozen=True)
class DeclaredFigure:
    """A figure and the measurement that declares it."""

    measurement: str
    figure: Figure

    @property
    def id(self) -> str:
        """``MEASUREMENT.KEY``: how reports, ``compare`` and recipes name the figure."""
        return f"{self.measurement}.{self.figure.key}"

    @property
    def label(self) -> str:
        return self.figure.label

    def result_value(self, result: Mapping[str, Any] | None) -> float | None:
        """The figure in one measurement's result (None when absent or not a number)."""
        value: Any = result
        for part in self.figure.key.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    def value(self, model: Mapping[str, Any]) -> float | None:
        """The figure for one model of a report (``models[i]``)."""
        return self.result_value(model.get("measurements", {}).get(self.measurement))

    def direction(self, *results: Mapping[str, Any] | None) -> Direction | None:
        """Which way is better; ``results`` (the measurement's results) answer ``better_from``."""
        if self.figure.better is not None:
            return self.figure.better
        if self.figure.better_from is None:
            return None
        for result in results:
            if isinstance(result, Mapping) and isinstance(result.get(self.figure.better_from), bool):
                return "higher" if result[self.figure.better_from] else "lower"
        return None

    def text(self, value: float | None) -> str:
        """The value as the table shows it."""
        return "-" if value is None else format(value, self.figure.format)

    def to_json(self) -> dict[str, Any]:
        return self.figure.to_json(self.measurement)


class FigureCatalog:
    """Declared figures by id, in declaration order."""

    def __init__(self, figures: Iterable[DeclaredFigure]):
        self._figures: dict[str, DeclaredFigure] = {}
        for figure in figures:
            self._figures.setdefault(figure.id, figure)

    @classmethod
    def from_measurements(cls, measurements: Iterable[Measurement]) -> FigureCatalog:
        return cls(DeclaredFigure(m.name, figure) for m in measurements for figure in m.figures)

    @classmethod
    def from_registry(cls, registry: Registry) -> FigureCatalog:
        """Every figure of every installed measurement."""
        return cls.from_measurements(provided.item for provided in registry.all(Measurement))

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> FigureCatalog:
        """The figures a report declares; for reports written before figures were declared,
        the built-in measurements' declarations."""
        declared = report.get("figures")
        if isinstance(declared, list) and declared:
            return cls(_from_json(entry) for entry in declared if isinstance(entry, Mapping))
        return builtin_catalog()

    def __iter__(self) -> Iterator[DeclaredFigure]:
        return iter(self._figures.values())

    def __len__(self) -> int:
        return len(self._figures)

    def get(self, figure_id: str) -> DeclaredFigure | None:
        return self._figures.get(figure_id)

    def of(self, measurement: str) -> list[DeclaredFigure]:
        return [f for f in self._figures.values() if f.measurement == measurement]

    def main(self, measurement: str) -> DeclaredFigure | None:
        """A measurement's main figure: the one marked ``main``, else its first headline figure
        (else its first figure)."""
        figures = self.of(measurement)
        marked = next((f for f in figures if f.figure.main), None)
        return marked or next((f for f in figures if f.figure.headline), figures[0] if figures else None)

    def headline(self, measurements: Sequence[str]) -> list[DeclaredFigure]:
        """The table's columns: headline figures of ``measurements``, in that order."""
        return [f for name in measurements for f in self.of(name) if f.figure.headline]

    def resolve(self, text: str) -> DeclaredFigure | None:
        """``latency`` (the main figure), ``latency.p90`` (shorthand) or ``latency.p90_ms``."""
        if text in self._figures:
            return self._figures[text]
        if "." not in text:
            return self.main(text)
        for suffix in SHORTHAND_SUFFIXES:
            found = self._figures.get(text + suffix)
            if found is not None:
                return found
        return None

    def ids(self) -> list[str]:
        return list(self._figures)

    def to_json(self, measurements: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The declarations a report carries (of ``measurements`` only, when given)."""
        wanted = set(measurements) if measurements is not None else None
        return [f.to_json() for f in self._figures.values() if wanted is None or f.measurement in wanted]


def _from_json(entry: Mapping[str, Any]) -> DeclaredFigure:
    fields = {name: entry[name] for name in Figure.__dataclass_fields__ if name in entry}
    return DeclaredFigure(str(entry["measurement"]), Figure(**fields))


def builtin_catalog() -> FigureCatalog:
    """The figures of the built-in measurements (no plugin host needed)."""
    from ovtune.builtin.measurements import ovtune_register_measurements

    return FigureCatalog.from_measurements(ovtune_register_measurements())
