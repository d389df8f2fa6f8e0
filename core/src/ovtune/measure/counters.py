"""Per-layer performance counters: where the time of one inference goes, and the precision
each layer ran in.

The model is compiled with ``PERF_COUNT`` on and run for a few inferences apart from the timed
measurements (counting slows every inference down a little, so the timed figures are taken
without it, unlike benchmark_app's ``-pc``, which counts during its timed run). The time of a
layer is its ``real_time`` from ``InferRequest.get_profiling_info()`` averaged over the
inferences; its precision is the ``runtimePrecision`` of the runtime (exec) graph node of the
same name, which is what ran, not what the model file asked for.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

DEFAULT_ITERATIONS = 20
DEFAULT_TOP = 10


def layer_counters(
    compiled: Any, feeds: list[dict[str, Any]], iterations: int = DEFAULT_ITERATIONS, top: int = DEFAULT_TOP
) -> dict[str, Any]:
    """The ``top`` slowest layers of ``compiled`` (compiled with ``PERF_COUNT``): name, layer
    type, the kernel that ran (``exec_type``), the precision it ran in, mean ms per inference and
    share of the summed layer time; plus the total and the time by precision."""
    request = compiled.create_infer_request()
    totals: dict[str, float] = defaultdict(float)
    kinds: dict[str, tuple[str, str]] = {}
    for index in range(iterations):
        request.infer(feeds[index % len(feeds)])
        for entry in request.get_profiling_info():
            if str(entry.status).endswith("NOT_RUN"):
                continue
            totals[entry.node_name] += entry.real_time.total_seconds() * 1000.0
            kinds[entry.node_name] = (entry.node_type, entry.exec_type)
    precisions = _runtime_precisions(compiled)
    total = sum(totals.values())
    layers = []
    by_precision: dict[str, float] = defaultdict(float)
    for name, ms in sorted(totals.items(), key=lambda item: -item[1]):
        mean = ms / iterations
        precision = precisions.get(name, "?")
        by_precision[precision] += mean
        layers.append(
            {
                "name": name,
                "type": kinds[name][0],
                "exec_type": kinds[name][1],
                "precision": precision,
                "ms": mean,
                "share": ms / total if total else 0.0,
            }
        )
    return {
        "iterations": iterations,
        "layers_run": len(layers),
        "total_ms": total / iterations,
        "by_precision_ms": dict(sorted(by_precision.items(), key=lambda item: -item[1])),
        "slowest": layers[:top],
        "method": "separate pass with PERF_COUNT on, after the timed measurements; "
        "mean real_time per inference from get_profiling_info(); precision from the runtime graph",
    }


def _runtime_precisions(compiled: Any) -> dict[str, str]:
    result = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        if "runtimePrecision" in info:
            result[op.get_friendly_name()] = str(info["runtimePrecision"].astype(str))
    return result
