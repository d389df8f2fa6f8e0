"""Every hook ovtune calls, typed and documented.

Plugins implement these with :data:`ovtune.hookimpl`; the host registers its own built-in
plugins through exactly the same path (see :mod:`ovtune.manager`). Registration hooks return
iterables of the frozen dataclasses in :mod:`ovtune.types`; they must be cheap (no heavy
imports), because ``ovtune --help`` and ``ovtune plugins`` call them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

from ovtune import PROJECT_NAME

if TYPE_CHECKING:
    from ovtune.context import RunInfo, StageRecord
    from ovtune.types import (
        Baseline,
        Command,
        DatasetKind,
        Device,
        Loader,
        Measurement,
        Metric,
        Reporter,
        Stage,
    )

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------


@hookspec
def ovtune_register_loaders() -> Iterable[Loader]:
    """Return the model loaders this plugin provides.

    Called once when the registry is built. Every plugin's result is collected; a name
    registered by two plugins is an error naming both distributions.

    Example::

        @ovtune.hookimpl
        def ovtune_register_loaders():
            return [Loader(name="gguf", summary="GGUF files", suffixes=(".gguf",),
                           load="my_plugin.gguf:load")]
    """


@hookspec
def ovtune_register_stages() -> Iterable[Stage]:
    """Return the optimization stages this plugin provides (``[[stage]] use = NAME``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_stages():
            return [Stage(name="my.prune", summary="Prune channels", options=PruneOptions,
                          run="my_plugin.prune:run")]
    """


@hookspec
def ovtune_register_dataset_kinds() -> Iterable[DatasetKind]:
    """Return the dataset kinds this plugin provides (``[data.NAME] kind = KIND``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_dataset_kinds():
            return [DatasetKind(name="coco", summary="COCO folders", options=CocoOptions,
                                open="my_plugin.coco:open_dataset")]
    """


@hookspec
def ovtune_register_metrics() -> Iterable[Metric]:
    """Return the quality metrics this plugin provides (``[metric] kind = NAME``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_metrics():
            return [Metric(name="map50", summary="COCO mAP@0.5", options=MapOptions,
                           create="my_plugin.map:MapAccumulator", needs_labels=True)]
    """


@hookspec
def ovtune_register_devices() -> Iterable[Device]:
    """Return the inference devices this plugin describes.

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_devices():
            return [Device(name="npu", device="NPU", summary="Intel NPU")]
    """


@hookspec
def ovtune_register_measurements() -> Iterable[Measurement]:
    """Return the measurements this plugin provides (``[measure] metrics = [NAME]``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_measurements():
            return [Measurement(name="energy", summary="Joules per inference (RAPL)",
                                run="my_plugin.energy:measure", unit="J")]
    """


@hookspec
def ovtune_register_baselines() -> Iterable[Baseline]:
    """Return the native-framework baselines this plugin provides
    (``[measure] baseline = NAME``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_baselines():
            return [Baseline(name="onnxruntime", summary="ONNX Runtime CPU",
                             run="ovtune_ort.baseline:run")]
    """


@hookspec
def ovtune_register_reporters() -> Iterable[Reporter]:
    """Return the report writers this plugin provides (``[output] reports = [NAME]``).

    Called once when the registry is built; results of all plugins are collected.

    Example::

        @ovtune.hookimpl
        def ovtune_register_reporters():
            return [Reporter(name="csv", summary="One CSV row per model",
                             write="my_plugin.csv:write")]
    """


@hookspec
def ovtune_register_commands() -> Iterable[Command]:
    """Return extra ``ovtune`` sub-commands (each resolves to a ``click.Command``).

    Called when the command line is built, so keep the plugin module light and name the
    command lazily.

    Example::

        @ovtune.hookimpl
        def ovtune_register_commands():
            return [Command(name="export", summary="Export a run as a zip",
                            command="my_plugin.cli:export")]
    """


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
