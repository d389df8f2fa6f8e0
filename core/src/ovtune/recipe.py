"""TOML recipes -> validated, typed :class:`Recipe` objects.

Validation uses pydantic (v2): one options model per plugin is at once the validator, the
documentation shown by ``ovtune stages`` and the source of ``ovtune schema``; its error
locations become recipe key paths (``stage[2].preset``). List items (stages among them)
are numbered from 1, as users count them in the file.

A recipe is validated in two passes: the fixed sections first (``[model]``, ``[deploy]``,
``[measure]``, ``[output]``, the shape of ``[data.*]``, ``[metric]`` and ``[[stage]]``), then
every plugin-owned table against the options model its plugin registered.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ovtune.errors import PluginError, RecipeError
from ovtune.fields import (
    BASE_DIR_CONTEXT_KEY,
    DATA_NAMES_CONTEXT_KEY,
    METRIC_CONTEXT_KEY,
    UNCHECKED_PATHS_CONTEXT_KEY,
    Duration,
    RecipePath,
    path_exists,
    resolve_path,
)
from ovtune.libraries import declared
from ovtune.options import Options
from ovtune.recipe_sections.tune import TuneSection
from ovtune.registry import Provided, Registry
from ovtune.run_folder import check_run_name, slug_run_name
from ovtune.types import Baseline, DatasetKind, Loader, Measurement, Metric, Registration, Reporter, Stage

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCHEMA_VERSION = 1
PYTHON_KIND_PREFIX = "python:"
DEFAULT_MEASUREMENTS = ("size", "latency", "throughput")
"""``[measure] metrics`` when the recipe does not list them (``accuracy`` follows when it has a
``[metric]``), so that ``schema = 1`` and a ``[model] source`` are a recipe that runs."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OpenSection(BaseModel):
    """A table whose remaining keys belong to a plugin's options model."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @property
    def plugin_options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ModelSection(_OpenSection):
    """The model to optimize."""

    source: str = Field(description="Model file (.xml, .onnx, .tflite, .pdmodel) or 'scheme:reference'")
    format: str | None = Field(None, description="Loader name; by default chosen from the file suffix")


class DataSection(_OpenSection):
    """A dataset; the other keys are the dataset kind's options."""

    kind: str = Field(description="Dataset kind (npz, npy, images, random, python, ...)")


class MetricSection(_OpenSection):
    """How accuracy is judged; the other keys are the metric's options."""

    kind: str = Field(description="Metric name (top1, topk, top1_agreement, cosine, ...)")
    data: str = Field("validation", description="Name of the [data.*] entry to evaluate on")


class StageSection(_OpenSection):
    """One optimization step; the other keys are the stage's options."""

    use: str = Field(description="Stage name, e.g. 'mo' or 'pot.default'")


MAX_ITERATIONS = 1_000_000
"""Most timed inferences per trial: a million runs of a 100 ms model already take 28 h."""
MAX_WARMUP = 10_000
"""Most untimed warm-up inferences; a few dozen settle caches and frequency scaling."""
MAX_TRIALS = 100
"""Most repeated timing trials; their spread flags noise, and a handful shows it."""

Hint = Literal["latency", "throughput", "cumulative_throughput", "none"]
Precision = Literal["f32", "bf16", "f16"]


class DeploySection(_Section):
    """How the model is compiled and run."""

    device: str = Field("CPU", description="CPU, GPU, NPU, AUTO[:list], HETERO:list, MULTI:list")
    hint: Hint | None = Field(None, description="Performance hint")
    streams: int | Literal["auto"] | None = Field(
        None, description='NUM_STREAMS: a number of streams (≥ 1), or "auto" to let the device choose'
    )
    requests: int | None = Field(None, ge=1, description="Number of infer requests (throughput)")
    threads: int | None = Field(None, ge=0, description="INFERENCE_NUM_THREADS")
    precision: Precision | None = Field(None, description="INFERENCE_PRECISION_HINT")
    pinning: bool | None = Field(None, description="ENABLE_CPU_PINNING")
    cache_dir: RecipePath | None = Field(None, description="Model cache folder (CACHE_DIR)")
    properties: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Extra properties passed to compile_model"
    )

    @field_validator("streams", mode="before")
    @classmethod
    def _streams(cls, value: Any) -> Any:
        """One message for both forms, instead of one per branch of ``int | "auto"``."""
        if value is None or value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(f'streams is a number of streams (1 or more) or "auto" (got {value!r})')


