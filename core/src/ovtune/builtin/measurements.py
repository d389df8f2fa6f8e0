"""Built-in measurements: size, latency, throughput, first_inference, memory and accuracy.

The implementations live in :mod:`ovtune.measure`, the result models in :mod:`ovtune.results`
and the options in :mod:`ovtune.builtin.measurement_options`; all are named by string and
imported on first use, so that listing plugins imports neither NumPy nor pydantic.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Figure, Measurement

_OTHER_STATISTICS = ("mean", "min", "max", "p25", "p75", "p95", "p99")


def _ms(key: str, label: str, *, headline: bool = False, format: str = ".3f") -> Figure:
    """A time in milliseconds: lower is better."""
    return Figure(key=key, label=label, unit="ms", better="lower", headline=headline, format=format)


@hookimpl
def ovtune_register_measurements() -> list[Measurement]:
    return [
        Measurement(
            name="size",
            summary="Model size on disk",
            run="ovtune.measure.size:measure_size",
            result="ovtune.results:SizeResult",
            unit="MB",
            figures=(
                Figure(key="mb", label="size MB", unit="MB", better="lower", headline=True, format=".3f"),
                Figure(key="bytes", label="size bytes", unit="B", better="lower", format=".0f"),
            ),
        ),
        Measurement(
            name="latency",
            summary="Synchronous latency after warm-up: median, mean, p90, p95, p99, std",
            run="ovtune.measure.latency:measure_latency",
            result="ovtune.results:LatencyResult",
            unit="ms",
            figures=(
                _ms("median_ms", "latency ms median", headline=True, format=".3f"),
                _ms("p90_ms", "latency ms p90", headline=True, format=".3f"),
                *(
                    _ms(f"{stat}_ms", f"latency ms {stat}")
                    for stat in ("mean", "min", "max", "p25", "p75", "p95", "p99")
                ),
                Figure(key="std_ms", label="latency ms std", unit="ms"),
                Figure(key="sync_fps", label="sync FPS", unit="FPS", better="higher", format=".1f"),
                Figure(key="relative_spread", label="latency spread between trials", format=".0%"),
            ),
        ),
        Measurement(
            name="throughput",
            summary="FPS with the device's optimal number of requests in flight (AsyncInferQueue)",
            run="ovtune.measure.throughput:measure_throughput",
            result="ovtune.results:ThroughputResult",
            unit="FPS",
            figures=(
                Figure(key="fps", label="throughput FPS", unit="FPS", better="higher", headline=True, format=".1f"),
                _ms("latency_median_ms", "throughput latency ms median"),
                _ms("latency_p90_ms", "throughput latency ms p90"),
                _ms("mean_latency_ms", "throughput latency ms mean"),
                Figure(key="relative_spread", label="throughput spread between trials", format=".0%"),
            ),
        ),
        Measurement(
            name="first_inference",
            summary="Read + compile + first inference in fresh processes, without and with CACHE_DIR",
            options="ovtune.builtin.measurement_options:FirstInferenceOptions",
            run="ovtune.measure.first_inference:first_inference",
            result="ovtune.results:FirstInferenceResult",
            unit="ms",
            figures=(
                _ms("cold_ms", "first inference ms (cold)", headline=True, format=".1f"),
                Figure(
                    key="cached_ms",
                    label="first inference ms (cached)",
                    unit="ms",
                    better="lower",
                    headline=True,
                    main=True,  # what a deployment with CACHE_DIR sees: the tuning objective
                    format=".1f",
                ),
                _ms("compile_ms", "compile ms (cold)", format=".1f"),
                Figure(key="cache_speedup", label="model cache speedup", better="higher", format=".2f"),
            ),
        ),
        Measurement(
            name="memory",
            summary="Peak RSS of a fresh process that reads, compiles and runs the model",
            run="ovtune.measure.first_inference:measure_memory",
            result="ovtune.results:MemoryResult",
            unit="MB",
            figures=(
                Figure(key="peak_rss_mb", label="peak RSS MB", unit="MB", better="lower", headline=True, format=".1f"),
                Figure(key="model_rss_mb", label="model RSS MB", unit="MB", better="lower", format=".1f"),
                Figure(key="runtime_rss_mb", label="runtime RSS MB", unit="MB", format=".1f"),
            ),
        ),
        Measurement(
            name="accuracy",
            summary="The recipe's [metric] on its validation data",
            run="ovtune.measure.accuracy:measure_accuracy",
            result="ovtune.results:AccuracyResult",
            figures=(
                Figure(key="value", label="accuracy", better_from="higher_is_better", headline=True, format=".4f"),
                Figure(key="drop", label="drop", better="lower", headline=True, format="+.4f"),
            ),
        ),
    ]
