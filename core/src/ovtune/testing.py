"""Test helpers for ovtune and its plugins, registered as a pytest plugin (``pytest11``).

Fixtures:

``ovtune_host``
    A fresh :class:`~ovtune.manager.PluginHost` with entry-point autoloading disabled: only the
    built-in plugins, plus whatever the test registers.
``ovtune_register``
    ``ovtune_register(plugin, name=...)`` registers a plugin object on ``ovtune_host`` for one test.
``ovtune_cli``
    ``ovtune_cli("run", "recipe.toml")`` runs the command line in-process and returns a
    :class:`CliResult` (exit code, stdout, stderr).
``ovtune_project``
    A :class:`RecipeProject` in a temporary folder: ``write_recipe(text)``, ``copy_demo_model()``,
    ``demo_recipe(stages=...)``, ``report(name)``.

Functions: :func:`run_cli` (the command line in-process) and :func:`error_lines` (the
``error:`` lines of its stderr). For executors: :func:`write_sweep_project` writes a real sweep
(three models trained on the digits, two recipes) and :func:`comparable` keeps what must not
depend on the executor that ran it.

The conformance kit (:mod:`ovtune.conformance`): :func:`check_stage`, :func:`check_loader`,
:func:`check_metric`, :func:`check_dataset_kind`, :func:`check_measurement`,
:func:`check_baseline` and :func:`check_distribution` check a plugin's registrations against
ovtune's contracts on real small models; each raises ``AssertionError`` listing what broke.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from ovtune.conformance import (
    ConformanceError,
    ConformanceReport,
    check_baseline,
    check_dataset_kind,
    check_distribution,
    check_loader,
    check_measurement,
    check_metric,
    check_stage,
)
from ovtune.demo import quick_recipe
from ovtune.manager import PluginHost
from ovtune.registry import PluginInfo


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None, host: PluginHost | None = None) -> CliResult:
    """Run ``ovtune ARGS`` in this process and capture its output.

    Each call builds a fresh plugin host (so environment variables and ``sys.path`` changes
    apply), unless ``host`` is given: then the command line uses that host and the plugins a
    test registered on it.
    """
    from ovtune import cli

    stdout, stderr = io.StringIO(), io.StringIO()
    saved_env = dict(os.environ)
    os.environ.update(env or {})
    state = cli.AppState(0, _plugin_args(args), host)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = cli.main(list(args), state=state)
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    return CliResult(code, stdout.getvalue(), stderr.getvalue())


def _plugin_args(args: tuple[str, ...]) -> tuple[str, ...]:
    values = []
    for flag, value in itertools.pairwise(args):
        if flag == "-p":
            values.append(value)
    return tuple(values)


class RecipeProject:
    """A temporary folder holding a recipe and the files it names."""

    def __init__(self, root: Path):
        self.root = root

    def write_recipe(self, text: str, name: str = "recipe.toml") -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def copy_demo_model(self) -> dict[str, Path]:
        """Copy the bundled demo model and data here; returns their paths by role."""
        from ovtune import demo

        return demo.copy_files(self.root)

    def report(self, name: str) -> dict[str, Any]:
        """The ``report.json`` of the run named ``name`` (default run folder ``runs/NAME``)."""
        import json

        return json.loads((self.root / "runs" / name / "report.json").read_text())  # type: ignore[no-any-return]

    def demo_recipe(
        self, *, stages: str = "", measure: str = 'metrics = ["size", "accuracy"]', extra: str = ""
    ) -> Path:
        """A recipe for the demo model (copied here), with ``stages`` appended verbatim."""
        self.copy_demo_model()
        return self.write_recipe(DEMO_RECIPE.format(measure=measure, stages=stages, extra=extra))


DEMO_RECIPE = (
    tomli_w.dumps(quick_recipe("test", limit=64, data=["validation"]))
    + """
[measure]
{measure}
duration = "0.2s"
trials = 1
warmup = 2