class MeasureSection(_OpenSection):
    """What is measured on the original model and every stage's output. A table
    ``[measure.NAME]`` holds the options of measurement (or baseline) NAME."""

    metrics: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MEASUREMENTS),
        description="Measurements to run; by default accuracy too when the recipe has a [metric]",
    )
    duration: Duration = Field(3.0, gt=0, description="Time spent per latency trial")
    iterations: int | None = Field(None, ge=1, le=MAX_ITERATIONS, description="Fixed count instead of a duration")
    warmup: int = Field(10, ge=0, le=MAX_WARMUP, description="Untimed inferences before timing")
    trials: int = Field(3, ge=1, le=MAX_TRIALS, description="Repeated trials; the spread flags noise")
    baseline: str | None = Field(None, description="Native-framework baseline, e.g. 'onnxruntime' (plugin)")


class OutputSection(_Section):
    """Where results go."""

    dir: RecipePath | None = Field(None, description="Run folder (default: runs/NAME next to the recipe)")
    reports: list[str] | None = Field(None, description="Reporters (default: every reporter marked default)")
    cache: bool = Field(True, description="Reuse finished stages from the stage cache")
    cache_dir: RecipePath | None = Field(None, description="Stage cache (default: ~/.cache/ovtune)")


class RecipeDocument(_Section):
    """The whole recipe file, before plugin options are validated."""

    schema_: int = Field(alias="schema", description="Recipe format version; must be 1")
    name: str | None = Field(None, description="Run name (default: the recipe file's stem)")
    description: str = Field("", description="Free text, kept in the report")
    model: ModelSection = Field(description="The model to optimize")
    data: dict[str, DataSection] = Field(default_factory=dict, description="Named datasets")
    metric: MetricSection | None = Field(None, description="How accuracy is judged")
    stage: list[StageSection] = Field(default_factory=list, description="Optimization steps, in order")
    deploy: DeploySection = Field(default_factory=DeploySection, description="Device and runtime settings")  # type: ignore[arg-type]
    measure: MeasureSection = Field(default_factory=MeasureSection, description="What is measured")  # type: ignore[arg-type]
    output: OutputSection = Field(default_factory=OutputSection, description="Where results go")  # type: ignore[arg-type]
    tune: TuneSection | None = Field(None, description="What ovtune tune searches (ignored by ovtune run)")

    @model_validator(mode="before")
    @classmethod
    def _default_measurements(cls, data: Any) -> Any:
        """No ``[measure] metrics``: size, latency, throughput, and accuracy with a ``[metric]``."""
        if not isinstance(data, dict):
            return data
        measure = data.get("measure", {})
        if not isinstance(measure, dict) or "metrics" in measure:
            return data
        metrics = [*DEFAULT_MEASUREMENTS, *(["accuracy"] if data.get("metric") is not None else [])]
        return {**data, "measure": {**measure, "metrics": metrics}}

    @field_validator("schema_")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"unsupported recipe schema {value}; this ovtune reads schema {SCHEMA_VERSION}")
        return value

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str | None) -> str | None:
        return None if value is None else check_run_name(value)


# --------------------------------------------------------------------------------------
# Resolved recipe
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    source: str | Path
    loader: Provided[Loader]
    options: Options


@dataclass(frozen=True)
class DataSpec:
    name: str
    kind: Provided[DatasetKind]
    options: Options


@dataclass(frozen=True)
class MetricSpec:
    metric: Provided[Metric]
    options: Options
    data: str
    base_dir: Path | None = None
    """The recipe's folder, where the metric's own code (``python:module:function``) is found."""


