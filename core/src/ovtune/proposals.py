"""What the tuner tells plugins about a model and a device, and what they propose to try.

``ovtune tune`` without a hand-written search space asks every installed plugin, through the
``ovtune_tune_candidates`` hook, what its technique would try on *this* model on *this*
device. The knowledge of when static shapes, a transformer quantization scheme, a float
detection head or weight compression pay off lives in the plugin that implements it: install
a plugin and the tuner tries its technique; block or uninstall it and the tuner does not.

The request (:class:`TuneRequest`) is plain data computed once from the loaded model, the
recipe's data and OpenVINO's device properties (:mod:`ovtune.profiling`), so a plugin's
proposal logic reads no model file and imports neither OpenVINO nor NumPy. The answers are
:class:`ProposedVariant` (a stage list, with choices) and :class:`ProposedDeploy` (values of
one ``[deploy]`` key), each with the one-line reason the tuner prints and writes into
``space.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Phase = Literal["float", "quantized", "recovery"]
"""When the tuner tries a variant. ``float``: the model in floating point, tried first with the
runtime settings (cheap: no new model, or a quick graph change). ``quantized``: low-precision
variants (INT8, compressed weights). ``recovery``: variants that give speed back for accuracy
(accuracy-aware quantization, layers kept in float, a milder preset); tried only when every
plain quantized candidate breaks a bound."""

PHASES: tuple[Phase, ...] = ("float", "quantized", "recovery")


@dataclass(frozen=True)
class InputProfile:
    """One model input: its declared shape and the shapes the recipe's data gives it."""

    name: str
    element_type: str
    dims: tuple[int | None, ...] | None
    """Dimensions, ``None`` for a dynamic one; ``None`` as a whole when the rank is dynamic."""
    data_shapes: tuple[tuple[int, ...], ...] = ()
    """Distinct shapes of this input in the first samples of the recipe's data (empty when the
    recipe has no data for it)."""

    @property
    def dynamic(self) -> bool:
        return self.dims is None or any(d is None for d in self.dims)

    @property
    def shape_text(self) -> str:
        if self.dims is None:
            return "[...]"
        return "[" + ",".join("?" if d is None else str(d) for d in self.dims) + "]"


@dataclass(frozen=True)
class ModelProfile:
    """What the graph is: its inputs, what it computes with, and where its weights are."""

    inputs: tuple[InputProfile, ...]
    op_counts: Mapping[str, int]
    """Operation type -> count (``Convolution``, ``MatMul``, ``Softmax`` ...)."""
    weight_bytes: Mapping[str, int]
    """Operation type -> bytes of the constant weights it consumes (directly or through a
    ``Convert``/``FakeQuantize``/decompression chain)."""
    attention_blocks: int = 0
    """MatMul -> Softmax -> MatMul patterns: the signature of (self-)attention."""
    detection_head: tuple[str, ...] = ()
    """Names of the operations after the last concatenation that merges several branches into
    an output (boxes and classes of a detector): the usual candidates to keep in float."""
    output_layers: tuple[str, ...] = ()
    """Names of the compute layers (Convolution, MatMul) nearest to the outputs: with the
    detection head, the first candidates to keep in float when INT8 costs too much accuracy."""
    low_precision: bool = False
    """The model is already quantized or compressed (``FakeQuantize`` or integer weights)."""
    parameters: int = 0
    """Number of weight elements."""

    @property
    def dynamic(self) -> bool:
        return any(i.dynamic for i in self.inputs)

    @property
    def transformer(self) -> bool:
        return self.attention_blocks > 0

    @property
    def total_weight_bytes(self) -> int:
        return sum(self.weight_bytes.values())

    def weight_share(self, *op_types: str) -> float:
        """Share of the weight bytes consumed by ``op_types`` (0 for a model without weights)."""
        total = self.total_weight_bytes
        return sum(self.weight_bytes.get(t, 0) for t in op_types) / total if total else 0.0


@dataclass(frozen=True)
class DeviceProfile:
    """The device as OpenVINO describes it."""

    name: str
    """The device string compiled for (``CPU``, ``GPU.0``)."""
    full_name: str = ""
    capabilities: tuple[str, ...] = ()
    """``OPTIMIZATION_CAPABILITIES`` (``FP32``, ``BF16``, ``INT8``, ``FP16`` ...)."""
    precisions: tuple[str, ...] = ("f32",)
    """Inference precisions the device runs, in ovtune's spelling (``f32``, ``bf16``, ``f16``)."""
    cores: int = 1
    """Physical cores the device can use (CPU), else 1."""
    max_streams: int = 1
    """Largest useful number of streams (``RANGE_FOR_STREAMS``, capped at ``cores`` on CPU)."""


@dataclass(frozen=True)
class TuneRequest:
    """What a plugin is asked to propose for: the model, the device and the goal."""

    model: ModelProfile
    device: DeviceProfile
    objective: str
    """The ``[tune]`` objective (``throughput``, ``latency``, ``latency.p90``, a figure name)."""
    throughput: bool
    """The objective counts samples per second (batching and more streams may pay off)."""
    data: tuple[str, ...] = ()
    """The recipe's ``[data.NAME]`` entries."""
    calibration: str | None = None
    """The ``[data.NAME]`` a stage should calibrate with (``calibration`` when the recipe has
    it, else the first entry), ``None`` without data."""
    metric: bool = False
    """The recipe has a ``[metric]``: accuracy is measured and bounded."""
    max_drop: float | None = None
    """The accuracy bound (``[tune.constraints] max_drop``), when there is one."""
    budget_seconds: float = 600.0
    """The time budget of the search: size what you propose (subset sizes, iterations) to it."""


@dataclass(frozen=True)
class ProposedVariant:
    """A way to build the model: a ``[[stage]]`` list, and the options worth searching."""

    name: str
    """Short, unique name shown in the trials table (``static``, ``int8-transformer``)."""
    stages: tuple[Mapping[str, Any], ...]
    """Stage tables as in a recipe's ``[[stage]]`` (``{"use": "pot.default", ...}``)."""
    reason: str
    """One line: why this is worth trying on this model (printed, and written to space.toml)."""
    phase: Phase = "float"
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    """``"N.option"`` (N: position in ``stages``, from 1) -> the values to try."""
    prepares: bool = False
    """A graph preparation (static shapes, batch) that the quantized and recovery variants
    should be built on: the tuner puts these stages in front of theirs."""

    def to_table(self) -> dict[str, Any]:
        """The proposal as a ``[[tune.variant]]`` table (plain lists and dicts), as it is
        written to ``space.toml``."""
        return {
            "name": self.name,
            "stage": [dict(stage) for stage in self.stages],
            "choices": {key: list(values) for key, values in self.choices.items()},
            "phase": self.phase,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ProposedDeploy:
    """Values of one ``[deploy]`` key worth trying (``hint``, ``streams``, ``requests``,
    ``threads``, ``precision``, ``pinning``)."""

    key: str
    values: tuple[Any, ...]
    reason: str


Proposal = ProposedVariant | ProposedDeploy
"""What ``ovtune_tune_candidates`` returns an iterable of."""