[output]
cache_dir = "cache"
{extra}
{stages}
"""
)
"""The text of :meth:`RecipeProject.demo_recipe`: the demo recipe's model, validation data (64
samples) and metric (:func:`ovtune.demo.quick_recipe`), quick measurement settings, and the
``{measure}`` lines, ``{extra}`` tables and ``{stages}`` a test fills in."""


@pytest.fixture
def ovtune_host() -> PluginHost:
    """A plugin host with the built-in plugins only (no entry points)."""
    return PluginHost(autoload=False, trace=False)


@pytest.fixture
def ovtune_register(ovtune_host: PluginHost) -> Iterator[Callable[..., None]]:
    """Register plugin objects on ``ovtune_host`` for the duration of one test."""
    names: list[str] = []

    def register(plugin: object, name: str = "test-plugin", distribution: str = "test-distribution") -> None:
        ovtune_host.register(plugin, PluginInfo(name, type(plugin).__name__, distribution, "0"))
        names.append(name)

    yield register
    for name in names:
        ovtune_host.unregister(name)


@pytest.fixture
def ovtune_cli(ovtune_host: PluginHost) -> Callable[..., CliResult]:
    """Run the ``ovtune`` command line in-process against ``ovtune_host``."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> CliResult:
        return run_cli(*args, env=env, host=ovtune_host)

    return invoke


@pytest.fixture
def ovtune_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecipeProject:
    """A temporary recipe project; the working directory is its root."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OVTUNE_CACHE_DIR", str(tmp_path / "cache"))
    return RecipeProject(tmp_path)


def error_lines(stderr: str) -> list[str]:
    """The ``error: ...`` lines of a command's stderr (each user error is one such line)."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


SWEEP_STAGE_MODULE = '''
"""The sweep's python stage: a real graph change, so the stage has an output. Every new node is
named: OpenVINO names unnamed nodes from a counter of the process, and the output's hash must not
depend on what the process built before."""
import numpy as np
import openvino as ov
from openvino import opset13 as ops


def scale(model, context):
    results = []
    for index, result in enumerate(model.get_results()):
        factor = ops.constant(np.float32(2.0), name=f"scale_factor_{index}")
        doubled = ops.multiply(result.input_value(0), factor, name=f"scale_{index}")
        results.append(ops.result(doubled, name=f"scaled_{index}"))
    return ov.Model(results, model.get_parameters(), "scaled")
'''

SWEEP_BASE_RECIPE = """# Shared by every job; paths here are relative to this file.
schema = 1

[data.calibration]
kind = "npz"
path = "calibration.npz"
limit = 32

[deploy]
device = "CPU"
hint = "latency"

[measure]
metrics = ["size", "latency", "throughput", "accuracy"]
duration = "0.2s"
trials = 1
warmup = 2

[output]
cache_dir = "cache"
"""

SWEEP_TEMPLATE = """name = "zoo"
base = "shared/base.toml"
objective = "latency"
{models}
[[recipe]]
name = "f32"
[recipe.deploy]
precision = "f32"

[[recipe]]
name = "scaled"
[[recipe.stage]]
use = "python"
function = "sweep_stages:scale"
"""

SWEEP_MODEL_TEMPLATE = """
[[model]]
name = "{name}"
source = "models/{name}/{file}"
[model.data.validation]
kind = "npz"
path = "models/{name}/validation.npz"
limit = 64
[model.metric]
kind = "top1"
"""

SWEEP_MODELS = ("cnn", "linear", "mlp")


def write_sweep_project(root: Path) -> Path:
    """A real sweep in ``root``: 3 models x 2 recipes (``f32``: the runtime in f32; ``scaled``: a
    python stage that doubles the outputs). The models are the bundled digits CNN and two models
    fitted here on the same digits (a linear classifier and a one-hidden-layer network, written as
    OpenVINO IR), each with its own validation data; the base recipe sits in ``shared/`` so that its
    relative paths (calibration data, stage cache) resolve against its own folder. Quick settings:
    64 samples, 0.2 s per timing, one trial. Returns the sweep file."""
    from ovtune import demo

    root.mkdir(parents=True, exist_ok=True)
    (root / "shared").mkdir(exist_ok=True)
    (root / "shared" / "base.toml").write_text(SWEEP_BASE_RECIPE, encoding="utf-8")
    (root / "sweep_stages.py").write_text(SWEEP_STAGE_MODULE, encoding="utf-8")
    files = {"cnn": demo.model_path().name, "linear": "linear.xml", "mlp": "mlp.xml"}
    for name in SWEEP_MODELS:
        folder = root / "models" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "validation.npz").write_bytes(demo.validation_path().read_bytes())
    (root / "shared" / "calibration.npz").write_bytes(demo.calibration_path().read_bytes())
    (root / "models" / "cnn" / files["cnn"]).write_bytes(demo.model_path().read_bytes())
    _write_digits_classifiers(root / "models")
    models = "".join(SWEEP_MODEL_TEMPLATE.format(name=name, file=files[name]) for name in SWEEP_MODELS)
    path = root / "sweep.toml"
    path.write_text(SWEEP_TEMPLATE.format(models=models), encoding="utf-8")
    return path


