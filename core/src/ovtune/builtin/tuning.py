"""The runtime settings ``ovtune tune`` tries on any model: the core's own proposals.

What an expert tunes after choosing the model: the performance hint that matches the goal,
the number of streams (one per core at most: more streams than cores only share them), the
number of requests in flight on a machine with enough cores to keep several busy, and the
inference precisions the device really supports (read from ``OPTIMIZATION_CAPABILITIES``,
because bf16 is twice as fast as f32 on one CPU and slower on another). Blocked with
``-p no:deploy``, a tune without a hand-written space searches the model variants alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune import hookimpl

if TYPE_CHECKING:
    from ovtune.proposals import Proposal, TuneRequest

MANY_CORES = 4
"""From this many cores on, the number of requests in flight is worth searching too."""


def stream_counts(max_streams: int) -> tuple[int, ...]:
    """1, the powers of two below ``max_streams``, and ``max_streams``: few values that span
    the range (every count from 1 to 64 would be a grid, not a search)."""
    counts = {1, max_streams}
    power = 2
    while power < max_streams:
        counts.add(power)
        power *= 2
    return tuple(sorted(counts))


@hookimpl
def ovtune_tune_candidates(request: TuneRequest) -> list[Proposal]:
    from ovtune.proposals import ProposedDeploy  # only a tune asks: not imported by --help

    device = request.device
    proposals: list[Proposal] = []
    if request.throughput:
        proposals.append(
            ProposedDeploy(
                "hint",
                ("throughput", "latency"),
                "throughput objective: the throughput hint runs several streams; latency's single stream "
                "sometimes wins on few cores",
            )
        )
        if device.max_streams > 1:
            proposals.append(
                ProposedDeploy(
                    "streams",
                    stream_counts(device.max_streams),
                    f"{device.name} runs 1 to {device.max_streams} streams ({device.cores} cores)",
                )
            )
        if device.cores >= MANY_CORES:
            proposals.append(
                ProposedDeploy(
                    "requests",
                    (device.max_streams, 2 * device.max_streams),
                    "enough cores that one or two requests per stream in flight both may pay",
                )
            )
    else:
        proposals.append(
            ProposedDeploy("hint", ("latency",), "latency objective: one stream on all cores serves a request fastest")
        )
    if len(device.precisions) > 1:
        proposals.append(
            ProposedDeploy(
                "precision",
                device.precisions,
                f"{device.name} supports {', '.join(device.precisions)} "
                f"({', '.join(c for c in device.capabilities if c in ('BF16', 'FP16', 'FP32'))}); "
                "which is fastest depends on the CPU: measured, not assumed",
            )
        )
    return proposals
