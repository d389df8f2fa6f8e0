"""Latency: synchronous single requests after a warm-up, for a duration or a count.

Each trial rotates through several distinct prepared inputs and records OpenVINO's own
per-request latency (``InferRequest.latency``, as benchmark_app does), so Python overhead is
not counted. Trials are repeated; their medians' spread flags a noisy measurement.
"""

from __future__ import annotations

from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.measure.harness import TimingSettings, sync_latency
from ovtune.measure.inputs import timing_inputs
from ovtune.measure.throughput import frames_per_inference
from ovtune.types import Options


def measure_latency(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    compiled = context.compile(subject)
    prepared = timing_inputs(compiled, context)
    feeds = prepared.feeds
    request = compiled.create_infer_request()

    def step(index: int) -> float:
        request.infer(feeds[index % len(feeds)])
        return float(request.latency)

    result = sync_latency(step, TimingSettings.from_section(context.measure))
    result["inputs"] = prepared.source
    # the frames per inference, so that benchmark_app's FPS of its sync mode (its default under
    # the LATENCY hint), batch x iterations / duration, follows from this loop: sync_fps x batch
    result["frames_per_inference"] = frames_per_inference(compiled, feeds)
    return result
