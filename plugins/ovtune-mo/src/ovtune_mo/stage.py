"""The ``mo`` stage: Model Optimizer's flags applied to an ``openvino.Model``, then checked.

Order: clone (the input model is never changed), keep the chosen outputs, set the layouts, reshape
(``input_shape``, ``batch``, ``static``), compress the weights to FP16, fold the preprocessing in
with the PrePostProcessor, and compare the result with the input model on numpy-preprocessed data
(:mod:`ovtune_mo.check`). Mistakes that need the model to be seen (an input name that does not
exist, three mean values for one channel) raise :class:`~ovtune.errors.StageError` naming the key,
before any work is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ovtune.plugin import StageError, StageResult, describe_inputs
from ovtune_mo import layout as layouts
from ovtune_mo.check import as_json, compare
from ovtune_mo.compress import to_fp16
from ovtune_mo.messages import first_line
from ovtune_mo.preprocess import InputPlan
from ovtune_mo.shapes import make_static, reshape, set_batch, shape_text

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import StageContext
    from ovtune_mo.options import MoOptions

DEFAULT_TOLERANCE = {True: 1e-2, False: 1e-4}
"""By ``compress_to_fp16``. FP16 weights measured up to 0.0023 (PP-OCRv5 text-direction classifier,
probabilities), 0.00075 (demo digits CNN, logits); folded preprocessing alone stays below 1e-6."""

_PER_INPUT = ("layout", "source_layout", "target_layout", "input_shape", "input_type", "mean_values", "scale_values")


@dataclass(frozen=True)
class ModelInput:
    """One input of the model: its position and every tensor name it answers to."""

    index: int
    name: str
    names: frozenset[str]


def run(model: ov.Model, options: MoOptions, context: StageContext) -> StageResult:
    import openvino as ov

    key = context.key
    if options.data is not None and options.data not in context.data:
        defined = ", ".join(context.data.names) or "none"
        raise StageError(f"{key}.data: no [data.{options.data}] in the recipe (defined: {defined})")
    work = model.clone()
    before = describe(work)
    inputs = model_inputs(work)
    _check_names(options, inputs, key)
    work, kept, kept_names = select_outputs(work, options.output, key)
    layouts_given = _apply_layouts(work, options, inputs, key)
    keep_dynamic = _apply_shapes(work, options, inputs, key)
    static_from = make_static(work, inputs, keep_dynamic, options.data, context) if options.static else {}
    plans = [_plan(work, item, options, layouts_given.get(item.index), key) for item in inputs]
    _need_some_reverse(options, plans, key)

    work, weights = to_fp16(work, context.work_dir / "fp16", compress=options.compress_to_fp16)
    if any(plan.active for plan in plans):
        from openvino.preprocess import PrePostProcessor

        ppp = PrePostProcessor(work)
        for plan in plans:
            if plan.active:
                plan.apply(ppp)
        try:
            work = ppp.build()
        except RuntimeError as exc:
            raise StageError(f"{key}: the PrePostProcessor refused the steps: {first_line(exc)}") from None
        for plan in plans:
            if plan.layout_guessed and not plan.tensor_layout:
                work.get_parameters()[plan.index].set_layout(ov.Layout())

    tolerance = options.tolerance or DEFAULT_TOLERANCE[options.compress_to_fp16]
    result = compare(
        model, work, plans=plans, kept_outputs=kept, output_names=kept_names, samples=options.check_samples
    )
    details: dict[str, Any] = {
        "max_abs_diff": result.max_abs_diff,
        "max_rel_diff": result.max_rel_diff,
        "tolerance": tolerance,
        "check": as_json(result),
        "inputs_before": before,
        "inputs_after": describe(work),
        "outputs_kept": kept_names,
        "outputs_dropped": [name for name in _output_names(model) if name not in kept_names],
        "preprocessing": {plan.name: plan.steps() for plan in plans if plan.active},
        "layouts_guessed": {plan.name: plan.model_layout for plan in plans if plan.layout_guessed},
        "static_from": static_from,
        "weights_bytes": {"f32": weights.f32_bytes, "fp16": weights.fp16_bytes},
    }
    if result.max_rel_diff > tolerance:
        worst = result.worst_output
        raise StageError(
            f"outputs differ by {result.max_rel_diff:.3g} > tolerance {tolerance:g} "
            f"(output '{worst}': max |new - original| {result.outputs[worst]['max_abs_diff']:.3g}, "
            f"max |original| {result.outputs[worst]['max_abs_output']:.3g}, {result.samples} random inputs); "
            "raise 'tolerance' if FP16 weights cost this much on your model, or set compress_to_fp16 = false"
        )
    notes = [f"{plan.name}: {'; '.join(plan.steps())}" for plan in plans if plan.active]
    notes += [f"{plan.name}: {note}" for plan in plans for note in plan.notes]
    if weights.fp16_bytes is not None:
        notes.append(f"weights {weights.f32_bytes:,} B -> {weights.fp16_bytes:,} B in FP16")
    notes.append(
        f"numerical check: max |diff| {result.max_abs_diff:.3g}, relative {result.max_rel_diff:.3g} "
        f"<= tolerance {tolerance:g} ({result.samples} inputs)"
    )
    context.log.info("; ".join(notes))
    return StageResult(work, notes=notes, details=details)


# -- the model's inputs and outputs -------------------------------------------------------------


def model_inputs(model: ov.Model) -> list[ModelInput]:
    specs = describe_inputs(model)
    return [
        ModelInput(index, spec.name, frozenset(model.input(index).get_names()) | {spec.name})
        for index, spec in enumerate(specs)
    ]


def describe(model: ov.Model) -> list[dict[str, Any]]:
    """Name, shape (-1 = dynamic), element type and layout of every input, for the report."""
    parameters = model.get_parameters()
    return [
        {
            "name": spec.name,
            "shape": list(spec.shape),
            "type": spec.element_type,
            "layout": _layout_text(parameters[index].get_layout()) or None,
        }
        for index, spec in enumerate(describe_inputs(model))
    ]


def _layout_text(layout: ov.Layout) -> str:
    """``[N,C,H,W]`` -> ``NCHW``; empty or with named dimensions -> ``""``."""
    if layout.empty:
        return ""
    text = "".join(layout.to_string().strip("[]").split(","))
    try:
        return layouts.normalize(text)
    except ValueError:
        return ""


def _output_names(model: ov.Model) -> list[str]:
    return [port.get_any_name() if port.get_names() else f"output{index}" for index, port in enumerate(model.outputs)]


def _check_names(options: MoOptions, inputs: list[ModelInput], key: str) -> None:
    known = set().union(*(item.names for item in inputs)) if inputs else set()
    listed = ", ".join(item.name for item in inputs) or "none"
    for option in _PER_INPUT:
        value = getattr(options, option)
        if isinstance(value, dict):
            for name in value:
                if name not in known:
                    raise StageError(f"{key}.{option}: the model has no input '{name}' (inputs: {listed})")
        elif value is not None and option == "input_shape" and len(inputs) > 1:
            raise StageError(f"{key}.input_shape: the model has {len(inputs)} inputs ({listed}); give {{name = shape}}")


def select_outputs(model: ov.Model, names: list[str] | None, key: str) -> tuple[ov.Model, list[int], list[str]]:
    """A model with only the outputs ``names`` (same parameters), their indices in ``model``."""
    import openvino as ov

    all_names = _output_names(model)
    if names is None:
        return model, list(range(len(all_names))), all_names
    indices = []
    for name in names:
        found = next((i for i, port in enumerate(model.outputs) if name in port.get_names()), None)
        if found is None and name in all_names:
            found = all_names.index(name)
        if found is None:
            raise StageError(f"{key}.output: the model has no output '{name}' (outputs: {', '.join(all_names)})")
        indices.append(found)
    results = model.get_results()
    selected = ov.Model([results[i] for i in indices], model.get_parameters(), model.get_friendly_name())
    return selected, indices, [all_names[i] for i in indices]


# -- layouts and shapes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GivenLayout:
    source: str | None
    target: str | None


def _apply_layouts(model: ov.Model, options: MoOptions, inputs: list[ModelInput], key: str) -> dict[int, GivenLayout]:
    """Set the recipe's source layouts on the parameters (``set_batch`` reads them there) and
    return every input's source and target layout (a layout the model already carries counts)."""
    import openvino as ov

    result = {}
    parameters = model.get_parameters()
    option = "layout" if options.layout is not None else "source_layout"
    for item in inputs:
        given = layouts.for_input(options.layout or options.source_layout, set(item.names))
        source, target = layouts.split_arrow(given) if given else (None, None)
        target = target or layouts.for_input(options.target_layout, set(item.names))
        shape = model.input(item.index).get_partial_shape()
        if source:
            if shape.rank.is_static and layouts.rank(source) not in (None, shape.rank.get_length()):
                raise StageError(
                    f"{key}.{option}: input '{item.name}' has {shape.rank.get_length()} dimensions {shape}, "
                    f"layout '{source}' has {layouts.rank(source)}"
                )
            parameters[item.index].set_layout(ov.Layout(source))
        else:
            source = _layout_text(parameters[item.index].get_layout()) or None
        if target and not source:
            raise StageError(f"{key}.target_layout: input '{item.name}' has no layout to convert from; set layout")
        if target and source and not layouts.same_letters(source, target):
            raise StageError(
                f"{key}.target_layout: input '{item.name}': '{target}' is not a reordering of its layout '{source}'"
            )
        result[item.index] = GivenLayout(source, target)
    return result


