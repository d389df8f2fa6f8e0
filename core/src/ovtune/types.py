"""What plugins register.

Every registration hook returns an iterable of these frozen dataclasses. They carry static
metadata only (a name, a one-line summary, the options model) plus references to the
implementation and the options, each of which may be a ``"module:attribute"`` string imported
on first use. ``ovtune --help``, ``ovtune plugins`` and every registration hook call import this
module, so it imports neither pydantic nor NumPy: a plugin that names its options model as a
string keeps its registration module as light, and listing plugins imports nothing heavy::

    @ovtune.hookimpl
    def ovtune_register_stages():
        return [Stage(name="mo", summary="Model Optimizer flags", options="ovtune_mo.options:MoOptions",
                      run="ovtune_mo.stage:run")]

Readers take the options model through :meth:`Registration.options_model`, never the field.
The options base classes live in :mod:`ovtune.options`. The behaviour behind each registration
is described by the small abstract classes at the end of this module (:class:`Dataset`,
:class:`MetricAccumulator`) and by the call signatures given in each class's docstring.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

from ovtune.errors import PluginError
from ovtune.importing import Implementation, ImportReferenceError, import_object, resolve

if TYPE_CHECKING:
    import numpy as np
    from pydantic import BaseModel

    from ovtune.options import Options

OptionsModel: TypeAlias = "type[Options] | str"
"""An options model (a subclass of :class:`ovtune.options.Options`), or a ``"module:Class"``
string naming one, imported when a recipe, ``ovtune stages`` or ``ovtune schema`` needs it."""

NO_OPTIONS = "ovtune.options:NoOptions"
"""The options model of registrations that take none."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_REFERENCE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


@dataclass(frozen=True, kw_only=True)
class Registration:
    """Fields shared by every registration: a dotted lower-case name, a summary line, and the
    libraries whose versions can change what it computes.

    ``libraries`` names distributions (``("nncf",)``, ``("torch",)``) besides OpenVINO and
    ovtune, which always count: a stage's cache key holds their installed versions, so a new
    NNCF recomputes an NNCF stage and nothing else; the report and ``run.lock.toml`` record
    the versions of the libraries of every registration a recipe used.
    """

    kind: ClassVar[str] = "registration"
    """What a recipe and a message call this type (``"dataset kind"``)."""
    hook: ClassVar[str] = ""
    """The registration hook whose results are of this type: ``ovtune_register_`` and the plural
    of :attr:`kind` (``ovtune_register_dataset_kinds``); :mod:`ovtune.hookspecs` declares one for
    each of :data:`REGISTRATION_TYPES` and the plugin host calls it."""

    name: str
    summary: str
    libraries: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "hook" not in vars(cls):
            cls.hook = f"ovtune_register_{cls.kind.replace(' ', '_')}s"

    def options_model(self) -> type[Options]:
        """The options model of this registration, imported now if it was named as a string
        (:class:`ovtune.options.NoOptions` for types that take no options)."""
        from pydantic import BaseModel

        reference = getattr(self, "options", NO_OPTIONS)
        try:
            model = import_object(reference) if isinstance(reference, str) else reference
        except ImportReferenceError as exc:
            raise PluginError(f"{self.kind} {self.name!r}: its options model cannot be imported: {exc}") from None
        # a pydantic model is enough to validate a table; the conformance kit asks for Options
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise PluginError(f"{self.kind} {self.name!r}: options {reference!r} is not a pydantic model")
        return model  # type: ignore[return-value]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"invalid {self.kind} name {self.name!r}: use lower-case words, digits, '_' and '.'")
        if not self.summary.strip():
            raise ValueError(f"{self.kind} {self.name!r} needs a one-line summary")
        if isinstance(self.libraries, str) or not all(isinstance(name, str) and name for name in self.libraries):
            raise ValueError(f"{self.kind} {self.name!r}: libraries is a tuple of distribution names, e.g. ('nncf',)")
        options = getattr(self, "options", None)
        if isinstance(options, str) and not _REFERENCE.match(options):
            raise ValueError(f"{self.kind} {self.name!r}: options {options!r} is not 'package.module:Class'")


@dataclass(frozen=True, kw_only=True)
class Loader(Registration):
    """Reads a model file into an ``openvino.Model``.

    ``load(source: pathlib.Path | str, options, context: ovtune.context.LoadContext)
    -> openvino.Model``. ``suffixes`` (``".onnx"``)
    select the loader from a file name; ``schemes`` (``"torch"``) from a ``scheme:rest``
    source string. ``[model] format = NAME`` selects it explicitly.
    """

    kind: ClassVar[str] = "loader"

    load: Implementation
    suffixes: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    options: OptionsModel = NO_OPTIONS