@dataclass(frozen=True)
class StageSpec:
    index: int
    name: str
    stage: Provided[Stage]
    options: Options

    @property
    def key(self) -> str:
        """Recipe key path of this stage: ``stage[2]``."""
        return f"stage[{self.index}]"

    @property
    def label(self) -> str:
        """``02-pot.default``: the stage's folder name in the run folder."""
        return f"{self.index:02d}-{self.name}"


@dataclass(frozen=True)
class Recipe:
    """A validated recipe with every plugin-owned table resolved to its options model."""

    name: str
    path: Path | None
    base_dir: Path
    raw: dict[str, Any]
    document: RecipeDocument
    model: ModelSpec
    data: dict[str, DataSpec]
    metric: MetricSpec | None
    stages: list[StageSpec]
    measurements: list[Provided[Measurement]]
    reporters: list[Provided[Reporter]]
    measurement_options: dict[str, Options]
    baseline: Provided[Baseline] | None = None

    def options_for(self, measurement: Measurement | Baseline) -> Options:
        """The options of a measurement or baseline: its ``[measure.NAME]`` table, or defaults."""
        return self.measurement_options.get(measurement.name) or measurement.options_model()()

    @property
    def deploy(self) -> DeploySection:
        return self.document.deploy

    @property
    def measure(self) -> MeasureSection:
        return self.document.measure

    @property
    def output(self) -> OutputSection:
        return self.document.output

    def stage_libraries(self, spec: StageSpec) -> tuple[str, ...]:
        """What can change one stage's output besides its input's content: its own libraries and
        the loader's (a TorchScript file is hashed as a file, but the model a stage receives is
        what the installed PyTorch and its converter made of it)."""
        return declared((spec.stage.item, self.model.loader.item))

    def libraries(self) -> tuple[str, ...]:
        """The libraries declared by every registration this recipe uses: its loader, dataset
        kinds, metric, stages, measurements, baseline and reporters."""
        used: list[Registration] = [self.model.loader.item]
        used += [spec.kind.item for spec in self.data.values()]
        used += [self.metric.metric.item] if self.metric is not None else []
        used += [spec.stage.item for spec in self.stages]
        used += [provided.item for provided in self.measurements]
        used += [self.baseline.item] if self.baseline is not None else []
        used += [provided.item for provided in self.reporters]
        return declared(used)

    def resolved(self) -> dict[str, Any]:
        """The recipe with defaults filled in and paths made absolute (JSON-compatible)."""
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "model": {
                "source": str(self.model.source),
                "format": self.model.loader.item.name,
                **self.model.options.model_dump(mode="json"),
            },
            "data": {n: {"kind": d.kind.item.name, **d.options.model_dump(mode="json")} for n, d in self.data.items()},
            "metric": None
            if self.metric is None
            else {
                "kind": self.metric.metric.item.name,
                "data": self.metric.data,
                **self.metric.options.model_dump(mode="json"),
            },
            "stage": [{"use": s.name, **s.options.model_dump(mode="json")} for s in self.stages],
            "deploy": self.deploy.model_dump(mode="json"),
            "measure": {
                **self.measure.model_dump(mode="json", exclude=set(self.measure.model_extra or {})),
                **{name: o.model_dump(mode="json") for name, o in self.measurement_options.items()},
            },
            "output": {**self.output.model_dump(mode="json"), "reports": [r.item.name for r in self.reporters]},
        }


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_recipe(path: Path | str, registry: Registry) -> Recipe:
    """Read and validate a recipe file; every problem is a :class:`RecipeError`."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError("recipe file not found" if not path.exists() else "not a file", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read recipe: {exc}", file=path) from None
    return parse_recipe(text, base_dir=path.resolve().parent, registry=registry, file=path)


def read_recipe_table(path: Path) -> dict[str, Any]:
    """The recipe file as a plain table (TOML errors become :class:`RecipeError`)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read recipe: {exc}", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"invalid TOML: {exc}", file=path) from None