def _write_digits_classifiers(folder: Path) -> None:
    """Fit two classifiers on the demo's calibration split of the digits (least squares on
    one-hot labels: deterministic, no training library needed) and save them as IR: ``linear``
    (pixels -> scores) and ``mlp`` (pixels -> 96 fixed random ReLU features -> scores). Every
    node is named, so that the files do not depend on what the process built before."""
    import numpy as np
    import openvino as ov
    from openvino import opset13 as ops

    from ovtune import demo

    with np.load(demo.calibration_path()) as archive:
        images, labels = archive["image"].astype(np.float64), archive["label"]
    pixels = images.reshape(len(images), -1)
    targets = np.eye(10)[labels]

    def fit(features: Any) -> tuple[Any, Any]:
        design = np.hstack([features, np.ones((len(features), 1))])
        gram = design.T @ design + 1.0 * np.eye(design.shape[1])
        solution = np.linalg.solve(gram, design.T @ targets)
        return solution[:-1].astype(np.float32), solution[-1].astype(np.float32)

    rng = np.random.default_rng(0)
    projection = (rng.standard_normal((pixels.shape[1], 96)) / np.sqrt(pixels.shape[1])).astype(np.float32)
    offset = rng.standard_normal(96).astype(np.float32) * 0.1
    hidden = np.maximum(pixels @ projection + offset, 0.0)
    layers = {"linear": [fit(pixels)], "mlp": [(projection, offset), fit(hidden)]}
    for name, weights in layers.items():
        image = ops.parameter([1, *images.shape[1:]], np.float32, name="image")
        shape = ops.constant(np.array([1, -1], dtype=np.int64), name="flat_shape")
        value = ops.reshape(image, shape, special_zero=False, name="flatten")
        for index, (weight, bias) in enumerate(weights):
            product = ops.matmul(value, ops.constant(weight, name=f"weight_{index}"), False, False, name=f"fc_{index}")
            value = ops.add(product, ops.constant(bias, name=f"bias_{index}"), name=f"fc_{index}_bias")
            if index < len(weights) - 1:
                value = ops.relu(value, name=f"relu_{index}")
        value.get_output_tensor(0).set_names({"logits"})
        model = ov.Model([ops.result(value, name="logits_result")], [image], f"digits_{name}")
        ov.save_model(model, folder / name / f"{name}.xml", compress_to_fp16=False)


def comparable(sweep: dict[str, Any]) -> dict[str, Any]:
    """What a sweep's ``sweep.json`` must say whichever executor ran it, by job id: its state,
    runtime settings, stages with their output hashes, and the final model's accuracy and the
    precision that ran. Timings, nodes, pids and paths are left out, and so are sizes: a stage's
    output file holds node names OpenVINO numbers per process (its hash does not)."""
    result = {}
    for job in sweep["jobs"]:
        final = job.get("final") or {}
        result[job["id"]] = {
            "state": job["state"],
            "deploy": job.get("deploy"),
            "stages": [(stage["name"], stage.get("output_hash")) for stage in job.get("stages", [])],
            "final": {key: final.get(key) for key in ("label", "precision", "accuracy")},
        }
    return result


def python_executable() -> str:
    """The interpreter running the tests (for subprocess-based checks)."""
    return sys.executable


__all__: list[Any] = [
    "CliResult",
    "ConformanceError",
    "ConformanceReport",
    "RecipeProject",
    "check_baseline",
    "check_dataset_kind",
    "check_distribution",
    "check_loader",
    "check_measurement",
    "check_metric",
    "check_stage",
    "comparable",
    "error_lines",
    "run_cli",
    "write_sweep_project",
]