@dataclass(frozen=True, kw_only=True)
class Stage(Registration):
    """An optimization step: ``[[stage]] use = NAME``.

    ``run(model: openvino.Model, options, context: ovtune.context.StageContext)
    -> ovtune.context.StageResult | openvino.Model``. The stage must not mutate ``model``
    (clone it first); its result is saved as IR and cached, keyed by the input model, the
    options, the recipe's data, and the versions of its plugin, ovtune, OpenVINO and the
    ``libraries`` it and the recipe's loader declare.
    """

    kind: ClassVar[str] = "stage"

    options: OptionsModel
    run: Implementation


@dataclass(frozen=True, kw_only=True)
class DatasetKind(Registration):
    """A data format: ``[data.NAME] kind = NAME``.

    ``open(options, context: ovtune.context.DataContext) -> Dataset``.
    """

    kind: ClassVar[str] = "dataset kind"

    options: OptionsModel
    open: Implementation


@dataclass(frozen=True, kw_only=True)
class Metric(Registration):
    """A quality metric: ``[metric] kind = NAME``.

    ``create(options) -> MetricAccumulator``. ``needs_labels`` metrics read ``Sample.label``;
    ``needs_reference`` metrics compare with the original model's outputs on the same sample.
    """

    kind: ClassVar[str] = "metric"

    options: OptionsModel
    create: Implementation
    higher_is_better: bool = True
    needs_labels: bool = False
    needs_reference: bool = False


@dataclass(frozen=True, kw_only=True)
class Device(Registration):
    """An inference device that ovtune knows how to describe and select.

    ``name`` is lower-case (``cpu``); ``device`` is OpenVINO's spelling (``CPU``).
    """

    kind: ClassVar[str] = "device"

    device: str


