"""The ``torch`` loader: a real ``nn.Module`` (from a factory, TorchScript, or an exported program)
converted by OpenVINO, traced with the recipe's first sample, and compared with torch's own outputs."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import openvino as ov
import pytest
import torch  # requirements-dev.txt installs the torch extra: a missing install must fail, not skip

from ovtune.testing import RecipeProject, run_cli

Report = Callable[[RecipeProject, str], dict[str, Any]]
Errors = Callable[[str], list[str]]

MODULE = '''\
"""A tiny digits classifier, written by the test into the recipe's folder."""

import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc = nn.Linear(6 * 16, 10)

    def forward(self, image):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(image))), 1))


def make():
    torch.manual_seed(0)
    return Tiny()
'''

STAGE = '[[stage]]\nuse = "mo"\ncompress_to_fp16 = false\n'


def write_module(project: RecipeProject) -> ModuleType:
    """Write ``MODULE`` under a unique name (modules stay imported between tests) and import it."""
    name = f"tiny_{uuid.uuid4().hex[:8]}"
    path = project.root / f"{name}.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_recipe(project: RecipeProject, source: str, *, model_keys: str = "", stages: str = STAGE) -> Path:
    recipe = project.demo_recipe(stages=stages, measure='metrics = ["size"]')
    text = recipe.read_text().replace('source = "digits_cnn.onnx"', f'source = "{source}"\n{model_keys}')
    recipe.write_text(text)
    return recipe


def compare_with_torch(project: RecipeProject, model_path: str, module: Any) -> float:
    images = np.load(project.root / "digits_val.npz")["image"][:4]
    compiled = ov.Core().compile_model(model_path, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    with torch.no_grad():
        expected = module(torch.from_numpy(images)).numpy()
    got = np.concatenate([compiled(images[i : i + 1])[0] for i in range(4)])
    return float(np.max(np.abs(got - expected)))


def test_factory_module_is_traced_with_the_first_sample(ovtune_project: RecipeProject, read_report: Report) -> None:
    module = write_module(ovtune_project)
    recipe = torch_recipe(ovtune_project, f"torch:{module.__name__}:make")
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    assert report["recipe"]["model"]["format"] == "torch"
    details = report["stages"][0]["details"]
    # convert_model keeps traced shapes dynamic; the mo stage fixes them from the same data
    assert details["inputs_before"] == [{"name": "image", "shape": [-1, -1, -1, -1], "type": "f32", "layout": None}]
    assert details["inputs_after"][0]["shape"] == [1, 1, 32, 32]
    assert details["static_from"] == {"image": "data.validation"}
    assert compare_with_torch(ovtune_project, report["stages"][0]["model_path"], module.make().eval()) < 1e-5


def test_torchscript_file(ovtune_project: RecipeProject, read_report: Report) -> None:
    network = write_module(ovtune_project).make().eval()
    traced = torch.jit.trace(network, torch.zeros(1, 1, 32, 32))
    torch.jit.save(traced, str(ovtune_project.root / "tiny.pt"))
    result = run_cli("run", str(torch_recipe(ovtune_project, "tiny.pt")))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    assert report["stages"][0]["details"]["inputs_after"][0]["shape"] == [1, 1, 32, 32]
    assert compare_with_torch(ovtune_project, report["stages"][0]["model_path"], network) < 1e-5


def test_exported_program_file(ovtune_project: RecipeProject, read_report: Report) -> None:
    network = write_module(ovtune_project).make().eval()
    exported = torch.export.export(network, (torch.zeros(1, 1, 32, 32),))
    torch.export.save(exported, str(ovtune_project.root / "tiny.pt2"))
    result = run_cli("run", str(torch_recipe(ovtune_project, "tiny.pt2")))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    assert compare_with_torch(ovtune_project, report["stages"][0]["model_path"], network) < 1e-5


def test_example_shape_when_the_recipe_has_no_data(ovtune_project: RecipeProject, read_report: Report) -> None:
    module = write_module(ovtune_project)
    recipe = ovtune_project.write_recipe(
        f'schema = 1\nname = "nodata"\n[model]\nsource = "torch:{module.__name__}:Tiny"\n'
        'example_shape = [1, 1, 32, 32]\n[measure]\nmetrics = ["size"]\n'
        '[[stage]]\nuse = "mo"\ninput_shape = [1, 1, 32, 32]\n'
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    assert read_report(ovtune_project, "nodata")["stages"][0]["details"]["inputs_after"][0]["shape"] == [1, 1, 32, 32]


def test_a_state_dict_is_refused_with_the_way_out(ovtune_project: RecipeProject, errors: Errors) -> None:
    torch.save(write_module(ovtune_project).make().state_dict(), str(ovtune_project.root / "weights.pt"))
    result = run_cli("run", str(torch_recipe(ovtune_project, "weights.pt")))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert ": model.source: weights.pt is not a TorchScript archive (torch.jit.save): " in line
    assert line.endswith("for a state_dict or a pickled module use source = 'torch:package.module:factory'")


@pytest.mark.parametrize(
    ("source", "model_keys", "message"),
    [
        ("torch:{module}:make", 'example_input = "calib"', "model.example_input: no [data.calib] in the recipe"),
        ("torch:{module}:missing", "", "torch:{module}:missing: module '{module}' has no attribute 'missing'"),
        ("torch:{module}:__doc__", "", "expected a torch.nn.Module or a function returning one, got str"),
        ("torch:no_such_module_xyz:make", "", "cannot import module 'no_such_module_xyz'"),
    ],
)
def test_load_errors_name_the_cause(
    ovtune_project: RecipeProject, errors: Errors, source: str, model_keys: str, message: str
) -> None:
    module = write_module(ovtune_project).__name__
    recipe = torch_recipe(ovtune_project, source.format(module=module), model_keys=model_keys)
    assert run_cli("validate", str(recipe)).exit_code == 0
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert message.format(module=module) in line


def test_tracing_without_any_example_input_is_refused(ovtune_project: RecipeProject, errors: Errors) -> None:
    module = write_module(ovtune_project)
    recipe = ovtune_project.write_recipe(
        f'schema = 1\nname = "noexample"\n[model]\nsource = "torch:{module.__name__}:make"\n'
        '[measure]\nmetrics = ["size"]\n'
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert "tracing a torch.nn.Module needs an example input: add a [data.*] entry" in line


def test_without_torch_the_error_says_what_to_install(
    ovtune_project: RecipeProject, errors: Errors, monkeypatch: pytest.MonkeyPatch
) -> None:
    recipe = torch_recipe(ovtune_project, "torch:anything:make")
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` sees when torch is not installed
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert line.endswith("model.source: PyTorch sources need torch: pip install 'ovtune-mo[torch]'")


def test_example_shape_is_validated_with_the_recipe(ovtune_project: RecipeProject, errors: Errors) -> None:
    recipe = torch_recipe(ovtune_project, "torch:anything:make", model_keys="example_shape = [1, 0, 32]")
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert line.endswith("model.example_shape: an example shape has positive dimensions (got [1, 0, 32])")


def test_torch_baseline_runs_the_same_module_beside_openvino(
    ovtune_project: RecipeProject, read_report: Report
) -> None:
    module = write_module(ovtune_project)
    recipe = torch_recipe(ovtune_project, f"torch:{module.__name__}:make", stages="")
    text = recipe.read_text()
    text = text.replace('kind = "top1"', 'kind = "max_abs_diff"')
    measure = 'metrics = ["latency", "throughput", "accuracy", "memory"]\nbaseline = "torch"'
    text = text.replace('metrics = ["size"]', measure)
    recipe.write_text(text + "\n[measure.torch]\nthreads = 1\nworkers = 2\n")
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    original, baseline = report["models"]
    assert (baseline["kind"], baseline["label"]) == ("baseline", "torch")
    assert baseline["framework"] == f"torch {torch.__version__}"
    assert baseline["plugin"].startswith("ovtune-mo ")
    measured = baseline["measurements"]
    assert set(measured) == {"latency", "throughput", "accuracy"}
    # the same module on the same samples: torch's outputs equal OpenVINO's f32 reference
    assert measured["accuracy"]["metric"] == "max_abs_diff"
    assert measured["accuracy"]["value"] < 1e-4
    assert measured["accuracy"]["samples"] == original["measurements"]["accuracy"]["samples"] == 64
    assert set(original["measurements"]["latency"]) <= set(measured["latency"])
    inputs = "data.validation (8 samples)"
    assert measured["latency"]["inputs"] == original["measurements"]["latency"]["inputs"] == inputs
    assert measured["throughput"]["workers"] == 2 and measured["throughput"]["fps"] > 0
    notes = " ".join(baseline["notes"])
    assert "intra-op threads 1, 2 workers for throughput" in notes
    assert "Not measured with PyTorch: memory." in notes


@pytest.mark.parametrize(
    ("source", "baseline", "message"),
    [
        ("digits_cnn.onnx", "torch", "baseline 'torch' runs .pt, .pth, .pt2, torch:... source models"),
        ("torch:anything:make", "onnxruntime", "baseline 'onnxruntime' runs .onnx source models"),
    ],
)
def test_a_baseline_that_cannot_run_the_source_fails_validation(
    ovtune_project: RecipeProject, errors: Errors, source: str, baseline: str, message: str
) -> None:
    recipe = torch_recipe(ovtune_project, source, stages="")
    recipe.write_text(recipe.read_text().replace('metrics = ["size"]', f'metrics = ["size"]\nbaseline = "{baseline}"'))
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert f"measure.baseline: {message}" in line
