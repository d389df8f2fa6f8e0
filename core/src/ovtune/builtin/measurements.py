"""Built-in measurements: ``size``, ``latency`` and ``accuracy``.

The implementations live in :mod:`ovtune.measure` and are imported on first use.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Measurement


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
            name="accuracy",
            summary="The recipe's [metric] on its validation data",
            run="ovtune.measure.accuracy:measure_accuracy",
        ),
    ]
