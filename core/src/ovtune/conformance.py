"""The plugin conformance kit: one call checks that a registration keeps ovtune's contracts.

A plugin author calls :func:`check_stage`, :func:`check_loader`, :func:`check_metric`,
:func:`check_dataset_kind`, :func:`check_measurement` or :func:`check_baseline` with the name
of their registration (and the options and files it needs), and :func:`check_distribution`
with the name of their distribution. Each check runs the real thing on real small models
through the same code paths as ``ovtune run``: the bundled demo CNN (trained on scikit-learn's
digits) and its data, unless the call names another source. Nothing is mocked.

The contracts are the ones users rely on without reading plugin code:

- options: unknown keys and wrongly typed values are recipe errors naming their key path;
  options survive a trip through a TOML file and validate against ``ovtune schema``;
- stages: the input model (in memory and on disk) is not modified; the output is an
  ``openvino.Model`` that saves as IR, compiles and infers on CPU; changing an option changes
  the cache key, and a repeated run comes from the stage cache;
- loaders: the source file is not modified; loading twice gives the same graph; a corrupt or
  missing source is a user error, not a traceback;
- metrics, dataset kinds, measurements, baselines: results are deterministic, finite and
  JSON-serializable, and they work inside a real recipe run;
- distributions: this ovtune is inside the declared range, the entry point loads, importing
  it imports no heavy library, and every implementation it names can be imported.

Each function returns a :class:`ConformanceReport` and raises :class:`ConformanceError` (an
``AssertionError``, so pytest shows it as a test failure) listing every broken contract.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from ovtune.compatibility import core_requirement
from ovtune.errors import OvtuneError, RecipeError, runtime_reason
from ovtune.faults import plugin_crash
from ovtune.manager import PluginHost
from ovtune.providers import ENTRY_POINT_GROUP
from ovtune.registry import Provided, Registry
from ovtune.types import (
    Baseline,
    DatasetKind,
    Loader,
    Measurement,
    Metric,
    Options,
    Registration,
    Sample,
    Stage,
    implementation,
)

if TYPE_CHECKING:
    import numpy as np
    import openvino as ov

    from ovtune.recipe import Recipe

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HEAVY_MODULES = ("openvino", "nncf", "torch", "onnxruntime", "tensorflow", "onnx")
"""Libraries a plugin module must not import: ``ovtune --help`` and ``ovtune plugins`` load it."""

UNKNOWN_KEY = "not_an_option_of_this_plugin"
IMPLEMENTATION_FIELDS = ("load", "run", "open", "create", "write", "command")


class ConformanceError(AssertionError):
    """A registration breaks one or more of ovtune's plugin contracts."""


@dataclass(frozen=True)
class Check:
    """One contract and whether it held."""

    contract: str
    passed: bool
    detail: str = ""

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.contract}"
        return f"FAIL {self.contract}" + (f": {self.detail}" if self.detail else "")


@dataclass
class ConformanceReport:
    """Every contract checked for one registration (or distribution)."""

    subject: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    def record(self, contract: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(contract, bool(passed), detail))
        return bool(passed)

    @contextlib.contextmanager
    def contract(self, contract: str) -> Iterator[None]:
        """Record ``contract`` as passed unless the block raises (then failed, with the error)."""
        try:
            yield
        except _BrokenContractError as failed:
            self.record(contract, False, str(failed))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a report line
            self.record(contract, False, f"{type(exc).__name__}: {runtime_reason(exc)}")
        else:
            self.record(contract, True)

    def raise_for_failures(self) -> ConformanceReport:
        if self.failures:
            raise ConformanceError(str(self))
        return self

    def __str__(self) -> str:
        head = f"{self.subject}: {len(self.checks) - len(self.failures)}/{len(self.checks)} contracts hold"
        return "\n".join([head, *(f"  {check}" for check in self.checks)])


class _BrokenContractError(Exception):
    """A contract did not hold (the message says how)."""


