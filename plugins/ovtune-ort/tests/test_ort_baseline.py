"""The onnxruntime baseline through ovtune's command line: the installed distribution, real ONNX
Runtime and OpenVINO, the bundled demo model. No timing is asserted beyond "it was measured".

The plugin must be installed (``pip install -e plugins/ovtune-ort``, done by ``make install-dev``):
ovtune finds it through its entry point, as it would for a user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ovtune.testing import DEMO_RECIPE, RecipeProject, run_cli

BASELINE = 'baseline = "onnxruntime"'
TIMED = 'metrics = ["size", "latency", "throughput", "accuracy"]'


def _report(project: RecipeProject) -> dict[str, Any]:
    return json.loads((project.root / "runs" / "test" / "report.json").read_text())  # type: ignore[no-any-return]


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_plugin_is_listed_from_its_distribution() -> None:
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.output
    plugins = {entry["name"]: entry for entry in json.loads(result.stdout)["plugins"]}
    assert "ort" in plugins, "ovtune-ort is not installed: pip install -e plugins/ovtune-ort"
    ort = plugins["ort"]
    assert ort["distribution"] == "ovtune-ort"
    assert ort["error"] is None
    assert ort["registers"] == {"baseline": ["onnxruntime"]}


def test_baseline_row_beside_openvino(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure=f"{TIMED}\n{BASELINE}")
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    assert "onnxruntime" in result.stdout
    models = _report(ovtune_project)["models"]
    original, baseline = models[0], models[-1]
    assert (baseline["kind"], baseline["label"]) == ("baseline", "onnxruntime")
    assert baseline["framework"].startswith("onnxruntime ")
    assert baseline["plugin"].startswith("ovtune-ort ")
    assert baseline["runtime"]["precision"]["dominant"] == "f32"
    measured = baseline["measurements"]
    assert set(measured) == {"size", "latency", "throughput", "accuracy"}

    # same keys as OpenVINO's figures, so the report can put them side by side
    assert measured["size"]["bytes"] == original["measurements"]["size"]["bytes"] > 0
    assert set(original["measurements"]["latency"]) <= set(measured["latency"])
    shared_throughput = set(original["measurements"]["throughput"]) - {"requests", "optimal_requests"}
    assert shared_throughput <= set(measured["throughput"])
    assert set(original["measurements"]["accuracy"]) == set(measured["accuracy"])

    latency, throughput = measured["latency"], measured["throughput"]
    assert latency["median_ms"] > 0 and latency["p90_ms"] > 0 and latency["sync_fps"] > 0
    assert throughput["fps"] > 0 and throughput["workers"] == 2
    assert latency["timing"] == throughput["timing"] == "wall clock around InferenceSession.run"
    # the very inputs OpenVINO was timed on
    assert latency["inputs"] == original["measurements"]["latency"]["inputs"] == "data.validation (8 samples)"

    accuracy = measured["accuracy"]
    assert accuracy["samples"] == original["measurements"]["accuracy"]["samples"] == 64
    assert accuracy["value"] == pytest.approx(original["measurements"]["accuracy"]["value"], abs=0.02)
    assert "drop" in accuracy


def test_options_reach_the_session_and_skipped_measurements_are_noted(ovtune_project: RecipeProject) -> None:
    options = '[measure.onnxruntime]\nintra_op_threads = 1\ngraph_optimization = "basic"\nworkers = 1'
    ovtune_project.copy_demo_model()
    recipe = ovtune_project.write_recipe(
        DEMO_RECIPE.format(measure=f'metrics = ["latency", "throughput"]\n{BASELINE}', stages="", extra=options)
    )
    assert run_cli("validate", str(recipe)).exit_code == 0
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    baseline = _report(ovtune_project)["models"][-1]
    assert baseline["measurements"]["throughput"]["workers"] == 1
    assert any("graph optimization basic" in note and "intra-op threads 1," in note for note in baseline["notes"])


def test_measurements_it_cannot_reproduce_are_noted(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure=f'metrics = ["size", "memory"]\n{BASELINE}')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    baseline = _report(ovtune_project)["models"][-1]
    assert set(baseline["measurements"]) == {"size"}
    assert "Not measured with ONNX Runtime: memory." in baseline["notes"]


def test_unknown_option_fails_validation(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    recipe = ovtune_project.write_recipe(
        DEMO_RECIPE.format(measure=BASELINE, stages="", extra="[measure.onnxruntime]\nbogus = 1")
    )
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    assert "measure.onnxruntime.bogus" in result.stderr


def test_non_onnx_source_is_one_error_line(ovtune_project: RecipeProject) -> None:
    import openvino as ov

    onnx = ovtune_project.copy_demo_model()["model"]
    xml = ovtune_project.root / "digits_cnn.xml"
    ov.save_model(ov.Core().read_model(onnx), xml)
    text = DEMO_RECIPE.format(measure=f'metrics = ["size"]\n{BASELINE}', stages="", extra="")
    recipe = ovtune_project.write_recipe(text.replace(f'"{onnx.name}"', f'"{xml.name}"'))
    result = run_cli("validate", str(recipe))  # caught before anything runs
    assert result.exit_code == 2, result.output
    errors = _error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert "measure.baseline: baseline 'onnxruntime' runs .onnx source models; [model] source is " in errors[0]
    assert errors[0].endswith(str(Path(xml)))
    assert "Traceback" not in result.output


def test_unavailable_provider_is_one_error_line(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    options = '[measure.onnxruntime]\nproviders = ["NoSuchExecutionProvider"]'
    recipe = ovtune_project.write_recipe(
        DEMO_RECIPE.format(measure=f'metrics = ["size"]\n{BASELINE}', stages="", extra=options)
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2, result.output
    errors = _error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert "measure.onnxruntime.providers: NoSuchExecutionProvider not available" in errors[0]