def parse_recipe(text: str, *, base_dir: Path, registry: Registry, file: Path | None = None) -> Recipe:
    """Validate recipe text. ``base_dir`` is where relative paths start."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"invalid TOML: {exc}", file=file) from None
    return build_recipe(raw, base_dir=base_dir, registry=registry, file=file)


def build_recipe(
    raw: dict[str, Any], *, base_dir: Path, registry: Registry, file: Path | None = None, check_paths: bool = True
) -> Recipe:
    """Validate an already-parsed recipe mapping: the fixed tables first, then each name the
    recipe uses is looked up in ``registry`` and its table validated against the options model
    of the plugin that registered it. Errors come in the order of these steps, so the first
    problem a user sees does not depend on which tables happen to be valid.

    A ``[tune]`` section is validated as a table here; the search space it defines is checked
    by :mod:`ovtune.tune` once the recipe is built. Without ``check_paths``, the files the
    recipe names need not exist (its paths are resolved all the same): what a sweep does to
    learn which values of a recipe are paths."""
    raw = _expand_python_kinds(raw)
    context = {BASE_DIR_CONTEXT_KEY: base_dir, UNCHECKED_PATHS_CONTEXT_KEY: not check_paths}
    resolver = _Resolver(registry, file, context)
    document = _validate_document(raw, resolver)
    resolver.context[DATA_NAMES_CONTEXT_KEY] = list(document.data)
    resolver.context[METRIC_CONTEXT_KEY] = document.metric.kind if document.metric else None
    model = _model_spec(document.model, base_dir, resolver, check_paths=check_paths)
    data = _data_specs(document, resolver)
    metric = _metric_spec(document, data, resolver)
    stages = _stage_specs(document, resolver)
    measurements = [
        resolver.lookup(Measurement, name, f"measure.metrics[{i}]")
        for i, name in enumerate(document.measure.metrics, start=1)
    ]
    baseline = _baseline(document, model, resolver)
    measurement_options = _measurement_options(document, baseline, resolver)
    if "accuracy" in document.measure.metrics and metric is None:
        where = document.measure.metrics.index("accuracy") + 1
        message = "'accuracy' needs a [metric] section (and the [data.*] it names)"
        raise RecipeError(message, file=file, key=f"measure.metrics[{where}]")
    reporters = _reporters(document, resolver)
    return Recipe(
        name=document.name or slug_run_name(file.stem if file else "recipe"),
        path=file.resolve() if file else None,
        base_dir=base_dir,
        raw=raw,
        document=document,
        model=model,
        data=data,
        metric=metric,
        stages=stages,
        measurements=measurements,
        reporters=reporters,
        measurement_options=measurement_options,
        baseline=baseline,
    )


@dataclass(frozen=True)
class _Resolver:
    """What every step of :func:`build_recipe` shares: the registry names are looked up in, the
    validation context of options models (base folder, data names, metric kind) and the file
    that errors name."""

    registry: Registry
    file: Path | None
    context: dict[str, Any]

    def options(self, provided: Provided[Any], values: dict[str, Any], key: str) -> Options:
        """``values`` validated by the options model of a plugin's registration (imported now,
        if the plugin named it by string); errors name keys under ``key``."""
        try:
            model = provided.item.options_model()
        except PluginError as exc:
            raise RecipeError(f"{exc} ({provided.plugin.label})", file=self.file, key=key) from None
        try:
            return model.model_validate(values, context=self.context)
        except ValidationError as exc:
            raise recipe_error(exc, file=self.file, prefix=key, model=model) from None

    def lookup(self, cls: type[Any], name: str, key: str) -> Provided[Any]:
        """The registration ``name`` of type ``cls``; a missing one is a recipe error at ``key``."""
        try:
            return self.registry.get(cls, name)
        except PluginError as exc:
            raise RecipeError(str(exc), file=self.file, key=key) from None


def _validate_document(raw: dict[str, Any], resolver: _Resolver) -> RecipeDocument:
    """The fixed tables, before any plugin's options are looked at."""
    if "schema" not in raw:
        raise RecipeError(
            f"missing key; add 'schema = {SCHEMA_VERSION}' at the top of the recipe", file=resolver.file, key="schema"
        )
    try:
        return RecipeDocument.model_validate(raw, context=resolver.context)
    except ValidationError as exc:
        raise recipe_error(exc, file=resolver.file, model=RecipeDocument) from None


