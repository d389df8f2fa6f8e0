"""Latency: synchronous single requests after a warm-up, for a duration or a count.

Each trial rotates through several distinct prepared inputs and records OpenVINO's own
per-request latency (``InferRequest.latency``, as benchmark_app does), so Python overhead is
not counted. Every input set is copied once, before the warm-up, into a request of its own, and
the loop calls a bare ``infer()`` on the requests in turn, as benchmark_app's sync
"inference only" loop calls it on its one request: passing the inputs to every ``infer(feed)``
leaves a gap between inferences in which the runtime's worker threads go idle, and on a loaded
2-core machine that raised digits' median latency in every one of 10 interleaved rounds
(docs/measurement.md). Trials are repeated; their medians' spread flags a noisy measurement.
"""

from __future__ import annotations

from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.measure.harness import TimingSettings, sync_latency
from ovtune.measure.inputs import timing_inputs
from ovtune.measure.throughput import bind_request
from ovtune.options import Options


def measure_latency(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    compiled = context.compile(subject)
    prepared = timing_inputs(compiled, context)
    feeds = prepared.feeds
    requests = [compiled.create_infer_request() for _ in feeds]
    for request, feed in zip(requests, feeds, strict=True):
        bind_request(request, feed)

    def step(index: int) -> float:
        request = requests[index % len(requests)]
        request.infer()
        return float(request.latency)

    result = sync_latency(step, TimingSettings.from_section(context.measure))
    result["inputs"] = prepared.source
    return result
