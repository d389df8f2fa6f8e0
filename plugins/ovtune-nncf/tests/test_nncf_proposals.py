"""What ``ovtune tune`` tries with ``nncf.compress_weights`` (``ovtune_tune_candidates``): INT8 weights
when MatMul and Gather weights dominate a model big enough to matter, INT4 as well for a large one,
nothing for a small CNN or a model already in low precision. Profiles are built by hand, as the
tuner computes them; the proposed stages are checked as recipe tables."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import tomli_w
from ovtune_nncf import plugin
from ovtune_nncf.options import CompressWeightsOptions

from ovtune.plugin import DeviceProfile, InputProfile, ModelProfile, ProposedVariant, TuneRequest
from ovtune.testing import CliResult, RecipeProject

CPU = DeviceProfile(name="CPU", capabilities=("FP32", "BF16", "INT8"), precisions=("bf16", "f32"), cores=2)

MINILM = ModelProfile(
    inputs=(
        InputProfile("input_ids", "i64", (1, 64), ((1, 64),)),
        InputProfile("attention_mask", "i64", (1, 64), ((1, 64),)),
    ),
    op_counts={"MatMul": 48, "Gather": 3, "Softmax": 6, "Add": 60},
    weight_bytes={"Gather": 47_000_000, "MatMul": 42_000_000, "Add": 1_000_000},
    attention_blocks=6,
    output_layers=("MatMul_last",),
    parameters=22_500_000,
)
"""all-MiniLM-L6-v2 as the profiler sees it: 90 MB of f32 weights, embeddings and MatMuls."""

LLM = ModelProfile(
    inputs=(InputProfile("input_ids", "i64", (None, None), ((1, 128),)),),
    op_counts={"MatMul": 170, "Gather": 1, "Softmax": 24},
    weight_bytes={"MatMul": 1_780_000_000, "Gather": 540_000_000, "Multiply": 200_000},
    attention_blocks=24,
    parameters=580_000_000,
)
"""A 0.5 B-parameter decoder (Qwen2-0.5B-like): 2.3 GB of f32 weights."""

SMALL_CNN = ModelProfile(
    inputs=(InputProfile("image", "f32", (1, 1, 32, 32), ((1, 1, 32, 32),)),),
    op_counts={"Convolution": 6, "MatMul": 1},
    weight_bytes={"Convolution": 2_200_000, "MatMul": 100_000},
    parameters=575_000,
)
"""The demo digits CNN."""


def request(model: ModelProfile, calibration: str | None = "calibration", budget: float = 600.0) -> TuneRequest:
    return TuneRequest(
        model=model,
        device=CPU,
        objective="latency",
        throughput=False,
        data=(calibration,) if calibration else (),
        calibration=calibration,
        metric=True,
        max_drop=0.01,
        budget_seconds=budget,
    )


def propose(req: TuneRequest) -> dict[str, ProposedVariant]:
    return {answer.name: answer for answer in plugin.ovtune_tune_candidates(req)}


def every_build(variant: ProposedVariant) -> list[dict[str, Any]]:
    """The stage tables the tuner builds from ``variant``: as given, and with each choice value."""
    [stage] = variant.stages
    builds = [dict(stage)]
    for key, values in variant.choices.items():
        position, option = key.split(".", 1)
        assert position == "1"
        builds += [{**stage, option: value} for value in values]
    return builds


def validate_options(variant: ProposedVariant) -> None:
    for stage in every_build(variant):
        assert stage["use"] == "nncf.compress_weights"
        CompressWeightsOptions.model_validate({key: value for key, value in stage.items() if key != "use"})


def test_a_minilm_like_encoder_gets_int8_weights_only() -> None:
    proposals = propose(request(MINILM))
    assert list(proposals) == ["int8-weights"]
    int8 = proposals["int8-weights"]
    assert int8.phase == "quantized" and not int8.prepares and not int8.choices
    assert int8.stages == ({"use": "nncf.compress_weights", "mode": "int8_asym"},)
    assert int8.reason.startswith("MatMul and Gather hold 99% of 90.0 MB of weights, read from memory")
    assert "a quarter of f32's bytes" in int8.reason
    validate_options(int8)


def test_a_large_decoder_gets_int4_with_ratio_choices_and_data_aware_algorithms() -> None:
    proposals = propose(request(LLM))
    assert list(proposals) == ["int8-weights", "int4-weights"]
    int4 = proposals["int4-weights"]
    assert int4.phase == "quantized"
    assert int4.stages == (
        {
            "use": "nncf.compress_weights",
            "mode": "int4_asym",
            "group_size": 128,
            "ratio": 0.8,
            "data": "calibration",
            "subset_size": 32,
            "awq": True,
            "scale_estimation": True,
        },
    )
    assert int4.choices == {"1.ratio": (0.8, 1.0)}
    assert "(580 M parameters): memory bandwidth dominates" in int4.reason
    assert "AWQ and scale estimation on data.calibration" in int4.reason
    validate_options(int4)
    validate_options(proposals["int8-weights"])


def test_int4_without_data_is_data_free_and_the_subset_follows_the_budget() -> None:
    [_, int4] = propose(request(LLM, calibration=None)).values()
    assert int4.stages == ({"use": "nncf.compress_weights", "mode": "int4_asym", "group_size": 128, "ratio": 0.8},)
    validate_options(int4)
    [_, patient] = propose(request(LLM, budget=7200)).values()
    assert patient.stages[0]["subset_size"] == 128


def test_a_small_cnn_gets_nothing_and_the_log_says_why(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ovtune.tune.nncf"):
        assert propose(request(SMALL_CNN)) == {}
    [line] = [record.getMessage() for record in caplog.records]
    assert line == (
        "nncf: no weight compression proposed: MatMul and Gather hold 4% of 2.3 MB of weights "
        "(it pays from 50% of 8 MB on)"
    )


def test_a_small_mlp_and_a_quantized_model_get_nothing() -> None:
    mlp = ModelProfile(inputs=(), op_counts={"MatMul": 3}, weight_bytes={"MatMul": 340_000}, parameters=85_000)
    assert propose(request(mlp)) == {}
    quantized = ModelProfile(
        inputs=MINILM.inputs,
        op_counts=MINILM.op_counts,
        weight_bytes={"Gather": 12_000_000, "MatMul": 11_000_000},
        attention_blocks=6,
        low_precision=True,
        parameters=22_500_000,
    )
    assert propose(request(quantized)) == {}


@pytest.fixture
def nncf_cli(ovtune_register: Callable[..., None], ovtune_cli: Callable[..., CliResult]) -> Callable[..., CliResult]:
    """``ovtune`` with the ``nncf`` plugin of this tree registered on the test's host."""
    ovtune_register(plugin, name="nncf", distribution="ovtune-nncf")
    return ovtune_cli


def test_the_proposals_validate_as_a_recipe_search_space(
    ovtune_project: RecipeProject, nncf_cli: Callable[..., CliResult]
) -> None:
    variants = list(propose(request(LLM, calibration="validation")).values())
    tune = {
        "tune": {
            "objective": "latency",
            "variant": [variant.to_table() for variant in variants],
        }
    }
    recipe = ovtune_project.demo_recipe(extra=tomli_w.dumps(tune))
    result = nncf_cli("validate", str(recipe))
    assert result.exit_code == 0, result.output
    assert "tune: latency, 3 configurations" in result.stdout


def test_the_registration_module_imports_neither_nncf_nor_openvino() -> None:
    code = (
        "import sys\nimport ovtune_nncf.plugin\n"
        "heavy = [name for name in ('nncf', 'openvino', 'numpy', 'torch') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
