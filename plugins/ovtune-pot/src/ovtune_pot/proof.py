"""Proof that quantization did what it claims, on this device, with the recipe's settings.

A quantized IR only says that ranges were inserted; whether the runtime executes integer
kernels is decided at compile time (a layer can stay in f32 or bf16 when the plugin has no
integer kernel for it, or when quantization skipped it). So the stage compiles the quantized
model with the recipe's ``[deploy]`` settings and reads the runtime graph
(:func:`ovtune.measure.precision.runtime_precision`), and times both models side by side with
ovtune's harness, interleaved, because on a CPU with bf16 and AMX, INT8 is not always faster.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from ovtune.plugin.measure import TimingSettings, prepare_inputs, runtime_precision, sync_latency

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import Dataset

SPEED_ROUNDS = 3
"""Interleaved rounds of the speed check (original, quantized, original, ...)."""


def integer_execution(compiled: ov.CompiledModel) -> tuple[dict[str, Any], list[str]]:
    """The runtime precision of the compiled quantized model, and notes on what it shows."""
    precision = runtime_precision(compiled)
    compute = precision["compute_layers"]
    total = sum(compute.values())
    integer = round(precision["integer_compute_share"] * total)
    counts = ", ".join(f"{count} {name}" for name, count in sorted(compute.items(), key=lambda kv: -kv[1]))
    if total == 0:
        return precision, ["The runtime graph has no compute layers to check for integer execution."]
    if integer == 0:
        return precision, [
            f"WARNING: quantization left every compute layer running float kernels ({counts}): "
            "the model is not faster for being quantized; check ignored_scope, model_type and the device."
        ]
    notes = [f"Integer execution: {integer} of {total} compute layers run in integer precision ({counts})."]
    if integer < total:
        names = ", ".join(precision.get("float_compute_layers", [])[:8])
        notes.append(f"WARNING: {total - integer} compute layers still run in floating point: {names}.")
    return precision, notes


def speed_check(
    original: ov.CompiledModel, quantized: ov.CompiledModel, data: Dataset | None, data_name: str | None, seconds: float
) -> dict[str, Any]:
    """Median latency of both models, measured in interleaved rounds on the same inputs."""
    settings = TimingSettings(duration=seconds, iterations=None, warmup=5, trials=1)
    medians: dict[str, list[float]] = {"original": [], "quantized": []}
    inputs = ""
    for _ in range(SPEED_ROUNDS):
        for label, compiled in (("original", original), ("quantized", quantized)):
            prepared = prepare_inputs(compiled, data, data_name)
            inputs = prepared.source
            request = compiled.create_infer_request()
            feeds = prepared.feeds

            def step(index: int, request: Any = request, feeds: list[Any] = feeds) -> float:
                request.infer(feeds[index % len(feeds)])
                return float(request.latency)

            medians[label].append(sync_latency(step, settings)["median_ms"])
    original_ms = statistics.median(medians["original"])
    quantized_ms = statistics.median(medians["quantized"])
    return {
        "original_median_ms": original_ms,
        "quantized_median_ms": quantized_ms,
        "speedup": original_ms / quantized_ms if quantized_ms else None,
        "rounds": SPEED_ROUNDS,
        "seconds_per_round": seconds,
        "inputs": inputs,
        "round_medians_ms": medians,
    }