def _require(condition: object, message: str) -> None:
    if not condition:
        raise _BrokenContractError(message)


# --------------------------------------------------------------------------------------
# Workspace: a temporary recipe project with the demo model and data
# --------------------------------------------------------------------------------------


class Workspace:
    """A temporary folder with the demo model and data, its own stage cache and run folders."""

    def __init__(self, root: Path, host: PluginHost):
        from ovtune import demo

        self.root = root
        self.host = host
        self.files = {}
        for role, source in (
            ("model", demo.model_path()),
            ("validation", demo.validation_path()),
            ("calibration", demo.calibration_path()),
        ):
            target = root / source.name
            shutil.copyfile(source, target)
            self.files[role] = target
        self._runs = 0

    @property
    def registry(self) -> Registry:
        return self.host.registry

    def raw_recipe(
        self,
        *,
        source: str | Path | None = None,
        data: Mapping[str, Mapping[str, Any]] | None = None,
        metric: Mapping[str, Any] | None = None,
        stages: list[Mapping[str, Any]] | None = None,
        measure: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        datasets = {
            "validation": {"kind": "npz", "path": str(self.files["validation"]), "limit": 48},
            "calibration": {"kind": "npz", "path": str(self.files["calibration"]), "limit": 48},
        }
        datasets.update({name: dict(options) for name, options in (data or {}).items()})
        raw: dict[str, Any] = {
            "schema": 1,
            "name": "conformance",
            "model": {"source": str(source or self.files["model"])},
            "data": datasets,
            "metric": dict(metric or {"kind": "top1"}),
            "stage": [dict(stage) for stage in stages or []],
            "deploy": {"device": "CPU", "precision": "f32"},
            "measure": {"metrics": ["size"], "duration": 0.1, "warmup": 1, "trials": 1, **(measure or {})},
            "output": {"reports": ["json"], "cache_dir": str(self.root / "cache")},
        }
        return raw

    def build(self, raw: Mapping[str, Any]) -> Recipe:
        from ovtune.recipe import build_recipe

        return build_recipe(dict(raw), base_dir=self.root, registry=self.registry, file=self.root / "recipe.toml")

    def through_toml(self, raw: Mapping[str, Any]) -> Recipe:
        """Write ``raw`` as a TOML file and read it back as ``ovtune run`` would."""
        from ovtune.recipe import load_recipe

        path = self.root / "roundtrip.toml"
        path.write_text(tomli_w.dumps(_without_none(dict(raw))), encoding="utf-8")
        return load_recipe(path, self.registry)

    def pipeline(self, recipe: Recipe) -> Any:
        from ovtune.pipeline import Pipeline

        self._runs += 1
        return Pipeline(recipe, self.host, run_dir=self.root / f"run{self._runs}", cache_root=self.root / "cache")

    def run(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        with contextlib.redirect_stdout(io.StringIO()):
            report: dict[str, Any] = self.pipeline(self.build(raw)).run()
        return report


@contextlib.contextmanager
def workspace(host: PluginHost | None = None) -> Iterator[Workspace]:
    """A :class:`Workspace` in a temporary folder, removed afterwards."""
    host = host or PluginHost()
    with tempfile.TemporaryDirectory(prefix="ovtune-conformance-") as folder:
        yield Workspace(Path(folder), host)


# --------------------------------------------------------------------------------------
# Options: the part of every registration that users write
# --------------------------------------------------------------------------------------


def _check_options(
    report: ConformanceReport,
    space: Workspace,
    *,
    provided: Provided[Any],
    raw: dict[str, Any],
    section: Callable[[dict[str, Any]], dict[str, Any]],
    key: str,
    built_options: Callable[[Recipe], Options],
) -> None:
    """``section(raw)`` is the table holding the options (edited in place on copies of ``raw``);
    ``key`` its key path; ``built_options(recipe)`` finds the validated options in a recipe."""
    options_model: type[Options] = provided.item.options
    with report.contract("the options model forbids unknown keys (subclass of ovtune.types.Options)"):
        _require(
            options_model.model_config.get("extra") == "forbid",
            f"{options_model.__name__} allows unknown keys; derive it from ovtune.types.Options",
        )
    with report.contract("every option has a description (it is the documentation)"):
        undocumented = [name for name, info in options_model.model_fields.items() if not info.description]
        _require(not undocumented, f"no description for {', '.join(undocumented)}")
    with report.contract("the options validate in a recipe"):
        space.build(raw)
    with report.contract("the options survive a TOML file"):
        original = built_options(space.build(raw))
        dumped = original.model_dump(mode="json", exclude_none=True, by_alias=True)
        again = _copy(raw)
        table = section(again)
        fields = {info.alias or name for name, info in options_model.model_fields.items()}
        for name in [name for name in table if name in fields]:
            del table[name]
        table.update(dumped)
        reread = built_options(space.through_toml(again))
        _require(reread == original, f"written {dumped}, read back {reread.model_dump(mode='json')}")
    with report.contract("the recipe validates against the JSON Schema of ovtune schema"):
        try:
            import jsonschema
        except ImportError:
            raise _BrokenContractError("the kit needs jsonschema: pip install 'ovtune[testing]'") from None
        from ovtune.schema import recipe_schema

        document = tomllib.loads(tomli_w.dumps(_without_none(raw)))
        errors = sorted(jsonschema.Draft202012Validator(recipe_schema(space.registry)).iter_errors(document), key=str)
        _require(not errors, "; ".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:2]))
    with report.contract(f"an unknown option is a recipe error naming {key}.{UNKNOWN_KEY}"):
        wrong = _copy(raw)
        section(wrong)[UNKNOWN_KEY] = 1
        _expect_recipe_error(space, wrong, f"{key}.{UNKNOWN_KEY}")
    typed = _object_rejecting_field(options_model)
    if typed is not None:
        with report.contract(f"a wrongly typed option is a recipe error naming {key}.{typed}"):
            wrong = _copy(raw)
            section(wrong)[typed] = {"not": "a valid value"}
            _expect_recipe_error(space, wrong, f"{key}.{typed}")


