""":func:`check_loader`: the source is untouched, loading is repeatable, and a corrupt or missing
source is a user error."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.conformance.models import infer_finite
from ovtune.conformance.options import check_options
from ovtune.conformance.report import BrokenContractError, ConformanceReport, require
from ovtune.conformance.tables import copy_table
from ovtune.conformance.workspace import workspace
from ovtune.errors import OvtuneError, runtime_reason
from ovtune.faults import plugin_crash
from ovtune.manager import PluginHost
from ovtune.types import Loader

if TYPE_CHECKING:
    import openvino as ov


def check_loader(
    name: str,
    source: str | Path,
    options: Mapping[str, Any] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    host: PluginHost | None = None,
) -> ConformanceReport:
    """Check loader ``name`` reading ``source`` (a model file, or a ``scheme:...`` string), with
    ``[data.validation]`` ``data`` (default: random inputs shaped from the model)."""
    from ovtune.storage import hash_files, model_files

    with workspace(host) as space:
        report = ConformanceReport(f"loader {name!r}")
        provided = space.registry.get(Loader, name)
        raw = space.raw_recipe(source=source, data={"validation": dict(data or {"kind": "random", "count": 4})})
        raw["metric"] = {"kind": "top1_agreement"}
        raw["model"].update({"format": name, **(options or {})})
        check_options(
            report,
            space,
            provided=provided,
            raw=raw,
            section=lambda r: r["model"],
            key="model",
            built_options=lambda r: r.model.options,
        )
        path = Path(source) if not _is_reference(source) else None
        files = model_files(path) if path is not None else []
        before = hash_files(files) if files else None
        try:
            recipe = space.build(raw)
        except OvtuneError:
            return report.raise_for_failures()
        models: list[ov.Model] = []
        with report.contract("the loader returns an openvino.Model"):
            import openvino as ov

            for _ in range(2):
                model = space.pipeline(recipe).load_original()
                require(isinstance(model, ov.Model), f"got {type(model).__name__}")
                models.append(model)
        if len(models) == 2:
            from ovtune.model_hash import hash_model

            with report.contract("loading twice gives the same graph"):
                require(hash_model(models[0]) == hash_model(models[1]), "the two models differ")
            with report.contract("the model compiles and infers on CPU with finite outputs"):
                from ovtune.context import DataCatalog, describe_inputs

                infer_finite(models[0], DataCatalog(recipe.data, describe_inputs(models[0]), recipe.base_dir))
        if before is not None:
            with report.contract("the source file is not modified"):
                require(hash_files(files) == before, f"{files[0]} changed")
        with report.contract("the model runs in a recipe"):
            result = space.run({**raw, "measure": {**raw["measure"], "metrics": ["size", "accuracy"]}})
            require(result["models"][0]["measurements"]["accuracy"]["value"] == 1.0, "the model disagrees with itself")
        with report.contract("a corrupt or missing source is a user error"):
            for broken in _broken_sources(provided.item, space.root):
                bad = copy_table(raw)
                bad["model"]["source"] = str(broken)
                try:
                    space.pipeline(space.build(bad)).load_original()
                except OvtuneError as exc:
                    crash = plugin_crash(exc)  # a crash that ovtune reported for the plugin
                    if crash is not None:
                        raise BrokenContractError(f"{type(crash).__name__}: {runtime_reason(crash)}") from None
                    continue
                raise BrokenContractError(f"{broken} was loaded without an error")
        return report.raise_for_failures()


def _is_reference(source: str | Path) -> bool:
    return isinstance(source, str) and ":" in source and not Path(source).exists()


def _broken_sources(loader: Loader, folder: Path) -> list[str | Path]:
    sources: list[str | Path] = []
    for suffix in loader.suffixes[:1]:
        corrupt = folder / f"corrupt{suffix}"
        corrupt.write_bytes(b"this is not a model\x00\xff" * 8)
        sources += [corrupt, folder / f"missing{suffix}"]
    for scheme in loader.schemes[:1]:
        sources.append(f"{scheme}:ovtune_no_such_module_here:load")
    return sources
