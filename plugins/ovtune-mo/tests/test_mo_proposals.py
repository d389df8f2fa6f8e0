"""What ``ovtune tune`` tries with the ``mo`` stage (``ovtune_tune_candidates``): static shapes from
the data, a batch for throughput, FP16 weights for size or an f16 device. The proposals are checked
as recipe tables (``ovtune validate`` builds every choice), and the static stage proposed for a
real dynamic-batch model runs through ``ovtune run`` and gives a static model."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from ovtune_mo import plugin
from ovtune_mo.options import MoOptions

from ovtune.plugin import (
    DeviceProfile,
    InputProfile,
    ModelProfile,
    ProposedVariant,
    TuneRequest,
    demo_model_path,
    demo_validation_path,
)
from ovtune.testing import CliResult, RecipeProject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CPU = DeviceProfile(name="CPU", capabilities=("FP32", "BF16", "INT8"), precisions=("bf16", "f32"), cores=2)
CPU_F16 = DeviceProfile(name="CPU", capabilities=("FP32", "BF16", "FP16"), precisions=("bf16", "f32", "f16"), cores=2)
DEMO_WEIGHTS = {"Convolution": 2_200_000, "MatMul": 100_000}


def demo_profile(dims: tuple[int | None, ...] = (1, 1, 32, 32)) -> ModelProfile:
    """The demo digits CNN (``image`` [1,1,32,32], 2.3 MB of f32 weights), with ``dims`` as its input."""
    return ModelProfile(
        inputs=(InputProfile("image", "f32", dims, ((1, 1, 32, 32),)),),
        op_counts={"Convolution": 6, "MatMul": 1},
        weight_bytes=DEMO_WEIGHTS,
        parameters=sum(DEMO_WEIGHTS.values()) // 4,
    )


def detector_profile(*data_shapes: tuple[int, ...]) -> ModelProfile:
    """A YOLO-style detector: ``x`` [?,3,?,?], with the shapes its data has."""
    return ModelProfile(
        inputs=(InputProfile("x", "f32", (None, 3, None, None), data_shapes),),
        op_counts={"Convolution": 60, "Concat": 12},
        weight_bytes={"Convolution": 12_000_000},
        parameters=3_000_000,
    )


def request(
    model: ModelProfile, objective: str = "latency", device: DeviceProfile = CPU, calibration: str = "validation"
) -> TuneRequest:
    return TuneRequest(
        model=model,
        device=device,
        objective=objective,
        throughput=objective == "throughput",
        data=(calibration,),
        calibration=calibration,
        metric=True,
    )


def propose(req: TuneRequest) -> dict[str, ProposedVariant]:
    answers = plugin.ovtune_tune_candidates(req)
    return {answer.name: answer for answer in answers}


def with_choice(variant: ProposedVariant, key: str, value: Any) -> list[dict[str, Any]]:
    """The variant's stage tables with choice ``key`` ("N.option") set to ``value``."""
    stages = [dict(stage) for stage in variant.stages]
    position, option = key.split(".", 1)
    stages[int(position) - 1][option] = value
    return stages


def every_build(variant: ProposedVariant) -> list[list[dict[str, Any]]]:
    """The stage lists the tuner builds from ``variant``: as given, and with each choice value."""
    builds = [[dict(stage) for stage in variant.stages]]
    for key, values in variant.choices.items():
        builds += [with_choice(variant, key, value) for value in values]
    return builds


def validate_options(variant: ProposedVariant) -> None:
    for stages in every_build(variant):
        for stage in stages:
            assert stage["use"] == "mo"
            MoOptions.model_validate({key: value for key, value in stage.items() if key != "use"})


@pytest.fixture
def mo_cli(ovtune_register: Callable[..., None], ovtune_cli: Callable[..., CliResult]) -> Callable[..., CliResult]:
    """``ovtune`` with the ``mo`` plugin of this tree registered on the test's host."""
    ovtune_register(plugin, name="mo", distribution="ovtune-mo")
    return ovtune_cli


# -- what is proposed, and why ---------------------------------------------------------------