def _expect_recipe_error(space: Workspace, raw: dict[str, Any], key: str) -> None:
    try:
        space.build(raw)
    except RecipeError as exc:
        _require(exc.key is not None and exc.key.startswith(key), f"the error names {exc.key!r}: {exc}")
        return
    raise _BrokenContractError("the recipe was accepted")


def _object_rejecting_field(options_model: type[Options]) -> str | None:
    """A field that must reject a table value (so a wrongly typed value can be tried)."""
    for name, info in options_model.model_fields.items():
        if not _accepts_mapping(info.annotation):
            return info.alias or name
    return None


def _accepts_mapping(annotation: Any) -> bool:
    if annotation is Any or annotation is None:
        return annotation is Any
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _accepts_mapping(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_mapping(arg) for arg in typing.get_args(annotation))
    if origin is not None:
        return isinstance(origin, type) and issubclass(origin, Mapping)
    if isinstance(annotation, type):
        from pydantic import BaseModel

        return issubclass(annotation, (Mapping, BaseModel))
    return True


def _option_variants(options: Options) -> list[tuple[str, Any]]:
    """(field, another valid-looking value) for fields whose type suggests one."""
    variants: list[tuple[str, Any]] = []
    for name, info in type(options).model_fields.items():
        value = getattr(options, name)
        key = info.alias or name
        choices = _literal_choices(info.annotation)
        if choices:
            other = [choice for choice in choices if choice != value]
            if other:
                variants.append((key, other[0]))
        elif isinstance(value, bool):
            variants.append((key, not value))
        elif isinstance(value, int):
            variants.append((key, value + 1))
        elif isinstance(value, float):
            variants.append((key, value / 2 if value else 0.5))
        elif isinstance(value, Enum):
            members = [member.value for member in type(value) if member is not value]
            if members:
                variants.append((key, members[0]))
    return variants


