""":func:`check_measurement` and :func:`check_baseline`: ``[measure.NAME]`` options, and results
that run in a recipe and serialize to JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ovtune.conformance.options import check_options
from ovtune.conformance.report import ConformanceReport, require
from ovtune.conformance.workspace import workspace
from ovtune.manager import PluginHost
from ovtune.types import Baseline, Measurement


def _check_measure_table(
    cls: type[Measurement | Baseline],
    name: str,
    options: Mapping[str, Any] | None,
    *,
    source: str | Path | None,
    host: PluginHost | None,
    measure: Mapping[str, Any],
    runs: str,
    check: Callable[[str, list[dict[str, Any]]], None],
) -> ConformanceReport:
    """The contracts of a registration configured by a ``[measure.NAME]`` table (measurements and
    baselines): its options, and a recipe with ``measure`` in its ``[measure]`` table that runs
    (contract ``runs``) and whose report's models pass ``check(name, models)``."""
    with workspace(host) as space:
        report = ConformanceReport(f"{cls.kind} {name!r}")
        provided = space.registry.get(cls, name)
        raw = space.raw_recipe(source=source)
        raw["measure"].update({**measure, name: dict(options or {})})
        check_options(
            report,
            space,
            provided=provided,
            raw=raw,
            section=lambda r: r["measure"][name],
            key=f"measure.{name}",
            built_options=lambda r: r.options_for(provided.item),
        )
        with report.contract(runs):
            check(name, space.run(raw)["models"])
        return report.raise_for_failures()


def check_measurement(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check measurement ``name`` (with ``[measure.NAME]`` ``options``) on ``source``."""
    runs = "the measurement runs in a recipe and returns JSON-serializable results"
    measure = {"metrics": [name]}
    return _check_measure_table(
        Measurement, name, options, source=source, host=host, measure=measure, runs=runs, check=_measurement_results
    )


def _measurement_results(name: str, models: list[dict[str, Any]]) -> None:
    results = [m["measurements"].get(name) for m in models if m.get("kind") != "baseline"]
    require(all(isinstance(r, dict) for r in results), f"results {results}")
    json.dumps(results, allow_nan=False)


def check_baseline(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check baseline ``name`` on ``source`` (default: the demo CNN as ONNX)."""
    measure = {"metrics": ["latency", "accuracy"], "baseline": name}
    runs = "the baseline runs beside OpenVINO with the same measurements"
    return _check_measure_table(
        Baseline, name, options, source=source, host=host, measure=measure, runs=runs, check=_baseline_row
    )


def _baseline_row(name: str, models: list[dict[str, Any]]) -> None:
    baseline = [m for m in models if m.get("kind") == "baseline"]
    require(len(baseline) == 1, "no baseline row in the report")
    row = baseline[0]
    precision = row.get("precision") or row.get("runtime", {}).get("precision")
    require(row.get("framework") and precision, f"framework or precision missing: {sorted(row)}")
    measured = row.get("measurements", {})
    require({"latency", "accuracy"} <= set(measured), f"measured {sorted(measured)}")
    require(float(measured["accuracy"]["value"]) >= 0.95, f"accuracy {measured['accuracy']}")
    json.dumps(row, allow_nan=False)
