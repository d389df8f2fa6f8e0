"""What the host hands to plugins at run time, and the records it keeps.

Stages get a :class:`StageContext`, dataset kinds a :class:`DataContext`, measurements a
:class:`MeasureContext` and a :class:`MeasureSubject`. Lifecycle hooks receive :class:`RunInfo`
and :class:`StageRecord`. Nothing here imports openvino at module level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.content_hash import ContentHasher, content_keyed
from ovtune.errors import DataError

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.recipe import DataSpec, DeploySection, MeasureSection, MetricSpec, Recipe
    from ovtune.registry import Registry
    from ovtune.types import Dataset, Sample


@dataclass(frozen=True)
class InputSpec:
    """One model input as datasets see it: name, shape (``-1`` for dynamic) and type."""

    name: str
    shape: tuple[int, ...]
    element_type: str

    @property
    def is_static(self) -> bool:
        return all(dim >= 0 for dim in self.shape)


def describe_inputs(model: ov.Model) -> list[InputSpec]:
    """The inputs of an ``openvino.Model`` (the first name of each input's tensor)."""
    specs: list[InputSpec] = []
    for port in model.inputs:
        shape = tuple(dim.get_length() if dim.is_static else -1 for dim in port.get_partial_shape())
        names = port.get_names()
        name = port.get_any_name() if names else f"input{len(specs)}"
        specs.append(InputSpec(name, shape, port.get_element_type().get_type_name()))
    return specs


class LoadContext:
    """Given to ``Loader.load``: the recipe's folder and its data, for loaders that need an
    example input (tracing a PyTorch model, say) before the model's inputs are known."""

    def __init__(self, base_dir: Path, data: dict[str, DataSpec]):
        self.base_dir = base_dir
        self._data = data

    @property
    def data_names(self) -> list[str]:
        return list(self._data)

    def first_sample(self, name: str) -> Sample:
        """The first sample of ``[data.NAME]``, read without a model: its arrays are keyed by
        their names in the file, in file order."""
        return DataCatalog(self._data, [], self.base_dir).get(name)[0]


@dataclass(frozen=True)
class DataContext:
    """Given to ``DatasetKind.open``: the model's inputs, to map arrays onto them."""

    name: str
    key: str
    model_inputs: list[InputSpec]
    base_dir: Path


class DataCatalog:
    """The recipe's ``[data.*]`` entries, opened on first use."""

    def __init__(self, specs: dict[str, DataSpec], model_inputs: list[InputSpec], base_dir: Path):
        self._specs = specs
        self._inputs = model_inputs
        self._base_dir = base_dir
        self._open: dict[str, Dataset] = {}

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    @property
    def model_inputs(self) -> list[InputSpec]:
        return list(self._inputs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def get(self, name: str) -> Dataset:
        """Open ``[data.NAME]`` (once) or raise :class:`DataError` naming what is defined."""
        if name not in self._specs:
            defined = ", ".join(self._specs) or "none"
            raise DataError(f"no [data.{name}] in the recipe (defined: {defined})")
        if name not in self._open:
            from ovtune.faults import call

            spec = self._specs[name]
            context = DataContext(name, f"data.{name}", self._inputs, self._base_dir)
            dataset = call(spec.kind, "open", spec.options, context)
            if len(dataset) == 0:
                raise DataError(f"data.{name}: the dataset is empty")
            if self._inputs:
                check_fits(f"data.{name}", dataset[0], self._inputs)
            self._open[name] = dataset
        return self._open[name]

    def fingerprint(self, hasher: ContentHasher) -> dict[str, Any]:
        """What identifies the data for the stage cache: each entry's kind and options, with
        every file or folder an option names replaced by the hash of its content (so the key
        holds no path: the same data elsewhere is the same key, changed data never is)."""
        return {
            name: {"kind": spec.kind.item.name, "options": content_keyed(spec.options.model_dump(), hasher)}
            for name, spec in self._specs.items()
        }


def check_fits(key: str, sample: Sample, inputs: list[InputSpec]) -> None:
    """Raise :class:`DataError` naming the data entry, the input and both shapes when an array
    of ``sample`` cannot feed the model input of its name (else OpenVINO fails mid-measurement
    with a multi-line error that names neither). A first dimension that divides a static batch
    fits: accuracy stacks samples into such a batch."""
    for spec in inputs:
        array = sample.inputs.get(spec.name)
        if array is None:
            continue
        shape = tuple(int(dim) for dim in getattr(array, "shape", ()))
        if not _fits(shape, spec.shape):
            raise DataError(
                f"{key}: input {spec.name!r} takes shape {_shape_text(spec.shape)}, the data gives {_shape_text(shape)}"
            )


def _fits(shape: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    if len(shape) != len(wanted):
        return False
    if not shape:
        return True
    batch = wanted[0] < 0 or wanted[0] == shape[0] or (shape[0] > 0 and wanted[0] % shape[0] == 0)
    return batch and all(want < 0 or want == have for have, want in zip(shape[1:], wanted[1:], strict=True))


def _shape_text(shape: tuple[int, ...]) -> str:
    """``[?,3,32,32]``, as OpenVINO prints shapes (``?`` for a dynamic dimension)."""
    return "[" + ",".join("?" if dim < 0 else str(dim) for dim in shape) + "]"


@dataclass
class StageContext:
    """Given to ``Stage.run`` with the model and the options."""

    recipe: Recipe
    index: int
    name: str
    data: DataCatalog
    deploy: DeploySection
    work_dir: Path
    log: logging.Logger
    registry: Registry
    on_progress: Callable[[float, float | None, str], None] | None = None
    deadline: float | None = None
    """When the stage should be done (``time.time()``; ``None``: no limit). ``ovtune tune``
    sets it to the end of its time budget: a stage that can stop early (fewer calibration
    samples, fewer accuracy-control iterations) should, and call :meth:`cut_short` to say so."""
    cut_short_reason: str = ""
    shares_machine: bool = False
    """The stage runs beside other work (an executor builds several models side by side): a
    timing taken here (a speed check) would measure that work too, so a stage should skip it and
    say so. The run's own measurements always have their machine to themselves."""

    def time_left(self) -> float | None:
        """Seconds until :attr:`deadline` (negative once past it), ``None`` without one."""
        import time

        return None if self.deadline is None else self.deadline - time.time()

    def past_deadline(self) -> bool:
        left = self.time_left()
        return left is not None and left <= 0

    def cut_short(self, reason: str) -> None:
        """Say that the stage stopped early for the deadline and returns its best model so far
        (``"calibrated on 80 of 300 samples"``). The record carries the reason, and the model
        is cached apart: a later run without a deadline computes the full result."""
        self.cut_short_reason = reason

    @property
    def key(self) -> str:
        """The recipe key path of this stage, for error messages: ``stage[2]``."""
        return f"stage[{self.index}]"

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report that ``done`` of ``total`` units of the work ``message`` names are finished;
        ovtune shows it (with an estimate of the time left) and passes it to the
        ``ovtune_stage_progress`` hook. Cheap enough to call once per sample."""
        if self.on_progress is not None:
            self.on_progress(done, total, message)


@dataclass
class StageResult:
    """What a stage returns: the new model and what it wants recorded in the report."""

    model: ov.Model
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class StageRecord:
    """One stage as ``report.json`` records it."""

    index: int
    name: str
    options: dict[str, Any]
    cache_key: str
    model_path: str
    seconds: float
    cached: bool
    plugin: str
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``01-mo``: how the stage's model is named in the run folder and the report."""
        return f"{self.index:02d}-{self.name}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageRecord:
        return cls(**data)


@dataclass(frozen=True)
class RunInfo:
    """Passed to lifecycle hooks: which recipe runs, where its outputs go."""

    recipe_name: str
    recipe_path: Path | None
    run_dir: Path
    stages: tuple[str, ...]


@dataclass
class MeasureSubject:
    """A model being measured: the original or one stage's output."""

    label: str
    model_path: Path | None
    source_files: list[Path]
    loader: Any = None
    reshape: str | dict[str, str] | None = None
    _model: ov.Model | None = None

    def read(self) -> ov.Model:
        """The ``openvino.Model`` (read once)."""
        if self._model is None:
            self._model = self.loader() if self.loader else _read_ir(self.model_path)
        return self._model


def _read_ir(path: Path | None) -> ov.Model:
    import openvino as ov

    return ov.Core().read_model(str(path))


@dataclass
class MeasureContext:
    """Given to measurements: the runtime, the settings, the data and the metric."""

    core: ov.Core
    device: str
    config: dict[str, Any]
    deploy: DeploySection
    measure: MeasureSection
    data: DataCatalog
    metric: MetricSpec | None
    reference: MeasureSubject
    recipe: Recipe | None = None
    cache: dict[str, Any] = field(default_factory=dict)
    compiled: dict[str, Any] = field(default_factory=dict)

    def load_context(self) -> LoadContext:
        """What the recipe's loader was given, for baselines that load the source model again
        in their own framework (a PyTorch module, say)."""
        if self.recipe is None:
            return LoadContext(Path.cwd(), {})
        return LoadContext(self.recipe.base_dir, self.recipe.data)

    def compile(self, subject: MeasureSubject) -> ov.CompiledModel:
        """Compile ``subject`` with the deploy settings (once per subject)."""
        if subject.label not in self.compiled:
            from ovtune.deploy import compile_model

            self.compiled[subject.label] = compile_model(self.core, subject.read(), self.device, self.config)
        return self.compiled[subject.label]

    def sample_data(self) -> Dataset | None:
        """The dataset inputs for timing come from: the metric's data, else the first."""
        if self.metric is not None and self.metric.data in self.data:
            return self.data.get(self.metric.data)
        names = self.data.names
        return self.data.get(names[0]) if names else None