_FIGURE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One number a measurement's result holds, declared once so that every reader of a report
    (the table, Markdown and HTML reports, ``compare --fail-on``, ``[tune] objective`` and
    ``[tune.constraints]``) finds it, labels it and knows which way is better in the same way.

    ``key`` is its path in the measurement's result (``"median_ms"``, ``"cached.total_ms"``);
    the figure's id in reports and recipes is ``MEASUREMENT.KEY`` (``latency.median_ms``).
    ``better`` is ``"lower"``, ``"higher"`` or None (no direction: a count, a spread);
    ``better_from`` names a boolean key of the result that decides instead (a metric says
    whether higher is better). ``headline`` figures are columns of the run's table; the
    ``main`` one stands for the measurement.
    """

    key: str
    label: str
    unit: str = ""
    better: Literal["lower", "higher"] | None = None
    better_from: str | None = None
    headline: bool = False
    main: bool = False
    """Stands for its measurement where a figure is named by the measurement alone (``[tune]
    objective = "first_inference"``); by default the measurement's first headline figure does."""
    format: str = ".4g"
    """A format spec for the table (``".3f"``, ``"+.4f"``)."""

    def __post_init__(self) -> None:
        if not _FIGURE_KEY.match(self.key):
            raise ValueError(f"figure key {self.key!r}: use dotted identifiers (median_ms, cached.total_ms)")
        if self.better not in (None, "lower", "higher"):
            raise ValueError(f"figure {self.key!r}: better must be 'lower', 'higher' or None")
        format(1.0, self.format)  # a bad format spec fails at registration, not in a report

    def to_json(self, measurement: str) -> dict[str, Any]:
        """The declaration as reports carry it (a report describes its own figures)."""
        return {"id": f"{measurement}.{self.key}", "measurement": measurement, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class Measurement(Registration):
    """Something measured on every model: ``[measure] metrics = [NAME, ...]``.

    ``run(subject: ovtune.context.MeasureSubject, options, context:
    ovtune.context.MeasureContext) -> dict[str, Any]`` (JSON-serializable statistics).
    ``figures`` declares the numbers of that result that reports, ``compare`` and ``tune``
    read; the first headline figure is the measurement's main one (``[tune] objective =
    "latency"`` means ``latency.median_ms``).
    """

    kind: ClassVar[str] = "measurement"

    options: OptionsModel = NO_OPTIONS
    run: Implementation
    unit: str = ""
    figures: tuple[Figure, ...] = ()
    result: type[BaseModel] | str | None = None
    """The model of ``run``'s result (or a ``"module:Class"`` string naming it), when the plugin
    publishes one (the built-ins do: the report schema is generated from them)."""

    def result_model(self) -> type[BaseModel] | None:
        """The model of ``run``'s result, imported now if it was named as a string."""
        return import_object(self.result) if isinstance(self.result, str) else self.result

    def __post_init__(self) -> None:
        super().__post_init__()
        keys = [figure.key for figure in self.figures]
        if len(set(keys)) != len(keys):
            raise ValueError(f"measurement {self.name!r} declares a figure twice")


@dataclass(frozen=True, kw_only=True)
class Baseline(Registration):
    """A native-framework comparison: ``[measure] baseline = NAME``.

    ``run(source: pathlib.Path | str, options, context: ovtune.context.MeasureContext)
    -> dict[str, Any]`` returns ``{"framework": "name version", "precision": "f32",
    "measurements": {name: result, ...}, "notes": [...]}``, each result with the same keys as
    the OpenVINO measurement of that name, so reports can put them side by side. ``suffixes``
    (``".onnx"``) and ``schemes`` (``"torch"`` for ``torch:pkg.mod:factory``) are the source
    models it can run, as for :class:`Loader`; ``ovtune validate`` checks them. A baseline that
    names neither runs any source.
    """

    kind: ClassVar[str] = "baseline"

    options: OptionsModel = NO_OPTIONS
    run: Implementation
    suffixes: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()

    def runs(self, source: str | Path) -> bool:
        """Whether this baseline can run the recipe's ``[model] source``."""
        if not self.suffixes and not self.schemes:
            return True
        if isinstance(source, str) and ":" in source:
            return source.split(":", 1)[0] in self.schemes
        return Path(source).suffix.lower() in self.suffixes


@dataclass(frozen=True, kw_only=True)
class Reporter(Registration):
    """Writes or prints a run's report: ``[output] reports = [NAME, ...]``.

    ``write(report: dict, out_dir: pathlib.Path, console: rich.console.Console)
    -> list[pathlib.Path]`` (the files written, possibly none).
    """

    kind: ClassVar[str] = "reporter"

    write: Implementation
    default: bool = False
    document: bool = False
    """Writes the report document itself (``report.json``): runs after the other reporters, so
    that the document lists every file they wrote and equals what ``ovtune_pipeline_finish``
    receives."""


@dataclass(frozen=True, kw_only=True)
class Command(Registration):
    """A sub-command of ``ovtune``. ``command`` resolves to a ``click.Command``."""

    kind: ClassVar[str] = "command"

    command: Implementation


REGISTRATION_TYPES: tuple[type[Registration], ...] = (
    Loader,
    Stage,
    DatasetKind,
    Metric,
    Device,
    Measurement,
    Baseline,
    Reporter,
    Command,
)
"""Every type a plugin registers, in the order the plugin host collects them: the one list of
registration kinds (each type names its :attr:`~Registration.kind` and
:attr:`~Registration.hook`; the hook specifications, the host and the registry derive theirs
from it)."""


def implementation(registration: Registration, attribute: str) -> Any:
    """Return the callable that ``registration.<attribute>`` names, importing it if needed."""
    return resolve(getattr(registration, attribute))


# --------------------------------------------------------------------------------------
# Behaviour behind the registrations
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One item of a dataset: the model's inputs by input name, and an optional label.

    Arrays keep the batch dimension the model expects (usually 1).
    """

    inputs: Mapping[str, np.ndarray]
    label: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class Dataset(abc.ABC):
    """A finite, indexable sequence of :class:`Sample`; reading an item must be cheap
    enough to repeat (measurements cycle through samples)."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def __getitem__(self, index: int) -> Sample: ...

    def __iter__(self):  # type: ignore[no-untyped-def]
        for index in range(len(self)):
            yield self[index]

    @property
    def has_labels(self) -> bool:
        """True when samples carry labels (metrics that need them check this)."""
        return len(self) > 0 and self[0].label is not None


class MetricAccumulator(abc.ABC):
    """Accumulates one metric over a dataset, one sample at a time."""

    @abc.abstractmethod
    def update(
        self,
        outputs: list[np.ndarray],
        sample: Sample,
        reference: list[np.ndarray] | None,
    ) -> None:
        """Add one sample: the model's outputs, the sample, the original model's outputs."""

    @abc.abstractmethod
    def result(self) -> float:
        """The metric over every sample seen so far."""