def _model_spec(section: ModelSection, base_dir: Path, resolver: _Resolver, *, check_paths: bool) -> ModelSpec:
    """The loader (``format``, else the source's scheme or suffix) and the model file, which
    must exist unless the source is a ``scheme:reference`` the loader resolves itself."""
    source: str | Path = section.source
    if section.format is not None:
        loader = resolver.lookup(Loader, section.format, "model.format")
    else:
        loader = _loader_for(section.source, resolver)
    if not loader.item.schemes or not any(section.source.startswith(f"{s}:") for s in loader.item.schemes):
        try:
            source = resolve_path(section.source, base_dir)
            found = path_exists(source)
        except ValueError as exc:
            raise RecipeError(str(exc), file=resolver.file, key="model.source") from None
        if check_paths and not found:
            raise RecipeError(f"model file not found: {source}", file=resolver.file, key="model.source")
    return ModelSpec(source, loader, resolver.options(loader, section.plugin_options, "model"))


def _loader_for(source: str, resolver: _Resolver) -> Provided[Loader]:
    """The loader of a source without ``format``: by its ``scheme:`` first, then by its suffix."""
    loaders = resolver.registry.all(Loader)
    scheme = source.split(":", 1)[0] if ":" in source[2:] else None
    by_scheme = [entry for entry in loaders if scheme and scheme in entry.item.schemes]
    suffix = Path(source).suffix.lower()
    by_suffix = [entry for entry in loaders if suffix in entry.item.suffixes]
    if by_scheme:
        return by_scheme[0]
    if by_suffix:
        return by_suffix[0]
    known = sorted({s for entry in loaders for s in entry.item.suffixes})
    schemes = sorted({f"{s}:" for entry in loaders for s in entry.item.schemes})
    hint = f"; sources like {', '.join(schemes)} need their plugin" if schemes else ""
    what = f"'{suffix}'" if suffix else "without a suffix"
    raise RecipeError(
        f"unsupported model format {what} (supported: {', '.join(known + schemes)}; "
        f"set model.format to choose a loader{hint})",
        file=resolver.file,
        key="model.source",
    )


def _data_specs(document: RecipeDocument, resolver: _Resolver) -> dict[str, DataSpec]:
    """Every ``[data.NAME]``: its dataset kind and that kind's options."""
    specs = {}
    for name, section in document.data.items():
        kind = resolver.lookup(DatasetKind, section.kind, f"data.{name}.kind")
        specs[name] = DataSpec(name, kind, resolver.options(kind, section.plugin_options, f"data.{name}"))
    return specs


def _metric_spec(document: RecipeDocument, data: dict[str, DataSpec], resolver: _Resolver) -> MetricSpec | None:
    """``[metric]``: the metric, its options, and a ``[data.*]`` entry that exists to judge on."""
    if document.metric is None:
        return None
    entry = resolver.lookup(Metric, document.metric.kind, "metric.kind")
    metric = MetricSpec(
        entry,
        resolver.options(entry, document.metric.plugin_options, "metric"),
        document.metric.data,
        resolver.context[BASE_DIR_CONTEXT_KEY],
    )
    if metric.data not in data:
        raise RecipeError(
            f"no [data.{metric.data}] section to evaluate the metric on (defined: {', '.join(data) or 'none'})",
            file=resolver.file,
            key="metric.data",
        )
    return metric


def _stage_specs(document: RecipeDocument, resolver: _Resolver) -> list[StageSpec]:
    """Every ``[[stage]]``, numbered from 1 as users count them in the file."""
    stages = []
    for index, section in enumerate(document.stage, start=1):
        key = f"stage[{index}]"
        entry = resolver.lookup(Stage, section.use, f"{key}.use")
        options = resolver.options(entry, section.plugin_options, key)
        stages.append(StageSpec(index, section.use, entry, options))
    return stages