def _apply_shapes(model: ov.Model, options: MoOptions, inputs: list[ModelInput], key: str) -> dict[int, set[int]]:
    """``input_shape`` then ``batch``; returns the dimensions the recipe wants dynamic, by input."""
    keep_dynamic: dict[int, set[int]] = {}
    for item in inputs:
        shape = layouts.for_input(options.input_shape, set(item.names))
        if shape is None:
            continue
        reshape(model, item.index, list(shape), f"{key}.input_shape", item.name)
        keep_dynamic[item.index] = {axis for axis, dim in enumerate(shape) if dim == -1}
    if options.batch is not None:
        set_batch(model, options.batch, f"{key}.batch")
    return keep_dynamic


# -- preprocessing ------------------------------------------------------------------------------

_FLOAT_TYPES = {"f32", "f16", "bf16", "f64"}


def _plan(model: ov.Model, item: ModelInput, options: MoOptions, given: GivenLayout | None, key: str) -> InputPlan:
    """The steps for one input, checked against its type, rank and channel count."""
    port = model.input(item.index)
    partial = port.get_partial_shape()
    model_shape = [dim.get_length() if dim.is_static else -1 for dim in partial] if partial.rank.is_static else []
    model_type = port.get_element_type().get_type_name()
    names = set(item.names)
    plan = InputPlan(
        index=item.index,
        name=item.name,
        model_type=model_type,
        model_shape=model_shape,
        model_layout=given.source if given else None,
        tensor_layout=given.target if given else None,
    )
    is_float = model_type in _FLOAT_TYPES
    input_type = layouts.for_input(options.input_type, names)
    if input_type and input_type != model_type:
        if is_float or isinstance(options.input_type, dict):
            plan.tensor_type = input_type
        else:
            plan.notes.append(f"input_type {input_type} not applied: the input is {model_type}, not float")
    mean = _numbers(layouts.for_input(options.mean_values, names))
    scale = _numbers(layouts.for_input(options.scale_values, names))
    if (mean or scale) and not is_float:
        what = "mean_values" if mean else "scale_values"
        raise StageError(f"{key}.{what}: input '{item.name}' is {model_type}; mean and scale need a float input")
    for what, values in (("mean_values", mean), ("scale_values", scale)):
        if values and len(values) > 1:
            _need_channels(plan, len(values), f"{key}.{what}")
    plan.mean, plan.scale = mean, scale
    if options.reverse_input_channels:
        plan.reverse = _can_reverse(plan, key)
    if options.resize is not False:
        _need_spatial(plan, f"{key}.resize")
        plan.resize = options.resize
    if plan.active and not model_shape:
        raise StageError(f"{key}: input '{item.name}' has a dynamic rank; give its shape in input_shape")
    return plan


