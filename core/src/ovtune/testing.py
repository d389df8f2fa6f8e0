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
``error:`` lines of its stderr).

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
    "error_lines",
    "run_cli",
]
