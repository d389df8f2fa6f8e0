"""What ovtune-pot proposes to ``ovtune tune`` (``ovtune_tune_candidates``), for the profiles of a
CNN, a transformer and a detector, and that every proposal is a recipe stage that validates and
runs on a real model.

The profiles are built from :mod:`ovtune.plugin`'s types; the CNN's is the demo digits CNN's
(its op counts and output layer, checked against the model file), so the proposed stages also
run on that model for real.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import openvino as ov
import pytest
import tomli_w
from ovtune_pot import plugin

from ovtune.plugin import (
    DeviceProfile,
    InputProfile,
    ModelProfile,
    ProposedVariant,
    TuneRequest,
    demo_model_path,
)
from ovtune.testing import RecipeProject, error_lines, run_cli

CALIBRATION = '[data.calibration]\nkind = "npz"\npath = "digits_calib.npz"\nlimit = 40\n'
CPU = DeviceProfile(
    name="CPU", full_name="test CPU", capabilities=("BF16", "FP32", "INT8"), precisions=("bf16", "f32"), cores=2
)

DIGITS_CNN = ModelProfile(
    inputs=(InputProfile("image", "f32", (1, 1, 32, 32), ((1, 1, 32, 32),)),),
    op_counts={"Convolution": 6, "MatMul": 1, "Relu": 6, "Concat": 6},
    weight_bytes={"Convolution": 2_200_000, "MatMul": 100_000},
    output_layers=("/fc/Gemm/WithoutBiases",),
    parameters=574_880,
)
"""The demo digits CNN as ``ovtune.profiling`` describes it."""

MINILM = ModelProfile(
    inputs=tuple(InputProfile(name, "i64", (1, 64), ((1, 64),)) for name in ("input_ids", "attention_mask")),
    op_counts={"MatMul": 36, "Softmax": 6, "Gather": 3},
    weight_bytes={"MatMul": 42_000_000, "Gather": 48_000_000},
    attention_blocks=6,
    output_layers=("layer.5.output.dense/MatMul",),
    parameters=22_565_888,
)
"""A 6-layer BERT encoder (all-MiniLM-L6-v2)."""

FACE_DETECTOR = ModelProfile(
    inputs=(InputProfile("input", "f32", (1, 128, 128, 3), ((1, 128, 128, 3),)),),
    op_counts={"Convolution": 21, "GroupConvolution": 16, "Concat": 2},
    weight_bytes={"Convolution": 190_000, "GroupConvolution": 4_000},
    detection_head=("boxes/Concat", "boxes/Reshape", "classes/Concat", "classes/Reshape"),
    output_layers=("box_head/Conv", "class_head/Conv"),
    parameters=100_770,
)
"""MediaPipe's BlazeFace: box and class branches concatenated into its outputs."""


def request(model: ModelProfile, **changes: Any) -> TuneRequest:
    base = TuneRequest(
        model=model,
        device=CPU,
        objective="latency",
        throughput=False,
        data=("validation", "calibration"),
        calibration="calibration",
        metric=True,
        max_drop=0.01,
        budget_seconds=600.0,
    )
    return replace(base, **changes)


def by_name(proposals: list[ProposedVariant]) -> dict[str, ProposedVariant]:
    names = [p.name for p in proposals]
    assert len(names) == len(set(names)), names
    return {p.name: p for p in proposals}