def _numbers(value: Any) -> list[float] | None:
    """One number or a list of them (``scale_values = 255``) as a list."""
    if value is None:
        return None
    return [float(number) for number in value] if isinstance(value, list) else [float(value)]


def _channel_axis(plan: InputPlan) -> int | None:
    return layouts.axis(plan.model_layout, "C", len(plan.model_shape)) if plan.model_layout else None


def _need_channels(plan: InputPlan, count: int, key: str) -> None:
    """Per-channel values need the C axis: from the layout, else guessed as Model Optimizer did."""
    if plan.model_layout is None:
        _guess_channels(plan, count, key)
    axis = _channel_axis(plan)
    if axis is None:
        raise StageError(f"{key}: input '{plan.name}' has layout '{plan.model_layout}' without C (channels)")
    channels = plan.model_shape[axis]
    if channels >= 0 and channels != count:
        unit = "channel" if channels == 1 else "channels"
        raise StageError(f"{key}: input '{plan.name}' has {channels} {unit}, got {count} values")


def _guess_channels(plan: InputPlan, count: int, key: str) -> None:
    """Model Optimizer's guess: the one dimension of size ``count`` at a channel position
    (0 or 2 for 3D, 1 or 3 for 4D, 1 or 4 for 5D) is C; the guess is not kept on the model."""
    positions = {3: (0, 2), 4: (1, 3), 5: (1, 4)}.get(len(plan.model_shape), ())
    found = [axis for axis in positions if plan.model_shape[axis] == count]
    if len(found) != 1:
        raise StageError(
            f"{key}: cannot tell which dimension of input '{plan.name}' {shape_text(plan.model_shape)} holds "
            f"{count} channels; set layout (e.g. 'NCHW')"
        )
    text = ["?"] * len(plan.model_shape)
    text[found[0]] = "C"
    plan.model_layout = "".join(text)
    plan.layout_guessed = True


