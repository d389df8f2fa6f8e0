"""The ``ray`` executor: builds side by side across a Ray cluster, every measurement on a node of
its own.

How a job runs:

1. **Build.** A task asks for the CPUs a build uses (:attr:`Job.cpus`, at most the largest
   node's) and runs the recipe's stages into that node's stage cache. Builds are spread over the
   cluster and run side by side. The stage outputs come back as a separate Ray object, so a
   measuring node that does not share the cache gets them from Ray's object store instead of
   building them again; the driver never fetches them.
2. **Measure.** A task pinned to one node (``NodeAffinitySchedulingStrategy``, not soft) asks
   for **all of that node's CPUs**, so Ray starts nothing beside it there until it ends: a
   benchmark that shares its cores measures the other work. Measuring nodes are those of one
   hardware class (the class with the most nodes), so that the figures of one sweep or tune
   compare like with like; nodes of other classes still build.

A worker lost mid-task (killed, out of memory, its node gone) is Ray's system error, not the
job's: the step is started again, on another node when there is one, up to
:data:`MAX_ATTEMPTS` times in all, and :attr:`JobResult.attempts` says how many it took. A
job's own failure (a bad recipe, a stage that raises) is its result and is never retried.

Ray is started on this machine when no cluster is given (``--address``, or ``RAY_ADDRESS``), and
shut down again by :meth:`RayExecutor.close`; a cluster joined is left running.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ovtune.plugin import Job, JobResult, NodeInfo, UsageError, local_node
from ovtune_ray import tasks

MAX_ATTEMPTS = 3
"""How many times a step is started before its job fails: a node that keeps losing workers
should not hold up a sweep for ever."""

DESCRIBE_TIMEOUT_S = 300.0
"""How long a node may take to report its hardware (a worker starting and importing OpenVINO)."""

CONNECT_TIMEOUT_S = 5.0
"""How long a cluster address may take to accept a connection before it is a user error (Ray's
own client keeps retrying for minutes)."""

Step = Literal["build", "run"]


def _check_reachable(address: str) -> None:
    """A ``host:port`` (or ``ray://host:port``) that accepts no connection is one error line now,
    not minutes of Ray retrying; ``auto`` and other forms are left to Ray."""
    import socket

    match = re.fullmatch(r"(?:ray://)?\[?([^\]/]+?)\]?:(\d+)", address)
    if not match:
        return
    host, port = match.group(1), int(match.group(2))
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(
            f"--address {address}: no Ray cluster answers there ({reason}); start one with `ray start --head`"
        ) from None


@dataclass
class _Work:
    """One job on its way through the executor."""

    index: int
    job: Job
    step: Step = "build"
    attempts: int = 1
    """1, plus one for each step started again after its worker was lost."""
    node: str | None = None
    """Where the current step was sent (a run) or ran (a build)."""
    entries: Any = None
    """The Ray object holding the build's stage outputs."""
    avoid: set[str] = field(default_factory=set)
    """Nodes that lost this job's worker."""


class RayExecutor:
    """Jobs on Ray: see the module's docstring."""

    name = "ray"
    parallel = True

    def __init__(self, address: str | None = None):
        import ray

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        self._ray = ray
        self._connected_here = False
        if not ray.is_initialized():
            target = address or os.environ.get("RAY_ADDRESS") or None
            if target:
                _check_reachable(target)
            try:
                ray.init(
                    address=target or "local",  # not Ray's default, which joins a cluster it finds here
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                    configure_logging=True,
                )
            except Exception as exc:  # noqa: BLE001 - Ray raises several kinds for an unreachable cluster
                where = f"--address {target}" if target else "starting a local Ray"
                raise UsageError(f"{where}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
            self._connected_here = True
        self.address = address
        # Ray retries nothing itself (max_retries=0): this executor does, on another node, and counts.
        self._build: Any = ray.remote(max_retries=0, num_returns=2)(tasks.build)
        self._run: Any = ray.remote(max_retries=0)(tasks.run)
        self._describe: Any = ray.remote(num_cpus=0, max_retries=1)(tasks.describe)
        self._placeholder: Any = ray.remote(tasks.Placeholder)
        self._known: dict[str, NodeInfo] = {}
        self._measure_class: str | None = None
        self.timeline: list[dict[str, Any]] = []
        """Every step that ran: ``job``, ``kind`` (build, run, hold), ``node``, ``started``,
        ``finished``, ``state``. Its tests check that no two steps overlap a run on one node;
        ``benchmarks/scale.py`` reads the build and measure shares from it."""

    # -- nodes ----------------------------------------------------------------------------------

    def _alive(self) -> dict[str, float]:
        """Live nodes with CPUs -> how many (a head started with ``--num-cpus 0`` runs no job)."""
        found = {}
        for node in self._ray.nodes():
            cpus = float((node.get("Resources") or {}).get("CPU", 0.0))
            if node.get("Alive") and cpus >= 1:
                found[str(node["NodeID"])] = cpus
        return found

    def nodes(self, alive: dict[str, float] | None = None) -> list[NodeInfo]:
        """The live nodes with CPUs (``alive``, when the caller just listed them), fingerprinted;
        a node is fingerprinted once."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        alive = self._alive() if alive is None else alive
        asked = {
            node: self._describe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote()
            for node in alive
            if node not in self._known
        }
        for node, ref in asked.items():
            with contextlib.suppress(self._ray.exceptions.RayError):
                self._known[node] = self._ray.get(ref, timeout=DESCRIBE_TIMEOUT_S)
        return [self._known[node] for node in alive if node in self._known]

    def _measuring_nodes(self) -> dict[str, float]:
        """Live nodes of the measuring class -> their CPUs. The class is chosen once (the one
        with the most nodes, then the most CPUs), and again only when all its nodes are gone."""
        alive = self._alive()
        classes: dict[str, dict[str, float]] = defaultdict(dict)
        for info in self.nodes(alive):
            classes[info.hardware_class][info.id] = alive[info.id]
        if classes and self._measure_class not in classes:
            self._measure_class = max(classes, key=lambda name: (len(classes[name]), sum(classes[name].values()), name))
        return classes.get(self._measure_class or "", {})

    # -- jobs -----------------------------------------------------------------------------------

    def run(self, jobs: Sequence[Job], on_result: Callable[[JobResult], None]) -> None:
        self._execute(list(jobs), lambda _index, result: on_result(result))

    def build(self, jobs: Sequence[Job]) -> list[JobResult]:
        results: dict[int, JobResult] = {}

        def keep(index: int, result: JobResult) -> None:
            results[index] = result

        self._execute([replace(job, kind="build") for job in jobs], keep)
        return [results[index] for index in range(len(jobs))]

    def _execute(self, jobs: list[Job], deliver: Callable[[int, JobResult], None]) -> None:
        """Builds while there are free build slots, each finished build's measurement on a node
        of its own, results in the order they end."""
        if not jobs:
            return
        alive = self._alive()
        if not alive:
            raise UsageError("--executor ray: the Ray cluster has no node with CPUs to run jobs on")
        largest = max(alive.values())
        build_cpus = min(max(job.cpus for job in jobs), largest)
        slots = max(1, int(sum(cpus // build_cpus for cpus in alive.values())))
        queue = deque(_Work(index, job) for index, job in enumerate(jobs))
        pending: dict[Any, _Work] = {}
        measuring: dict[str, int] = defaultdict(int)
        building = 0

        def finish(work: _Work, result: JobResult) -> None:
            result.attempts = work.attempts
            deliver(work.index, result)

        while queue or pending:
            while queue and building < slots:
                work = queue.popleft()
                self._submit_build(work, min(work.job.cpus, largest), pending)
                building += 1
            (ref,), _ = self._ray.wait(list(pending), num_returns=1)
            work = pending.pop(ref)
            if work.step == "build":
                building -= 1
            elif work.node:
                measuring[work.node] -= 1
            try:
                result: JobResult = self._ray.get(ref)
            except self._ray.exceptions.RayError as exc:
                lost = self._lost_object(exc)
                if isinstance(exc, self._ray.exceptions.RayTaskError) and not lost:
                    finish(work, self._failed(work, f"the task failed outside the job: {str(exc).splitlines()[-1]}"))
                    continue
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if work.attempts >= MAX_ATTEMPTS:
                    finish(work, self._failed(work, f"lost its worker {work.attempts} times; last: {reason}"))
                    continue
                work.attempts += 1
                if work.step == "build":
                    queue.appendleft(work)
                elif lost:
                    work.entries = None  # the measuring task builds what it misses, from the cache
                    if not self._submit_run(work, pending, measuring):
                        finish(work, self._failed(work, "no live node is left to measure on"))
                else:
                    if work.node:
                        work.avoid.add(work.node)
                    if not self._submit_run(work, pending, measuring):
                        finish(work, self._failed(work, "no live node is left to measure on"))
                continue
            self._record(result)
            if work.step == "build":
                work.node = result.node.id
                if result.state != "complete":
                    finish(work, replace(result, kind=work.job.kind))
                elif work.job.kind == "build":
                    result.cache_entries = self._ray.get(work.entries)
                    finish(work, result)
                elif not self._submit_run(work, pending, measuring):
                    finish(work, self._failed(work, "no live node is left to measure on"))
            else:
                finish(work, result)

    def _lost_object(self, exc: BaseException) -> bool:
        """Whether ``exc`` (or the error a task's argument raised) is a Ray object that is gone:
        the stage outputs a build returned, with the node or process that held them."""
        lost = self._ray.exceptions.ObjectLostError
        return isinstance(exc, lost) or isinstance(getattr(exc, "cause", None), lost)

    def _submit_build(self, work: _Work, cpus: float, pending: dict[Any, _Work]) -> None:
        work.step = "build"
        summary, entries = self._build.options(num_cpus=cpus, scheduling_strategy="SPREAD").remote(
            replace(work.job, kind="build", shares_machine=True).to_json()
        )
        work.entries = entries
        pending[summary] = work

    def _submit_run(self, work: _Work, pending: dict[Any, _Work], measuring: dict[str, int]) -> bool:
        """Send the job's measurement to the least busy measuring node (the one that built it on
        a tie), asking for all that node's CPUs; False when no node is left."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        nodes = self._measuring_nodes()
        candidates = {node: cpus for node, cpus in nodes.items() if node not in work.avoid} or nodes
        if not candidates:
            return False
        node = min(candidates, key=lambda name: (measuring[name], name != work.node, -candidates[name], name))
        work.step, work.node = "run", node
        measuring[node] += 1
        ref = self._run.options(
            num_cpus=candidates[node], scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)
        ).remote(work.job.to_json(), work.entries)
        pending[ref] = work
        return True

    def _failed(self, work: _Work, error: str) -> JobResult:
        now = time.time()
        node = self._known.get(work.node or "") or NodeInfo(work.node or "none", "", {})
        return JobResult(
            work.job.id, work.job.kind, "failed", node, now, now, error=error, exit_code=1, attempts=work.attempts
        )

    def _record(self, result: JobResult) -> None:
        self._known.setdefault(result.node.id, result.node)
        self.timeline.append(
            {
                "job": result.job_id,
                "kind": result.kind,
                "node": result.node.id,
                "started": result.started,
                "finished": result.finished,
                "state": result.state,
            }
        )

    # -- the driver's own measurements ----------------------------------------------------------

    @contextlib.contextmanager
    def hold(self) -> Iterator[NodeInfo]:
        """Reserve every CPU of the driver's node with a placeholder actor while the driver
        measures: Ray then starts no build there (builds go to other nodes or wait)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = local_node()
        node = self._driver_node()
        cpus = self._alive().get(node or "", 0.0)
        if node is None or not cpus:
            yield here
            return
        actor = self._placeholder.options(
            num_cpus=cpus, scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)
        ).remote()
        self._ray.get(actor.ready.remote())
        started = time.time()
        try:
            yield NodeInfo(node, here.host, here.hardware)
        finally:
            self._ray.kill(actor)
            self.timeline.append(
                {
                    "job": "",
                    "kind": "hold",
                    "node": node,
                    "started": started,
                    "finished": time.time(),
                    "state": "complete",
                }
            )

    def _driver_node(self) -> str | None:
        """The node this process is attached to; None for a Ray Client driver (``ray://``),
        which runs outside the cluster and so shares its machine with no job."""
        if (self.address or os.environ.get("RAY_ADDRESS") or "").startswith("ray://"):
            return None
        return str(self._ray.get_runtime_context().get_node_id())

    def close(self) -> None:
        if self._connected_here and self._ray.is_initialized():
            self._ray.shutdown()
