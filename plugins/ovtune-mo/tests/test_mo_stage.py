"""The ``mo`` stage through ``ovtune run``: what it folds into the model, checked against numpy by the
stage itself (``report.json`` ``stages[0].details``) and again here, independently, on the saved model.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import pytest
from mo_models import RGB_MEAN, RGB_STD, rgb_recipe, write_dynamic_batch_demo

from ovtune.testing import RecipeProject, run_cli

F32 = {"INFERENCE_PRECISION_HINT": "f32"}
Report = Callable[[RecipeProject, str], dict[str, Any]]


def infer(model: ov.Model | Path | str, feed: np.ndarray) -> list[np.ndarray]:
    compiled = ov.Core().compile_model(model if isinstance(model, ov.Model) else str(model), "CPU", F32)
    result = compiled(feed)
    return [np.asarray(result[port]) for port in compiled.outputs]


MUST_SHOW = """\
layout = "NCHW"
target_layout = "NHWC"
input_shape = [1, 3, 24, 32]
input_type = "u8"
reverse_input_channels = true
mean_values = [123.675, 116.28, 103.53]
scale_values = [58.395, 57.12, 57.375]
"""


def test_raw_u8_bgr_nhwc_images_match_the_original_on_numpy_preprocessed_ones(
    rgb_project: RecipeProject, read_report: Report
) -> None:
    result = run_cli("run", str(rgb_recipe(rgb_project, MUST_SHOW)))
    assert result.exit_code == 0, result.output
    stage = read_report(rgb_project, "rgb")["stages"][0]
    details = stage["details"]

    assert details["inputs_before"] == [{"name": "img", "shape": [-1, 3, -1, -1], "type": "f32", "layout": None}]
    assert details["inputs_after"] == [{"name": "img", "shape": [1, 24, 32, 3], "type": "u8", "layout": "NHWC"}]
    assert details["preprocessing"]["img"] == [
        "convert u8 -> f32",
        "reverse channels (BGR <-> RGB)",
        f"subtract mean {RGB_MEAN}",
        f"divide by scale {RGB_STD}",
        "transpose NHWC -> NCHW",
    ]
    # the stage's own check: FP16 weights make the difference visible, and small
    assert details["tolerance"] == 0.01
    assert details["max_abs_diff"] > 0
    assert 0 < details["max_rel_diff"] <= 0.01
    assert details["check"]["samples"] == 4 and details["check"]["input_shapes"] == {"img": [1, 24, 32, 3]}
    assert details["weights_bytes"]["fp16"] < details["weights_bytes"]["f32"]
    assert any(note.startswith("numerical check: max |diff|") for note in stage["notes"])

    # and independently: raw BGR u8 NHWC into the new model == numpy preprocessing into the original
    rng = np.random.default_rng(123)
    bgr = rng.integers(0, 256, size=(1, 24, 32, 3), dtype=np.uint8)
    mean, std = np.asarray(RGB_MEAN, np.float32), np.asarray(RGB_STD, np.float32)
    nchw = ((bgr[..., ::-1].astype(np.float32) - mean) / std).transpose(0, 3, 1, 2)
    original = infer(rgb_project.root / "rgb.onnx", np.ascontiguousarray(nchw))
    new = infer(stage["model_path"], bgr)
    assert len(new) == 2
    for want, got in zip(original, new, strict=True):
        assert np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))) <= details["tolerance"]
    # the comparison can tell: without the channel reversal the logits disagree by far more
    unreversed = ((bgr.astype(np.float32) - mean) / std).transpose(0, 3, 1, 2)
    wrong = infer(rgb_project.root / "rgb.onnx", np.ascontiguousarray(unreversed))[0]
    assert np.max(np.abs(wrong - new[0])) > 50 * np.max(np.abs(original[0] - new[0]))


def test_without_fp16_the_folded_preprocessing_is_exact_to_float_rounding(
    rgb_project: RecipeProject, read_report: Report
) -> None:
    recipe = rgb_recipe(rgb_project, MUST_SHOW + "compress_to_fp16 = false\n")
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    details = read_report(rgb_project, "rgb")["stages"][0]["details"]
    assert details["tolerance"] == 1e-4
    assert details["max_rel_diff"] < 1e-5
    assert details["weights_bytes"]["fp16"] is None and details["weights_bytes"]["f32"] > 0


def test_channel_layout_is_guessed_like_model_optimizer_when_not_given(
    rgb_project: RecipeProject, read_report: Report
) -> None:
    stage = "input_shape = [1, 3, 24, 32]\nreverse_input_channels = true\nmean_values = [123.675, 116.28, 103.53]\n"
    result = run_cli("run", str(rgb_recipe(rgb_project, stage)))
    assert result.exit_code == 0, result.output
    details = read_report(rgb_project, "rgb")["stages"][0]["details"]
    assert details["layouts_guessed"] == {"img": "?C??"}
    # Model Optimizer did not keep a guessed layout on the model; neither does the stage
    assert details["inputs_after"] == [{"name": "img", "shape": [1, 3, 24, 32], "type": "f32", "layout": None}]
    assert details["max_rel_diff"] <= details["tolerance"]


def test_output_keeps_only_the_named_outputs(rgb_project: RecipeProject, read_report: Report) -> None:
    result = run_cli("run", str(rgb_recipe(rgb_project, 'input_shape = [1, 3, 24, 32]\noutput = ["logits"]')))
    assert result.exit_code == 0, result.output
    stage = read_report(rgb_project, "rgb")["stages"][0]
    assert stage["details"]["outputs_kept"] == ["logits"]
    assert stage["details"]["outputs_dropped"] == ["features"]
    assert list(stage["details"]["check"]["outputs"]) == ["logits"]
    model = ov.Core().read_model(stage["model_path"])
    assert [port.get_any_name() for port in model.outputs] == ["logits"]


def test_demo_model_takes_raw_pixels_and_fp16_halves_its_weights(
    ovtune_project: RecipeProject, read_report: Report
) -> None:
    stage = '[[stage]]\nuse = "mo"\ninput_type = "u8"\nscale_values = 255\n'
    result = run_cli("run", str(ovtune_project.demo_recipe(stages=stage, measure='metrics = ["size"]')))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    details = report["stages"][0]["details"]
    assert details["inputs_after"] == [{"name": "image", "shape": [1, 1, 32, 32], "type": "u8", "layout": None}]

    weights = details["weights_bytes"]
    assert weights == {"f32": 2_299_724, "fp16": 1_149_878}  # the demo model: 574,931 weights
    sizes = {model["label"]: model["measurements"]["size"]["bytes"] for model in report["models"]}
    assert sizes["01-mo"] < 0.55 * sizes["original"]
    assert details["max_rel_diff"] <= 0.01

    # real digits as 0..255 pixels: the new model agrees with the original on [0, 1] floats
    data = np.load(ovtune_project.root / "digits_val.npz")
    images, labels = data["image"][:64], data["label"][:64]
    pixels = np.round(images * 255).astype(np.uint8)
    new = np.concatenate([infer(report["stages"][0]["model_path"], pixels[i : i + 1])[0] for i in range(64)])
    old = np.concatenate([infer(ovtune_project.root / "digits_cnn.onnx", images[i : i + 1])[0] for i in range(64)])
    assert np.mean(new.argmax(1) == old.argmax(1)) >= 0.98
    assert np.mean(new.argmax(1) == labels) >= 0.95


def test_dynamic_batch_becomes_static_from_the_data(ovtune_project: RecipeProject, read_report: Report) -> None:
    ovtune_project.copy_demo_model()
    write_dynamic_batch_demo(ovtune_project.root / "digits_cnn.onnx", ovtune_project.root / "dynamic.onnx")
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "mo"\n', measure='metrics = ["latency"]')
    recipe.write_text(recipe.read_text().replace('"digits_cnn.onnx"', '"dynamic.onnx"'))
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = read_report(ovtune_project, "test")
    details = report["stages"][0]["details"]
    assert details["inputs_before"][0]["shape"] == [-1, 1, 32, 32]
    assert details["inputs_after"][0]["shape"] == [1, 1, 32, 32]
    assert details["static_from"] == {"image": "data.validation"}
    assert report["model"]["inputs"][0]["shape"] == [-1, 1, 32, 32]
    for model in report["models"]:  # measured, not compared: timing on a shared machine is noise
        assert model["measurements"]["latency"]["median_ms"] > 0, model["label"]
    assert [model["label"] for model in report["models"]] == ["original", "01-mo"]


def test_minus_one_keeps_a_dimension_dynamic(ovtune_project: RecipeProject, read_report: Report) -> None:
    ovtune_project.copy_demo_model()
    write_dynamic_batch_demo(ovtune_project.root / "digits_cnn.onnx", ovtune_project.root / "dynamic.onnx")
    stage = '[[stage]]\nuse = "mo"\ninput_shape = [-1, 1, 32, 32]\n'
    recipe = ovtune_project.demo_recipe(stages=stage, measure='metrics = ["size"]')
    recipe.write_text(recipe.read_text().replace('"digits_cnn.onnx"', '"dynamic.onnx"'))
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    details = read_report(ovtune_project, "test")["stages"][0]["details"]
    assert details["inputs_after"][0]["shape"] == [-1, 1, 32, 32]
    assert details["static_from"] == {}


def test_batch_on_a_static_model_checks_against_the_reshaped_original(
    ovtune_project: RecipeProject, read_report: Report
) -> None:
    stage = '[[stage]]\nuse = "mo"\nlayout = "NCHW"\nbatch = 4\n'
    result = run_cli("run", str(ovtune_project.demo_recipe(stages=stage, measure='metrics = ["size"]')))
    assert result.exit_code == 0, result.output
    details = read_report(ovtune_project, "test")["stages"][0]["details"]
    assert details["inputs_after"] == [{"name": "image", "shape": [4, 1, 32, 32], "type": "f32", "layout": "NCHW"}]
    assert details["check"]["reference"] == "the stage's input model, reshaped to [4, 1, 32, 32]"


def test_resize_to_a_fixed_size(ovtune_project: RecipeProject, read_report: Report) -> None:
    stage = '[[stage]]\nuse = "mo"\nlayout = "NCHW"\ninput_type = "u8"\nscale_values = 255\nresize = [64, 48]\n'
    result = run_cli("run", str(ovtune_project.demo_recipe(stages=stage, measure='metrics = ["size"]')))
    assert result.exit_code == 0, result.output
    stage_record = read_report(ovtune_project, "test")["stages"][0]
    details = stage_record["details"]
    assert details["inputs_after"][0]["shape"] == [1, 1, 64, 48]
    assert "resize (linear) from [64, 48] to [32, 32]" in details["preprocessing"]["image"]
    assert details["max_rel_diff"] <= details["tolerance"]
    # a real digit at twice its height: the model resizes it back and still reads it
    digits = np.load(ovtune_project.root / "digits_val.npz")["image"][:16]
    tall = np.round(np.repeat(np.repeat(digits, 2, axis=2), 3, axis=3)[..., ::2] * 255).astype(np.uint8)
    assert tall.shape[1:] == (1, 64, 48)
    new = [infer(stage_record["model_path"], tall[i : i + 1])[0].argmax() for i in range(16)]
    old = [infer(ovtune_project.root / "digits_cnn.onnx", digits[i : i + 1])[0].argmax() for i in range(16)]
    assert np.mean(np.equal(new, old)) >= 0.9


def _text_lines() -> list[tuple[np.ndarray, int]]:
    """Rendered text lines (RGB u8 HWC, various sizes), upright (0) and turned by 180 degrees (1)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)
    lines = []
    for index, text in enumerate(["Hello world", "OpenVINO 2026", "invoice total 42.50", "Model Optimizer"]):
        image = Image.new("RGB", (240 + 20 * index, 44 + 4 * index), (250, 250, 245))
        ImageDraw.Draw(image).text((8, 6), text, fill=(20, 30, 40), font=font)
        lines.append((np.asarray(image), 0))
        lines.append((np.asarray(image.rotate(180)), 1))
    return lines


