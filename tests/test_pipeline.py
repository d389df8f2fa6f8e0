"""The pipeline: stages run in order, outputs are IR, the cache makes re-runs free and
interrupted runs resume; the input model is never modified."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openvino as ov
from python_stages import SLOW_SECOND_STAGE, TWO_STAGES, stage_project

from ovtune.storage import hash_files
from ovtune.testing import RecipeProject, run_cli


def _report(project: RecipeProject, name: str = "test") -> dict:
    return json.loads((project.root / "runs" / name / "report.json").read_text())


def test_stages_run_in_order_and_save_ir(ovtune_project: RecipeProject) -> None:
    counter = ovtune_project.root / "counter.txt"
    recipe = stage_project(ovtune_project, TWO_STAGES.format(counter=counter))
    source_hash = hash_files([ovtune_project.root / "digits_cnn.onnx"])
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = _report(ovtune_project)
    assert [s["name"] for s in report["stages"]] == ["python", "python"]
    first = Path(report["stages"][0]["model_path"])
    assert first == ovtune_project.root / "runs" / "test" / "stages" / "01-python" / "model.xml"
    assert first.with_suffix(".bin").exists()
    model = ov.Core().read_model(str(first))
    assert "Multiply" in {op.get_type_name() for op in model.get_ops()} or "Divide" in {
        op.get_type_name() for op in model.get_ops()
    }
    assert [m["label"] for m in report["models"]] == ["original", "01-python", "02-python"]
    accuracy = [m["measurements"]["accuracy"]["value"] for m in report["models"]]
    assert accuracy[0] > 0.9
    assert accuracy[1] < accuracy[0]  # inputs are now halved inside the model: a real change
    assert hash_files([ovtune_project.root / "digits_cnn.onnx"]) == source_hash
    leftovers = [p for p in (ovtune_project.root / "runs").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_second_run_reuses_every_stage(ovtune_project: RecipeProject) -> None:
    counter = ovtune_project.root / "counter.txt"
    recipe = stage_project(ovtune_project, TWO_STAGES.format(counter=counter))
    assert run_cli("run", str(recipe)).exit_code == 0
    first = _report(ovtune_project)
    second_run = run_cli("run", str(recipe))
    assert second_run.exit_code == 0, second_run.output
    second = _report(ovtune_project)
    assert counter.read_text() == "x"
    assert [s["cached"] for s in first["stages"]] == [False, False]
    assert [s["cached"] for s in second["stages"]] == [True, True]
    assert [s["details"]["output_hash"] for s in first["stages"]] == [
        s["details"]["output_hash"] for s in second["stages"]
    ]
    assert "from cache" in second_run.stderr


def test_changed_options_rerun_only_from_that_stage(ovtune_project: RecipeProject) -> None:
    counter = ovtune_project.root / "counter.txt"
    recipe = stage_project(ovtune_project, TWO_STAGES.format(counter=counter))
    assert run_cli("run", str(recipe)).exit_code == 0
    recipe.write_text(recipe.read_text().replace("factor = 2.0", "factor = 4.0"))
    assert run_cli("run", str(recipe)).exit_code == 0
    assert [s["cached"] for s in _report(ovtune_project)["stages"]] == [False, False]
    assert counter.read_text() == "xx"


def test_no_cache_recomputes(ovtune_project: RecipeProject) -> None:
    counter = ovtune_project.root / "counter.txt"
    recipe = stage_project(ovtune_project, TWO_STAGES.format(counter=counter))
    assert run_cli("run", str(recipe)).exit_code == 0
    assert run_cli("run", str(recipe), "--no-cache").exit_code == 0
    assert counter.read_text() == "xx"


def test_killed_run_resumes_with_the_same_outputs(ovtune_project: RecipeProject) -> None:
    marker = ovtune_project.root / "second-stage-started"
    recipe = stage_project(ovtune_project, SLOW_SECOND_STAGE.format(marker=marker))
    env = {**os.environ, "OVTUNE_CACHE_DIR": str(ovtune_project.root / "cache"), "SLOW_STAGE_SECONDS": "600"}
    process = subprocess.Popen(
        [sys.executable, "-m", "ovtune", "run", str(recipe)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "second stage never started"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (ovtune_project.root / "runs" / "test" / "report.json").exists()
    result = run_cli("run", str(recipe))  # the same recipe; the slow stage no longer sleeps
    assert result.exit_code == 0, result.output
    report = _report(ovtune_project)
    assert [s["cached"] for s in report["stages"]] == [True, False]
    fresh = run_cli("run", str(recipe), "--no-cache", "--out", str(ovtune_project.root / "fresh"))
    assert fresh.exit_code == 0, fresh.output
    fresh_report = json.loads((ovtune_project.root / "fresh" / "report.json").read_text())
    for resumed_stage, fresh_stage in zip(report["stages"], fresh_report["stages"], strict=True):
        assert _same_model(Path(resumed_stage["model_path"]), Path(fresh_stage["model_path"]))


def _same_model(a: Path, b: Path) -> bool:
    """Same weights, same graph up to the numeric suffixes OpenVINO gives unnamed nodes
    (a per-process counter), and the same outputs on the same input."""
    if a.with_suffix(".bin").read_bytes() != b.with_suffix(".bin").read_bytes():
        return False
    auto_names = re.compile(r'name="([A-Za-z]+)_\d+"')
    if auto_names.sub(r'name="\1_N"', a.read_text()) != auto_names.sub(r'name="\1_N"', b.read_text()):
        return False
    core = ov.Core()
    x = np.random.default_rng(0).uniform(size=(1, 1, 32, 32)).astype(np.float32)
    outputs = [core.compile_model(str(p), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})(x)[0] for p in (a, b)]
    return bool(np.array_equal(outputs[0], outputs[1]))


def test_stage_returning_garbage_is_reported(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "bad_stage.py").write_text("def none(model, context):\n    return None\n")
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "python"\nfunction = "bad_stage:none"\n')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    assert "stage[1].function: bad_stage:none returned None" in result.stderr


def test_stage_gets_data_and_context(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "data_stage.py").write_text(
        "import numpy as np\n"
        "def check(model, context):\n"
        "    data = context.data.get('validation')\n"
        "    assert len(data) == 64 and data[0].inputs['image'].shape == (1, 1, 32, 32)\n"
        "    assert context.key == 'stage[1]' and context.work_dir.is_dir()\n"
        "    from ovtune.context import StageResult\n"
        "    return StageResult(model, notes=['checked'], details={'samples': len(data)})\n"
    )
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "python"\nfunction = "data_stage:check"\n')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    stage = _report(ovtune_project)["stages"][0]
    assert stage["notes"] == ["checked"] and stage["details"]["samples"] == 64


def test_report_records_what_ran(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size", "latency", "accuracy"]')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = _report(ovtune_project)
    original = report["models"][0]
    assert original["runtime"]["precision"]["dominant"] in {"bf16", "f32"}
    assert original["runtime"]["properties"]["EXECUTION_DEVICES"] == ["CPU"]
    latency = original["measurements"]["latency"]
    for key in ("median_ms", "mean_ms", "min_ms", "max_ms", "p90_ms", "p95_ms", "p99_ms", "std_ms"):
        assert latency[key] > 0
    assert latency["inputs"].startswith("data.validation")
    assert original["measurements"]["size"]["bytes"] == (ovtune_project.root / "digits_cnn.onnx").stat().st_size
    assert report["environment"]["libraries"]["openvino"]
    assert np.isclose(original["measurements"]["accuracy"]["drop"], 0.0)
    assert "original" in result.stdout and "accuracy" in result.stdout
