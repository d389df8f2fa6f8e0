"""What ``ovtune tune`` tries with the ``mo`` stage when the recipe gives no search space.

Three graph changes the ``mo`` stage makes are worth measuring on some models, and this module
decides from the :class:`~ovtune.plugin.TuneRequest` alone (no model file, no OpenVINO, no
NumPy: ovtune imports it with the registrations) which ones:

- **static shapes** (``static``): dynamic inputs whose data has one shape are reshaped to it, so
  OpenVINO plans memory and picks its kernels once at compile time. A preparation
  (``prepares=True``): the tuner builds the quantized variants on it too. Not when an input's
  data has several shapes (one static shape would refuse the others) or none.
- **batch** (``batch``, a choice on the same stage): for a throughput objective, when every input
  is batch-first (the first dimension is dynamic or 1 and the data's samples are 1 there) and
  the first input is 4-D. ovtune, like benchmark_app, counts N samples per inference only for a
  4-D first input, and its accuracy measurement stacks samples along the first dimension; the
  layout ``N...`` says where the batch is without guessing the other dimensions.
- **FP16 weights** (``compress_to_fp16``): when the objective is the size, or the device computes
  in f16. A CPU without f16 keeps the f16 weights and decompresses them inside its f32/bf16
  kernels (the runtime graph shows ``Const f16`` feeding them): no f16 arithmetic to gain, and
  no speed change that stood out of the noise on the demo CNN or a 4x4096 MLP (docs), so a
  speed objective gets no FP16 variant: half the file is not what it counts, and the outputs
  move by up to 1e-2. Models whose weights are read from memory get ``ovtune-nncf``'s INT8
  weights, a quarter of the bytes. A model with dynamic dimensions beyond the batch is made
  static from the data in the same stage: the stage's numerical check needs a real shape (it
  feeds 1 for a dynamic dimension, which a detector's feature pyramid refuses).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ovtune.plugin import InputProfile, ProposedVariant, TuneRequest

log = logging.getLogger("ovtune.tune.mo")

BATCH_SIZES = (1, 4)
"""Batch sizes tried for a throughput objective (1 first: the unbatched model is the default)."""
LARGE_BATCH_CORES = 8
"""From this many cores on, a batch of 8 is tried as well."""
BATCH_LAYOUT = "N..."
"""The layout that names only the batch (the first dimension), for ``openvino.set_batch``."""


def propose(request: TuneRequest) -> list[ProposedVariant]:
    """The ``mo`` variants worth trying for ``request`` (see the module's description)."""
    proposals: list[ProposedVariant] = []
    static = static_shapes(request)
    if static is not None:
        proposals.append(static_variant(request, static))
    elif not request.model.dynamic:
        batched = batch_variant(request)
        if batched is not None:
            proposals.append(batched)
    fp16 = fp16_variant(request, static)
    if fp16 is not None:
        proposals.append(fp16)
    return proposals


# -- static shapes and batch ---------------------------------------------------------------


@dataclass(frozen=True)
class StaticShapes:
    """The ``mo`` stage that makes the dynamic inputs static, and what it does in words."""

    stage: dict[str, Any]
    described: str
    rank_free: bool
    """An input has a dynamic rank: its shape is given outright (``input_shape``)."""


def static_shapes(request: TuneRequest) -> StaticShapes | None:
    """The stage that reshapes every dynamic input to the one shape the data gives it, or
    ``None`` when the model is static or the data does not give each dynamic input one shape
    (logged)."""
    inputs = [item for item in request.model.inputs if item.dynamic]
    if not inputs:
        return None
    shapes: dict[str, tuple[int, ...]] = {}
    for item in inputs:
        shape = _data_shape(item)
        if shape is None:
            return None
        shapes[item.name] = shape
    stage: dict[str, Any] = {"use": "mo", "static": True, "compress_to_fp16": False}
    if request.calibration is not None:
        stage["data"] = request.calibration
    rank_free = {item.name: list(shapes[item.name]) for item in inputs if item.dims is None}
    if rank_free:  # the stage's `static` fixes dimensions, not ranks: give those shapes outright
        stage["input_shape"] = rank_free
    described = "; ".join(
        f"{item.name} is {item.shape_text}, the data is {_text(shapes[item.name])}" for item in inputs
    )
    return StaticShapes(stage, described, bool(rank_free))


def static_variant(request: TuneRequest, static: StaticShapes) -> ProposedVariant:
    """Static shapes from the data, with a batch choice for a throughput objective."""
    stage = dict(static.stage)
    reason = f"{static.described}: a static shape lets OpenVINO pick its kernels at compile time"
    choices: dict[str, tuple[Any, ...]] = {}
    sizes = batch_sizes(request) if not static.rank_free else None
    if sizes is not None:
        stage["layout"] = BATCH_LAYOUT
        choices["1.batch"] = sizes
        reason += f"; {_batch_reason(sizes)}"
    return ProposedVariant(name="static", stages=(stage,), reason=reason, choices=choices, prepares=True)


def batch_variant(request: TuneRequest) -> ProposedVariant | None:
    """A batch choice for a static model with batch 1 and a throughput objective."""
    sizes = batch_sizes(request)
    if sizes is None:
        return None
    stage = {"use": "mo", "layout": BATCH_LAYOUT, "compress_to_fp16": False}
    shapes = ", ".join(f"{item.name} {item.shape_text}" for item in request.model.inputs)
    return ProposedVariant(
        name="batch",
        stages=(stage,),
        reason=f"{shapes}: {_batch_reason(sizes)}",
        choices={"1.batch": sizes},
        prepares=True,
    )


def batch_sizes(request: TuneRequest) -> tuple[int, ...] | None:
    """The batch sizes to try, or ``None`` (logged) when batching does not fit the goal or the
    model's batch dimension cannot be told."""
    if not request.throughput:
        return None
    inputs = request.model.inputs
    if not inputs:
        return None
    first = inputs[0]
    if first.dims is None or len(first.dims) != 4:
        log.info(
            "mo: no batch proposed: the first input %s is %s, not 4-D; ovtune (like benchmark_app) counts "
            "a batch's samples only for a 4-D first input",
            first.name,
            first.shape_text,
        )
        return None
    for item in inputs:
        batch_first = (
            item.dims is not None
            and len(item.dims) >= 2
            and item.dims[0] in (None, 1)
            and all(shape and shape[0] == 1 for shape in item.data_shapes)
        )
        if not batch_first:
            log.info(
                "mo: no batch proposed: input %s %s (data %s) does not start with a batch dimension of 1",
                item.name,
                item.shape_text,
                ", ".join(_text(shape) for shape in item.data_shapes) or "none",
            )
            return None
    if request.device.cores >= LARGE_BATCH_CORES:
        return (*BATCH_SIZES, 8)
    return BATCH_SIZES


def _batch_reason(sizes: tuple[int, ...]) -> str:
    larger = "/".join(str(size) for size in sizes if size > 1)
    return (
        f"throughput objective: batches of {larger} samples run larger, better-filled kernels per inference "
        "(ovtune counts FPS in samples and stacks samples for accuracy)"
    )


def _data_shape(item: InputProfile) -> tuple[int, ...] | None:
    """The one shape the data gives a dynamic input, or ``None`` (logged) when there is none,
    several, or one that does not fit the input."""
    if not item.data_shapes:
        log.info(
            "mo: no static shape proposed: input %s is %s and the recipe's data gives no shape for it",
            item.name,
            item.shape_text,
        )
        return None
    if len(item.data_shapes) > 1:
        log.info(
            "mo: no static shape proposed: input %s %s takes %d shapes in the data (%s); one static shape "
            "would refuse the others",
            item.name,
            item.shape_text,
            len(item.data_shapes),
            ", ".join(_text(shape) for shape in item.data_shapes),
        )
        return None
    shape = item.data_shapes[0]
    fits = item.dims is None or (
        len(shape) == len(item.dims)
        and all(dim is None or dim == size for dim, size in zip(item.dims, shape, strict=True))
    )
    if not fits:
        log.info(
            "mo: no static shape proposed: input %s is %s, the data's %s does not fit it",
            item.name,
            item.shape_text,
            _text(shape),
        )
        return None
    return shape


def _text(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(size) for size in shape) + "]"


# -- FP16 weights --------------------------------------------------------------------------


def fp16_variant(request: TuneRequest, static: StaticShapes | None = None) -> ProposedVariant | None:
    """FP16 weights when the objective is the size or the device computes in f16. On a model
    with dynamic dimensions beyond the batch, the stage is made static as well (``static``): the
    stage's numerical check feeds 1 for a dynamic dimension, which a detector's feature pyramid
    cannot take."""
    model = request.model
    total = model.total_weight_bytes
    if model.low_precision or not total:
        return None
    if model.parameters and total < 3 * model.parameters:
        log.info("mo: no FP16 weights proposed: the weights take %d bytes each already", total // model.parameters)
        return None
    size_goal = request.objective.split(".", 1)[0] == "size"
    f16_device = "f16" in request.device.precisions
    if not (size_goal or f16_device):
        log.info(
            "mo: no FP16 weights proposed: %s computes in %s, so it decompresses FP16 weights inside its "
            "kernels; the file halves, but the objective %r counts speed, which FP16 weights did not change",
            request.device.name,
            "/".join(request.device.precisions),
            request.objective,
        )
        return None
    megabytes = total / 1e6
    if size_goal:
        why = f"size objective: FP16 weights halve the {megabytes:.1f} MB of f32 weights (and the load time)"
    else:
        why = (
            f"{request.device.name} computes in f16: FP16 weights lose nothing an f16 run does not lose anyway, "
            f"and halve the {megabytes:.1f} MB of weights to read and load"
        )
    stage: dict[str, Any] = {"use": "mo", "static": False, "compress_to_fp16": True}
    check = "the stage checks the outputs stay within 1e-2"
    beyond_batch = [item for item in model.inputs if item.dims is None or None in item.dims[1:]]
    if beyond_batch:
        if static is None:
            log.info(
                "mo: no FP16 weights proposed: input %s is %s and the data does not give it one shape, which "
                "the stage's numerical check needs",
                beyond_batch[0].name,
                beyond_batch[0].shape_text,
            )
            return None
        stage = {**static.stage, "compress_to_fp16": True}
        check = f"made static as well ({static.described}), the shape on which {check}"
    return ProposedVariant(name="fp16-weights", stages=(stage,), reason=f"{why}; {check}")
