""":func:`check_stage`: the input model is untouched, the output is a model that runs, options
key the stage cache, and a repeated run comes from it."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.conformance.models import infer_finite, serialized
from ovtune.conformance.options import check_options, option_variants
from ovtune.conformance.report import ConformanceReport, require
from ovtune.conformance.tables import copy_table
from ovtune.conformance.workspace import Workspace, workspace
from ovtune.errors import OvtuneError
from ovtune.manager import PluginHost
from ovtune.options import Options
from ovtune.types import Stage

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.recipe import Recipe


def check_stage(
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    other_options: Mapping[str, Any] | None = None,
    source: str | Path | None = None,
    data: Mapping[str, Mapping[str, Any]] | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check stage ``name`` with ``options`` on ``source`` (default: the demo CNN, with
    ``[data.validation]`` and ``[data.calibration]`` from the demo's digits). ``other_options``
    must give a different model or record (default: one option changed by its type)."""
    with workspace(host) as space:
        report = ConformanceReport(f"stage {name!r}")
        stage_table = {"use": name, **(options or {})}
        raw = space.raw_recipe(source=source, data=data, stages=[stage_table])
        provided = space.registry.get(Stage, name)
        check_options(
            report,
            space,
            provided=provided,
            raw=raw,
            section=lambda r: r["stage"][0],
            key="stage[1]",
            built_options=_stage0,
        )
        try:
            recipe = space.build(raw)
        except OvtuneError:
            return report.raise_for_failures()
        _check_stage_execution(report, space, recipe)
        _check_stage_cache(report, space, raw, recipe, other_options)
        return report.raise_for_failures()


def _check_stage_execution(report: ConformanceReport, space: Workspace, recipe: Recipe) -> None:
    from ovtune.context import DataCatalog, describe_inputs
    from ovtune.storage import hash_files

    pipeline = space.pipeline(recipe)
    files = pipeline.source_files()
    source_hash = hash_files(files) if files else None
    output: ov.Model | None = None
    with report.contract("the stage returns an openvino.Model (or a StageResult holding one)"):
        model = pipeline.load_original()
        before = serialized(model)
        catalog = DataCatalog(recipe.data, describe_inputs(model), recipe.base_dir)
        result, _seconds = pipeline.execute_stage(recipe.stages[0], model, catalog)
        output = result.model
    if output is None:
        return
    with report.contract("the input model is not modified"):
        require(serialized(model) == before, "the model passed to the stage changed; clone it first")
    with report.contract("the output compiles and infers on CPU with finite outputs"):
        infer_finite(output, catalog)
    with report.contract("the output saves as IR and reads back"):
        import openvino as ov

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.xml"
            ov.save_model(output, str(path))
            ov.Core().read_model(str(path))
    if source_hash is not None:
        with report.contract("the source model file is not modified"):
            require(hash_files(files) == source_hash, f"{files[0]} changed")


def _check_stage_cache(
    report: ConformanceReport,
    space: Workspace,
    raw: dict[str, Any],
    recipe: Recipe,
    other_options: Mapping[str, Any] | None,
) -> None:
    from ovtune.cache import stage_key

    def key_of(built: Recipe) -> str:
        spec = built.stages[0]
        return stage_key(
            input_hash="input",
            stage=spec.name,
            options=spec.options.model_dump(mode="json"),
            plugin_version=spec.stage.plugin.version,
            data={},
        )

    with report.contract("changing an option changes the cache key"):
        candidates = [dict(other_options)] if other_options else [{k: v} for k, v in option_variants(_stage0(recipe))]
        tried = []
        for change in candidates:
            changed = copy_table(raw)
            changed["stage"][0].update(change)
            try:
                other = space.build(changed)
            except OvtuneError:
                continue
            tried.append(change)
            require(key_of(other) != key_of(recipe), f"options {change} give the same cache key")
        require(tried or not candidates, "no changed options validate; pass other_options=")
    with report.contract("the stage runs in a recipe, and a second run comes from the stage cache"):
        first = space.run(raw)["stages"][0]
        second = space.run(raw)["stages"][0]
        require(not first["cached"], "the first run was cached")
        require(second["cached"], "the second run was recomputed")
        require(first["details"]["output_hash"] == second["details"]["output_hash"], "the cached output differs")


def _stage0(recipe: Recipe) -> Options:
    return recipe.stages[0].options
