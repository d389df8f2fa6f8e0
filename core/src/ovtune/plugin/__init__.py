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

Importing this module imports neither OpenVINO nor NumPy, so a plugin's registration module
can import it and keep ``ovtune --help`` fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune import API_VERSION, hookimpl
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
    NoOptions,
    Options,
    Registration,
    Reporter,
    Sample,
    Stage,
)

if TYPE_CHECKING:
    from ovtune.manager import PluginHost


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
