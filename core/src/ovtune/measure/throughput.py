"""Throughput: as many requests in flight as the device wants, FPS = frames / wall time.

An ``AsyncInferQueue`` with the compiled model's ``OPTIMAL_NUMBER_OF_INFER_REQUESTS`` (or
``[deploy] requests``) keeps the device busy, as benchmark_app does in its default async mode.
No Python completion callback is installed: an exception escaping one makes the next
``start_async`` abort the process, and destroying a queue whose callback is still about to run
can deadlock on the GIL (seen here about one run in three). Every started request has
completed once ``wait_all`` returns, so frames are counted from the requests started, and a
failed request surfaces as the ``RuntimeError`` that ``wait_all`` raises. The mean latency
under load follows from Little's law (requests in flight / throughput); the median and p90 of
the requests' own ``latency`` are collected as benchmark_app does, reading the latency of the
request the queue is about to reuse (it has finished) and of every request after ``wait_all``.

The prepared inputs are bound to the queue's requests once, before the warm-up (request ``i``
gets input set ``i % len(feeds)``), and the timed loop calls a bare ``start_async()``, as
benchmark_app's "inference only" mode does. Passing the inputs to every ``start_async`` wraps
each array in a new tensor in Python, holding the GIL; on a 2-core machine where both cores run
inference streams, that cost 4-9 % of the FPS of sub-millisecond models (docs/measurement.md).
"""

from __future__ import annotations

import time
from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.errors import MeasurementError
from ovtune.measure.harness import TimingSettings, summarize_throughput
from ovtune.measure.inputs import timing_inputs
from ovtune.options import Options


def frames_per_inference(compiled: Any, feeds: list[dict[str, Any]] | None = None) -> int:
    """The batch size benchmark_app would use: the N of an image-like (4-D) first input; for
    a dynamic one, the N of the data fed to it."""
    port = compiled.inputs[0]
    shape = port.get_partial_shape()
    if shape.rank.is_static and shape.rank.get_length() == 4 and shape[0].is_static:
        return int(shape[0].get_length())
    if feeds and shape.rank.is_static and shape.rank.get_length() == 4:
        array = feeds[0].get(port.get_any_name())
        if array is not None and array.ndim == 4:
            return int(array.shape[0])
    return 1


def bind_inputs(queue: Any, feeds: list[dict[str, Any]]) -> None:
    """Write input set ``i % len(feeds)`` into the input tensors of request ``i`` of ``queue``,
    once, as benchmark_app fills its requests. The requests keep their own tensors (shaped to
    the data for dynamic inputs): binding tensors created from Python arrays instead
    (``set_tensor``) corrupted the heap on a dynamic-shape model converted from PyTorch, which
    crashed the next compilation in the same process."""
    for index in range(len(queue)):
        bind_request(queue[index], feeds[index % len(feeds)])


def bind_request(request: Any, feed: dict[str, Any]) -> None:
    """Copy ``feed`` into the input tensors ``request`` owns (shaped to the data)."""
    for name, array in feed.items():
        tensor = request.get_tensor(name)
        tensor.set_shape(list(array.shape))
        tensor.data[...] = array


def measure_throughput(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    import openvino as ov

    compiled = context.compile(subject)
    prepared = timing_inputs(compiled, context)
    feeds = prepared.feeds
    optimal = int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
    jobs = context.deploy.requests or optimal
    batch = frames_per_inference(compiled, feeds)
    settings = TimingSettings.from_section(context.measure)
    queue = ov.AsyncInferQueue(compiled, jobs)
    try:
        bind_inputs(queue, feeds)
        for _ in range(max(settings.warmup, jobs)):
            queue.start_async()
        queue.wait_all()
        trial_fps: list[float] = []
        total_frames = 0
        total_seconds = 0.0
        trial_seconds: list[float] = []
        latencies: list[float] = []
        for _ in range(settings.trials):
            started = 0
            in_flight: set[int] = set()
            start = time.perf_counter()
            deadline = start + settings.duration
            while True:
                # as benchmark_app: the request about to be reused has finished; its latency counts
                idle = queue.get_idle_request_id()
                if idle in in_flight:
                    latencies.append(queue[idle].latency)
                else:
                    in_flight.add(idle)
                queue.start_async()
                started += 1
                if settings.iterations is not None:
                    if started >= settings.iterations:
                        break
                elif time.perf_counter() >= deadline:
                    break
            queue.wait_all()
            seconds = time.perf_counter() - start
            latencies.extend(queue[index].latency for index in in_flight)
            frames = started * batch
            trial_fps.append(frames / seconds)
            trial_seconds.append(seconds)
            total_frames += frames
            total_seconds += seconds
    except RuntimeError as exc:
        raise MeasurementError(f"throughput of {subject.label}: inference failed: {exc}") from None
    finally:
        del queue
    fps = sorted(trial_fps)[(len(trial_fps) - 1) // 2] if trial_fps else 0.0
    return summarize_throughput(
        trial_fps,
        total_frames,
        total_seconds,
        latencies,
        requests=jobs,
        mean_latency_ms=jobs * batch * 1000.0 / fps if fps else None,
        optimal_requests=optimal,
        frames_per_inference=batch,
        inputs=prepared.source,
        distinct_inputs=min(jobs, len(feeds)),
        trial_seconds=trial_seconds,
    )