def _baseline(document: RecipeDocument, model: ModelSpec, resolver: _Resolver) -> Provided[Baseline] | None:
    """``measure.baseline``, which must run the recipe's kind of source model."""
    if document.measure.baseline is None:
        return None
    baseline: Provided[Baseline] = resolver.lookup(Baseline, document.measure.baseline, "measure.baseline")
    if not baseline.item.runs(model.source):
        formats = [*baseline.item.suffixes, *(f"{scheme}:..." for scheme in baseline.item.schemes)]
        raise RecipeError(
            f"baseline {baseline.item.name!r} runs {', '.join(formats)} source models; "
            f"[model] source is {model.source}",
            file=resolver.file,
            key="measure.baseline",
        )
    return baseline


def _measurement_options(
    document: RecipeDocument, baseline: Provided[Baseline] | None, resolver: _Resolver
) -> dict[str, Options]:
    """Every ``[measure.NAME]`` table: the options of the measurement or baseline NAME."""
    found: dict[str, Options] = {}
    for key, value in (document.measure.model_extra or {}).items():
        owner: Provided[Any] | None = resolver.registry.find(Measurement, key)
        if owner is None and baseline is not None and key == baseline.item.name:
            owner = baseline
        if owner is None:
            known = [*MeasureSection.model_fields, *document.measure.metrics]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RecipeError(
                f"unknown key{hint}; [measure.NAME] tables hold the options of measurement or baseline NAME",
                file=resolver.file,
                key=f"measure.{key}",
            )
        if not isinstance(value, dict):
            raise RecipeError("expected a table of options", file=resolver.file, key=f"measure.{key}")
        found[key] = resolver.options(owner, value, f"measure.{key}")
    return found


def _reporters(document: RecipeDocument, resolver: _Resolver) -> list[Provided[Reporter]]:
    """``output.reports``, or every reporter its plugin marks as a default."""
    if document.output.reports is None:
        return [provided for provided in resolver.registry.all(Reporter) if provided.item.default]
    return [
        resolver.lookup(Reporter, name, f"output.reports[{i}]")
        for i, name in enumerate(document.output.reports, start=1)
    ]


def _expand_python_kinds(raw: dict[str, Any]) -> dict[str, Any]:
    """``kind = "python:pkg.mod:fn"`` is shorthand for ``kind = "python"``, ``function = ...``."""

    def expand(table: Any) -> Any:
        if (
            isinstance(table, dict)
            and isinstance(table.get("kind"), str)
            and table["kind"].startswith(PYTHON_KIND_PREFIX)
            and "function" not in table
        ):
            return {**table, "kind": "python", "function": table["kind"][len(PYTHON_KIND_PREFIX) :]}
        return table

    result = dict(raw)
    if isinstance(raw.get("data"), dict):
        result["data"] = {name: expand(table) for name, table in raw["data"].items()}
    if "metric" in raw:
        result["metric"] = expand(raw["metric"])
    return result


def format_key_path(location: tuple[Any, ...], prefix: str = "") -> str:
    """``("stage", 1, "preset")`` -> ``stage[2].preset``: list items count from 1, as users
    count tables and values in the file."""
    text = prefix
    for part in location:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            name = "schema" if part == "schema_" else str(part)
            text += f".{name}" if text else name
    return text


