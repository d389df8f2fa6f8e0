"""The timing harness shared by every framework: OpenVINO measurements and baselines.

A framework supplies one callable per inference; the harness owns warm-up, trials, the
duration/count rule and the statistics, so OpenVINO and ONNX Runtime figures are produced by
the same code from the same prepared inputs and can be put side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ovtune.measure.statistics import spread, summarize

Step = Callable[[int], float | None]
"""Runs inference on prepared input ``i``; returns the framework's own latency in ms, or
``None`` to let the harness use wall-clock time around the call."""


@dataclass(frozen=True)
class TimingSettings:
    """How long and how often to time (``[measure]``)."""

    duration: float
    iterations: int | None
    warmup: int
    trials: int

    @classmethod
    def from_section(cls, section: Any) -> TimingSettings:
        return cls(section.duration, section.iterations, section.warmup, section.trials)


def sync_latency(step: Step, settings: TimingSettings) -> dict[str, Any]:
    """Time synchronous inferences: warm-up, then ``trials`` trials of ``duration`` (or
    ``iterations``); returns statistics in ms, per-trial medians, their spread and sync FPS."""
    for index in range(settings.warmup):
        step(index)
    all_ms: list[float] = []
    trial_medians: list[float] = []
    trial_seconds: list[float] = []
    trial_counts: list[int] = []
    wall = 0.0
    for _ in range(settings.trials):
        trial: list[float] = []
        start = time.perf_counter()
        deadline = start + settings.duration
        index = 0
        while True:
            before = time.perf_counter()
            own = step(index)
            trial.append(own if own is not None else (time.perf_counter() - before) * 1000.0)
            index += 1
            if settings.iterations is not None:
                if index >= settings.iterations:
                    break
            elif time.perf_counter() >= deadline:
                break
        elapsed = time.perf_counter() - start
        wall += elapsed
        trial_seconds.append(elapsed)
        trial_counts.append(len(trial))
        trial_medians.append(summarize(trial)["median"])
        all_ms.extend(trial)
    stats = summarize(all_ms)
    result: dict[str, Any] = {f"{key}_ms" if key != "count" else key: value for key, value in stats.items()}
    result.update(
        trials=settings.trials,
        trial_medians_ms=trial_medians,
        **spread(trial_medians),
        sync_fps=len(all_ms) / wall if wall else 0.0,
        seconds=wall,
        trial_seconds=trial_seconds,
        trial_counts=trial_counts,
        trial_sync_fps=[n / s if s else 0.0 for n, s in zip(trial_counts, trial_seconds, strict=True)],
    )
    return result


def summarize_throughput(
    trial_fps: Sequence[float], frames: int, seconds: float, latencies_ms: Sequence[float], **extra: Any
) -> dict[str, Any]:
    """Throughput statistics over trials: the median trial's FPS is the figure reported."""
    ordered = sorted(trial_fps)
    result: dict[str, Any] = {
        "fps": ordered[(len(ordered) - 1) // 2] if ordered else 0.0,
        "trial_fps": list(trial_fps),
        **spread(trial_fps),
        "frames": frames,
        "seconds": seconds,
    }
    if latencies_ms:
        stats = summarize(latencies_ms)
        result.update(latency_median_ms=stats["median"], latency_p90_ms=stats["p90"], mean_latency_ms=stats["mean"])
    result.update(extra)
    return result


def threaded_throughput(
    step: Step, workers: int, settings: TimingSettings, frames_per_inference: int = 1
) -> dict[str, Any]:
    """Throughput of ``workers`` threads calling ``step`` in a loop (for frameworks without an
    async queue, e.g. ONNX Runtime, whose ``run`` releases the GIL)."""
    for index in range(settings.warmup):
        step(index)
    trial_fps: list[float] = []
    latencies: list[float] = []
    total_frames = 0
    total_seconds = 0.0
    trial_seconds: list[float] = []
    lock = threading.Lock()
    for _ in range(settings.trials):
        counts = [0] * workers
        errors: list[BaseException] = []
        start = time.perf_counter()
        deadline = start + settings.duration
        per_worker = None if settings.iterations is None else max(1, settings.iterations // workers)

        def work(
            worker: int,
            counts: list[int] = counts,
            errors: list[BaseException] = errors,
            deadline: float = deadline,
            per_worker: int | None = per_worker,
        ) -> None:
            index = worker
            try:
                while True:
                    before = time.perf_counter()
                    own = step(index)
                    elapsed = own if own is not None else (time.perf_counter() - before) * 1000.0
                    with lock:
                        latencies.append(elapsed)
                    counts[worker] += 1
                    index += workers
                    if per_worker is not None:
                        if counts[worker] >= per_worker:
                            return
                    elif time.perf_counter() >= deadline:
                        return
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        seconds = time.perf_counter() - start
        frames = sum(counts) * frames_per_inference
        trial_fps.append(frames / seconds)
        trial_seconds.append(seconds)
        total_frames += frames
        total_seconds += seconds
    return summarize_throughput(
        trial_fps, total_frames, total_seconds, latencies, workers=workers, trial_seconds=trial_seconds
    )
