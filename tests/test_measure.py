"""Measurements and what the report says about what actually ran. Real OpenVINO, the real
demo model; no timing assertions (speed claims live in benchmarks/)."""

from __future__ import annotations

import json

import pytest

from ovtune.testing import RecipeProject, run_cli

METRICS = 'metrics = ["size", "latency", "throughput", "first_inference", "memory", "accuracy"]'


def _run(project: RecipeProject, *, deploy: str = "", measure: str = METRICS) -> dict:
    recipe = project.demo_recipe(measure=measure, extra=f"[measure.first_inference]\nruns = 1\n[deploy]\n{deploy}")
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    return json.loads((project.root / "runs" / "test" / "report.json").read_text())


def test_every_measurement_on_the_demo_model(ovtune_project: RecipeProject) -> None:
    report = _run(ovtune_project, deploy='hint = "throughput"')
    original = report["models"][0]
    measured = original["measurements"]
    assert measured["throughput"]["fps"] > 0
    properties = original["runtime"]["properties"]
    assert measured["throughput"]["requests"] == properties["OPTIMAL_NUMBER_OF_INFER_REQUESTS"]
    assert properties["PERFORMANCE_HINT"] == "THROUGHPUT"
    first = measured["first_inference"]
    assert first["no_cache"]["loaded_from_cache"] is False
    assert first["cached"]["loaded_from_cache"] is True
    for situation in ("no_cache", "cache_fill", "cached"):
        assert first[situation]["total_ms"] >= first[situation]["compile_ms"] > 0
    assert isinstance(first["cache_pays_off"], bool)
    memory = measured["memory"]
    assert memory["peak_rss_mb"] > memory["runtime_rss_mb"] > 0
    assert measured["accuracy"]["value"] >= 0.95


def test_memory_of_the_child_is_not_the_size_of_the_measuring_process(ovtune_project: RecipeProject) -> None:
    import numpy as np

    ballast = np.ones(1024 * 1024 * 1024 // 8)  # 1 GiB resident in the measuring process
    report = _run(ovtune_project, measure='metrics = ["memory"]')
    memory = report["models"][0]["measurements"]["memory"]
    assert ballast[-1] == 1.0
    # the demo model in a fresh process needs well under 1 GiB; a peak inherited from the
    # forked parent (ru_maxrss survives exec) would be above it
    assert memory["runtime_rss_mb"] < memory["peak_rss_mb"] < 700


def test_report_says_which_precision_ran(ovtune_project: RecipeProject) -> None:
    default = _run(ovtune_project, measure='metrics = ["latency"]')["models"][0]["runtime"]
    assert default["precision"]["dominant"] == default["properties"]["INFERENCE_PRECISION_HINT"]
    forced = _run(ovtune_project, deploy='precision = "f32"', measure='metrics = ["latency"]')["models"][0]["runtime"]
    assert forced["properties"]["INFERENCE_PRECISION_HINT"] == "f32"
    assert forced["precision"]["dominant"] == "f32"
    assert forced["precision"]["compute_layers"]["f32"] >= 6


def test_report_describes_the_machine_and_device(ovtune_project: RecipeProject) -> None:
    report = _run(ovtune_project, measure='metrics = ["size"]')
    environment = report["environment"]
    assert environment["cpu"] and environment["libraries"]["openvino"]
    assert isinstance(environment["cpu_flags"], list)
    assert report["device_info"]["CPU"]["FULL_DEVICE_NAME"]
    assert "FP32" in report["device_info"]["CPU"]["OPTIMIZATION_CAPABILITIES"]


def test_deploy_settings_are_applied_and_read_back(ovtune_project: RecipeProject) -> None:
    report = _run(
        ovtune_project,
        deploy='hint = "throughput"\nstreams = 1\nthreads = 1\npinning = false',
        measure='metrics = ["throughput"]',
    )
    properties = report["models"][0]["runtime"]["properties"]
    assert properties["NUM_STREAMS"] == 1
    assert properties["INFERENCE_NUM_THREADS"] == 1
    assert properties["ENABLE_CPU_PINNING"] is False
    assert report["config"]["NUM_STREAMS"] == "1"


def test_unknown_measurement_option_names_the_key(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure=METRICS, extra="[measure.first_inference]\nrunz = 2")
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    assert "measure.first_inference.runz: unknown key (did you mean 'runs'?)" in result.stderr


def test_options_table_for_a_measurement_not_selected(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size"]', extra="[measure.latncy]\nx = 1")
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2
    assert "measure.latncy: unknown key" in result.stderr


def test_bench_json_has_a_row_per_hint_and_the_benchmark_app_command(ovtune_project: RecipeProject) -> None:
    model = ovtune_project.copy_demo_model()["model"]
    result = run_cli("bench", str(model), "-t", "0.3", "--trials", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    latency, throughput = data["models"]
    assert latency["runtime"]["properties"]["PERFORMANCE_HINT"] == "LATENCY"
    assert throughput["runtime"]["properties"]["PERFORMANCE_HINT"] == "THROUGHPUT"
    assert latency["measurements"]["latency"]["median_ms"] > 0
    assert throughput["measurements"]["throughput"]["fps"] > 0
    assert latency["benchmark_app"].startswith(f"benchmark_app -m {model} -d CPU -hint latency")
    assert "-hint tput" in throughput["benchmark_app"] and "-ip f32" in throughput["benchmark_app"]


def test_bench_table_and_flags(ovtune_project: RecipeProject) -> None:
    model = ovtune_project.copy_demo_model()["model"]
    result = run_cli(
        "bench",
        str(model),
        "-t",
        "0.2",
        "--trials",
        "1",
        "--hint",
        "latency",
        "--precision",
        "f32",
        "--shape",
        "image[1,1,32,32]",
        "--metrics",
        "latency,size",
    )
    assert result.exit_code == 0, result.output
    assert "latency hint" in result.stdout and "f32" in result.stdout
    assert "-infer_precision f32" in result.stdout and "-shape 'image[1,1,32,32]'" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shape", "ima{ge"], "--shape: cannot parse"),
        (["--shape", "[1,2,3]"], "cannot reshape the model to [1,2,3]"),
        (["-d", "GPU"], "deploy.device: GPU is not available on this machine (available: CPU"),
        (["--streams", "lots"], "deploy.streams"),
    ],
)
def test_bench_bad_input_is_one_line(ovtune_project: RecipeProject, args: list[str], message: str) -> None:
    model = ovtune_project.copy_demo_model()["model"]
    result = run_cli("bench", str(model), "-t", "0.2", "--trials", "1", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], lines


def test_bench_missing_model() -> None:
    result = run_cli("bench", "no-such-model.onnx")
    assert result.exit_code == 2
    assert "model file not found" in result.stderr
