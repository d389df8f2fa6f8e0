""":func:`check_measurement` and :func:`check_baseline`: ``[measure.NAME]`` options, and results
that run in a recipe and serialize to JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ovtune.conformance.options import check_options
from ovtune.conformance.report import ConformanceReport, require
from ovtune.conformance.workspace import Workspace, workspace
from ovtune.manager import PluginHost
from ovtune.registry import Provided
from ovtune.types import Baseline, Measurement


def _check_measure_table_options(
    report: ConformanceReport, space: Workspace, provided: Provided[Any], raw: dict[str, Any], name: str
) -> None:
    """The options contracts for a ``[measure.NAME]`` table (measurements and baselines)."""
    check_options(
        report,
        space,
        provided=provided,
        raw=raw,
        section=lambda r: r["measure"][name],
        key=f"measure.{name}",
        built_options=lambda r: r.options_for(provided.item),
    )


def check_measurement(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check measurement ``name`` (with ``[measure.NAME]`` ``options``) on ``source``."""
    with workspace(host) as space:
        report = ConformanceReport(f"measurement {name!r}")
        provided = space.registry.get(Measurement, name)
        raw = space.raw_recipe(source=source)
        raw["measure"]["metrics"] = [name]
        raw["measure"][name] = dict(options or {})
        _check_measure_table_options(report, space, provided, raw, name)
        with report.contract("the measurement runs in a recipe and returns JSON-serializable results"):
            models = space.run(raw)["models"]
            results = [m["measurements"].get(name) for m in models if m.get("kind") != "baseline"]
            require(all(isinstance(r, dict) for r in results), f"results {results}")
            json.dumps(results, allow_nan=False)
        return report.raise_for_failures()


def check_baseline(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check baseline ``name`` on ``source`` (default: the demo CNN as ONNX)."""
    with workspace(host) as space:
        report = ConformanceReport(f"baseline {name!r}")
        provided = space.registry.get(Baseline, name)
        raw = space.raw_recipe(source=source)
        raw["measure"].update({"metrics": ["latency", "accuracy"], "baseline": name, name: dict(options or {})})
        _check_measure_table_options(report, space, provided, raw, name)
        with report.contract("the baseline runs beside OpenVINO with the same measurements"):
            models = space.run(raw)["models"]
            baseline = [m for m in models if m.get("kind") == "baseline"]
            require(len(baseline) == 1, "no baseline row in the report")
            row = baseline[0]
            precision = row.get("precision") or row.get("runtime", {}).get("precision")
            require(row.get("framework") and precision, f"framework or precision missing: {sorted(row)}")
            measured = row.get("measurements", {})
            require({"latency", "accuracy"} <= set(measured), f"measured {sorted(measured)}")
            require(float(measured["accuracy"]["value"]) >= 0.95, f"accuracy {measured['accuracy']}")
            json.dumps(row, allow_nan=False)
        return report.raise_for_failures()
