"""The deploy folder's benchmark_app cross-check runs, for static and dynamic models.

A model with a dynamic input needs ``-data_shape`` (``-load_config`` alone fails with "Input
image is dynamic. Provide data shapes!"); the command takes the shape from the recipe's data.
Each test runs a one-trial tune on the demo CNN and then the printed command, for 1 s.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import openvino as ov
import pytest

from ovtune.recipe import build_recipe
from ovtune.testing import RecipeProject, run_cli
from ovtune.tune.outputs import write_deploy_folder

DEPLOY_RECIPE = """\
schema = 1
name = "digits"

[model]
source = "{model}"

[data.validation]
kind = "npz"
path = "digits_val.npz"
limit = 16

[metric]
kind = "top1"

[measure]
duration = "0.1s"
trials = 1
warmup = 2

[output]
cache_dir = "cache"

[tune]
objective = "throughput"
trials = 1
finalists = 1

[[tune.variant]]
name = "float"

[tune.deploy]
hint = ["throughput"]
precision = ["f32"]
"""


def dynamic_batch_model(project: RecipeProject) -> Path:
    """The demo CNN (input ``image: [1,1,32,32]``) with a dynamic batch, saved as IR."""
    files = project.copy_demo_model()
    model = ov.Core().read_model(str(files["model"]))
    model.reshape({"image": ov.PartialShape([-1, 1, 32, 32])})
    path = project.root / "digits_dynamic.xml"
    ov.save_model(model, str(path), compress_to_fp16=False)
    return path


def tune_deploy(project: RecipeProject, model: str) -> tuple[Path, dict[str, Any]]:
    project.copy_demo_model()
    recipe = project.write_recipe(DEPLOY_RECIPE.format(model=model))
    result = run_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    folder = project.root / "runs" / "digits-tune" / "deploy"
    return folder, json.loads((folder / "ovtune-tune.json").read_text())


def run_benchmark_app(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    """The printed command, run from the deploy folder for 1 s (the venv's benchmark_app)."""
    args = shlex.split(command)
    assert args[0] == "benchmark_app"
    args[0] = str(Path(sys.executable).parent / "benchmark_app")
    env = {**os.environ, "CI": "true"}
    return subprocess.run(
        [*args, "-t", "1"], cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_dynamic_model_deploy_command_gives_the_data_shape_and_runs(ovtune_project: RecipeProject) -> None:
    model = dynamic_batch_model(ovtune_project)
    folder, about = tune_deploy(ovtune_project, model.name)
    assert ov.Core().read_model(str(folder / "model.xml")).input().get_partial_shape().is_dynamic
    command = about["benchmark_app"]
    assert command == (
        "benchmark_app -m model.xml -d CPU -load_config config.json -ip f32 -data_shape 'image[1,1,32,32]' -t 10"
    )
    assert about["data_shape"] == {"image": [1, 1, 32, 32]}
    readme = (folder / "README.md").read_text()
    assert command in readme and "first sample of `data.validation`" in readme
    done = run_benchmark_app(folder, command)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Throughput:" in done.stdout
    # without the data shape benchmark_app refuses the model: the reason the flag is there
    refused = run_benchmark_app(folder, command.replace(" -data_shape 'image[1,1,32,32]'", ""))
    assert refused.returncode != 0 and "Provide data shapes" in refused.stdout + refused.stderr


def test_static_model_deploy_command_has_no_data_shape_and_runs(ovtune_project: RecipeProject) -> None:
    folder, about = tune_deploy(ovtune_project, "digits_cnn.onnx")
    command = about["benchmark_app"]
    assert command == "benchmark_app -m model.xml -d CPU -load_config config.json -ip f32 -t 10"
    assert about["data_shape"] == {"image": [1, 1, 32, 32]}
    assert command in (folder / "README.md").read_text()
    done = run_benchmark_app(folder, command)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.parametrize("data", [False, True])
def test_dynamic_input_without_data_of_its_shape_has_no_command_and_says_why(
    ovtune_project: RecipeProject, ovtune_host: Any, data: bool
) -> None:
    """No [data.*] entry (or none that fits the dynamic input): the README says what to add."""
    model = dynamic_batch_model(ovtune_project)
    table: dict[str, Any] = {"schema": 1, "name": "digits", "model": {"source": model.name}}
    table["measure"] = {"metrics": ["size"]}
    if data:
        table["data"] = {"other": {"kind": "random", "shape": [1, 5]}}
    recipe = build_recipe(table, base_dir=ovtune_project.root, registry=ovtune_host.registry)
    original = ov.Core().read_model(str(model))
    folder = ovtune_project.root / "deploy"
    write_deploy_folder(folder, {"model_path": str(model)}, recipe, original=original, summary={})
    about = json.loads((folder / "ovtune-tune.json").read_text())
    assert about["benchmark_app"] is None and about["data_shape"] is None
    readme = (folder / "README.md").read_text()
    assert "No command is given: the model has dynamic inputs (`image` [?,1,32,32])" in readme
    assert "-data_shape" in readme
