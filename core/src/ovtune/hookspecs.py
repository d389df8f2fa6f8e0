"""Every hook ovtune calls, typed and documented.

Plugins implement these with :data:`ovtune.hookimpl`; the host registers its own built-in
plugins through exactly the same path (see :mod:`ovtune.manager`). Registration hooks return
iterables of the frozen dataclasses in :mod:`ovtune.types`; they must be cheap (no heavy
imports), because ``ovtune --help`` and ``ovtune plugins`` call them. There is one registration
hook per type in :data:`ovtune.types.REGISTRATION_TYPES`, named by the type's ``hook`` and
documented here (:data:`_REGISTRATION_DOCS`); the other hooks are written out below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import pluggy

from ovtune import PROJECT_NAME
from ovtune.types import REGISTRATION_TYPES, Registration

if TYPE_CHECKING:
    from ovtune.context import RunInfo, StageRecord
    from ovtune.jobs import Executor
    from ovtune.proposals import Proposal, TuneRequest

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------
# Registration: one hook per type in ovtune.types.REGISTRATION_TYPES, named by its ``hook``
# --------------------------------------------------------------------------------------


class _HookDoc(NamedTuple):
    returns: str
    """What the hook returns (the docstring's first sentence, after "Return ")."""
    example: str
    """The list an example implementation returns (continuation lines aligned under its start)."""
    called: str = "Called once when the registry is built; results of all plugins are collected."


_REGISTRATION_DOCS: dict[str, _HookDoc] = {
    "loader": _HookDoc(
        "the model loaders this plugin provides.",
        'Loader(name="gguf", summary="GGUF files", suffixes=(".gguf",),\n       load="my_plugin.gguf:load")',
        called="Called once when the registry is built. Every plugin's result is collected; a name\n"
        "registered by two plugins is an error naming both distributions.",
    ),
    "stage": _HookDoc(
        "the optimization stages this plugin provides (``[[stage]] use = NAME``).",
        'Stage(name="my.prune", summary="Prune channels", options=PruneOptions,\n      run="my_plugin.prune:run")',
    ),
    "dataset kind": _HookDoc(
        "the dataset kinds this plugin provides (``[data.NAME] kind = KIND``).",
        'DatasetKind(name="coco", summary="COCO folders", options=CocoOptions,\n'
        '            open="my_plugin.coco:open_dataset")',
    ),
    "metric": _HookDoc(
        "the quality metrics this plugin provides (``[metric] kind = NAME``).",
        'Metric(name="map50", summary="COCO mAP@0.5", options=MapOptions,\n'
        '       create="my_plugin.map:MapAccumulator", needs_labels=True)',
    ),
    "device": _HookDoc(
        "the inference devices this plugin describes.",
        'Device(name="npu", device="NPU", summary="Intel NPU")',
    ),
    "measurement": _HookDoc(
        "the measurements this plugin provides (``[measure] metrics = [NAME]``).",
        'Measurement(name="energy", summary="Joules per inference (RAPL)",\n'
        '            run="my_plugin.energy:measure", unit="J")',
    ),
    "baseline": _HookDoc(
        "the native-framework baselines this plugin provides\n(``[measure] baseline = NAME``).",
        'Baseline(name="onnxruntime", summary="ONNX Runtime CPU",\n         run="ovtune_ort.baseline:run")',
    ),
    "reporter": _HookDoc(
        "the report writers this plugin provides (``[output] reports = [NAME]``).",
        'Reporter(name="csv", summary="One CSV row per model",\n         write="my_plugin.csv:write")',
    ),
    "command": _HookDoc(
        "extra ``ovtune`` sub-commands (each resolves to a ``click.Command``).",
        'Command(name="export", summary="Export a run as a zip",\n        command="my_plugin.cli:export")',
        called="Called when the command line is built, so keep the plugin module light and name the\ncommand lazily.",
    ),
}
"""The documentation of each registration hook, by the :attr:`~ovtune.types.Registration.kind`
it returns (``docs/hooks.md`` has a section for each)."""


def _registration_hookspec(cls: type[Registration]) -> Callable[[], Iterable[Registration]]:
    """The hook specification ``cls.hook``: no arguments, returns an iterable of ``cls``."""
    doc = _REGISTRATION_DOCS[cls.kind]

    def spec() -> Iterable[Registration]: ...

    spec.__name__ = spec.__qualname__ = cls.hook
    spec.__annotations__ = {"return": f"Iterable[{cls.__name__}]"}
    example = doc.example.replace("\n", "\n" + " " * len("        return ["))
    spec.__doc__ = (
        f"Return {doc.returns}\n\n{doc.called}\n\nExample::\n\n"
        f"    @ovtune.hookimpl\n    def {cls.hook}():\n        return [{example}]\n"
    )
    return hookspec(spec)  # type: ignore[no-any-return]


if set(_REGISTRATION_DOCS) != {cls.kind for cls in REGISTRATION_TYPES}:
    raise AssertionError("ovtune.hookspecs documents another set of registration kinds than REGISTRATION_TYPES")
for _cls in REGISTRATION_TYPES:
    globals()[_cls.hook] = _registration_hookspec(_cls)
del _cls


# --------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------


@hookspec(firstresult=True)
def ovtune_select_device(requested: str, available: Sequence[str]) -> str | None:
    """Turn the requested device (``[deploy] device``) into the device string to compile for.

    Called once per run (and per ``ovtune bench``), before any model is compiled. Stops at
    the first non-None result. Return ``None`` to
    leave the decision to other plugins; raise :class:`ovtune.errors.DeviceError` to refuse.
    ``available`` is ``openvino.Core().available_devices``. The built-in implementation runs
    last and checks that every named device is available.

    Example::

        @ovtune.hookimpl(tryfirst=True)
        def ovtune_select_device(requested, available):
            if requested == "BEST":
                return "GPU" if "GPU" in available else "CPU"
            return None
    """


@hookspec(firstresult=True)
def ovtune_executor(name: str, address: str | None) -> Executor | None:
    """Return the executor called ``name`` (``--executor NAME`` on ``ovtune tune`` and
    ``ovtune sweep``), or ``None`` when it is not yours.

    Called once per command that runs jobs; stops at the first non-None result. ``address``
    is ``--address`` (a cluster to join), ``None`` when not given. The built-in ``serial``
    executor (each job in this process, in order) answers when no plugin does. An executor
    implements :class:`ovtune.jobs.Executor`: it receives jobs as data
    (:class:`ovtune.jobs.Job`), runs each with :func:`ovtune.executors.execute_job` wherever it
    likes, and must give a measuring job (``kind == "run"``) its machine to itself.

    Example::

        @ovtune.hookimpl
        def ovtune_executor(name, address):
            if name != "dask":
                return None
            return DaskExecutor(address)
    """


@hookspec
def ovtune_tune_candidates(request: TuneRequest) -> Iterable[Proposal] | None:
    """Propose what ``ovtune tune`` should try on this model and device, when the recipe
    gives no search space (or sets ``[tune] auto = true``).

    ``request`` describes the model (inputs with their dynamic dimensions and the data's
    shapes, operation counts, attention blocks, a detection head, weight bytes by operation
    type), the device (capabilities, inference precisions, cores, streams) and the goal. Return
    :class:`~ovtune.proposals.ProposedVariant` (stage lists, each in a phase: ``float``,
    ``quantized`` or ``recovery``) and :class:`~ovtune.proposals.ProposedDeploy` (values of a
    ``[deploy]`` key), each with a one-line reason; return nothing when your technique does not
    fit. Every plugin's proposals are collected; a plugin that raises is skipped with a warning.
    Keep it cheap: no model is loaded or compiled here.

    Example::

        @ovtune.hookimpl
        def ovtune_tune_candidates(request):
            if request.model.weight_share("Convolution") < 0.5:
                return []
            return [ProposedVariant(
                name="pruned", phase="quantized",
                stages=({"use": "my.prune", "ratio": 0.3},),
                choices={"1.ratio": (0.3, 0.5)},
                reason="convolution weights dominate: pruning shrinks the compute",
            )]
    """


# --------------------------------------------------------------------------------------
# Lifecycle events (progress display, tracing, third-party loggers)
# --------------------------------------------------------------------------------------


@hookspec
def ovtune_pipeline_start(run: RunInfo) -> None:
    """Called once when ``ovtune run`` starts, after the recipe is validated and the
    model is loaded. Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_pipeline_start(run):
            mlflow.start_run(run_name=run.recipe_name)
    """


@hookspec
def ovtune_stage_start(run: RunInfo, index: int, name: str, options: dict[str, Any]) -> None:
    """Called before stage ``index`` (1-based) runs or is taken from the cache.
    Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_stage_start(run, index, name, options):
            print(f"[{index}/{len(run.stages)}] {name}")
    """


@hookspec
def ovtune_stage_progress(run: RunInfo, index: int, done: float, total: float | None, message: str) -> None:
    """Called while stage ``index`` runs, each time it reports progress through
    ``StageContext.progress``: ``done`` of ``total`` units (``None`` when unknown) of the work
    that ``message`` names. Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_stage_progress(run, index, done, total, message):
            print(f"{message}: {done:.0f}/{total or '?'}")
    """


@hookspec
def ovtune_stage_finish(run: RunInfo, index: int, record: StageRecord) -> None:
    """Called after stage ``index`` finished (``record.cached`` says whether it was taken
    from the cache). Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_stage_finish(run, index, record):
            mlflow.log_metric(f"{record.name}.seconds", record.seconds)
    """


@hookspec
def ovtune_measurement_start(run: RunInfo, model: str, name: str) -> None:
    """Called before measurement ``name`` runs on ``model`` (``original`` or a stage label
    such as ``01-mo``). Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_measurement_start(run, model, name):
            print(f"measuring {name} of {model}")
    """


@hookspec
def ovtune_measurement_finish(run: RunInfo, model: str, name: str, result: dict[str, Any]) -> None:
    """Called after measurement ``name`` ran on ``model``; ``result`` is what goes into
    ``report.json``. Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_measurement_finish(run, model, name, result):
            if name == "latency":
                statsd.gauge(f"{model}.latency_ms", result["median_ms"])
    """


@hookspec
def ovtune_pipeline_finish(run: RunInfo, report: dict[str, Any]) -> None:
    """Called once after every stage and measurement finished and reports were written.
    ``report`` is the content of ``report.json``. Results are ignored.

    Example::

        @ovtune.hookimpl
        def ovtune_pipeline_finish(run, report):
            mlflow.log_dict(report, "ovtune-report.json")
    """
