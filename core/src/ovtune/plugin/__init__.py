"""ovtune's plugin API: everything a plugin may import from ovtune, in one place.

A plugin distribution imports ovtune only through this module, :mod:`ovtune.plugin.measure`
(the measurement support that framework baselines and accuracy-steering stages share) and, in
its tests, :mod:`ovtune.testing` (fixtures and the conformance kit). Every other module of
ovtune is private: it may be renamed, split or changed in any release, and
``tests/test_plugin_api_contracts.py`` fails when a first-party plugin or example imports one.
A name here changes incompatibly only with :data:`API_VERSION`.

What is here, by role:

- registering: :data:`hookimpl`, the registration types (:class:`Stage`, :class:`Loader`,
  :class:`DatasetKind`, :class:`Metric`, :class:`Device`, :class:`Measurement`,
  :class:`Baseline`, :class:`Reporter`, :class:`Command`, their base :class:`Registration`),
  :data:`Implementation` (a callable or a ``"module:attribute"`` string) and
  :data:`API_VERSION`; :class:`Figure`, the figures a measurement declares (table columns,
  ``compare`` gates, ``[tune]`` objectives and bounds);
- options models: :class:`Options`, :class:`NoOptions` and the recipe field types
  (:data:`DataName`, :data:`Reference`, :data:`Duration`, :data:`RecipePath`,
  :data:`ExistingPath`, :func:`recipe_metric`);
- what the implementations receive and return: the contexts (:class:`LoadContext`,
  :class:`DataContext`, :class:`StageContext`, :class:`MeasureContext`,
  :class:`MeasureSubject`), :class:`StageResult`, :class:`InputSpec` and
  :func:`describe_inputs`, the lifecycle records :class:`RunInfo` and :class:`StageRecord`, and
  the data types :class:`Dataset`, :class:`Sample` and :class:`MetricAccumulator`;
- proposing a search space for ``ovtune tune`` (the ``ovtune_tune_candidates`` hook): the
  request it receives (:class:`TuneRequest` with its :class:`ModelProfile`,
  :class:`InputProfile` and :class:`DeviceProfile`) and the answers (:class:`ProposedVariant`,
  :class:`ProposedDeploy`, :data:`Phase`);
- running jobs elsewhere (the ``ovtune_executor`` hook): the :class:`Executor` protocol, jobs
  and their results as data (:class:`Job`, :class:`JobResult`, :class:`NodeInfo`),
  :func:`execute_job` (what a worker runs), :func:`install_run_folder` and :func:`local_node`;
- user errors (one ``error:`` line, exit status 2): :class:`OvtuneError` and its subclasses,
  :func:`runtime_reason` (the telling line of an OpenVINO error, or any exception's) and
  :func:`exception_line` (``Type: reason``);
- running models as ovtune does: :func:`compile_config` (the recipe's ``[deploy]`` as
  compile properties) and :func:`compile_model`;
- user code and files: :func:`import_object` (``"package.module:attribute"`` with the recipe's
  folder on the path), :class:`ImportReferenceError` and :func:`model_files` (a model and its
  weights file);
- inside a :class:`Command`: :func:`command_host`, the plugin host the command line configured;
- the bundled demo model and its data (:func:`demo_model_path`,
  :func:`demo_validation_path`, :func:`demo_calibration_path`), for plugins that offer the demo
  in their own framework.

Importing this module imports nothing but pluggy: each name is imported from the module that
defines it when it is first used (:pep:`562`), so a registration module that takes
:data:`hookimpl` and :class:`Stage` from here, and names its options model and implementation
as ``"module:attribute"`` strings, imports neither pydantic, NumPy nor OpenVINO, and
``ovtune --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ovtune import API_VERSION, hookimpl

if TYPE_CHECKING:
    from ovtune.context import (
        DataContext,
        InputSpec,
        LoadContext,
        MeasureContext,
        MeasureSubject,
        RunInfo,
        StageContext,
        StageRecord,
        StageResult,
        describe_inputs,
    )
    from ovtune.demo import calibration_path as demo_calibration_path
    from ovtune.demo import model_path as demo_model_path
    from ovtune.demo import validation_path as demo_validation_path
    from ovtune.deploy import CompileConfig, compile_config, compile_model
    from ovtune.errors import (
        DataError,
        DeviceError,
        MeasurementError,
        ModelLoadError,
        OvtuneError,
        PluginError,
        RecipeError,
        StageError,
        UsageError,
        exception_line,
        runtime_reason,
    )
    from ovtune.executors import execute_job, install_run_folder, local_node
    from ovtune.fields import DataName, Duration, ExistingPath, RecipePath, Reference, recipe_metric
    from ovtune.importing import Implementation, ImportReferenceError, import_object
    from ovtune.jobs import Executor, Job, JobResult, NodeInfo
    from ovtune.manager import PluginHost
    from ovtune.options import NoOptions, Options
    from ovtune.proposals import (
        DeviceProfile,
        InputProfile,
        ModelProfile,
        Phase,
        ProposedDeploy,
        ProposedVariant,
        TuneRequest,
    )
    from ovtune.storage import model_files
    from ovtune.types import (
        Baseline,
        Command,
        Dataset,
        DatasetKind,
        Device,
        Figure,
        Loader,
        Measurement,
        Metric,
        MetricAccumulator,
        Registration,
        Reporter,
        Sample,
        Stage,
    )

_LAZY: dict[str, tuple[str, str]] = {
    "Baseline": ("ovtune.types", "Baseline"),
    "Command": ("ovtune.types", "Command"),
    "compile_config": ("ovtune.deploy", "compile_config"),
    "compile_model": ("ovtune.deploy", "compile_model"),
    "CompileConfig": ("ovtune.deploy", "CompileConfig"),
    "DataContext": ("ovtune.context", "DataContext"),
    "DataError": ("ovtune.errors", "DataError"),
    "DataName": ("ovtune.fields", "DataName"),
    "Dataset": ("ovtune.types", "Dataset"),
    "DatasetKind": ("ovtune.types", "DatasetKind"),
    "demo_calibration_path": ("ovtune.demo", "calibration_path"),
    "demo_model_path": ("ovtune.demo", "model_path"),
    "demo_validation_path": ("ovtune.demo", "validation_path"),
    "describe_inputs": ("ovtune.context", "describe_inputs"),
    "Device": ("ovtune.types", "Device"),
    "DeviceError": ("ovtune.errors", "DeviceError"),
    "DeviceProfile": ("ovtune.proposals", "DeviceProfile"),
    "Duration": ("ovtune.fields", "Duration"),
    "exception_line": ("ovtune.errors", "exception_line"),
    "execute_job": ("ovtune.executors", "execute_job"),
    "Executor": ("ovtune.jobs", "Executor"),
    "ExistingPath": ("ovtune.fields", "ExistingPath"),
    "Figure": ("ovtune.types", "Figure"),
    "Implementation": ("ovtune.importing", "Implementation"),
    "import_object": ("ovtune.importing", "import_object"),
    "ImportReferenceError": ("ovtune.importing", "ImportReferenceError"),
    "InputProfile": ("ovtune.proposals", "InputProfile"),
    "InputSpec": ("ovtune.context", "InputSpec"),
    "install_run_folder": ("ovtune.executors", "install_run_folder"),
    "Job": ("ovtune.jobs", "Job"),
    "JobResult": ("ovtune.jobs", "JobResult"),
    "LoadContext": ("ovtune.context", "LoadContext"),
    "Loader": ("ovtune.types", "Loader"),
    "local_node": ("ovtune.executors", "local_node"),
    "MeasureContext": ("ovtune.context", "MeasureContext"),
    "Measurement": ("ovtune.types", "Measurement"),
    "MeasurementError": ("ovtune.errors", "MeasurementError"),
    "MeasureSubject": ("ovtune.context", "MeasureSubject"),
    "Metric": ("ovtune.types", "Metric"),
    "MetricAccumulator": ("ovtune.types", "MetricAccumulator"),
    "model_files": ("ovtune.storage", "model_files"),
    "ModelLoadError": ("ovtune.errors", "ModelLoadError"),
    "ModelProfile": ("ovtune.proposals", "ModelProfile"),
    "NodeInfo": ("ovtune.jobs", "NodeInfo"),
    "NoOptions": ("ovtune.options", "NoOptions"),
    "Options": ("ovtune.options", "Options"),
    "OvtuneError": ("ovtune.errors", "OvtuneError"),
    "Phase": ("ovtune.proposals", "Phase"),
    "PluginError": ("ovtune.errors", "PluginError"),
    "ProposedDeploy": ("ovtune.proposals", "ProposedDeploy"),
    "ProposedVariant": ("ovtune.proposals", "ProposedVariant"),
    "recipe_metric": ("ovtune.fields", "recipe_metric"),
    "RecipeError": ("ovtune.errors", "RecipeError"),
    "RecipePath": ("ovtune.fields", "RecipePath"),
    "Reference": ("ovtune.fields", "Reference"),
    "Registration": ("ovtune.types", "Registration"),
    "Reporter": ("ovtune.types", "Reporter"),
    "RunInfo": ("ovtune.context", "RunInfo"),
    "runtime_reason": ("ovtune.errors", "runtime_reason"),
    "Sample": ("ovtune.types", "Sample"),
    "Stage": ("ovtune.types", "Stage"),
    "StageContext": ("ovtune.context", "StageContext"),
    "StageError": ("ovtune.errors", "StageError"),
    "StageRecord": ("ovtune.context", "StageRecord"),
    "StageResult": ("ovtune.context", "StageResult"),
    "TuneRequest": ("ovtune.proposals", "TuneRequest"),
    "UsageError": ("ovtune.errors", "UsageError"),
}
"""Every name of the API but :data:`API_VERSION`, :data:`hookimpl` and :func:`command_host`:
(the module that defines it, its name there), imported on first use."""


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next access is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


def command_host() -> PluginHost:
    """The plugin host of the running command line (``-p`` applied), for a :class:`Command`
    that needs the registrations (``command_host().registry``). The command line is imported
    only here, when a command runs."""
    from ovtune.cli import current_host

    return current_host()


__all__ = [
    "API_VERSION",
    "Baseline",
    "Command",
    "CompileConfig",
    "DataContext",
    "DataError",
    "DataName",
    "Dataset",
    "DatasetKind",
    "Device",
    "DeviceError",
    "DeviceProfile",
    "Duration",
    "Executor",
    "ExistingPath",
    "Figure",
    "Implementation",
    "ImportReferenceError",
    "InputProfile",
    "InputSpec",
    "Job",
    "JobResult",
    "LoadContext",
    "Loader",
    "MeasureContext",
    "MeasureSubject",
    "Measurement",
    "MeasurementError",
    "Metric",
    "MetricAccumulator",
    "ModelLoadError",
    "ModelProfile",
    "NoOptions",
    "NodeInfo",
    "Options",
    "OvtuneError",
    "Phase",
    "PluginError",
    "ProposedDeploy",
    "ProposedVariant",
    "RecipeError",
    "RecipePath",
    "Reference",
    "Registration",
    "Reporter",
    "RunInfo",
    "Sample",
    "Stage",
    "StageContext",
    "StageError",
    "StageRecord",
    "StageResult",
    "TuneRequest",
    "UsageError",
    "command_host",
    "compile_config",
    "compile_model",
    "demo_calibration_path",
    "demo_model_path",
    "demo_validation_path",
    "describe_inputs",
    "exception_line",
    "execute_job",
    "hookimpl",
    "import_object",
    "install_run_folder",
    "local_node",
    "model_files",
    "recipe_metric",
    "runtime_reason",
]
