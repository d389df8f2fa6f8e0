"""The recipe keys of the ``mo`` stage and of the ``torch`` loader, validated without OpenVINO.

Everything that can be judged from the recipe alone (a layout letter Model Optimizer never knew,
mean and scale lists of different lengths, a shape whose rank disagrees with its layout) fails here,
so ``ovtune validate`` reports it in a second, naming the key. What needs the model (its input
names, its channel count) is checked when the stage starts (:mod:`ovtune_mo.stage`).

Cross-field checks are field validators that read the fields declared before them
(``info.data``), so each error carries the key it is about: ``stage[1].mean_values: ...``.
The field order below is therefore part of the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, WrapValidator, field_validator

from ovtune.plugin import Options
from ovtune_mo import layout as layouts

InputType = Literal["u8", "i8", "u16", "i16", "i32", "i64", "f16", "f32"]
"""Element types an application can feed (``openvino.Type`` short names)."""


def _expecting(what: str) -> WrapValidator:
    """Replace pydantic's per-union-member type errors with one line saying what is expected."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(f"expected {what}, got {value!r}") from None

    return WrapValidator(validate)


LayoutValue = Annotated[str | dict[str, str] | None, _expecting("a layout such as 'NCHW', or {input name = layout}")]
ShapeValue = Annotated[
    list[int] | dict[str, list[int]] | None, _expecting("a shape such as [1, 3, 224, 224], or {input name = shape}")
]
MeanValue = Annotated[
    list[float] | dict[str, list[float]] | None,
    _expecting("a list of numbers (one per channel, or one for all), or {input name = [numbers]}"),
]
ScaleValue = Annotated[
    float | list[float] | dict[str, float | list[float]] | None,
    _expecting("a number, a list of numbers (one per channel), or {input name = number or [numbers]}"),
]
InputTypeValue = Annotated[
    InputType | dict[str, InputType] | None,
    _expecting("an element type (u8, i8, u16, i16, i32, i64, f16, f32), or {input name = type}"),
]
ResizeValue = Annotated[bool | tuple[int, int], _expecting("true, false or [height, width]")]


def _where(key: str | None) -> str:
    return f"input '{key}': " if key else ""