def _can_reverse(plan: InputPlan, key: str) -> bool:
    """Model Optimizer reversed only inputs with 3 channels (or a dynamic C) and skipped the rest."""
    if plan.model_layout is None:
        try:
            _guess_channels(plan, 3, f"{key}.reverse_input_channels")
        except StageError:
            plan.notes.append("reverse_input_channels skipped: no dimension of 3 channels")
            return False
    axis = _channel_axis(plan)
    if axis is None or plan.model_shape[axis] not in (3, -1):
        plan.notes.append("reverse_input_channels skipped: not 3 channels")
        return False
    return True


def _need_some_reverse(options: MoOptions, plans: list[InputPlan], key: str) -> None:
    if options.reverse_input_channels and not any(plan.reverse for plan in plans):
        shapes = ", ".join(f"{plan.name} {shape_text(plan.model_shape)}" for plan in plans)
        raise StageError(f"{key}.reverse_input_channels: no input has 3 channels to reverse ({shapes})")


def _need_spatial(plan: InputPlan, key: str) -> None:
    if plan.model_layout is None or not all(layouts.has(plan.model_layout, letter) for letter in "HW"):
        raise StageError(f"{key}: input '{plan.name}' needs a layout with H and W (e.g. 'NCHW') to be resized")
    for letter in "HW":
        axis = layouts.axis(plan.model_layout, letter, len(plan.model_shape))
        if axis is not None and plan.model_shape[axis] < 0:
            raise StageError(
                f"{key}: input '{plan.name}' has a dynamic {letter} {shape_text(plan.model_shape)}; "
                "the resize needs the model's size: give input_shape"
            )
