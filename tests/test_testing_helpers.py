"""The fixtures that ovtune.testing gives plugin authors work as documented."""

from __future__ import annotations

import json

import openvino as ov

from ovtune import hookimpl
from ovtune.context import StageResult
from ovtune.manager import PluginHost
from ovtune.options import Options
from ovtune.types import Stage


class HalveOptions(Options):
    """No options: the stage always halves the first input."""


def halve_input(model: ov.Model, options: HalveOptions, context) -> StageResult:
    from openvino.preprocess import PrePostProcessor

    ppp = PrePostProcessor(model.clone())
    ppp.input().preprocess().scale(2.0)
    return StageResult(ppp.build(), notes=["input halved"])


class HalvePlugin:
    @hookimpl
    def ovtune_register_stages(self):
        return [Stage(name="test.halve", summary="Halve the input", options=HalveOptions, run=halve_input)]


def test_host_has_only_builtins(ovtune_host: PluginHost) -> None:
    assert not ovtune_host.autoload
    assert all(info.builtin for info in ovtune_host.plugins.values())


def test_registered_plugin_runs_in_a_recipe_through_the_cli(ovtune_register, ovtune_cli, ovtune_project) -> None:
    ovtune_register(HalvePlugin(), name="halve", distribution="ovtune-halve")
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "test.halve"\n')
    listing = ovtune_cli("stages")
    assert "test.halve" in listing.stdout and "ovtune-halve" in listing.stdout
    result = ovtune_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = json.loads((ovtune_project.root / "runs" / "test" / "report.json").read_text())
    assert report["stages"][0]["notes"] == ["input halved"]
    assert report["stages"][0]["plugin"] == "ovtune-halve 0"


def test_plugin_is_gone_after_the_test(ovtune_host: PluginHost) -> None:
    assert ovtune_host.registry.find(Stage, "test.halve") is None
