"""``ovtune bench`` in benchmark_app's vocabulary: ``-t`` as the total time, ``-niter``, ``-b``,
``--data-shape``, ``-i``, ``-api``, ``-pc``, ``--load-config``/``--dump-config``, ``--property``;
FPS measured method for method as benchmark_app does. Real OpenVINO, real models (the demo CNN
and a dynamic-batch model built here with OpenVINO's opset); no timing assertions, only the
arithmetic of how the time is shared and what was recorded."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from ovtune.bench import BenchProgress, BenchSettings, Row, plan, split_time
from ovtune.testing import RecipeProject, run_cli


@pytest.fixture
def dynamic_model(tmp_path: Path) -> Path:
    """A convolution over a dynamic batch: x[?,3,16,16] -> [?,8,16,16]."""
    import openvino as ov
    import openvino.opset13 as ops

    x = ops.parameter(ov.PartialShape([-1, 3, 16, 16]), ov.Type.f32, name="x")
    weights = ops.constant(np.random.default_rng(0).normal(size=(8, 3, 3, 3)).astype(np.float32))
    conv = ops.convolution(x, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    path = tmp_path / "dynamic.xml"
    ov.save_model(ov.Model([ops.relu(conv)], [x], "dynamic"), path)
    return path


def _json(*args: str) -> dict:
    result = run_cli("bench", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------------- the time split


def test_split_of_t_gives_every_trial_of_every_row_an_equal_share() -> None:
    settings = BenchSettings(seconds=4.0)
    rows = plan(settings)
    # benchmark_app's default API: sync under the LATENCY hint (FPS from the latency loop), async
    # under the THROUGHPUT hint
    assert [(r.hint, r.api, r.metrics) for r in rows] == [
        ("latency", "sync", ["latency"]),
        ("throughput", "async", ["throughput"]),
    ]
    split = split_time(rows, settings)
    assert split.trials == 3
    assert split.trial_seconds == pytest.approx(4.0 / 6)
    assert sum(slot["seconds"] for slot in split.slots) == pytest.approx(4.0)


def test_split_with_the_async_api_and_one_hint() -> None:
    settings = BenchSettings(seconds=9.0, hint="latency", api="async", trials=2)
    rows = plan(settings)
    assert rows == [Row("latency", "async", ["latency", "throughput"])]
    split = split_time(rows, settings)
    assert split.trial_seconds == pytest.approx(9.0 / 4)
    assert sum(slot["seconds"] for slot in split.slots) == pytest.approx(9.0)


@pytest.mark.parametrize(("niter", "trials", "per_trial"), [(60, 3, 20), (50, 3, 25), (7, 3, 7), (2, 3, 1)])
def test_niter_is_split_into_whole_trials(niter: int, trials: int, per_trial: int) -> None:
    settings = BenchSettings(iterations=niter, trials=trials)
    split = split_time(plan(settings), settings)
    assert split.trial_iterations == per_trial
    assert split.trial_iterations * split.trials == niter
    assert all(slot["iterations"] == niter for slot in split.slots)


def test_t_is_the_total_time_and_latency_hint_fps_comes_from_the_sync_loop(ovtune_project: RecipeProject) -> None:
    model = ovtune_project.copy_demo_model()["model"]
    data = _json(str(model), "-t", "1.2")
    split = data["time"]
    assert split["total_seconds"] == 1.2
    assert sum(slot["seconds"] for slot in split["slots"]) == pytest.approx(1.2)
    latency_row, throughput_row = data["models"]
    latency = latency_row["measurements"]["latency"]
    # what ran: every trial of every timed measurement got its share (a trial stops at the
    # first inference that ends past its deadline, so it can only run over, never short)
    assert len(latency["trial_seconds"]) == split["trials"] == 3
    assert all(seconds >= split["trial_seconds"] for seconds in latency["trial_seconds"])
    queue = throughput_row["measurements"]["throughput"]
    assert all(seconds >= split["trial_seconds"] for seconds in queue["trial_seconds"])
    # LATENCY hint: benchmark_app's sync mode, FPS = batch x iterations / duration of the latency
    # loop; one request in flight cannot go faster than its fastest inference allows
    fps = latency_row["measurements"]["throughput"]
    assert latency_row["api"] == "sync" and fps["api"] == "sync" and fps["requests"] == 1
    assert fps["frames"] == latency["count"] and fps["seconds"] == latency["seconds"]
    assert fps["fps"] == pytest.approx(sorted(latency["trial_sync_fps"])[1])
    assert fps["fps"] <= 1000.0 / latency["min_ms"]
    assert "sync API" in latency_row["method"] and "AsyncInferQueue" in throughput_row["method"]
    assert throughput_row["api"] == "async" and queue["api"] == "async"
    # async API: the latency of the queued requests themselves, as benchmark_app reports it
    assert queue["latency_median_ms"] > 0 and queue["latency_p90_ms"] >= queue["latency_median_ms"]
    # benchmark_app's -t of the two commands add up to the total, as whole seconds
    assert latency_row["benchmark_app"].endswith("-hint latency -ip f32 -t 1")
    assert throughput_row["benchmark_app"].endswith("-hint tput -ip f32 -t 1")


# ---------------------------------------------------------------------------------- dynamic model


def test_dynamic_model_without_a_shape_names_data_shape(dynamic_model: Path) -> None:
    result = run_cli("bench", str(dynamic_model), "-t", "1")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "--data-shape 'x[1,3,16,16]'" in lines[0] and "[data" not in lines[0]


def test_data_shape_niter_counters_property_and_dump_config(dynamic_model: Path, tmp_path: Path) -> None:
    dumped = tmp_path / "config.json"
    data = _json(
        str(dynamic_model),
        "-data_shape",
        "x[2,3,16,16]",
        "-niter",
        "30",
        "-pc",
        "--property",
        "NUM_STREAMS=1",
        "--dump-config",
        str(dumped),
    )
    latency_row, throughput_row = data["models"]
    assert data["time"]["trial_iterations"] == 10 and data["time"]["trials"] == 3
    latency = latency_row["measurements"]["latency"]
    assert latency["count"] == 30 and latency_row["measurements"]["throughput"]["frames_per_inference"] == 2
    assert latency_row["measurements"]["throughput"]["frames"] == 60
    assert throughput_row["measurements"]["throughput"]["frames"] == 60
    assert throughput_row["runtime"]["properties"]["NUM_STREAMS"] == 1
    assert "-data_shape 'x[2,3,16,16]'" in latency_row["benchmark_app"] and "-niter 30" in latency_row["benchmark_app"]
    counters = data["counters"]
    slowest = counters["slowest"]
    conv = next(layer for layer in slowest if layer["type"] == "Convolution")
    assert conv["precision"] in {"bf16", "f32", "f16"} and conv["ms"] > 0 and 0 < conv["share"] <= 1
    assert sum(layer["share"] for layer in slowest) == pytest.approx(1.0, abs=1e-6)
    assert counters["by_precision_ms"]
    assert json.loads(dumped.read_text()) == {"CPU": {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1"}}


def test_load_config_batch_and_async_api(dynamic_model: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"CPU": {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1"}}))
    data = _json(str(dynamic_model), "-b", "4", "--load-config", str(config), "-api", "async", "-niter", "12")
    (row,) = data["models"]  # the hint came from the file: one row, as benchmark_app
    assert row["api"] == "async" and row["runtime"]["properties"]["PERFORMANCE_HINT"] == "LATENCY"
    assert row["runtime"]["properties"]["NUM_STREAMS"] == 1
    queue = row["measurements"]["throughput"]
    assert queue["frames_per_inference"] == 4 and queue["frames"] == 48 and queue["requests"] == 1
    assert data["inputs"][0]["shape"] == [4, 3, 16, 16]
    assert "-api async" in row["benchmark_app"] and "-shape 'x[4,3,16,16]'" in row["benchmark_app"]


def test_input_files_npz_and_images(dynamic_model: Path, tmp_path: Path) -> None:
    from PIL import Image

    arrays = tmp_path / "inputs.npz"
    np.savez(arrays, x=np.random.default_rng(1).random((4, 3, 16, 16), dtype=np.float32))
    data = _json(str(dynamic_model), "-i", str(arrays), "--hint", "latency", "-niter", "3")
    assert data["models"][0]["measurements"]["latency"]["inputs"] == "data.bench (4 samples)"
    pictures = []
    for index in range(2):
        pictures.append(tmp_path / f"picture{index}.png")
        Image.fromarray(np.full((16, 16, 3), index * 100, dtype=np.uint8)).save(pictures[-1])
    args = [str(dynamic_model), "-i", str(pictures[0]), "-i", str(pictures[1]), "--hint", "latency", "-niter", "3"]
    data = _json(*args)
    assert data["models"][0]["measurements"]["latency"]["inputs"] == "data.bench (2 samples)"
    # -b 4 with two images: each batch holds real images (cycled to fill it), as benchmark_app's
    batched = _json(*args, "-b", "4")
    assert batched["inputs"][0]["shape"] == [4, 3, 16, 16]
    assert batched["models"][0]["measurements"]["latency"]["inputs"] == "data.bench (1 batch of 4 samples)"


# ---------------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "0"], "-t 0: expected a number of seconds above 0"),
        (["-t", "soon"], "-t soon: expected"),
        (["-niter", "0"], "-niter 0: expected a whole number"),
        (["-b", "two"], "-b two: expected a whole number"),
        (["-api", "fast"], "-api fast: expected one of sync, async"),
        (["-hint", "fast"], "-hint fast: expected one of latency"),
        (["--data-shape", "x[a,3]"], "--data-shape: cannot parse 'x[a,3]'"),
        (["--data-shape", "y[1,3,16,16]"], "--data-shape: the model has no input 'y'"),
        (["--property", "NUM_STREAMS"], "--property NUM_STREAMS: expected KEY=VALUE"),
        (["--data-shape", "[1,3,16,16]", "--property", "FOO=1"], "--property FOO=1: CPU rejected FOO=1"),
        (["--data-shape", "[1,3,16,16]", "--property", "NUM_STREAMS=lots"], "--property NUM_STREAMS=lots: CPU"),
        (["--property", "PERFORMANCE_HINT=FAST"], "--property PERFORMANCE_HINT=FAST: expected LATENCY"),
        (["-i", "missing.npz"], "-i missing.npz: no such file"),
        (["--load-config", "missing.json"], "--load-config missing.json: cannot read it"),
        (["-t", "2", "-niter", "5"], "-t 2 and -niter 5: give a time or an iteration count"),
    ],
)
def test_bad_values_are_one_line_naming_the_flag(
    dynamic_model: Path, args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("bench", str(dynamic_model), *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert "Traceback" not in result.output


def test_load_config_not_for_the_device(dynamic_model: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"GPU": {"PERFORMANCE_HINT": "LATENCY"}}))
    result = run_cli("bench", str(dynamic_model), "--load-config", str(config))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: --load-config {config}: no section for device CPU (devices: GPU)"


# ---------------------------------------------------------------------------------- progress


def test_progress_line_counts_down_the_planned_time() -> None:
    from rich.console import Console

    settings = BenchSettings(seconds=6.0)
    rows = plan(settings)
    split = split_time(rows, settings)
    progress = BenchProgress(Console(file=io.StringIO(), force_terminal=True), rows, split)
    assert "model 1/1, latency hint (row 1/2): compiling" in progress.status()
    assert "~6 s left" in progress.status()
    progress.ovtune_measurement_start(run=None, model="original", name="latency")
    assert "latency hint (row 1/2): latency" in progress.status()
    progress.ovtune_measurement_finish(run=None, model="original", name="latency", result={})
    progress.ovtune_pipeline_finish(run=None, report={})
    status = progress.status()
    assert "throughput hint (row 2/2): compiling" in status and "~3 s left" in status


def test_json_output_has_no_progress(ovtune_project: RecipeProject) -> None:
    model = ovtune_project.copy_demo_model()["model"]
    result = run_cli("bench", str(model), "-niter", "3", "--hint", "latency", "--json")
    assert result.exit_code == 0
    json.loads(result.stdout)
    assert result.stderr.strip() == ""


def test_several_models_one_after_the_other(ovtune_project: RecipeProject, dynamic_model: Path) -> None:
    from rich.console import Console

    model = ovtune_project.copy_demo_model()["model"]
    args = [str(model), str(dynamic_model), "--data-shape", "[1,3,16,16]", "-niter", "3", "--hint", "latency"]
    result = run_cli("bench", *args[:1], "-niter", "3", "--hint", "latency", "--json")
    assert isinstance(json.loads(result.stdout), dict)  # one model: one result, as before
    dumped = ovtune_project.root / "config.json"
    both = run_cli("bench", str(dynamic_model), str(dynamic_model), *args[2:], "--json", "--dump-config", str(dumped))
    assert both.exit_code == 0, both.output
    results = json.loads(both.stdout)
    assert [Path(entry["model"]).name for entry in results] == ["dynamic.xml", "dynamic.xml"]
    # the same properties for both models: one benchmark_app file holds them
    assert json.loads(dumped.read_text()) == {"CPU": results[0]["models"][0]["config"]}
    settings = BenchSettings(seconds=2.0)
    progress = BenchProgress(Console(file=io.StringIO()), plan(settings), split_time(plan(settings), settings), 2, 3)
    assert progress.status().startswith("model 2/3, latency hint")


def test_input_files_that_do_not_fit_name_the_flag(dynamic_model: Path, tmp_path: Path) -> None:
    arrays = tmp_path / "inputs.npz"
    np.savez(arrays, x=np.zeros((2, 3, 8, 8), dtype=np.float32))  # images of another size
    result = run_cli("bench", str(dynamic_model), "-b", "4", "-i", str(arrays), "-niter", "3")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: -i {arrays}: input 'x' takes shape [4,3,16,16], the data gives [1,3,8,8]"
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((2, 5), dtype=np.float32))
    result = run_cli("bench", str(dynamic_model), "-i", str(wrong), "-niter", "3")
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: -i {wrong}: input 'x' takes shape [?,3,16,16]")


def test_dump_config_keeps_every_model_whose_properties_differ(tmp_path: Path) -> None:
    """benchmark_app's config file holds one configuration; models compiled differently (the
    streams a throughput hint picked) get a file each instead of the first overwriting all."""
    from ovtune.bench import dump_config

    def result(model: str, streams: str) -> dict[str, object]:
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": streams}
        return {"model": model, "device": "CPU", "models": [{"config": config}]}

    target = tmp_path / "config.json"
    written = dump_config([result("/m/det.onnx", "2"), result("/m/rec.xml", "1")], target)
    assert written == [tmp_path / "config.det.json", tmp_path / "config.rec.json"]
    assert json.loads(written[1].read_text()) == {"CPU": {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": "1"}}
    assert not target.exists()
