"""Latency: synchronous single requests after a warm-up, for a duration or a count.

Each trial rotates through several distinct prepared inputs and records OpenVINO's own
per-request latency (``InferRequest.latency``, as benchmark_app does), so Python overhead is
not counted. Trials are repeated; their medians' spread flags a noisy measurement.
"""

from __future__ import annotations

import time
from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.measure.inputs import prepare_inputs
from ovtune.measure.statistics import spread, summarize
from ovtune.types import Options


def measure_latency(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    settings = context.measure
    compiled = context.compile(subject)
    data = context.sample_data()
    data_name = context.metric.data if context.metric else (context.data.names[0] if context.data.names else None)
    prepared = prepare_inputs(compiled, data, data_name)
    feeds = prepared.feeds
    request = compiled.create_infer_request()
    for index in range(settings.warmup):
        request.infer(feeds[index % len(feeds)], share_inputs=True)
    all_ms: list[float] = []
    trial_medians: list[float] = []
    wall = 0.0
    for _ in range(settings.trials):
        trial: list[float] = []
        start = time.perf_counter()
        deadline = start + settings.duration
        index = 0
        while True:
            request.infer(feeds[index % len(feeds)], share_inputs=True)
            trial.append(request.latency)
            index += 1
            if settings.iterations is not None:
                if index >= settings.iterations:
                    break
            elif time.perf_counter() >= deadline:
                break
        wall += time.perf_counter() - start
        trial_medians.append(summarize(trial)["median"])
        all_ms.extend(trial)
    stats = summarize(all_ms)
    result: dict[str, Any] = {f"{key}_ms" if key != "count" else key: value for key, value in stats.items()}
    result.update(
        trials=settings.trials,
        trial_medians_ms=trial_medians,
        **spread(trial_medians),
        sync_fps=len(all_ms) / wall if wall else 0.0,
        inputs=prepared.source,
    )
    return result