def _field_names(model: type[BaseModel] | None, location: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``location`` inside ``model`` (walking nested sections)."""
    for part in location:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


class RecipeProblemsError(RecipeError):
    """Several problems in one table, each with its key path, on the one error line every user
    error gets: ``recipe.toml: deploy.hint: ...; deploy.threads: ...``. ``key`` and ``reason``
    are the first problem's; ``problems`` lists ``(key, message)`` (``validate --json``)."""

    def __init__(self, problems: list[tuple[str | None, str]], *, file: Path | str | None = None):
        key, message = problems[0]
        super().__init__(message, file=file, key=key)
        self.problems = problems
        listed = "; ".join(": ".join(part for part in (key, text) if part) for key, text in problems)
        self.args = (f"{file}: {listed}" if file else listed,)


def recipe_error(
    exc: ValidationError, *, file: Path | None, prefix: str = "", model: type[BaseModel] | None = None
) -> RecipeError:
    """A pydantic validation error as a :class:`RecipeError`: every problem with its key path
    (under ``prefix``), a suggestion for a misspelt key; several problems make a
    :class:`RecipeProblemsError`."""
    errors = sorted(_merge_union_branches(exc.errors(include_url=False)), key=lambda e: e["type"] != "extra_forbidden")
    problems: list[tuple[str | None, str]] = []
    while errors:
        first = errors.pop(0)
        key, message, errors = _problem(first, errors, prefix, model)
        if (key, message) not in problems:
            problems.append((key, message))
    if len(problems) == 1:
        return RecipeError(problems[0][1], file=file, key=problems[0][0])
    return RecipeProblemsError(problems, file=file)


_UNION_BRANCH = re.compile(
    r"^(int|str|float|bool|none|bytes|list|dict|tuple)$"
    r"|^[a-z]+(-[a-z]+)*\[.*\]$"  # list[int], literal['auto'], function-after[...], json-or-python[...]
    r"|^(json-or-python|lax-or-strict|is-instance|tagged-union|constrained-[a-z]+)$"
)
"""How pydantic names the branch of a union an error came from, inside the error's location
(``("streams", "literal['auto']")``): not a key of the recipe, so never shown as one."""


def _merge_union_branches(errors: list[Any]) -> list[Any]:
    """One problem per value that matched no branch of its union, instead of one per branch.

    pydantic reports ``deploy.streams`` given ``"lots"`` as two errors at ``streams.int`` and
    ``streams.literal['auto']``; the user wrote one value, at ``deploy.streams``. When a branch
    got deeper than the value itself (``shape.list[int].1``: the list was right, its second item
    was not), that deeper error is the telling one and the others are dropped; otherwise the
    branches merge into one message listing what the value may be (``expected a valid list or a
    valid dictionary``)."""
    groups: dict[tuple[Any, ...], list[tuple[int, Any]]] = {}
    result: list[Any] = []
    for error in errors:
        loc = tuple(error["loc"])
        branch = next((i for i, part in enumerate(loc) if isinstance(part, str) and _UNION_BRANCH.match(part)), None)
        if branch is None:
            result.append(error)
            continue
        if loc[:branch] not in groups:
            groups[loc[:branch]] = []
            result.append(("union", loc[:branch]))
        groups[loc[:branch]].append((branch, error))
    merged: list[Any] = []
    for item in result:
        if not (isinstance(item, tuple) and item[0] == "union"):
            merged.append(item)
            continue
        members = groups[item[1]]
        if len(members) == 1:  # one branch: not a union (an Annotated validator's step), as it was
            merged.append(members[0][1])
            continue
        deeper = [(branch, error) for branch, error in members if len(error["loc"]) > branch + 1]
        if deeper:
            for branch, error in deeper:
                cleaned = tuple(p for i, p in enumerate(error["loc"]) if i != branch)
                merged.extend(_merge_union_branches([{**error, "loc": cleaned}]))
            continue
        wanted = [error["msg"].removeprefix("Input should be ").split(",")[0] for _, error in members]
        first = members[0][1]
        message = "expected " + " or ".join(dict.fromkeys(wanted))
        merged.append({**first, "loc": item[1], "type": "union", "msg": message})
    return merged


def _problem(
    first: Any, errors: list[Any], prefix: str, model: type[BaseModel] | None
) -> tuple[str | None, str, list[Any]]:
    """One pydantic error as (key path, message), and the errors left (a misspelt key's
    missing twin is dropped: the suggestion covers it)."""
    location = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    key = format_key_path(location, prefix)
    if first["type"] == "extra_forbidden":
        message = "unknown key"
        missing = [e["loc"][-1] for e in errors if e["type"] == "missing" and e["loc"][:-1] == first["loc"][:-1]]
        candidates = [str(m) for m in missing] or _field_names(model, tuple(first["loc"][:-1]))
        close = difflib.get_close_matches(str(first["loc"][-1]), candidates, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
            errors = [e for e in errors if e["loc"] != (*first["loc"][:-1], close[0])]
    elif first["type"] == "missing":
        message = "missing required key"
    else:
        message = first["msg"].removeprefix("Value error, ")
        if "input" in first and first["type"] not in ("value_error",) and not isinstance(first["input"], dict):
            message += f" (got {first['input']!r})"
    return key or None, message, errors