def test_the_static_demo_cnn_on_a_cpu_gets_nothing_for_latency(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ovtune.tune.mo"):
        assert propose(request(demo_profile())) == {}
    assert any("no FP16 weights proposed: CPU computes in bf16/f32" in r.getMessage() for r in caplog.records)


def test_the_static_demo_cnn_gets_a_batch_for_throughput() -> None:
    [batch] = propose(request(demo_profile(), "throughput")).values()
    assert batch.name == "batch"
    assert batch.phase == "float" and batch.prepares
    assert batch.stages == ({"use": "mo", "layout": "N...", "compress_to_fp16": False},)
    assert batch.choices == {"1.batch": (1, 4)}
    assert batch.reason.startswith("image [1,1,32,32]: throughput objective: batches of 4 samples")
    validate_options(batch)


def test_a_dynamic_batch_is_made_static_from_the_data() -> None:
    [static] = propose(request(demo_profile((None, 1, 32, 32)))).values()
    assert static.name == "static" and static.phase == "float" and static.prepares
    assert static.stages == ({"use": "mo", "static": True, "compress_to_fp16": False, "data": "validation"},)
    assert static.choices == {}
    assert static.reason == (
        "image is [?,1,32,32], the data is [1,1,32,32]: a static shape lets OpenVINO pick its kernels at compile time"
    )
    validate_options(static)

    [batched] = propose(request(demo_profile((None, 1, 32, 32)), "throughput")).values()
    assert batched.stages[0]["layout"] == "N..."
    assert batched.choices == {"1.batch": (1, 4)}
    validate_options(batched)


def test_a_dynamic_detector_gets_the_data_shape() -> None:
    [static] = propose(request(detector_profile((1, 3, 320, 320)))).values()
    assert static.reason == (
        "x is [?,3,?,?], the data is [1,3,320,320]: a static shape lets OpenVINO pick its kernels at compile time"
    )
    assert static.stages == ({"use": "mo", "static": True, "compress_to_fp16": False, "data": "validation"},)
    [batched] = propose(request(detector_profile((1, 3, 320, 320)), "throughput")).values()
    assert batched.choices == {"1.batch": (1, 4)}
    many_cores = DeviceProfile(name="CPU", precisions=("f32",), cores=16)
    [wide] = propose(request(detector_profile((1, 3, 320, 320)), "throughput", many_cores)).values()
    assert wide.choices == {"1.batch": (1, 4, 8)}


def test_several_data_shapes_give_no_static_shape_and_say_why(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ovtune.tune.mo"):
        assert propose(request(detector_profile((1, 3, 320, 320), (1, 3, 640, 480)), "throughput")) == {}
    assert any(
        "input x [?,3,?,?] takes 2 shapes in the data ([1,3,320,320], [1,3,640,480])" in r.getMessage()
        for r in caplog.records
    )


def test_a_dynamic_input_without_data_gets_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ovtune.tune.mo"):
        assert propose(request(detector_profile())) == {}
    assert any("the recipe's data gives no shape for it" in r.getMessage() for r in caplog.records)


def test_data_that_does_not_fit_the_input_gets_nothing() -> None:
    assert propose(request(detector_profile((1, 1, 320, 320)))) == {}


def test_a_dynamic_rank_gets_its_shape_outright_and_no_batch() -> None:
    model = ModelProfile(inputs=(InputProfile("x", "f32", None, ((1, 3, 64, 64),)),), op_counts={}, weight_bytes={})
    [static] = propose(request(model, "throughput")).values()
    assert static.stages[0]["input_shape"] == {"x": [1, 3, 64, 64]}
    assert static.choices == {}
    validate_options(static)


def test_no_batch_when_the_first_dimension_is_not_a_batch_of_one(caplog: pytest.LogCaptureFixture) -> None:
    tokens = ModelProfile(
        inputs=(InputProfile("input_ids", "i64", (None, None), ((1, 64),)),), op_counts={}, weight_bytes={}
    )
    with caplog.at_level(logging.INFO, logger="ovtune.tune.mo"):
        [static] = propose(request(tokens, "throughput")).values()
    assert static.choices == {}  # 2-D: ovtune would count one sample per inference
    assert any("not 4-D" in r.getMessage() for r in caplog.records)
    batch_of_8 = ModelProfile(
        inputs=(InputProfile("image", "f32", (8, 1, 32, 32), ((8, 1, 32, 32),)),), op_counts={}, weight_bytes={}
    )
    assert propose(request(batch_of_8, "throughput")) == {}
    second_input = ModelProfile(
        inputs=(
            InputProfile("image", "f32", (1, 3, 64, 64), ((1, 3, 64, 64),)),
            InputProfile("im_shape", "f32", (2,), ((2,),)),
        ),
        op_counts={},
        weight_bytes={},
    )
    assert propose(request(second_input, "throughput")) == {}


def test_fp16_weights_for_a_size_objective_or_an_f16_device() -> None:
    fp16 = propose(request(demo_profile(), "size.mb"))["fp16-weights"]
    assert fp16.phase == "float" and not fp16.prepares and not fp16.choices
    assert fp16.stages == ({"use": "mo", "static": False, "compress_to_fp16": True},)
    assert fp16.reason.startswith("size objective: FP16 weights halve the 2.3 MB of f32 weights")
    validate_options(fp16)
    on_f16 = propose(request(demo_profile(), "latency", CPU_F16))["fp16-weights"]
    assert on_f16.reason.startswith("CPU computes in f16: FP16 weights lose nothing")
    quantized = ModelProfile(
        inputs=demo_profile().inputs, op_counts={}, weight_bytes=DEMO_WEIGHTS, low_precision=True, parameters=2_300_000
    )
    assert propose(request(quantized, "size")) == {}
    already_f16 = ModelProfile(
        inputs=demo_profile().inputs, op_counts={}, weight_bytes=DEMO_WEIGHTS, parameters=1_150_000
    )
    assert propose(request(already_f16, "size")) == {}


def test_fp16_weights_on_a_dynamic_detector_are_made_static_for_the_check(caplog: pytest.LogCaptureFixture) -> None:
    proposals = propose(request(detector_profile((1, 3, 320, 320)), "size"))
    assert list(proposals) == ["static", "fp16-weights"]
    fp16 = proposals["fp16-weights"]
    assert fp16.stages == ({"use": "mo", "static": True, "compress_to_fp16": True, "data": "validation"},)
    assert fp16.reason.endswith(
        "made static as well (x is [?,3,?,?], the data is [1,3,320,320]), the shape on which the stage checks "
        "the outputs stay within 1e-2"
    )
    validate_options(fp16)
    # only the batch dynamic: the check feeds a batch of 1, the shapes stay as they are
    [_, demo] = propose(request(demo_profile((None, 1, 32, 32)), "size")).values()
    assert demo.stages == ({"use": "mo", "static": False, "compress_to_fp16": True},)
    with caplog.at_level(logging.INFO, logger="ovtune.tune.mo"):
        assert propose(request(detector_profile((1, 3, 320, 320), (1, 3, 640, 640)), "size")) == {}
    assert any("data does not give it one shape" in r.getMessage() for r in caplog.records)


def test_the_proposals_validate_as_a_recipe_search_space(
    ovtune_project: RecipeProject, mo_cli: Callable[..., CliResult]
) -> None:
    variants = [
        *propose(request(demo_profile((None, 1, 32, 32)), "throughput")).values(),
        *propose(request(demo_profile(), "size")).values(),
    ]
    assert [variant.name for variant in variants] == ["static", "fp16-weights"]
    tune = {
        "tune": {
            "objective": "throughput",
            "variant": [variant.to_table() for variant in variants],
        }
    }
    recipe = ovtune_project.demo_recipe(extra=tomli_w.dumps(tune))
    result = mo_cli("validate", str(recipe))
    assert result.exit_code == 0, result.output
    assert "tune: throughput, " in result.stdout


def test_the_registration_module_imports_neither_openvino_nor_numpy() -> None:
    code = (
        "import sys\nimport ovtune_mo.plugin\n"
        "heavy = [name for name in ('openvino', 'numpy', 'torch') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# -- the proposed static stage on a real dynamic model ---------------------------------------------


def write_dynamic_demo(folder: Path) -> Path:
    """The demo CNN with a dynamic batch, reshaped with OpenVINO and saved as IR."""
    import openvino as ov

    model = ov.Core().read_model(str(demo_model_path()))
    name = model.input(0).get_any_name()
    model.reshape({name: ov.PartialShape([-1, 1, 32, 32])})
    path = folder / "dynamic.xml"
    ov.save_model(model, str(path), compress_to_fp16=False)
    return path


@pytest.mark.parametrize(
    ("objective", "batch", "shape"), [("latency", None, [1, 1, 32, 32]), ("throughput", 4, [4, 1, 32, 32])]
)
def test_the_proposed_static_stage_makes_the_dynamic_demo_static(
    ovtune_project: RecipeProject,
    mo_cli: Callable[..., CliResult],
    objective: str,
    batch: int | None,
    shape: list[int],
) -> None:
    import numpy as np

    model = write_dynamic_demo(ovtune_project.root)
    with np.load(demo_validation_path()) as data:
        assert data["image"].shape[1:] == (1, 32, 32)  # one sample: [1,1,32,32]
    profile = ModelProfile(
        inputs=(InputProfile("image", "f32", (None, 1, 32, 32), ((1, 1, 32, 32),)),),
        op_counts={"Convolution": 6, "MatMul": 1},
        weight_bytes=DEMO_WEIGHTS,
        parameters=sum(DEMO_WEIGHTS.values()) // 4,
    )
    [static] = propose(request(profile, objective)).values()
    stages = with_choice(static, "1.batch", batch) if batch else [dict(stage) for stage in static.stages]
    metrics = '["throughput", "accuracy"]' if batch else '["latency", "accuracy"]'
    recipe = ovtune_project.demo_recipe(measure=f"metrics = {metrics}")
    document = tomllib.loads(recipe.read_text())
    document["model"]["source"] = model.name
    document["stage"] = stages
    recipe.write_text(tomli_w.dumps(document))

    result = mo_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = ovtune_project.report("test")
    details = report["stages"][0]["details"]
    assert report["model"]["inputs"][0]["shape"] == [-1, 1, 32, 32]
    assert details["inputs_before"][0]["shape"] == [-1, 1, 32, 32]
    assert details["inputs_after"][0]["shape"] == shape
    # with a batch, openvino.set_batch fixes the only dynamic dimension before `static` looks
    assert details["static_from"] == ({} if batch else {"image": "data.validation"})
    assert details["weights_bytes"]["fp16"] is None  # compress_to_fp16 = false: the weights as they were
    original, static_model = report["models"]
    accuracy = static_model["measurements"]["accuracy"]
    assert accuracy["samples"] == original["measurements"]["accuracy"]["samples"] == 64
    assert accuracy["drop"] <= 0.02, accuracy  # bf16 noise at most; a batch of 4 scores the same 64 digits
    if batch:
        assert static_model["measurements"]["throughput"]["frames_per_inference"] == 4