def test_a_cnn_gets_int8_with_both_presets_and_three_recoveries() -> None:
    proposals = by_name(plugin.ovtune_tune_candidates(request(DIGITS_CNN)))
    assert list(proposals) == ["int8", "int8-float-outputs", "int8-mild", "int8-accuracy-aware"]
    int8 = proposals["int8"]
    assert int8.phase == "quantized" and int8.choices == {"1.preset": ("performance", "mixed")}
    assert int8.stages == ({"use": "pot.default", "calibration": "calibration", "subset_size": 300, "speed_check": 0},)
    assert "6 Convolution and 1 MatMul layers hold 100% of the 2.3 MB of weights" in int8.reason
    assert all(p.phase == "recovery" for name, p in proposals.items() if name != "int8")
    [accuracy_aware] = proposals["int8-accuracy-aware"].stages
    assert accuracy_aware["use"] == "pot.accuracy_aware"
    assert accuracy_aware["max_drop"] == 0.01 and accuracy_aware["drop_type"] == "absolute"
    assert accuracy_aware["max_iterations"] == 100 and accuracy_aware["ranking_subset_size"] == 60
    [outputs] = proposals["int8-float-outputs"].stages
    assert outputs["ignored_scope"] == {"names": ["/fc/Gemm/WithoutBiases"], "validate_names": False}
    assert "/fc/Gemm/WithoutBiases" in proposals["int8-float-outputs"].reason
    [mild] = proposals["int8-mild"].stages
    assert mild["preset"] == "mixed" and mild["fast_bias_correction"] is False
    for proposal in proposals.values():
        assert "\n" not in proposal.reason and "model_type" not in proposal.stages[0]


def test_a_transformer_is_quantized_as_one() -> None:
    proposals = by_name(plugin.ovtune_tune_candidates(request(MINILM)))
    transformer = proposals["int8-transformer"]
    assert transformer.stages[0]["model_type"] == "transformer"
    assert transformer.choices == {"1.preset": ("mixed", "performance")}  # mixed: NNCF's default for transformers
    assert transformer.reason.startswith("6 attention blocks")
    assert all(p.stages[0]["model_type"] == "transformer" for p in proposals.values())
    assert "preset" not in proposals["int8-mild"].stages[0]  # mixed is already the transformer's preset


def test_a_detector_keeps_its_head_in_float_when_int8_costs_too_much() -> None:
    proposals = by_name(plugin.ovtune_tune_candidates(request(FACE_DETECTOR)))
    assert "int8-float-outputs" not in proposals
    head = proposals["int8-float-head"]
    assert head.phase == "recovery"
    assert head.stages[0]["ignored_scope"] == {
        "names": [*FACE_DETECTOR.detection_head, *FACE_DETECTOR.output_layers],
        "validate_names": False,
    }
    assert "keep the detection head in float" in head.reason
    assert "4 operations after the concatenation" in head.reason and "box_head/Conv" in head.reason


def test_without_a_metric_nothing_recovers_accuracy() -> None:
    proposals = plugin.ovtune_tune_candidates(request(FACE_DETECTOR, metric=False, max_drop=None))
    assert [p.name for p in proposals] == ["int8"]


def test_without_an_accuracy_bound_there_is_no_accuracy_aware_quantization() -> None:
    proposals = by_name(plugin.ovtune_tune_candidates(request(DIGITS_CNN, max_drop=None)))
    assert list(proposals) == ["int8", "int8-float-outputs", "int8-mild"]


@pytest.mark.parametrize(
    "changes",
    [
        {"model": replace(DIGITS_CNN, low_precision=True)},
        {"calibration": None, "data": ()},
        {"model": replace(DIGITS_CNN, op_counts={"Add": 3}, weight_bytes={}, output_layers=())},
        {"device": replace(CPU, capabilities=("FP32", "FP16"))},
    ],
    ids=["already-quantized", "no-data", "no-compute-layers", "no-int8-on-the-device"],
)
def test_nothing_when_int8_does_not_fit(changes: dict[str, Any]) -> None:
    assert plugin.ovtune_tune_candidates(replace(request(DIGITS_CNN), **changes)) == []


def test_the_budget_sizes_calibration_and_accuracy_control() -> None:
    proposals = by_name(plugin.ovtune_tune_candidates(request(DIGITS_CNN, budget_seconds=120)))
    assert proposals["int8"].stages[0]["subset_size"] == 60
    [accuracy_aware] = proposals["int8-accuracy-aware"].stages
    assert accuracy_aware["max_iterations"] == 20 and accuracy_aware["ranking_subset_size"] == 16
    tiny = by_name(plugin.ovtune_tune_candidates(request(DIGITS_CNN, budget_seconds=10)))
    assert tiny["int8"].stages[0]["subset_size"] == 32


