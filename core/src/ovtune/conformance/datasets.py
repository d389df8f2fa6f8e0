""":func:`check_dataset_kind`: samples fit the model's inputs, reads are repeatable, indexing and
iteration agree, and the dataset runs in a recipe."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ovtune.conformance.options import check_options
from ovtune.conformance.report import BrokenContractError, ConformanceReport, require
from ovtune.conformance.workspace import workspace
from ovtune.errors import OvtuneError
from ovtune.manager import PluginHost
from ovtune.types import DatasetKind, Sample


def check_dataset_kind(
    name: str,
    options: Mapping[str, Any],
    *,
    source: str | Path | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check dataset kind ``name`` opened with ``options`` for ``source`` (default: the demo
    CNN, input ``x`` of shape 1x1x8x8)."""
    import numpy as np

    with workspace(host) as space:
        report = ConformanceReport(f"dataset kind {name!r}")
        provided = space.registry.get(DatasetKind, name)
        raw = space.raw_recipe(source=source, data={"check": {"kind": name, **options}})
        raw["metric"] = {"kind": "top1_agreement", "data": "check"}
        raw["measure"]["metrics"] = ["accuracy"]
        check_options(
            report,
            space,
            provided=provided,
            raw=raw,
            section=lambda r: r["data"]["check"],
            key="data.check",
            built_options=lambda r: r.data["check"].options,
        )
        try:
            recipe = space.build(raw)
        except OvtuneError:
            return report.raise_for_failures()
        from ovtune.context import DataCatalog, describe_inputs
        from ovtune.types import Dataset

        model = space.pipeline(recipe).load_original()
        inputs = describe_inputs(model)
        dataset: Dataset | None = None
        with report.contract("open returns a non-empty ovtune.types.Dataset"):
            dataset = DataCatalog(recipe.data, inputs, recipe.base_dir).get("check")
            require(isinstance(dataset, Dataset), f"got {type(dataset).__name__}")
        if dataset is None:
            return report.raise_for_failures()
        with report.contract("samples hold one array per model input, shaped for it"):
            sample = dataset[0]
            require(isinstance(sample, Sample), f"item 0 is {type(sample).__name__}")
            for spec in inputs:
                array = sample.inputs.get(spec.name)
                require(isinstance(array, np.ndarray), f"no array for input {spec.name!r}")
                assert isinstance(array, np.ndarray)
                static = [(a, b) for a, b in zip(array.shape, spec.shape, strict=False) if b > 0]
                require(
                    array.ndim == len(spec.shape) and all(a == b for a, b in static),
                    f"input {spec.name!r}: array {array.shape}, model {spec.shape}",
                )
        with report.contract("reading an item twice gives the same arrays"):
            first, again = dataset[len(dataset) - 1], dataset[len(dataset) - 1]
            for key, array in first.inputs.items():
                require(np.array_equal(array, again.inputs[key]), f"input {key!r} differs")
        with report.contract("an index past the end raises IndexError; iteration yields len() items"):
            try:
                dataset[len(dataset)]
            except IndexError:
                pass
            else:
                raise BrokenContractError(f"dataset[{len(dataset)}] did not raise IndexError")
            require(sum(1 for _ in dataset) == len(dataset), "iteration and len() disagree")
        with report.contract("labels are on every sample or on none"):
            labelled = {dataset[i].label is not None for i in range(min(len(dataset), 16))}
            require(len(labelled) == 1, "some samples have labels, some do not")
        with report.contract("the dataset runs in a recipe"):
            result = space.run(raw)["models"][0]["measurements"]["accuracy"]
            require(result["value"] == 1.0, f"the model disagrees with itself: {result}")
        return report.raise_for_failures()
