"""Profile a model and a device for the plugins that propose a search space.

One pass over the graph gives what an expert looks at before choosing optimizations: which
inputs are dynamic and what shapes the data really has, which operations the model computes
with, where its weight bytes sit (MatMul and Gather weights dominate a language model; then
weight compression pays), whether it has attention blocks (a transformer: quantize with
``model_type = "transformer"``), a detection head (the post-processing after the concatenation
of box and class branches, which loses accuracy in INT8), and the compute layers that feed
the outputs. The device profile is what OpenVINO reports, never a guess from the CPU's name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ovtune.proposals import DeviceProfile, InputProfile, ModelProfile

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.context import DataCatalog

COMPUTE_OPS = frozenset(
    {"Convolution", "GroupConvolution", "ConvolutionBackpropData", "GroupConvolutionBackpropData", "MatMul"}
)
"""Operations whose weights are the model's parameters (and what INT8 speeds up)."""

_PASS_THROUGH = frozenset(
    {"Convert", "FakeQuantize", "FakeConvert", "Subtract", "Multiply", "Reshape", "Transpose", "Unsqueeze", "Squeeze"}
)
"""Operations between a weight constant and the layer that consumes it (decompression,
quantization, layout): followed to find who the weights belong to."""

_ATTENTION_GLUE = frozenset(
    {"Add", "Multiply", "Divide", "Reshape", "Transpose", "Convert", "Select", "Squeeze", "Unsqueeze", "FakeQuantize"}
)
"""What may sit between the MatMuls of attention and its Softmax (scale, mask, layout)."""

_HEAD_STOP = COMPUTE_OPS | {"Parameter"}

LOW_PRECISION_TYPES = frozenset({"i8", "u8", "i4", "u4", "nf4", "f4e2m1", "f8e4m3", "f8e5m2"})

SAMPLES_PER_DATASET = 4
"""Samples read from each ``[data.*]`` entry for the input shapes (reading must be cheap)."""


def profile_model(model: ov.Model, catalog: DataCatalog | None = None) -> ModelProfile:
    """The :class:`ModelProfile` of ``model``; ``catalog`` gives the shapes of the data."""
    ops = list(model.get_ordered_ops())
    op_counts: dict[str, int] = {}
    for op in ops:
        kind = op.get_type_name()
        op_counts[kind] = op_counts.get(kind, 0) + 1
    weight_bytes, parameters, low_precision = _weights(ops)
    return ModelProfile(
        inputs=tuple(_inputs(model, catalog)),
        op_counts=dict(sorted(op_counts.items())),
        weight_bytes=dict(sorted(weight_bytes.items(), key=lambda item: -item[1])),
        attention_blocks=_attention_blocks(ops) + op_counts.get("ScaledDotProductAttention", 0),
        detection_head=_detection_head(model),
        output_layers=_output_layers(model),
        low_precision=low_precision or op_counts.get("FakeQuantize", 0) > 0,
        parameters=parameters,
    )


def profile_device(device: str) -> DeviceProfile:
    """What OpenVINO says about ``device`` (``CPU``, ``GPU``): its capabilities, the inference
    precisions they allow, its cores and the range of streams."""
    import openvino as ov

    core = ov.Core()
    physical = device.split(":", 1)[-1].split(",", 1)[0].split("(", 1)[0] or "CPU"
    capabilities = tuple(str(c) for c in _property(core, physical, "OPTIMIZATION_CAPABILITIES", ()))
    precisions = ["f32"]
    if "BF16" in capabilities:
        precisions.insert(0, "bf16")  # OpenVINO's default where the CPU has it: try it first
    if "FP16" in capabilities:
        precisions.append("f16")
    streams = _property(core, physical, "RANGE_FOR_STREAMS", (1, 1))
    cores = _cpu_count() if physical.startswith("CPU") else 1
    max_streams = int(streams[1]) if len(streams) > 1 else 1
    if physical.startswith("CPU"):
        max_streams = max(1, min(max_streams, cores))
    return DeviceProfile(
        name=physical,
        full_name=str(_property(core, physical, "FULL_DEVICE_NAME", physical)),
        capabilities=capabilities,
        precisions=tuple(precisions),
        cores=cores,
        max_streams=max_streams,
    )


def _property(core: Any, device: str, name: str, default: Any) -> Any:
    try:
        return core.get_property(device, name)
    except RuntimeError:  # a device that does not report it
        return default


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# -- inputs --------------------------------------------------------------------------------


def _inputs(model: ov.Model, catalog: DataCatalog | None) -> Iterable[InputProfile]:
    shapes = _data_shapes(catalog) if catalog is not None else {}
    for index, port in enumerate(model.inputs):
        name = port.get_any_name() if port.get_names() else f"input{index}"
        partial = port.get_partial_shape()
        dims = None if partial.rank.is_dynamic else tuple(d.get_length() if d.is_static else None for d in partial)
        yield InputProfile(
            name=name,
            element_type=port.get_element_type().get_type_name(),
            dims=dims,
            data_shapes=tuple(sorted(shapes.get(name, ()))),
        )


def _data_shapes(catalog: DataCatalog) -> dict[str, set[tuple[int, ...]]]:
    """Input name -> the distinct shapes of the first samples of every ``[data.*]`` entry."""
    shapes: dict[str, set[tuple[int, ...]]] = {}
    for name in catalog.names:
        dataset = catalog.get(name)
        for index in range(min(len(dataset), SAMPLES_PER_DATASET)):
            for input_name, array in dataset[index].inputs.items():
                shapes.setdefault(input_name, set()).add(tuple(int(d) for d in getattr(array, "shape", ())))
    return shapes


