"""Work described as data, so that an executor can run it in another process or on another
machine: a :class:`Job` names a recipe (its resolved table, every path absolute), what to do
with it, and the resources it asks for; a :class:`JobResult` says what came of it, where, and
when. Both are plain JSON-compatible values (bytes aside, which Ray's object store and pickle
carry as they are), so an executor needs nothing of ovtune's but :func:`ovtune.executors.execute_job`.
The :class:`Executor` protocol says what an executor does with them.

Two kinds of job:

* ``build``: run the recipe's stages into the stage cache (conversion, quantization,
  compression). Builds may run side by side, anywhere: each asks for the CPUs it uses.
* ``run``: what ``ovtune run`` does (stages from the cache, the measurements, the reports).
  A run measures, so it must own its machine while it runs: an executor never starts anything
  beside it on that machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

JobKind = Literal["build", "run"]
JOB_KINDS: tuple[JobKind, ...] = ("build", "run")

BUILD_CPUS = 2
"""CPUs a build asks for when its recipe does not say: the stages that take long
(quantization statistics, accuracy control) run inference, which uses every core it gets, so
asking for one would pack too many builds on one machine."""


@dataclass(frozen=True)
class Job:
    """One unit of work: a recipe and what to do with it."""

    id: str
    """Unique within its batch and stable across reruns (``MODEL/RECIPE`` in a sweep): what a
    journal records as finished."""
    kind: JobKind
    recipe: dict[str, Any]
    """The recipe table, resolved (:meth:`ovtune.recipe.Recipe.resolved`): paths absolute."""
    recipe_path: str | None = None
    """The file the recipe came from (error messages; relative references)."""
    plugin_args: tuple[str, ...] = ()
    """The ``-p`` options of the driver, so a worker's plugin host is the driver's."""
    cpus: int = BUILD_CPUS
    """CPUs a build uses (a run owns its whole machine whatever this says)."""
    deadline: float | None = None
    """When stages should be done (``time.time()``): a tune's budget."""
    use_cache: bool = True
    shares_machine: bool = False
    """A build the executor runs beside other work: its stages are told not to time anything
    (:attr:`ovtune.context.StageContext.shares_machine`)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(**{**data, "plugin_args": tuple(data.get("plugin_args") or ())})


@dataclass
class NodeInfo:
    """The machine a job ran on: its executor's name for it and its hardware."""

    id: str
    """The executor's name for the node (``local`` for the serial executor; Ray's node id)."""
    host: str
    hardware: dict[str, Any] = field(default_factory=dict)
    """:func:`ovtune.measure.hardware.fingerprint`: CPU, flags, cores, OpenVINO, devices."""

    @property
    def hardware_class(self) -> str:
        return str(self.hardware.get("class", "unknown"))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "host": self.host, "hardware": self.hardware}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NodeInfo:
        return cls(str(data.get("id", "")), str(data.get("host", "")), dict(data.get("hardware") or {}))


@dataclass
class JobResult:
    """What came of a job."""

    job_id: str
    kind: JobKind
    state: Literal["complete", "failed"]
    node: NodeInfo
    started: float
    """``time.time()`` when the job started on its node (its measuring interval starts here)."""
    finished: float
    pid: int = 0
    error: str | None = None
    exit_code: int = 0
    """2 for a user error (a bad recipe, a stage refusing its options), 1 for anything else."""
    attempts: int = 1
    """How many times the executor started it (a worker killed mid-job is retried)."""
    stages: list[dict[str, Any]] = field(default_factory=list)
    """The stage records (``output_hash`` in their details; ``cached`` when reused)."""
    cut_short: dict[str, str] = field(default_factory=dict)
    """Stage keys of outputs stopped at the deadline -> the keys they were cached under."""
    report: dict[str, Any] | None = None
    """A run's ``report.json`` content (its paths point into :attr:`files`' folder)."""
    files: dict[str, bytes] = field(default_factory=dict)
    """A run's folder, file by file (relative path -> content), for the driver to write where it
    wants: the worker may have no access to it."""
    cache_entries: dict[str, dict[str, bytes]] = field(default_factory=dict)
    """A build's stage outputs (cache key -> file -> content), so that a node without the shared
    cache gets them through the executor instead of building them again."""

    @property
    def seconds(self) -> float:
        return self.finished - self.started

    def summary(self) -> dict[str, Any]:
        """The result without its file contents: what a journal records."""
        return {
            "job": self.job_id,
            "kind": self.kind,
            "state": self.state,
            "node": self.node.to_json(),
            "started": self.started,
            "finished": self.finished,
            "seconds": self.seconds,
            "pid": self.pid,
            "error": self.error,
            "exit_code": self.exit_code,
            "attempts": self.attempts,
            "stages": self.stages,
        }


OnResult = Callable[[JobResult], None]


@runtime_checkable
class Executor(Protocol):
    """What ``ovtune tune`` and ``ovtune sweep`` need from an executor."""

    name: str
    parallel: bool
    """Whether builds run side by side (a tune then builds a phase's models ahead of measuring)."""

    def run(self, jobs: Sequence[Job], on_result: OnResult) -> None:
        """Run every job and call ``on_result`` in the caller's thread as each one ends, failed
        ones included. A ``run`` job's stages may be built first as a build (in parallel with
        other builds), then the run itself must own its machine. A worker lost mid-job is
        retried (a bounded number of times), so no job is lost to it."""

    def build(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Run ``build`` jobs (side by side where the executor can) and wait for them all."""

    def hold(self) -> AbstractContextManager[NodeInfo]:
        """Own the caller's machine while the caller measures in its own process: nothing the
        executor schedules runs on it meanwhile. Yields the machine's :class:`NodeInfo`."""

    def nodes(self) -> list[NodeInfo]:
        """The machines jobs may run on, with their hardware fingerprints."""

    def close(self) -> None:
        """Release what the executor started (a local cluster, worker processes)."""
