"""Inputs for timed inference, prepared outside the timed region.

Timing copies these arrays into tensors its requests own (``infer(feed)``, or written into a
request's input tensor) instead of binding requests to them zero-copy: with
``share_inputs=True`` the runtime went on writing to memory a finished request had been bound
to (wrong accuracy afterwards when that memory was the validation data; heap corruption when
it had been freed). The copy happens before ``InferRequest.latency`` starts counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.errors import MeasurementError

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.context import MeasureContext
    from ovtune.types import Dataset

DEFAULT_INPUT_COUNT = 8
_TYPES = {
    "f32": np.float32,
    "f16": np.float16,
    "i64": np.int64,
    "i32": np.int32,
    "u8": np.uint8,
    "i8": np.int8,
    "boolean": np.bool_,
    "f64": np.float64,
}


@dataclass
class PreparedInputs:
    """Several distinct input sets, and where they came from."""

    feeds: list[dict[str, np.ndarray]]
    source: str


def timing_inputs(compiled: ov.CompiledModel, context: MeasureContext) -> PreparedInputs:
    """The inputs every timing measurement of a run uses: the metric's data (else the first
    dataset) when it fits the compiled model, else random data."""
    data = context.sample_data()
    name = context.metric.data if context.metric else (context.data.names[0] if context.data.names else None)
    return prepare_inputs(compiled, data, name)


def prepare_inputs(
    compiled: ov.CompiledModel,
    data: Dataset | None,
    data_name: str | None,
    count: int = DEFAULT_INPUT_COUNT,
    seed: int = 0,
) -> PreparedInputs:
    """Up to ``count`` input sets for ``compiled``: real samples if they fit, else consecutive
    samples stacked into the model's batch (as benchmark_app fills ``-b 4`` with four images),
    else random."""
    ports = list(compiled.inputs)
    if data is not None and len(data) > 0:
        feeds = []
        for index in range(min(count, len(data))):
            sample = data[index]
            feed = _match(ports, sample.inputs)
            if feed is None:
                break
            feeds.append(feed)
        if feeds:
            return PreparedInputs(feeds, f"data.{data_name} ({len(feeds)} samples)")
        batch = _static_batch(ports)
        if batch > 1:
            feeds = _batched_feeds(ports, data, batch, count)
            if feeds:
                batches = f"{len(feeds)} batch{'es' if len(feeds) != 1 else ''}"
                return PreparedInputs(feeds, f"data.{data_name} ({batches} of {batch} samples)")
    rng = np.random.default_rng(seed)
    feeds = []
    for _ in range(count):
        feed = {}
        for port in ports:
            shape = port.get_partial_shape()
            if shape.is_dynamic:
                raise MeasurementError(
                    f"input {port.get_any_name()!r} has dynamic shape {shape} and no data fits it; "
                    "add a [data.*] section or give the model a static shape"
                )
            dtype = _TYPES.get(port.get_element_type().get_type_name(), np.float32)
            values = rng.uniform(0, 1, size=tuple(shape.to_shape()))
            feed[port.get_any_name()] = values.astype(dtype)
        feeds.append(feed)
    return PreparedInputs(feeds, "random")


def _static_batch(ports: list[Any]) -> int:
    """The first dimension every input shares, when it is static (0 when they disagree)."""
    firsts = set()
    for port in ports:
        shape = port.get_partial_shape()
        if shape.rank.is_dynamic or shape.rank.get_length() == 0 or shape[0].is_dynamic:
            return 0
        firsts.add(shape[0].get_length())
    return firsts.pop() if len(firsts) == 1 else 0


def _batched_feeds(ports: list[Any], data: Dataset, batch: int, count: int) -> list[dict[str, np.ndarray]]:
    """Input sets of ``batch`` consecutive samples each, concatenated on the first axis; the data
    is cycled when it holds fewer samples than a batch. Empty when the stacked samples do not
    fit the model either."""
    feeds = []
    for first in range(0, min(count, max(1, len(data) // batch)) * batch, batch):
        samples = [data[(first + offset) % len(data)].inputs for offset in range(batch)]
        if any(set(sample) != set(samples[0]) for sample in samples):
            return []
        try:
            stacked = {name: np.concatenate([np.asarray(s[name]) for s in samples]) for name in samples[0]}
        except ValueError:  # samples of different shapes
            return []
        feed = _match(ports, stacked)
        if feed is None:
            return []
        feeds.append(feed)
    return feeds


def _match(ports: list[Any], inputs: Any) -> dict[str, np.ndarray] | None:
    feed = {}
    for port in ports:
        name = port.get_any_name()
        array = inputs.get(name)
        if array is None:
            array = next((inputs[n] for n in port.get_names() if n in inputs), None)
        if array is None or not port.get_partial_shape().compatible(_partial(array.shape)):
            return None
        dtype = _TYPES.get(port.get_element_type().get_type_name())
        # a copy, so that nothing timing does can touch the dataset accuracy is scored on
        feed[name] = np.array(array, dtype=dtype, order="C", copy=True)
    return feed


def _partial(shape: tuple[int, ...]) -> Any:
    import openvino as ov

    return ov.PartialShape(list(shape))