def test_the_digits_profile_is_the_demo_model() -> None:
    model = ov.Core().read_model(str(demo_model_path()))
    counts: dict[str, int] = {}
    for op in model.get_ordered_ops():
        counts[op.get_type_name()] = counts.get(op.get_type_name(), 0) + 1
    assert {kind: counts[kind] for kind in ("Convolution", "MatMul")} == {"Convolution": 6, "MatMul": 1}
    assert set(DIGITS_CNN.output_layers) <= {op.get_friendly_name() for op in model.get_ordered_ops()}


# -- the proposals are recipe stages --------------------------------------------------------------


def stage_toml(stages: list[dict[str, Any]]) -> str:
    """``[[stage]]`` tables (tomli_w writes a list of flat tables as an inline array)."""
    text = ""
    for stage in stages:
        scalars = {key: value for key, value in stage.items() if not isinstance(value, dict)}
        text += "[[stage]]\n" + tomli_w.dumps(scalars)
        for key, value in stage.items():
            if isinstance(value, dict):
                text += f"[stage.{key}]\n" + tomli_w.dumps(value)
    return text


def stage_tables(proposal: ProposedVariant) -> list[list[dict[str, Any]]]:
    """The stage lists of ``proposal``: one per value of each choice."""
    variants = [[dict(stage) for stage in proposal.stages]]
    for key, values in proposal.choices.items():
        position, option = key.split(".", 1)
        for value in values:
            stages = [dict(stage) for stage in proposal.stages]
            stages[int(position) - 1][option] = value
            variants.append(stages)
    return variants


@pytest.mark.parametrize("profile", [DIGITS_CNN, MINILM, FACE_DETECTOR], ids=["cnn", "transformer", "detector"])
def test_every_proposal_validates_as_a_recipe(ovtune_project: RecipeProject, profile: ModelProfile) -> None:
    for proposal in plugin.ovtune_tune_candidates(request(profile)):
        for stages in stage_tables(proposal):
            recipe = ovtune_project.demo_recipe(stages=stage_toml(stages), extra=CALIBRATION)
            result = run_cli("validate", str(recipe))
            assert result.exit_code == 0, (proposal.name, stages, error_lines(result.stderr))


def test_the_float_layers_proposals_run_on_the_real_model(ovtune_project: RecipeProject) -> None:
    """The CNN's output layer stays in float; the detector's names, which the digits CNN does not
    have, are skipped instead of failing the run."""
    cnn = by_name(plugin.ovtune_tune_candidates(request(DIGITS_CNN)))["int8-float-outputs"]
    detector = by_name(plugin.ovtune_tune_candidates(request(FACE_DETECTOR)))["int8-float-head"]
    stages = [{**cnn.stages[0], "subset_size": 16}, {**detector.stages[0], "subset_size": 16}]
    for index, stage in enumerate(stages):
        recipe = ovtune_project.demo_recipe(stages=stage_toml([stage]), extra=CALIBRATION)
        result = run_cli("run", str(recipe), "--out", str(ovtune_project.root / f"run{index}"))
        assert result.exit_code == 0, result.output
    records = [json.loads((ovtune_project.root / f"run{i}" / "report.json").read_text()) for i in range(2)]
    cnn_precision = records[0]["stages"][0]["details"]["runtime_precision"]
    # 6 convolutions in u8; the fully connected output layer, named after the output in the runtime graph, in float
    assert cnn_precision["compute_layers"]["u8"] == 6
    assert cnn_precision["float_compute_layers"] == ["logits"]
    assert records[1]["stages"][0]["details"]["runtime_precision"]["integer_compute_share"] == 1.0
