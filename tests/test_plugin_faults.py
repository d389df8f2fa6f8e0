"""Plugins that misbehave at run time: observers are isolated, crashes name their distribution,
and ``sys.exit()`` at import is a load failure like any other.

The plugins are real installed-looking distributions (``distributions.py``) found through their
entry points, and the runs are real runs of the demo model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ovtune.testing import RecipeProject, error_lines, run_cli

from distributions import make_distribution
from overlay import make_overlay

NOISY_OBSERVER = """
    from ovtune import hookimpl

    FINISHED = []


    @hookimpl
    def ovtune_pipeline_start(run):
        raise RuntimeError("tracking server unreachable")


    @hookimpl
    def ovtune_stage_progress(run, index, done, total, message):
        raise ValueError("progress bar broke")


    @hookimpl
    def ovtune_pipeline_finish(run, report):
        FINISHED.append(report["name"])
"""

CRASHING = """
    import numpy as np

    from ovtune import hookimpl
    from ovtune.options import NoOptions
    from ovtune.types import Loader, Measurement, Metric, MetricAccumulator, Stage


    def run(model, options, context):
        for done in range(3):
            context.progress(done + 1, 3, "steps")
        if "{broken}" == "stage":
            raise RuntimeError("out of budget")
        return model.clone()


    def load(source, options, context):
        raise OSError("vendor runtime missing")


    def measure(subject, options, context):
        raise ZeroDivisionError("division by zero")


    class Score(MetricAccumulator):
        def __init__(self, options):
            pass

        def update(self, outputs, sample, reference):
            raise IndexError("output 3 out of range")

        def result(self):
            return 1.0


    @hookimpl
    def ovtune_register_stages():
        return [Stage(name="crashy.steps", summary="steps", options=NoOptions, run=run)]


    @hookimpl
    def ovtune_register_loaders():
        return [Loader(name="crashy", summary="crashes", load=load)]


    @hookimpl
    def ovtune_register_measurements():
        return [Measurement(name="crashy.count", summary="crashes", run=measure)]


    @hookimpl
    def ovtune_register_metrics():
        return [Metric(name="crashy.score", summary="crashes", options=NoOptions, create=Score)]
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_a_raising_observer_is_one_warning_and_the_run_goes_on(site: Path, ovtune_project: RecipeProject) -> None:
    make_distribution(
        site, distribution="ovtune-noisy", entry_point="noisy", module="noisy_observer", code=NOISY_OBSERVER
    )
    make_distribution(
        site, distribution="ovtune-crashy", entry_point="crashy", module="steps_plugin", code=CRASHING.format(broken="")
    )
    result = run_cli("run", str(ovtune_project.demo_recipe(stages='[[stage]]\nuse = "crashy.steps"\n')))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: plugin 'noisy' from ovtune-noisy 0.1.0: ovtune_pipeline_start failed: "
        "RuntimeError: tracking server unreachable; the run goes on",
        "warning: plugin 'noisy' from ovtune-noisy 0.1.0: ovtune_stage_progress failed: "
        "ValueError: progress bar broke; the run goes on",
    ]
    assert "Traceback" not in result.stderr
    assert ovtune_project.report("test")["stages"][0]["name"] == "crashy.steps"
    import noisy_observer

    assert noisy_observer.FINISHED == ["test"]


@pytest.mark.parametrize(
    ("broken", "recipe_change", "line"),
    [
        (
            "stage",
            lambda text: text + '[[stage]]\nuse = "crashy.steps"\n',
            "error: stage 'crashy.steps': ovtune-crashy 0.1.0 failed: RuntimeError: out of budget",
        ),
        (
            "loader",
            lambda text: text.replace('source = "digits_cnn.onnx"', 'source = "digits_cnn.onnx"\nformat = "crashy"'),
            "model.source: loader 'crashy': ovtune-crashy 0.1.0 failed: OSError: vendor runtime missing",
        ),
        (
            "measurement",
            lambda text: text.replace('metrics = ["size", "accuracy"]', 'metrics = ["size", "crashy.count"]'),
            "error: measurement 'crashy.count': ovtune-crashy 0.1.0 failed: ZeroDivisionError: division by zero",
        ),
        (
            "metric",
            lambda text: text.replace('kind = "top1"', 'kind = "crashy.score"'),
            "error: metric 'crashy.score': ovtune-crashy 0.1.0 failed: IndexError: output 3 out of range",
        ),
    ],
    ids=["stage", "loader", "measurement", "metric"],
)
def test_a_crash_in_a_plugin_is_one_error_line_naming_it_and_its_distribution(
    site: Path, ovtune_project: RecipeProject, broken: str, recipe_change: object, line: str
) -> None:
    make_distribution(
        site,
        distribution="ovtune-crashy",
        entry_point="crashy",
        module=f"crashy_{broken}",
        code=CRASHING.format(broken=broken),
    )
    recipe = ovtune_project.demo_recipe()
    recipe.write_text(recipe_change(recipe.read_text()))  # type: ignore[operator]
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2, result.output
    [error] = error_lines(result.stderr)
    assert error.endswith(line), error
    assert "Traceback" not in result.stderr
    verbose = run_cli("-v", "run", str(recipe))
    assert verbose.exit_code == 2
    assert "Traceback" in verbose.stderr and f"crashy_{broken}.py" in verbose.stderr
    assert error_lines(verbose.stderr) == [error]


SYSTEM_EXIT = """
    import sys

    sys.exit(3)
"""


def test_sys_exit_at_import_is_a_load_failure_and_uninstall_removes_the_plugin(tmp_path: Path) -> None:
    overlay = make_overlay(tmp_path / "env")
    make_distribution(
        overlay.site_packages, distribution="ovtune-exits", entry_point="exits", module="exits_plugin", code=SYSTEM_EXIT
    )
    listed = overlay.ovtune("plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    entry = {e["name"]: e for e in json.loads(listed.stdout)["plugins"]}["exits"]
    assert entry["status"] == "broken" and entry["error"] == "SystemExit: 3"
    assert "warning: plugin 'exits' from ovtune-exits 0.1.0 failed to load: SystemExit: 3" in listed.stderr
    table = overlay.ovtune("plugins")
    assert table.returncode == 0 and "exits" in table.stdout and "SystemExit: 3" in table.stdout
    removed = overlay.ovtune("uninstall", "ovtune-exits")
    assert removed.returncode == 0, removed.stderr
    assert "removed plugin 'exits' (ovtune-exits 0.1.0)" in removed.stdout
    assert not (overlay.site_packages / "exits_plugin.py").exists()
    assert "exits" not in overlay.plugins()


def test_keyboard_interrupt_at_import_still_interrupts_after_a_sys_exit_is_caught(site: Path) -> None:
    # entry points load in name order: the plugin calling sys.exit() first, then Ctrl-C
    make_distribution(site, distribution="ovtune-exits", entry_point="b_exits", module="exits_first", code=SYSTEM_EXIT)
    make_distribution(
        site, distribution="ovtune-ctrlc", entry_point="ctrlc", module="ctrlc_plugin", code="raise KeyboardInterrupt\n"
    )
    result = run_cli("plugins", "--json")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1].startswith("interrupted: run the same command again")
