"""What the stage folds into one model input, described once and applied twice.

An :class:`InputPlan` is the list of claims the stage makes about an input ("the application feeds
u8 NHWC BGR; the model sees f32 NCHW RGB, minus the mean, divided by the scale"). :meth:`apply`
turns the claims into ``openvino.preprocess.PrePostProcessor`` steps; :meth:`reference` performs
the same claims in numpy. The numerical check compares the two, so a claim that OpenVINO does not
implement the way this module says it does fails the stage instead of shipping a wrong model.

Order of the steps, as Model Optimizer applied them (``openvino/tools/mo/back/preprocessing.py``):
convert the element type, reverse the channels, subtract the mean, divide by the scale, all in the
layout the application feeds; the transpose to the model's layout comes last (the
PrePostProcessor adds it implicitly). Mean and scale values are therefore in the channel order the
ORIGINAL model expects, after the reversal. A resize, which Model Optimizer did not have, runs
right after the type conversion: resizing first makes the per-channel steps work on the smaller
image, and linear interpolation commutes with per-channel affine steps, so the result is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune_mo import layout as layouts

if TYPE_CHECKING:
    from openvino.preprocess import PrePostProcessor

NUMPY_TYPES: dict[str, Any] = {
    "u8": np.uint8,
    "i8": np.int8,
    "u16": np.uint16,
    "i16": np.int16,
    "i32": np.int32,
    "i64": np.int64,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "boolean": np.bool_,
}


@dataclass
class InputPlan:
    """The preprocessing of one model input (by index: input order survives every step)."""

    index: int
    name: str
    model_type: str
    model_shape: list[int]
    model_layout: str | None = None
    layout_guessed: bool = False
    tensor_layout: str | None = None
    tensor_type: str | None = None
    reverse: bool = False
    mean: list[float] | None = None
    scale: list[float] | None = None
    resize: bool | tuple[int, int] = False
    notes: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether anything is folded into this input (otherwise the PrePostProcessor is not asked)."""
        return bool(self.tensor_layout or self.tensor_type or self.reverse or self.mean or self.scale or self.resize)

    @property
    def feed_layout(self) -> str | None:
        """The layout of the tensor the application feeds."""
        return self.tensor_layout or self.model_layout

    def steps(self) -> list[str]:
        """The claims, in the order they apply, for the report."""
        result = []
        if self.tensor_type:
            result.append(f"convert {self.tensor_type} -> {self.model_type}")
        if self.resize is True:
            result.append(f"resize (linear) from any height and width to {self._spatial_text()}")
        elif self.resize:
            result.append(f"resize (linear) from {list(self.resize)} to {self._spatial_text()}")
        if self.reverse:
            result.append("reverse channels (BGR <-> RGB)")
        if self.mean:
            result.append(f"subtract mean {self.mean}")
        if self.scale:
            result.append(f"divide by scale {self.scale}")
        if self.tensor_layout and self.model_layout and self.tensor_layout != self.model_layout:
            result.append(f"transpose {self.tensor_layout} -> {self.model_layout}")
        return result

    def _spatial_text(self) -> str:
        return str([self.model_shape[self._axis(self.model_layout, letter)] for letter in "HW"])

    def _axis(self, layout: str | None, letter: str) -> int:
        found = layouts.axis(layout or "", letter, len(self.model_shape)) if layout else None
        if found is None:
            raise ValueError(f"input {self.name!r}: layout {layout!r} has no {letter}")
        return found

    # -- OpenVINO ---------------------------------------------------------------------------

    def apply(self, ppp: PrePostProcessor) -> None:
        """Declare this plan's steps on ``ppp`` (``ppp.build()`` is the caller's)."""
        import openvino as ov
        from openvino.preprocess import ResizeAlgorithm

        info = ppp.input(self.index)
        if self.model_layout:
            info.model().set_layout(ov.Layout(self.model_layout))
        tensor = info.tensor()
        if self.tensor_type:
            tensor.set_element_type(getattr(ov.Type, self.tensor_type))
        if self.feed_layout and (self.tensor_layout or self.resize):
            tensor.set_layout(ov.Layout(self.feed_layout))
        if self.resize is True:
            tensor.set_spatial_dynamic_shape()
        elif self.resize:
            tensor.set_spatial_static_shape(*self.resize)
        steps = info.preprocess()
        if self.tensor_type:
            steps.convert_element_type(getattr(ov.Type, self.model_type))
        if self.resize:
            steps.resize(ResizeAlgorithm.RESIZE_LINEAR)
        if self.reverse:
            steps.reverse_channels()
        if self.mean:
            steps.mean(self.mean[0] if len(self.mean) == 1 else self.mean)
        if self.scale:
            steps.scale(self.scale[0] if len(self.scale) == 1 else self.scale)

    # -- numpy ------------------------------------------------------------------------------

    def feed_shape(self, tensor_shape: list[int]) -> list[int]:
        """A concrete shape for the raw tensor: the new input's static dimensions, and the model's
        size for the dimensions the resize left dynamic (so the resize is an identity)."""
        if all(dim >= 0 for dim in tensor_shape):
            return list(tensor_shape)
        model_in_feed = self.model_shape
        if self.tensor_layout and self.model_layout:
            order = layouts.permutation(self.tensor_layout, self.model_layout, len(self.model_shape))
            model_in_feed = [self.model_shape[axis] for axis in order]
        return [dim if dim >= 0 else max(model_in_feed[axis], 1) for axis, dim in enumerate(tensor_shape)]

    def raw_inputs(self, shape: list[int], rng: np.random.Generator) -> np.ndarray:
        """Random raw data as an application would feed it (fixed seed from the caller).

        Integer types get their full range up to 0..255 (pixels); floats get [0, 255) when mean or
        scale follow (pixel-like values), else [0, 1). For a resize to a different fixed size the
        image is constant per channel: any linear resize keeps a constant image unchanged, so the
        numpy reference needs no resize of its own and every other step is still checked."""
        dtype = NUMPY_TYPES.get(self.tensor_type or self.model_type, np.float32)
        constant = self.resize not in (True, False) and not self._same_spatial(shape)
        sample_shape = list(shape)
        if constant:
            for letter in "HW":
                sample_shape[self._axis(self.feed_layout, letter)] = 1
        values: np.ndarray
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            values = rng.integers(max(info.min, 0), min(info.max, 255) + 1, size=sample_shape)
        elif dtype == np.bool_:
            values = rng.integers(0, 2, size=sample_shape)
        else:
            high = 255.0 if (self.mean or self.scale) else 1.0
            values = rng.uniform(0.0, high, size=sample_shape)
        return np.ascontiguousarray(np.broadcast_to(values, shape).astype(dtype))

    def _same_spatial(self, shape: list[int]) -> bool:
        feed, model = self.feed_layout, self.model_layout
        return all(shape[self._axis(feed, letter)] == self.model_shape[self._axis(model, letter)] for letter in "HW")

    def reference(self, raw: np.ndarray) -> np.ndarray:
        """``raw`` preprocessed in numpy exactly as the plan claims: what the original model gets."""
        model_dtype = NUMPY_TYPES.get(self.model_type, np.float32)
        work_dtype = np.float32 if np.issubdtype(model_dtype, np.floating) else model_dtype
        values = raw.astype(work_dtype)
        feed = self.feed_layout
        if self.resize is not False and feed and not self._same_spatial(list(raw.shape)):
            target = list(values.shape)
            for letter in "HW":
                target[self._axis(feed, letter)] = self.model_shape[self._axis(self.model_layout, letter)]
            corner = tuple(slice(0, 1) if axis in self._spatial_axes(feed) else slice(None) for axis in range(raw.ndim))
            values = np.broadcast_to(values[corner], target)
        if self.reverse:
            values = np.flip(values, axis=self._axis(feed, "C"))
        if self.mean:
            values = values - self._per_channel(self.mean, feed, values.ndim, work_dtype)
        if self.scale:
            values = values / self._per_channel(self.scale, feed, values.ndim, work_dtype)
        if self.tensor_layout and self.model_layout:
            values = values.transpose(layouts.permutation(self.model_layout, self.tensor_layout, values.ndim))
        return np.ascontiguousarray(values.astype(model_dtype))

    def _spatial_axes(self, layout: str) -> set[int]:
        return {self._axis(layout, letter) for letter in "HW"}

    def _per_channel(self, values: list[float], layout: str | None, ndim: int, dtype: Any) -> np.ndarray:
        array = np.asarray(values, dtype=dtype)
        if len(values) == 1:
            return array.reshape(())
        shape = [1] * ndim
        shape[self._axis(layout, "C")] = len(values)
        return array.reshape(shape)