def _source_layouts(data: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The model-side layouts given so far (``layout``, left of its arrow, or ``source_layout``)."""
    given = data.get("layout") or data.get("source_layout")
    return [(key, text.split("->")[0]) for key, text in layouts.entries(given)]


def _matching(pairs: list[tuple[str | None, str]], key: str | None) -> list[str]:
    """Layouts that apply to the input ``key`` (``None``: the only input, or every input)."""
    if key is None:
        return [text for _, text in pairs] if len(pairs) == 1 else []
    return [text for name, text in pairs if name in (None, key)]


def _count(values: Any) -> int:
    return len(values) if isinstance(values, list) else 1


class MoOptions(Options):
    """Model Optimizer's flags, applied to the model with today's OpenVINO APIs: shapes through
    ``Model.reshape`` and ``openvino.set_batch``, layouts, input type, BGR/RGB, mean/scale and resize
    folded into the model by ``openvino.preprocess.PrePostProcessor``, FP16 weights through
    ``openvino.save_model``. Preprocessing follows Model Optimizer's order: convert the type,
    reverse the channels, subtract the mean, divide by the scale, then transpose and resize;
    mean and scale values are given in the channel order of the ORIGINAL model (after the reversal).
    Afterwards the stage runs the original model on numpy-preprocessed inputs and the new model on
    raw inputs and fails if they disagree by more than ``tolerance``."""

    layout: LayoutValue = Field(
        None,
        description="Layout of the model's input as it is ('NCHW'), or 'NCHW->NHWC' to also set the layout "
        "applications feed; one string for every input or {input name = layout}. Letters N C D H W ? and '...'. "
        "Costs nothing at run time; batch, mean/scale, reverse_input_channels and resize need it (a C is "
        "guessed like Model Optimizer did when a 4D input has exactly one dimension of 3 channels)",
    )
    source_layout: LayoutValue = Field(
        None, description="Same as 'layout' without an arrow (Model Optimizer's --source_layout); give one of the two"
    )
    target_layout: LayoutValue = Field(
        None,
        description="Layout of the tensor applications feed ('NHWC'); the transpose is folded into the model, so "
        "images from OpenCV or PIL need no numpy transpose, which on a large image costs more than a small model",
    )
    input_shape: ShapeValue = Field(
        None,
        description="Shape to reshape the input to ([1, 3, 224, 224]; -1 keeps a dimension dynamic), or "
        "{input name = shape}. Static shapes let the runtime plan memory and pick kernels once at compile time",
    )
    batch: int | None = Field(
        None,
        ge=1,
        description="Batch size set with openvino.set_batch on the inputs whose layout has N; larger batches raise "
        "throughput on devices that batch well, at the cost of latency",
    )
    static: bool = Field(
        True,
        description="Make every dimension that is still dynamic static, from the first sample of 'data' (dimensions "
        "set to -1 in input_shape stay dynamic), so the runtime compiles for fixed shapes",
    )
    data: str | None = Field(
        None,
        description="The [data.NAME] entry whose first sample gives the static shapes; default 'calibration', "
        "else 'validation'",
    )
    input_type: InputTypeValue = Field(
        None,
        description="Element type applications feed ('u8' for raw 8-bit pixels), for every float input or "
        "{input name = type}; the conversion to the model's type is folded in, so the application sends a quarter "
        "of the bytes and skips its own conversion",
    )
    reverse_input_channels: bool = Field(
        False,
        description="Reverse the channel order (BGR <-> RGB) inside the model, before mean and scale, on every input "
        "with 3 channels; OpenVINO folds it into the first convolution's weights, so it is free at run time",
    )
    mean_values: MeanValue = Field(
        None,
        description="Values subtracted per channel (in the original model's channel order), for every input, or "
        "{input name = [values]}; folded into the model, where the runtime fuses it with the first layer",
    )
    scale_values: ScaleValue = Field(
        None,
        description="Divisors applied after the mean: one number, one per channel, or {input name = values}; "
        "folded into the model like mean_values",
    )
    resize: ResizeValue = Field(
        False,
        description="true: accept any height and width and resize to the model's with RESIZE_LINEAR; "
        "[height, width]: accept that size. The resize runs inside the runtime, next to the model",
    )
    output: list[str] | None = Field(
        None,
        description="Output names to keep (default: all); dropping outputs lets the runtime skip the layers "
        "that only fed them",
    )
    compress_to_fp16: bool = Field(
        True,
        description="Store weights as FP16 (Constant f16 + Convert), as Model Optimizer did by default: half the "
        "file size and load time; compute precision is unchanged (the CPU decompresses on load)",
    )
    tolerance: float | None = Field(
        None,
        gt=0,
        description="Largest allowed difference between new and original outputs, divided by max(1, largest "
        "|original output|); default 0.01 with compress_to_fp16 (FP16 weights measured up to 0.0023), else 1e-4",
    )
    check_samples: int = Field(
        4, ge=1, le=64, description="How many random inputs (fixed seed) the numerical check runs through both models"
    )

    @field_validator("layout")
    @classmethod
    def _layout(cls, value: str | dict[str, str] | None) -> str | dict[str, str] | None:
        def check(text: str) -> str:
            source, target = layouts.split_arrow(text)
            if target is None:
                return source
            if not layouts.same_letters(source, target):
                raise ValueError(f"'{target}' is not a reordering of '{source}'; the model can only transpose")
            return f"{source}->{target}"

        return _map(value, check)

    @field_validator("source_layout")
    @classmethod
    def _source_layout(cls, value: str | dict[str, str] | None, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("layout") is not None:
            raise ValueError("give 'layout' or 'source_layout', not both: they both name the model's layout")
        return _map(value, layouts.normalize)

    @field_validator("target_layout")
    @classmethod
    def _target_layout(cls, value: str | dict[str, str] | None, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if any("->" in text for _, text in layouts.entries(info.data.get("layout"))):
            raise ValueError("'layout' already names the target after its '->'; give it once")
        value = _map(value, layouts.normalize)
        sources = _source_layouts(info.data)
        for key, target in layouts.entries(value):
            for source in _matching(sources, key):
                if not layouts.same_letters(source, target):
                    raise ValueError(
                        f"{_where(key)}'{target}' is not a reordering of the model's layout '{source}'; "
                        "the model can only transpose"
                    )
        return value

    @field_validator("input_shape")
    @classmethod
    def _input_shape(cls, value: list[int] | dict[str, list[int]] | None, info: ValidationInfo) -> Any:
        sources = _source_layouts(info.data)
        for key, shape in layouts.entries(value):
            if not shape:
                raise ValueError(f"{_where(key)}a shape needs at least one dimension")
            if any(dim == 0 or dim < -1 for dim in shape):
                raise ValueError(f"{_where(key)}dimensions are positive, or -1 for a dynamic one (got {shape})")
            for source in _matching(sources, key):
                expected = layouts.rank(source)
                if expected is not None and expected != len(shape):
                    raise ValueError(
                        f"{_where(key)}shape {shape} has {len(shape)} dimensions but layout '{source}' has {expected}"
                    )
        return value

    @field_validator("batch")
    @classmethod
    def _batch(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        if info.data.get("input_shape") is not None:
            raise ValueError("give the batch inside input_shape or as 'batch', not both (Model Optimizer refused both)")
        given = info.data.get("layout") or info.data.get("source_layout")
        if isinstance(given, str) and not layouts.has(given.split("->")[0], "N"):
            raise ValueError(
                f"the layout '{given}' has no N: openvino.set_batch finds the batch dimension through the layout"
            )
        return value

    @field_validator("reverse_input_channels")
    @classmethod
    def _reverse(cls, value: bool, info: ValidationInfo) -> bool:
        given = info.data.get("layout") or info.data.get("source_layout")
        if value and isinstance(given, str) and not layouts.has(given.split("->")[0], "C"):
            raise ValueError(f"the layout '{given}' has no C (channels) dimension to reverse")
        return value

    @field_validator("mean_values")
    @classmethod
    def _mean(cls, value: list[float] | dict[str, list[float]] | None, info: ValidationInfo) -> Any:
        for key, values in layouts.entries(value):
            if not values:
                raise ValueError(f"{_where(key)}give at least one value")
        _per_channel_needs_c(value, info, "mean")
        return value

    @field_validator("scale_values")
    @classmethod
    def _scale(cls, value: float | list[float] | dict[str, float | list[float]] | None, info: ValidationInfo) -> Any:
        for key, values in layouts.entries(value):
            numbers = values if isinstance(values, list) else [values]
            if not numbers:
                raise ValueError(f"{_where(key)}give at least one value")
            if any(number == 0 for number in numbers):
                raise ValueError(f"{_where(key)}scale values divide the input; 0 is not allowed")
        means = layouts.entries(info.data.get("mean_values"))
        for key, values in layouts.entries(value):
            for mean_key, mean in means:
                if key is not None and mean_key is not None and key != mean_key:
                    continue
                if _count(values) > 1 and _count(mean) > 1 and _count(values) != _count(mean):
                    where = _where(key or mean_key)
                    raise ValueError(
                        f"{where}{_count(mean)} mean_values but {_count(values)} scale_values; "
                        "give one value per channel for both"
                    )
        _per_channel_needs_c(value, info, "scale")
        return value

    @field_validator("resize")
    @classmethod
    def _resize(cls, value: bool | tuple[int, int], info: ValidationInfo) -> bool | tuple[int, int]:
        if isinstance(value, tuple) and min(value) < 1:
            raise ValueError(f"height and width are positive (got {list(value)})")
        given = info.data.get("layout") or info.data.get("source_layout")
        if value is not False and isinstance(given, str):
            source = given.split("->")[0]
            missing = [letter for letter in "HW" if not layouts.has(source, letter)]
            if missing:
                raise ValueError(f"resizing needs H and W in the layout; '{source}' has no {missing[0]}")
        return value

    @field_validator("output")
    @classmethod
    def _output(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            if not value:
                raise ValueError("name at least one output to keep (or leave 'output' out to keep all)")
            if len(set(value)) != len(value):
                raise ValueError(f"an output is named twice: {value}")
        return value


def _map(value: str | dict[str, str] | None, convert: Callable[[str], str]) -> str | dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: convert(text) for key, text in value.items()}
    return convert(value)


def _per_channel_needs_c(value: Any, info: ValidationInfo, what: str) -> None:
    """Per-channel values (more than one) need a C in the layout of each input they apply to."""
    sources = _source_layouts(info.data)
    for key, values in layouts.entries(value):
        if _count(values) < 2:
            continue
        for source in _matching(sources, key) if key is not None else [text for _, text in sources]:
            if not layouts.has(source, "C"):
                raise ValueError(
                    f"{_where(key)}{_count(values)} per-channel {what} values, but the layout '{source}' has no C "
                    "(channels) dimension"
                )


class TorchOptions(Options):
    """``[model]`` keys for PyTorch sources: where the example input for tracing comes from.

    ``openvino.convert_model`` traces a ``torch.nn.Module`` by running it once; the example input
    fixes the types and ranks of the inputs (the shapes stay dynamic; the ``mo`` stage's ``static``
    fixes them). TorchScript files use it when given; exported programs (``.pt2``) carry their own."""

    example_input: str | None = Field(
        None,
        description="The [data.NAME] entry whose first sample (batch dimension kept) is the example input; "
        "default: the first [data.*] entry",
    )
    example_shape: Annotated[
        list[int] | dict[str, list[int]] | None,
        _expecting("a shape such as [1, 3, 224, 224], or {argument name = shape}"),
    ] = Field(
        None,
        description="Shape of a random f32 example input when the recipe has no data, or {forward argument = shape}",
    )

    @field_validator("example_shape")
    @classmethod
    def _example_shape(cls, value: list[int] | dict[str, list[int]] | None) -> Any:
        for key, shape in layouts.entries(value):
            if not shape or any(dim < 1 for dim in shape):
                raise ValueError(f"{_where(key)}an example shape has positive dimensions (got {shape})")
        return value


class TorchBaselineOptions(Options):
    """``[measure.torch]``: how the PyTorch baseline runs the source module.

    The defaults are PyTorch's own, so that the baseline is PyTorch as most people run it."""

    threads: int = Field(0, ge=0, description="torch.set_num_threads while measuring; 0 = PyTorch's default")
    workers: int = Field(
        2,
        ge=1,
        description="Threads calling the module at once, for throughput (torch releases the GIL inside operators)",
    )
