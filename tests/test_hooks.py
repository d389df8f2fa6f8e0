"""One test per hook: a real plugin implements it, and ovtune's public face shows the effect.

``test_docs_hooks`` fails when a hook in ``ovtune.hookspecs`` has no ``test_hook_<name>`` here
(or in a plugin's tests), as it fails when the hook has no section in ``docs/hooks.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from pydantic import Field

from ovtune import hookimpl
from ovtune.manager import PluginHost
from ovtune.options import NoOptions, Options
from ovtune.testing import CliResult, RecipeProject
from ovtune.types import (
    Baseline,
    Command,
    Dataset,
    DatasetKind,
    Device,
    Loader,
    Measurement,
    Metric,
    MetricAccumulator,
    Reporter,
    Sample,
    Stage,
)

Register = Callable[..., None]
Cli = Callable[..., CliResult]


def _run(cli: Cli, recipe: Path) -> None:
    result = cli("run", str(recipe))
    assert result.exit_code == 0, result.stderr


# --------------------------------------------------------------------------------------
# Registration hooks
# --------------------------------------------------------------------------------------


def _read_renamed_onnx(source: Path, options: Any, context: Any) -> Any:
    """An ONNX file under another suffix (as some vendors ship them)."""
    import io

    import openvino as ov

    return ov.convert_model(io.BytesIO(Path(source).read_bytes()))


def test_hook_ovtune_register_loaders(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_loaders(self) -> list[Loader]:
            return [
                Loader(name="renamed", summary="ONNX under another suffix", suffixes=(".nx",), load=_read_renamed_onnx)
            ]

    ovtune_register(Plugin())
    recipe = ovtune_project.demo_recipe()
    (ovtune_project.root / "digits_cnn.onnx").rename(ovtune_project.root / "digits_cnn.nx")
    recipe.write_text(recipe.read_text().replace("digits_cnn.onnx", "digits_cnn.nx"))
    _run(ovtune_cli, recipe)
    report = ovtune_project.report("test")
    assert report["recipe"]["model"]["source"].endswith("digits_cnn.nx")
    assert report["models"][0]["measurements"]["accuracy"]["value"] > 0.95


class ScaleOptions(Options):
    factor: float = Field(2.0, description="Multiplier of the logits")


def _scale_outputs(model: Any, options: ScaleOptions, context: Any) -> Any:
    from openvino import opset13 as ops

    result = model.clone()
    output = result.get_results()[0]
    output.set_argument(0, ops.multiply(output.input_value(0), ops.constant(np.float32(options.factor))).output(0))
    return result


def test_hook_ovtune_register_stages(ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_stages(self) -> list[Stage]:
            return [Stage(name="test.scale", summary="scales logits", options=ScaleOptions, run=_scale_outputs)]

    ovtune_register(Plugin())
    _run(ovtune_cli, ovtune_project.demo_recipe(stages='[[stage]]\nuse = "test.scale"\nfactor = 3.0\n'))
    stage = ovtune_project.report("test")["stages"][0]
    assert stage["name"] == "test.scale" and stage["options"] == {"factor": 3.0}
    assert Path(stage["model_path"]).exists()


class ConstantDataset(Dataset):
    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> Sample:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return Sample({"image": np.full((1, 1, 32, 32), index / self.count, dtype=np.float32)})


class CountOptions(Options):
    count: int = Field(5, description="Number of samples")


def test_hook_ovtune_register_dataset_kinds(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_dataset_kinds(self) -> list[DatasetKind]:
            return [
                DatasetKind(
                    name="ramp",
                    summary="constant images",
                    options=CountOptions,
                    open=lambda o, c: ConstantDataset(o.count),
                )
            ]

    ovtune_register(Plugin())
    recipe = ovtune_project.demo_recipe(extra='[data.ramp]\nkind = "ramp"\ncount = 7\n')
    recipe.write_text(recipe.read_text().replace('kind = "top1"', 'kind = "top1_agreement"\ndata = "ramp"'))
    _run(ovtune_cli, recipe)
    accuracy = ovtune_project.report("test")["models"][0]["measurements"]["accuracy"]
    assert accuracy["data"] == "ramp" and accuracy["samples"] == 7


class CountSamples(MetricAccumulator):
    def __init__(self, options: Any):
        self.count = 0

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        self.count += 1

    def result(self) -> float:
        return float(self.count)


def test_hook_ovtune_register_metrics(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_metrics(self) -> list[Metric]:
            return [Metric(name="count", summary="counts samples", options=NoOptions, create=CountSamples)]

    ovtune_register(Plugin())
    recipe = ovtune_project.demo_recipe()
    recipe.write_text(recipe.read_text().replace('kind = "top1"', 'kind = "count"'))
    _run(ovtune_cli, recipe)
    assert ovtune_project.report("test")["models"][0]["measurements"]["accuracy"]["value"] == 64.0


def test_hook_ovtune_register_devices(ovtune_host: PluginHost, ovtune_register: Register, ovtune_cli: Cli) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_devices(self) -> list[Device]:
            return [Device(name="vendor_npu", device="VENDOR_NPU", summary="A vendor's accelerator")]

    ovtune_register(Plugin(), name="vendor")
    listed = json.loads(ovtune_cli("plugins", "--json").stdout)
    entry = next(e for e in listed["plugins"] if e["name"] == "vendor")
    assert entry["registers"] == {"device": ["vendor_npu"]}
    assert ovtune_host.registry.get(Device, "vendor_npu").item.device == "VENDOR_NPU"


def _count_inputs(subject: Any, options: Any, context: Any) -> dict[str, Any]:
    return {"value": len(subject.read().inputs)}


def test_hook_ovtune_register_measurements(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_measurements(self) -> list[Measurement]:
            return [Measurement(name="inputs", summary="number of inputs", run=_count_inputs)]

    ovtune_register(Plugin())
    _run(ovtune_cli, ovtune_project.demo_recipe(measure='metrics = ["inputs"]'))
    assert ovtune_project.report("test")["models"][0]["measurements"]["inputs"] == {"value": 1}


def _fake_framework(source: Any, options: Any, context: Any) -> dict[str, Any]:
    return {"framework": "numpy 1", "precision": "f32", "measurements": {"size": {"mb": 0.5}}, "notes": ["n/a"]}


def test_hook_ovtune_register_baselines(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_baselines(self) -> list[Baseline]:
            return [Baseline(name="numpyrt", summary="a framework", suffixes=(".onnx",), run=_fake_framework)]

    ovtune_register(Plugin())
    _run(ovtune_cli, ovtune_project.demo_recipe(measure='metrics = ["size"]\nbaseline = "numpyrt"'))
    baseline = [m for m in ovtune_project.report("test")["models"] if m["kind"] == "baseline"]
    assert baseline[0]["framework"] == "numpy 1" and baseline[0]["measurements"] == {"size": {"mb": 0.5}}


def _write_names(report: dict[str, Any], out_dir: Path, console: Any) -> list[Path]:
    path = out_dir / "models.txt"
    path.write_text("\n".join(model["label"] for model in report["models"]))
    return [path]


def test_hook_ovtune_register_reporters(
    ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_reporters(self) -> list[Reporter]:
            return [Reporter(name="names", summary="model names", write=_write_names)]

    ovtune_register(Plugin())
    recipe = ovtune_project.demo_recipe()
    recipe.write_text(recipe.read_text().replace("[output]\n", '[output]\nreports = ["names"]\n'))
    _run(ovtune_cli, recipe)
    assert (ovtune_project.root / "runs" / "test" / "models.txt").read_text() == "original"
    assert not (ovtune_project.root / "runs" / "test" / "report.json").exists()


@click.command("hello")
@click.argument("who")
def hello_command(who: str) -> None:
    """Say hello."""
    click.echo(f"hello {who}")


def test_hook_ovtune_register_commands(ovtune_register: Register, ovtune_cli: Cli) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_commands(self) -> list[Command]:
            return [Command(name="hello", summary="greets", command=hello_command)]

    ovtune_register(Plugin())
    assert ovtune_cli("hello", "plugins").stdout == "hello plugins\n"
    assert "hello" in ovtune_cli("--help").stdout


def test_hook_ovtune_select_device(ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli) -> None:
    asked: list[tuple[str, list[str]]] = []

    class Plugin:
        @hookimpl(tryfirst=True)
        def ovtune_select_device(self, requested: str, available: list[str]) -> str | None:
            asked.append((requested, list(available)))
            return "CPU" if requested == "BEST" else None

    ovtune_register(Plugin())
    recipe = ovtune_project.demo_recipe(measure='metrics = ["latency"]', extra='[deploy]\ndevice = "BEST"\n')
    _run(ovtune_cli, recipe)
    assert asked and asked[0][0] == "BEST" and "CPU" in asked[0][1]
    assert ovtune_project.report("test")["models"][0]["measurements"]["latency"]["median_ms"] > 0


# --------------------------------------------------------------------------------------
# Lifecycle hooks: one run with a recording plugin; one test per hook
# --------------------------------------------------------------------------------------


def _reporting_stage(model: Any, options: Any, context: Any) -> Any:
    for done in range(3):
        context.progress(done + 1, 3, "steps")
    return model.clone()


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def of(self, hook: str) -> list[dict[str, Any]]:
        return [arguments for name, arguments in self.events if name == hook]

    @hookimpl
    def ovtune_register_stages(self) -> list[Stage]:
        return [Stage(name="test.steps", summary="reports progress", options=NoOptions, run=_reporting_stage)]

    @hookimpl
    def ovtune_pipeline_start(self, run: Any) -> None:
        self.events.append(("pipeline_start", {"run": run}))

    @hookimpl
    def ovtune_stage_start(self, run: Any, index: int, name: str, options: dict[str, Any]) -> None:
        self.events.append(("stage_start", {"index": index, "name": name, "options": options}))

    @hookimpl
    def ovtune_stage_progress(self, run: Any, index: int, done: float, total: float | None, message: str) -> None:
        self.events.append(("stage_progress", {"index": index, "done": done, "total": total, "message": message}))

    @hookimpl
    def ovtune_stage_finish(self, run: Any, index: int, record: Any) -> None:
        self.events.append(("stage_finish", {"index": index, "record": record}))

    @hookimpl
    def ovtune_measurement_start(self, run: Any, model: str, name: str) -> None:
        self.events.append(("measurement_start", {"model": model, "name": name}))

    @hookimpl
    def ovtune_measurement_finish(self, run: Any, model: str, name: str, result: dict[str, Any]) -> None:
        self.events.append(("measurement_finish", {"model": model, "name": name, "result": result}))

    @hookimpl
    def ovtune_pipeline_finish(self, run: Any, report: dict[str, Any]) -> None:
        self.events.append(("pipeline_finish", {"run": run, "report": report}))


@pytest.fixture
def recorded(ovtune_project: RecipeProject, ovtune_register: Register, ovtune_cli: Cli) -> Recorder:
    recorder = Recorder()
    ovtune_register(recorder, name="recorder")
    _run(ovtune_cli, ovtune_project.demo_recipe(stages='[[stage]]\nuse = "test.steps"\n'))
    return recorder


def test_hook_ovtune_pipeline_start(recorded: Recorder) -> None:
    (start,) = recorded.of("pipeline_start")
    assert start["run"].recipe_name == "test" and start["run"].stages == ("test.steps",)
    assert recorded.events[0][0] == "pipeline_start"


def test_hook_ovtune_stage_start(recorded: Recorder) -> None:
    assert recorded.of("stage_start") == [{"index": 1, "name": "test.steps", "options": {}}]


def test_hook_ovtune_stage_progress(recorded: Recorder) -> None:
    assert recorded.of("stage_progress") == [
        {"index": 1, "done": done, "total": 3, "message": "steps"} for done in (1, 2, 3)
    ]


def test_hook_ovtune_stage_finish(recorded: Recorder) -> None:
    (finish,) = recorded.of("stage_finish")
    assert finish["index"] == 1 and finish["record"].name == "test.steps" and not finish["record"].cached
    names = [name for name, _ in recorded.events]
    assert names.index("stage_finish") > max(i for i, name in enumerate(names) if name == "stage_progress")


def test_hook_ovtune_measurement_start(recorded: Recorder) -> None:
    started = recorded.of("measurement_start")
    assert {(event["model"], event["name"]) for event in started} == {
        (model, name) for model in ("original", "01-test.steps") for name in ("size", "accuracy")
    }


def test_hook_ovtune_measurement_finish(recorded: Recorder) -> None:
    finished = {(e["model"], e["name"]): e["result"] for e in recorded.of("measurement_finish")}
    assert finished[("original", "accuracy")]["value"] > 0.95
    assert finished[("01-test.steps", "size")]["mb"] > 0


def test_hook_ovtune_pipeline_finish(recorded: Recorder) -> None:
    (finish,) = recorded.of("pipeline_finish")
    assert recorded.events[-1][0] == "pipeline_finish"
    assert [model["label"] for model in finish["report"]["models"]] == ["original", "01-test.steps"]
