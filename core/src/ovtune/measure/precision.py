"""What actually ran: the compiled model's properties and each op's runtime precision.

OpenVINO on CPUs with AMX runs f32 models in bf16 unless told otherwise, and quantization can
leave layers in floating point; the runtime (exec) graph is the only place that tells the truth.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openvino as ov

COMPUTE_LAYERS = frozenset(
    {
        "Convolution",
        "GroupConvolution",
        "Deconvolution",
        "GroupDeconvolution",
        "FullyConnected",
        "MatMul",
        "MHA",
        "ScaledDotProductAttention",
        "ScaledDotProductAttentionWithKVCache",
        "RNNSeq",
    }
)
"""Layer types that dominate compute; their precision is "the precision that ran"."""

INTEGER_PRECISIONS = frozenset({"u8", "i8", "u4", "i4"})
READ_BACK = (
    "EXECUTION_DEVICES",
    "PERFORMANCE_HINT",
    "NUM_STREAMS",
    "INFERENCE_NUM_THREADS",
    "OPTIMAL_NUMBER_OF_INFER_REQUESTS",
    "INFERENCE_PRECISION_HINT",
    "EXECUTION_MODE_HINT",
    "ENABLE_CPU_PINNING",
)


FLOAT_LAYER_NAMES_KEPT = 50
"""At most this many names of compute layers that ran in floating point are recorded."""


def runtime_precision(compiled: ov.CompiledModel) -> dict[str, Any]:
    """Count compute layers and all layers by runtime precision; name the dominant one, and
    (for models with integer layers) the compute layers that still ran in floating point."""
    compute: Counter[str] = Counter()
    every: Counter[str] = Counter()
    float_layers: list[str] = []
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        layer_type = _text(info, "layerType")
        if layer_type in ("Input", "Output", "Parameter", "Result", "Constant"):
            continue
        precision = _text(info, "runtimePrecision").lower() or "unknown"
        every[precision] += 1
        if layer_type in COMPUTE_LAYERS:
            compute[precision] += 1
            if precision not in INTEGER_PRECISIONS:
                float_layers.append(_text(info, "originalLayersNames") or op.get_friendly_name())
    source = compute or every
    dominant = source.most_common(1)[0][0] if source else "unknown"
    integer = sum(count for p, count in compute.items() if p in INTEGER_PRECISIONS)
    return {
        "dominant": dominant,
        "compute_layers": dict(compute),
        "all_layers": dict(every),
        "integer_compute_share": integer / sum(compute.values()) if compute else 0.0,
        **({"float_compute_layers": float_layers[:FLOAT_LAYER_NAMES_KEPT]} if integer else {}),
    }


def read_back_properties(compiled: ov.CompiledModel) -> dict[str, Any]:
    """Properties the compiled model reports (what the runtime actually applied)."""
    values: dict[str, Any] = {}
    supported = compiled.get_property("SUPPORTED_PROPERTIES")
    for key in READ_BACK:
        if key in supported:
            try:
                value = compiled.get_property(key)
            except RuntimeError:
                continue
            values[key] = _plain(value)
    return values


def _plain(value: Any) -> Any:
    """A JSON-friendly read-back value: ``ov.Type`` -> ``"bf16"``, enums -> their name."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "get_type_name"):
        return value.get_type_name()
    return str(value)


def _text(info: Any, key: str) -> str:
    if key not in info:
        return ""
    value = info[key]
    try:
        return str(value.astype(str))
    except AttributeError:
        return str(value)