def _literal_choices(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    if origin is typing.Annotated:
        return _literal_choices(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [choice for arg in typing.get_args(annotation) for choice in _literal_choices(arg)]
    return []


# --------------------------------------------------------------------------------------
# Stages
# --------------------------------------------------------------------------------------


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
        _check_options(
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
        before = _serialized(model)
        catalog = DataCatalog(recipe.data, describe_inputs(model), recipe.base_dir)
        result, _seconds = pipeline._execute(recipe.stages[0], model, catalog)
        output = result.model
    if output is None:
        return
    with report.contract("the input model is not modified"):
        _require(_serialized(model) == before, "the model passed to the stage changed; clone it first")
    with report.contract("the output compiles and infers on CPU with finite outputs"):
        _infer_finite(output, catalog)
    with report.contract("the output saves as IR and reads back"):
        import openvino as ov

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.xml"
            ov.save_model(output, str(path))
            ov.Core().read_model(str(path))
    if source_hash is not None:
        with report.contract("the source model file is not modified"):
            _require(hash_files(files) == source_hash, f"{files[0]} changed")


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
        candidates = [dict(other_options)] if other_options else [{k: v} for k, v in _option_variants(_stage0(recipe))]
        tried = []
        for change in candidates:
            changed = _copy(raw)
            changed["stage"][0].update(change)
            try:
                other = space.build(changed)
            except OvtuneError:
                continue
            tried.append(change)
            _require(key_of(other) != key_of(recipe), f"options {change} give the same cache key")
        _require(tried or not candidates, "no changed options validate; pass other_options=")
    with report.contract("the stage runs in a recipe, and a second run comes from the stage cache"):
        first = space.run(raw)["stages"][0]
        second = space.run(raw)["stages"][0]
        _require(not first["cached"], "the first run was cached")
        _require(second["cached"], "the second run was recomputed")
        _require(first["details"]["output_hash"] == second["details"]["output_hash"], "the cached output differs")


def _stage0(recipe: Recipe) -> Options:
    return recipe.stages[0].options


# --------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------


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
        _check_options(
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
                _require(isinstance(model, ov.Model), f"got {type(model).__name__}")
                models.append(model)
        if len(models) == 2:
            from ovtune.model_hash import hash_model

            with report.contract("loading twice gives the same graph"):
                _require(hash_model(models[0]) == hash_model(models[1]), "the two models differ")
            with report.contract("the model compiles and infers on CPU with finite outputs"):
                from ovtune.context import DataCatalog, describe_inputs

                _infer_finite(models[0], DataCatalog(recipe.data, describe_inputs(models[0]), recipe.base_dir))
        if before is not None:
            with report.contract("the source file is not modified"):
                _require(hash_files(files) == before, f"{files[0]} changed")
        with report.contract("the model runs in a recipe"):
            result = space.run({**raw, "measure": {**raw["measure"], "metrics": ["size", "accuracy"]}})
            _require(result["models"][0]["measurements"]["accuracy"]["value"] == 1.0, "the model disagrees with itself")
        with report.contract("a corrupt or missing source is a user error"):
            for broken in _broken_sources(provided.item, space.root):
                bad = _copy(raw)
                bad["model"]["source"] = str(broken)
                try:
                    space.pipeline(space.build(bad)).load_original()
                except OvtuneError as exc:
                    crash = plugin_crash(exc)  # a crash that ovtune reported for the plugin
                    if crash is not None:
                        raise _BrokenContractError(f"{type(crash).__name__}: {runtime_reason(crash)}") from None
                    continue
                raise _BrokenContractError(f"{broken} was loaded without an error")
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


# --------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------


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
        _check_options(
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
            _require(all(math.isfinite(v) for v in values), f"results {values}")
            _require(values[0] == values[1], f"two accumulators over the same outputs gave {values}")
        with report.contract("the metric runs in a recipe"):
            result = space.run(raw)["models"][0]["measurements"]["accuracy"]
            _require(math.isfinite(float(result["value"])), f"accuracy {result}")
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


# --------------------------------------------------------------------------------------
# Dataset kinds
# --------------------------------------------------------------------------------------


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
        _check_options(
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
            _require(isinstance(dataset, Dataset), f"got {type(dataset).__name__}")
        if dataset is None:
            return report.raise_for_failures()
        with report.contract("samples hold one array per model input, shaped for it"):
            sample = dataset[0]
            _require(isinstance(sample, Sample), f"item 0 is {type(sample).__name__}")
            for spec in inputs:
                array = sample.inputs.get(spec.name)
                _require(isinstance(array, np.ndarray), f"no array for input {spec.name!r}")
                assert isinstance(array, np.ndarray)
                static = [(a, b) for a, b in zip(array.shape, spec.shape, strict=False) if b > 0]
                _require(
                    array.ndim == len(spec.shape) and all(a == b for a, b in static),
                    f"input {spec.name!r}: array {array.shape}, model {spec.shape}",
                )
        with report.contract("reading an item twice gives the same arrays"):
            first, again = dataset[len(dataset) - 1], dataset[len(dataset) - 1]
            for key, array in first.inputs.items():
                _require(np.array_equal(array, again.inputs[key]), f"input {key!r} differs")
        with report.contract("an index past the end raises IndexError; iteration yields len() items"):
            try:
                dataset[len(dataset)]
            except IndexError:
                pass
            else:
                raise _BrokenContractError(f"dataset[{len(dataset)}] did not raise IndexError")
            _require(sum(1 for _ in dataset) == len(dataset), "iteration and len() disagree")
        with report.contract("labels are on every sample or on none"):
            labelled = {dataset[i].label is not None for i in range(min(len(dataset), 16))}
            _require(len(labelled) == 1, "some samples have labels, some do not")
        with report.contract("the dataset runs in a recipe"):
            result = space.run(raw)["models"][0]["measurements"]["accuracy"]
            _require(result["value"] == 1.0, f"the model disagrees with itself: {result}")
        return report.raise_for_failures()


# --------------------------------------------------------------------------------------
# Measurements and baselines
# --------------------------------------------------------------------------------------


def _check_measure_table_options(
    report: ConformanceReport, space: Workspace, provided: Provided[Any], raw: dict[str, Any], name: str
) -> None:
    """The options contracts for a ``[measure.NAME]`` table (measurements and baselines)."""
    _check_options(
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
            _require(all(isinstance(r, dict) for r in results), f"results {results}")
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
            _require(len(baseline) == 1, "no baseline row in the report")
            row = baseline[0]
            precision = row.get("precision") or row.get("runtime", {}).get("precision")
            _require(row.get("framework") and precision, f"framework or precision missing: {sorted(row)}")
            measured = row.get("measurements", {})
            _require({"latency", "accuracy"} <= set(measured), f"measured {sorted(measured)}")
            _require(float(measured["accuracy"]["value"]) >= 0.95, f"accuracy {measured['accuracy']}")
            json.dumps(row, allow_nan=False)
        return report.raise_for_failures()


# --------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------


def check_distribution(distribution: str, *, host: PluginHost | None = None) -> ConformanceReport:
    """Check the installed plugin distribution ``distribution`` as a whole."""
    report = ConformanceReport(f"distribution {distribution!r}")
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        report.record("the distribution is installed", False, f"pip install {distribution}")
        return report.raise_for_failures()
    entry_points = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
    report.record(
        f"it has an entry point in the group {ENTRY_POINT_GROUP!r}", bool(entry_points), "none in entry_points.txt"
    )
    requirement = core_requirement(dist)
    report.record(
        "it declares the ovtune versions it supports",
        requirement.declared,
        f"add 'ovtune>=X,<Y' to {distribution}'s dependencies",
    )
    mismatch = requirement.mismatch()
    report.record("this ovtune is inside that range", mismatch is None, mismatch or "")
    host = host or PluginHost()
    for entry_point in entry_points:
        info = host.plugins.get(entry_point.name) or next((p for p in host.failed if p.name == entry_point.name), None)
        with report.contract(f"plugin {entry_point.name!r} loads and registers something"):
            _require(info is not None, "the plugin host did not load it")
            assert info is not None
            _require(info.error is None, f"{info.status}: {info.error}")
            _ = host.registry
            _require(info.registers, "it registers nothing")
        with report.contract(f"importing {entry_point.value} imports no heavy library"):
            heavy = _heavy_imports(entry_point.value.partition(":")[0])
            _require(not heavy, f"it imports {', '.join(heavy)}; import them inside the functions that need them")
        if info is not None and info.error is None:
            for registration in _registrations_of(host, entry_point.name):
                for attribute in IMPLEMENTATION_FIELDS:
                    if not hasattr(registration, attribute):
                        continue
                    with report.contract(f"{registration.kind} {registration.name!r}: {attribute} can be imported"):
                        implementation(registration, attribute)
    return report.raise_for_failures()


def _registrations_of(host: PluginHost, plugin: str) -> list[Registration]:
    from ovtune.types import REGISTRATION_TYPES

    return [
        provided.item
        for cls in REGISTRATION_TYPES
        for provided in host.registry.all(cls)
        if provided.plugin.name == plugin
    ]


def _heavy_imports(module: str) -> list[str]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps([m for m in {list(HEAVY_MODULES)!r} if m in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise _BrokenContractError(f"importing {module} failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def _serialized(model: ov.Model) -> bytes:
    """The model's IR bytes: any change to graph, names, weights or rt_info shows."""
    import openvino as ov

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.xml"
        ov.save_model(model, str(path), compress_to_fp16=False)
        return path.read_bytes() + path.with_suffix(".bin").read_bytes()


def _infer_finite(model: ov.Model, catalog: Any) -> None:
    import numpy as np
    import openvino as ov

    compiled = ov.Core().compile_model(model, "CPU")
    result = compiled(_inputs_for(compiled, catalog))
    arrays = [np.asarray(result[index]) for index in range(len(compiled.outputs))]
    _require(arrays, "the model has no outputs")
    for index, array in enumerate(arrays):
        if np.issubdtype(array.dtype, np.floating):
            _require(np.isfinite(array).all(), f"output {index} has NaN or inf")


def _inputs_for(compiled: Any, catalog: Any) -> list[np.ndarray]:
    """The first validation sample when it fits the model, else seeded random inputs; in the
    order of the model's inputs (converted models may have inputs without names)."""
    import numpy as np

    ports = list(compiled.inputs)
    if catalog is not None and "validation" in catalog:
        sample = catalog.get("validation")[0]
        names = [next(iter(sorted(port.get_names())), None) for port in ports]
        if all(name in sample.inputs for name in names):
            arrays = [np.asarray(sample.inputs[name]) for name in names if name is not None]
            if all(_fits(a.shape, port.partial_shape) for a, port in zip(arrays, ports, strict=True)):
                return arrays
    rng = np.random.default_rng(0)
    inputs = []
    for port in ports:
        shape = [d.get_length() if d.is_static else 1 for d in port.partial_shape]
        dtype = port.element_type.to_dtype()
        if np.issubdtype(dtype, np.floating):
            inputs.append(rng.random(shape, dtype=np.float32).astype(dtype))
        else:
            inputs.append(rng.integers(0, 2, size=shape).astype(dtype))
    return inputs


def _fits(shape: tuple[int, ...], partial: Any) -> bool:
    if len(shape) != len(partial):
        return False
    return all(not d.is_static or d.get_length() == s for s, d in zip(shape, partial, strict=True))


def _copy(raw: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(raw, default=str))  # type: ignore[no-any-return]


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


__all__ = [
    "Check",
    "ConformanceError",
    "ConformanceReport",
    "check_baseline",
    "check_dataset_kind",
    "check_distribution",
    "check_loader",
    "check_measurement",
    "check_metric",
    "check_stage",
]