def test_ppocr_classifier_takes_rgb_u8_images_of_any_size(
    ovtune_project: RecipeProject, ppocr_cls: Path, read_report: Report
) -> None:
    shutil.copyfile(ppocr_cls, ovtune_project.root / "cls.onnx")
    recipe = ovtune_project.write_recipe(
        'schema = 1\nname = "cls"\n[model]\nsource = "cls.onnx"\n[measure]\nmetrics = ["size"]\n'
        '[output]\ncache_dir = "cache"\n[[stage]]\nuse = "mo"\nlayout = "NCHW->NHWC"\ninput_shape = [1, 3, 48, 192]\n'
        'input_type = "u8"\nreverse_input_channels = true\nmean_values = [127.5, 127.5, 127.5]\n'
        "scale_values = [127.5, 127.5, 127.5]\nresize = true\n"
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    stage = read_report(ovtune_project, "cls")["stages"][0]
    details = stage["details"]
    assert details["inputs_before"][0]["shape"] == [-1, 3, -1, -1]
    assert details["inputs_after"] == [{"name": "x", "shape": [1, -1, -1, 3], "type": "u8", "layout": "NHWC"}]
    assert details["max_rel_diff"] <= details["tolerance"]
    assert details["weights_bytes"]["fp16"] < 0.55 * details["weights_bytes"]["f32"]

    # PaddleOCR trained on OpenCV's BGR; this model now takes RGB pixels (PIL) at any size
    compiled = ov.Core().compile_model(stage["model_path"], "CPU")
    lines = _text_lines()
    predicted = [int(np.argmax(compiled(image[None])[0])) for image, _ in lines]
    assert sum(p == label for p, (_, label) in zip(predicted, lines, strict=True)) >= len(lines) - 1


@pytest.mark.parametrize("option", ["tolerance = 1e-7", "check_samples = 2\ntolerance = 1e-7"])
def test_a_difference_above_the_tolerance_fails_the_stage(ovtune_project: RecipeProject, option: str) -> None:
    stage = f'[[stage]]\nuse = "mo"\n{option}\n'
    result = run_cli("run", str(ovtune_project.demo_recipe(stages=stage, measure='metrics = ["size"]')))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: stage 'mo' at stage[1]: outputs differ by ")
    assert "> tolerance 1e-07 (output 'logits': max |new - original|" in lines[0]
