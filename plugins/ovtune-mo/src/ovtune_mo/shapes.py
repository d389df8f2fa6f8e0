"""Input shapes: Model Optimizer's ``--input_shape`` and ``--batch``, and making a model static.

Today these are ``Model.reshape`` and ``openvino.set_batch`` on the model itself. A static shape
lets the runtime plan memory and choose kernels once, at compile time, instead of on every
inference; the data a recipe already has says what the real shape is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ovtune.plugin import DataError, StageError
from ovtune_mo.messages import first_line

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import StageContext
    from ovtune_mo.stage import ModelInput

DEFAULT_DATA = ("calibration", "validation")


def shape_text(shape: Any) -> str:
    """``[?,3,224,224]`` for a partial shape or a list with -1."""
    dims = [("?" if dim < 0 else str(dim)) for dim in shape] if isinstance(shape, list | tuple) else None
    return f"[{','.join(dims)}]" if dims is not None else str(shape)


def reshape(model: ov.Model, port_index: int, shape: list[int], key: str, name: str) -> None:
    """Reshape one input in place; a shape the model cannot take names the recipe key."""
    import openvino as ov

    port = model.input(port_index)
    current = port.get_partial_shape()
    if current.rank.is_static and current.rank.get_length() != len(shape):
        raise StageError(
            f"{key}: input '{name}' has {current.rank.get_length()} dimensions {current}, got {len(shape)}: {shape}"
        )
    try:
        model.reshape({port: ov.PartialShape(shape)})
    except RuntimeError as exc:
        raise StageError(f"{key}: cannot reshape input '{name}' to {shape}: {first_line(exc)}") from None


def set_batch(model: ov.Model, batch: int, key: str) -> None:
    """``openvino.set_batch``: every input whose layout has N gets the new batch size."""
    import openvino as ov

    try:
        ov.set_batch(model, batch)
    except RuntimeError as exc:
        if "layout" in str(exc):
            raise StageError(
                f"{key}: no input has N in its layout, so the batch dimension is unknown; set layout (e.g. 'NCHW')"
            ) from None
        raise StageError(f"{key}: cannot set the batch to {batch}: {first_line(exc)}") from None


def make_static(
    model: ov.Model,
    inputs: list[ModelInput],
    keep_dynamic: dict[int, set[int]],
    data: str | None,
    context: StageContext,
) -> dict[str, str]:
    """Fix the dynamic dimensions of every input from the first sample of the recipe's data.

    ``keep_dynamic`` holds, per input index, the dimensions the recipe set to -1 on purpose.
    Returns ``{input name: "data.NAME"}`` for the inputs it reshaped.
    """
    key = context.key
    pending = []
    for item in inputs:
        shape = model.input(item.index).get_partial_shape()
        if shape.rank.is_dynamic:
            raise StageError(f"{key}.static: input '{item.name}' has a dynamic rank; give its shape in input_shape")
        dynamic = [axis for axis in range(len(shape)) if shape[axis].is_dynamic]
        dynamic = [axis for axis in dynamic if axis not in keep_dynamic.get(item.index, set())]
        if dynamic:
            pending.append((item, shape, dynamic))
    if not pending:
        return {}
    name = data or next((candidate for candidate in DEFAULT_DATA if candidate in context.data), None)
    if name is None:
        item, shape, _ = pending[0]
        raise StageError(
            f"{key}.static: input '{item.name}' has the dynamic shape {shape} and the recipe has no "
            f"[data.calibration] or [data.validation] to take a shape from; give input_shape, 'data', or static = false"
        )
    try:
        sample = context.data.get(name)[0]
    except DataError as exc:
        raise StageError(f"{key}.data: {exc}") from None
    used = {}
    for item, shape, dynamic in pending:
        array = next((sample.inputs[n] for n in item.names if n in sample.inputs), None)
        if array is None and len(sample.inputs) == 1 and len(inputs) == 1:
            array = next(iter(sample.inputs.values()))
        if array is None:
            arrays = ", ".join(sample.inputs) or "none"
            raise StageError(f"{key}.static: data.{name} has no array for input '{item.name}' (arrays: {arrays})")
        if array.ndim != len(shape):
            raise StageError(
                f"{key}.static: the first sample of data.{name} for input '{item.name}' has shape "
                f"{list(array.shape)}, which does not fit {shape}"
            )
        fixed = [
            array.shape[axis] if axis in dynamic else (dim.get_length() if dim.is_static else -1)
            for axis, dim in enumerate(shape)
        ]
        reshape(model, item.index, fixed, f"{key}.static", item.name)
        used[item.name] = f"data.{name}"
    return used
