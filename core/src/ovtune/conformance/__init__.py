"""The plugin conformance kit: one call checks that a registration keeps ovtune's contracts.

A plugin author calls :func:`check_stage`, :func:`check_loader`, :func:`check_metric`,
:func:`check_dataset_kind`, :func:`check_measurement` or :func:`check_baseline` with the name
of their registration (and the options and files it needs), and :func:`check_distribution`
with the name of their distribution. Each check runs the real thing on real small models
through the same code paths as ``ovtune run``: the bundled demo CNN (trained on scikit-learn's
digits) and its data, unless the call names another source. Nothing is mocked.

The contracts are the ones users rely on without reading plugin code:

- options: unknown keys and wrongly typed values are recipe errors naming their key path;
  options survive a trip through a TOML file and validate against ``ovtune schema``;
- stages: the input model (in memory and on disk) is not modified; the output is an
  ``openvino.Model`` that saves as IR, compiles and infers on CPU; changing an option changes
  the cache key, and a repeated run comes from the stage cache;
- loaders: the source file is not modified; loading twice gives the same graph; a corrupt or
  missing source is a user error, not a traceback;
- metrics, dataset kinds, measurements, baselines: results are deterministic, finite and
  JSON-serializable, and they work inside a real recipe run;
- distributions: this ovtune is inside the declared range, the entry point loads, importing
  it imports no heavy library, and every implementation it names can be imported.

Each function returns a :class:`ConformanceReport` and raises :class:`ConformanceError` (an
``AssertionError``, so pytest shows it as a test failure) listing every broken contract.

The kit is a package of one concept per module: :mod:`~ovtune.conformance.report` (contracts
and their outcome), :mod:`~ovtune.conformance.workspace` (the temporary recipe project),
:mod:`~ovtune.conformance.options` (the options contracts every registration shares),
:mod:`~ovtune.conformance.models` (checks on ``openvino.Model`` objects), and one module per
kind of registration: :mod:`~ovtune.conformance.stages`, :mod:`~ovtune.conformance.loaders`,
:mod:`~ovtune.conformance.metrics`, :mod:`~ovtune.conformance.datasets`,
:mod:`~ovtune.conformance.measurements` and :mod:`~ovtune.conformance.distributions`. It uses
only the public surface of the pipeline (``Pipeline.load_original``, ``Pipeline.execute_stage``).
"""

from ovtune.conformance.datasets import check_dataset_kind
from ovtune.conformance.distributions import check_distribution
from ovtune.conformance.loaders import check_loader
from ovtune.conformance.measurements import check_baseline, check_measurement
from ovtune.conformance.metrics import check_metric
from ovtune.conformance.report import Check, ConformanceError, ConformanceReport
from ovtune.conformance.stages import check_stage

__all__ = [
    "Check",
    "ConformanceError",
    "ConformanceReport",
    "check_baseline",
    "check_dataset_kind",
    "check_distribution",
    "check_loader",
    "check_measurement",
    "check_metric",
    "check_stage",
]
