"""The results of the built-in measurements, as typed models.

Each built-in :class:`ovtune.types.Measurement` names its result model (``result=``); the run's
report model (:mod:`ovtune.report.model`) types ``models[].measurements`` with them, and the
published ``report.schema.json`` is generated from there. Results may carry more keys than
declared (a baseline adds how it was timed), so extra keys are allowed; the declared ones are
what readers may rely on.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Result(BaseModel):
    """Base of measurement results: frozen, extra keys allowed."""

    model_config = ConfigDict(frozen=True, extra="allow")


class SizeResult(Result):
    """The files that make up the model, on disk."""

    bytes: int = Field(ge=0)
    mb: float
    files: dict[str, int]
    note: str | None = None


class LatencyResult(Result):
    """Synchronous latency in ms over every timed inference of every trial (nearest-rank percentiles)."""

    median_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    p25_ms: float | None = None
    p75_ms: float | None = None
    p90_ms: float
    p95_ms: float
    p99_ms: float
    std_ms: float
    relative_spread: float
    sync_fps: float | None = None
    count: int = Field(ge=0)
    trials: int = Field(ge=1)
    trial_medians_ms: list[float]
    noisy: bool
    inputs: str | None = Field(None, description="'random' or 'data.NAME (N samples)'")
    timing: str | None = Field(None, description="How a baseline was timed")


class ThroughputResult(Result):
    """Frames per second with requests in flight."""

    fps: float
    trial_fps: list[float]
    relative_spread: float
    noisy: bool
    frames: int
    seconds: float
    requests: int | None = None
    optimal_requests: int | None = None
    workers: int | None = None
    mean_latency_ms: float | None = None
    frames_per_inference: int | None = None
    distinct_inputs: int | None = None
    inputs: str | None = None


class StartSummary(Result):
    """Medians over cold starts of one situation (no cache, filling the cache, cached)."""

    read_ms: float
    compile_ms: float
    first_infer_ms: float
    total_ms: float
    peak_rss_mb: float
    runtime_rss_mb: float | None = None
    loaded_from_cache: bool
    runs: list[dict[str, Any]]


class FirstInferenceResult(Result):
    """Read + compile + first inference in fresh processes, without and with CACHE_DIR."""

    no_cache: StartSummary
    cache_fill: StartSummary
    cached: StartSummary
    cold_ms: float
    cached_ms: float
    compile_ms: float
    cache_speedup: float | None = None
    cache_pays_off: bool
    note: str | None = None


class MemoryResult(Result):
    """Peak resident memory of a fresh process that reads, compiles and runs the model."""

    peak_rss_mb: float
    runtime_rss_mb: float
    model_rss_mb: float
    note: str | None = None


class AccuracyResult(Result):
    """The recipe's [metric] on its validation data."""

    metric: str
    value: float
    data: str
    samples: int
    higher_is_better: bool
    drop: float | None = Field(None, description="original - this (positive = worse), whatever the metric's direction")