# -- weights -------------------------------------------------------------------------------


def _weights(ops: list[Any]) -> tuple[dict[str, int], int, bool]:
    """Bytes of weight constants by the type of the operation that consumes them, the number
    of weight elements, and whether any weight is stored in a low precision."""
    weight_bytes: dict[str, int] = {}
    parameters = 0
    low_precision = False
    for op in ops:
        if op.get_type_name() != "Constant":
            continue
        element = op.get_output_element_type(0)
        shape = op.get_output_partial_shape(0)
        if shape.is_dynamic:
            continue
        count = 1
        for dim in shape.to_shape():
            count *= int(dim)
        if count < 64:  # scalars, shapes, axes: not weights
            continue
        owner = _consumer(op)
        if owner is None:
            continue
        size = max(1, element.bitwidth * count // 8)
        weight_bytes[owner] = weight_bytes.get(owner, 0) + size
        parameters += count
        low_precision = low_precision or element.get_type_name() in LOW_PRECISION_TYPES
    return weight_bytes, parameters, low_precision


def _consumer(constant: Any) -> str | None:
    """The type of the operation past the decompression chain that reads ``constant``: a
    compute layer when one does (a weight shared with ``ShapeOf`` still belongs to its
    convolution), else the first other reader."""
    found: list[str] = []
    frontier = [constant]
    for _ in range(8):
        following = []
        for node in frontier:
            for target in (t.get_node() for t in node.output(0).get_target_inputs()):
                kind = str(target.get_type_name())
                if kind in COMPUTE_OPS:
                    return kind
                if kind in _PASS_THROUGH and not (kind in ("Subtract", "Multiply") and _is_activation_math(target)):
                    following.append(target)
                elif kind != "ShapeOf":
                    found.append(kind)
        if not following:
            break
        frontier = following
    return found[0] if found else None


def _is_activation_math(node: Any) -> bool:
    """A Subtract/Multiply with no constant input is model math, not weight decompression."""
    return not any(i.get_source_output().get_node().get_type_name() in ("Constant", "Convert") for i in node.inputs())


# -- attention -----------------------------------------------------------------------------


def _attention_blocks(ops: list[Any]) -> int:
    """Softmax operations fed by a MatMul and feeding one (through scale, mask and layout)."""
    count = 0
    for op in ops:
        if op.get_type_name() != "Softmax":
            continue
        if _reaches(op, upstream=True) and _reaches(op, upstream=False):
            count += 1
    return count


def _reaches(op: Any, *, upstream: bool, depth: int = 6) -> bool:
    frontier = [op]
    for _ in range(depth):
        following = []
        for node in frontier:
            if upstream:
                neighbours = [i.get_source_output().get_node() for i in node.inputs()]
            else:
                neighbours = [t.get_node() for output in node.outputs() for t in output.get_target_inputs()]
            for neighbour in neighbours:
                kind = neighbour.get_type_name()
                if kind == "MatMul":
                    return True
                if kind in _ATTENTION_GLUE:
                    following.append(neighbour)
        frontier = following
    return False


# -- the head ------------------------------------------------------------------------------


TAIL_DEPTH = 12
"""How far back from the outputs the post-processing is followed: far enough for a detector's
decoding (sigmoid, distribution focal loss, box arithmetic), not along a residual chain
through the whole network."""


def _tail(model: ov.Model) -> list[Any]:
    """The operations between the last compute layers and the outputs (post-processing)."""
    seen: dict[str, Any] = {}
    frontier = [r.input(0).get_source_output().get_node() for r in model.get_results()]
    for _ in range(TAIL_DEPTH):
        following = []
        for node in frontier:
            name = node.get_friendly_name()
            kind = node.get_type_name()
            if name in seen or kind in _HEAD_STOP or kind == "Constant":
                continue
            seen[name] = node
            following += [i.get_source_output().get_node() for i in node.inputs()]
        frontier = following
    return list(seen.values())


def _detection_head(model: ov.Model) -> tuple[str, ...]:
    """The post-processing after a concatenation of several computed branches (boxes and
    classes), when the model has one: those operations' names, else ``()``."""
    tail = _tail(model)
    concats = [
        node
        for node in tail
        if node.get_type_name() == "Concat"
        and sum(1 for i in node.inputs() if i.get_source_output().get_node().get_type_name() != "Constant") >= 2
    ]
    if not concats:
        return ()
    return tuple(sorted(node.get_friendly_name() for node in tail if node.get_type_name() != "Result"))


def _output_layers(model: ov.Model) -> tuple[str, ...]:
    """The compute layers (Convolution, MatMul) nearest to each output: with the first layer,
    the ones quantization hurts most, and the first to keep in float when accuracy breaks."""
    names: set[str] = set()
    for node in _tail(model) or [r.input(0).get_source_output().get_node() for r in model.get_results()]:
        for port in node.inputs():
            source = port.get_source_output().get_node()
            if source.get_type_name() in COMPUTE_OPS:
                names.add(source.get_friendly_name())
    if not names:  # the outputs come straight from compute layers
        for result in model.get_results():
            source = result.input(0).get_source_output().get_node()
            if source.get_type_name() in COMPUTE_OPS:
                names.add(source.get_friendly_name())
    return tuple(sorted(names))
