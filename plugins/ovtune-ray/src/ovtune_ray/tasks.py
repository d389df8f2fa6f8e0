"""What runs on a Ray worker: one job, through ovtune's own :func:`ovtune.plugin.execute_job`.

These are plain functions; :mod:`ovtune_ray.executor` wraps them with ``ray.remote`` and the
resources each call asks for. A worker names its node by Ray's node id, so that a result says
where it ran even when every node of a cluster has the same host name (a simulated cluster).
"""

from __future__ import annotations

from typing import Any

from ovtune.plugin import Job, JobResult, NodeInfo, execute_job, local_node

_fingerprint: dict[str, Any] = {}
"""This worker's hardware fingerprint, taken once: a worker process serves many tasks."""


def this_node() -> NodeInfo:
    """The node this worker runs on, with its hardware fingerprint."""
    import ray

    if not _fingerprint:
        here = local_node()
        _fingerprint.update(host=here.host, hardware=here.hardware)
    return NodeInfo(ray.get_runtime_context().get_node_id(), _fingerprint["host"], dict(_fingerprint["hardware"]))


def build(job: dict[str, Any]) -> tuple[JobResult, dict[str, dict[str, bytes]]]:
    """Build a job's stages into this node's cache; returns the result and, apart, the stage
    outputs, so that the driver can hand them to the measuring node without fetching them."""
    result = execute_job(Job.from_json(job), node=this_node(), export=True)
    entries, result.cache_entries = result.cache_entries, {}
    return result, entries


def run(job: dict[str, Any], received: dict[str, dict[str, bytes]] | None) -> JobResult:
    """Run (measure) a job on this node, with the stage outputs its build returned."""
    return execute_job(Job.from_json(job), node=this_node(), received=received)


def describe() -> NodeInfo:
    """This node, for :meth:`RayExecutor.nodes`."""
    return this_node()


class Placeholder:
    """An actor that holds a node's CPUs while the driver measures on that node."""

    def ready(self) -> bool:
        return True
