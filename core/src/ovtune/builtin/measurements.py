"""Built-in measurements: size, latency, throughput, first_inference, memory and accuracy.

The implementations live in :mod:`ovtune.measure` and are imported on first use; options
models are imported from there only where a measurement has options.
"""

from __future__ import annotations

from pydantic import Field

from ovtune import hookimpl
from ovtune.types import Measurement, Options


class FirstInferenceOptions(Options):
    """``[measure.first_inference]``: cold starts in fresh processes."""

    runs: int = Field(3, ge=1, description="Cold starts per situation (the median is reported)")
    timeout: float = Field(300.0, gt=0, description="Seconds allowed per child process")


@hookimpl
def ovtune_register_measurements() -> list[Measurement]:
    return [
        Measurement(name="size", summary="Model size on disk", run="ovtune.measure.size:measure_size", unit="MB"),
        Measurement(
            name="latency",
            summary="Synchronous latency after warm-up: median, mean, p90, p95, p99, std",
            run="ovtune.measure.latency:measure_latency",
            unit="ms",
        ),
        Measurement(
            name="throughput",
            summary="FPS with the device's optimal number of requests in flight (AsyncInferQueue)",
            run="ovtune.measure.throughput:measure_throughput",
            unit="FPS",
        ),
        Measurement(
            name="first_inference",
            summary="Read + compile + first inference in fresh processes, without and with CACHE_DIR",
            options=FirstInferenceOptions,
            run="ovtune.measure.first_inference:first_inference",
            unit="ms",
        ),
        Measurement(
            name="memory",
            summary="Peak RSS of a fresh process that reads, compiles and runs the model",
            run="ovtune.measure.first_inference:measure_memory",
            unit="MB",
        ),
        Measurement(
            name="accuracy",
            summary="The recipe's [metric] on its validation data",
            run="ovtune.measure.accuracy:measure_accuracy",
        ),
    ]
