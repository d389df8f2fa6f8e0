""":func:`check_metric`: results are finite and deterministic, and the metric runs in a recipe."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.conformance.options import check_options
from ovtune.conformance.report import ConformanceReport, require
from ovtune.conformance.workspace import Workspace, workspace
from ovtune.errors import OvtuneError
from ovtune.manager import PluginHost
from ovtune.options import Options
from ovtune.types import Metric, Sample, implementation

if TYPE_CHECKING:
    import numpy as np

    from ovtune.recipe import Recipe


def check_metric(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    data: Mapping[str, Any] | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check metric ``name`` on ``source`` and ``[data.validation]`` (default: the demo CNN on
    held-out digits with labels)."""
    with workspace(host) as space:
        report = ConformanceReport(f"metric {name!r}")
        provided = space.registry.get(Metric, name)
        raw = space.raw_recipe(
            source=source, data={"validation": data} if data else None, metric={"kind": name, **(options or {})}
        )
        raw["measure"]["metrics"] = ["accuracy"]
        check_options(
            report,
            space,
            provided=provided,
            raw=raw,
            section=lambda r: r["metric"],
            key="metric",
            built_options=_metric_options,
        )
        try:
            recipe = space.build(raw)
        except OvtuneError:
            return report.raise_for_failures()
        values: list[float] = []
        with report.contract("the result is a finite number, the same for the same outputs"):
            outputs, samples = _outputs_on(space, recipe)
            for _ in range(2):
                accumulator = implementation(provided.item, "create")(recipe.metric.options)  # type: ignore[union-attr]
                for out, sample in zip(outputs, samples, strict=True):
                    accumulator.update(out, sample, out if provided.item.needs_reference else None)
                values.append(float(accumulator.result()))
            require(all(math.isfinite(v) for v in values), f"results {values}")
            require(values[0] == values[1], f"two accumulators over the same outputs gave {values}")
        with report.contract("the metric runs in a recipe"):
            result = space.run(raw)["models"][0]["measurements"]["accuracy"]
            require(math.isfinite(float(result["value"])), f"accuracy {result}")
            json.dumps(result)
        return report.raise_for_failures()


def _metric_options(recipe: Recipe) -> Options:
    assert recipe.metric is not None
    return recipe.metric.options


def _outputs_on(space: Workspace, recipe: Recipe) -> tuple[list[list[np.ndarray]], list[Sample]]:
    """The original model's outputs (f32) on up to 32 samples of the metric's data."""
    import openvino as ov

    from ovtune.context import DataCatalog, describe_inputs

    model = space.pipeline(recipe).load_original()
    catalog = DataCatalog(recipe.data, describe_inputs(model), recipe.base_dir)
    dataset = catalog.get(recipe.metric.data if recipe.metric else "validation")
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    samples = [dataset[i] for i in range(min(32, len(dataset)))]
    outputs = []
    for sample in samples:
        result = compiled(dict(sample.inputs))
        outputs.append([result[port] for port in compiled.outputs])
    return outputs, samples
