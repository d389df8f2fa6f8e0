"""Every invalid combination of ``mo`` keys gets its own one-line error naming the key: at
``ovtune validate`` when the recipe alone shows it (the model is not read), else when the stage
starts, before any work is done."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mo_models import write_dynamic_batch_demo

from ovtune.testing import RecipeProject, run_cli

Errors = Callable[[str], list[str]]

VALIDATE_TIME = [
    (
        "mean_values = [1, 2, 3]\nscale_values = [1, 2]",
        "stage[1].scale_values: 3 mean_values but 2 scale_values; give one value per channel for both",
    ),
    (
        "mean_values = {image = [1, 2, 3]}\nscale_values = {image = [1, 2]}",
        "stage[1].scale_values: input 'image': 3 mean_values but 2 scale_values",
    ),
    (
        'layout = "NHW"\nmean_values = [1, 2, 3]',
        "stage[1].mean_values: 3 per-channel mean values, but the layout 'NHW' has no C (channels) dimension",
    ),
    (
        'layout = "N?HW"\nscale_values = [1, 2, 3]',
        "stage[1].scale_values: 3 per-channel scale values, but the layout 'N?HW' has no C",
    ),
    (
        'layout = "NCHW"\ninput_shape = [1, 1, 32]',
        "stage[1].input_shape: shape [1, 1, 32] has 3 dimensions but layout 'NCHW' has 4",
    ),
    (
        'layout = {image = "NCHW"}\ninput_shape = {image = [1, 32, 32]}',
        "stage[1].input_shape: input 'image': shape [1, 32, 32] has 3 dimensions but layout 'NCHW' has 4",
    ),
    ('layout = "CHW"\nbatch = 4', "stage[1].batch: the layout 'CHW' has no N: openvino.set_batch finds the batch"),
    ("input_shape = [1, 1, 32, 32]\nbatch = 4", "stage[1].batch: give the batch inside input_shape or as 'batch'"),
    ('layout = "NXHW"', "stage[1].layout: unknown layout letter 'X' in 'NXHW' (layouts use N, C, D, H, W, ? and ...)"),
    ('target_layout = "NHWQ"', "stage[1].target_layout: unknown layout letter 'Q' in 'NHWQ'"),
    ('layout = "NCHC"', "stage[1].layout: 'NCHC': the letter 'C' appears twice"),
    ('layout = "NCHW"\nsource_layout = "NCHW"', "stage[1].source_layout: give 'layout' or 'source_layout', not both"),
    (
        'layout = "NCHW"\ntarget_layout = "NHW"',
        "stage[1].target_layout: 'NHW' is not a reordering of the model's layout",
    ),
    ('layout = "NCHW->NHWC"\ntarget_layout = "NHWC"', "stage[1].target_layout: 'layout' already names the target"),
    ('layout = "NCHW->NHW"', "stage[1].layout: 'NHW' is not a reordering of 'NCHW'"),
    ('layout = "NHW"\nreverse_input_channels = true', "stage[1].reverse_input_channels: the layout 'NHW' has no C"),
    ('layout = "NC"\nresize = true', "stage[1].resize: resizing needs H and W in the layout; 'NC' has no H"),
    ("scale_values = [1, 0, 1]", "stage[1].scale_values: scale values divide the input; 0 is not allowed"),
    ("input_shape = [1, 0, 32, 32]", "stage[1].input_shape: dimensions are positive, or -1 for a dynamic one"),
    ("resize = [0, 32]", "stage[1].resize: height and width are positive"),
    ('mean_values = "abc"', "stage[1].mean_values: expected a list of numbers (one per channel, or one for all)"),
    ('input_type = "uint7"', "stage[1].input_type: expected an element type (u8, i8, u16, i16, i32, i64, f16, f32)"),
    ("output = []", "stage[1].output: name at least one output to keep"),
    ("tolerance = 0", "stage[1].tolerance: Input should be greater than 0"),
    ("mean_value = [1, 2, 3]", "stage[1].mean_value: unknown key (did you mean 'mean_values'?)"),
]


@pytest.mark.parametrize(("keys", "message"), VALIDATE_TIME, ids=[case[1][9:40] for case in VALIDATE_TIME])
def test_invalid_combinations_fail_at_validate(
    ovtune_project: RecipeProject, errors: Errors, keys: str, message: str
) -> None:
    recipe = ovtune_project.demo_recipe(stages=f'[[stage]]\nuse = "mo"\n{keys}\n')
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 2, result.output
    lines = errors(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {recipe}: stage[1]."), lines[0]
    assert message in lines[0]


def test_a_valid_recipe_validates_without_reading_the_model(ovtune_project: RecipeProject) -> None:
    recipe = ovtune_project.demo_recipe(
        stages='[[stage]]\nuse = "mo"\nlayout = "NCHW->NHWC"\ninput_type = "u8"\nmean_values = [0.5]\n'
        "scale_values = 255\nresize = [64, 64]\n"
    )
    (ovtune_project.root / "digits_cnn.onnx").write_bytes(b"not a model: validate must not read it")
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 0, result.output


STAGE_TIME = [
    ('layout = "NCHW"\nmean_values = [1, 2, 3]', "stage[1].mean_values: input 'image' has 1 channel, got 3 values"),
    ('layout = "NCHW"\nscale_values = [1, 2, 3]', "stage[1].scale_values: input 'image' has 1 channel, got 3 values"),
    (
        "mean_values = [1, 2, 3]",
        "stage[1].mean_values: cannot tell which dimension of input 'image' [1,1,32,32] holds 3 channels; "
        "set layout (e.g. 'NCHW')",
    ),
    ("input_shape = {img = [1, 1, 32, 32]}", "stage[1].input_shape: the model has no input 'img' (inputs: image)"),
    ('layout = {img = "NCHW"}', "stage[1].layout: the model has no input 'img' (inputs: image)"),
    ("mean_values = {img = [0.5]}", "stage[1].mean_values: the model has no input 'img' (inputs: image)"),
    ('output = ["probs"]', "stage[1].output: the model has no output 'probs' (outputs: logits)"),
    ("input_shape = [1, 1, 32]", "stage[1].input_shape: input 'image' has 4 dimensions [1,1,32,32], got 3: [1, 1, 32]"),
    ('layout = "NCH"', "stage[1].layout: input 'image' has 4 dimensions [1,1,32,32], layout 'NCH' has 3"),
    ("batch = 4", "stage[1].batch: no input has N in its layout, so the batch dimension is unknown; set layout"),
    ("reverse_input_channels = true", "stage[1].reverse_input_channels: no input has 3 channels to reverse (image"),
    ('target_layout = "NHWC"', "stage[1].target_layout: input 'image' has no layout to convert from; set layout"),
    ("resize = true", "stage[1].resize: input 'image' needs a layout with H and W (e.g. 'NCHW') to be resized"),
    ('data = "train"', "stage[1].data: no [data.train] in the recipe (defined: validation)"),
]


@pytest.mark.parametrize(("keys", "message"), STAGE_TIME, ids=[case[1][9:40] for case in STAGE_TIME])
def test_mistakes_that_need_the_model_fail_when_the_stage_starts(
    ovtune_project: RecipeProject, errors: Errors, keys: str, message: str
) -> None:
    recipe = ovtune_project.demo_recipe(stages=f'[[stage]]\nuse = "mo"\n{keys}\n', measure='metrics = ["size"]')
    assert run_cli("validate", str(recipe)).exit_code == 0
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2, result.output
    lines = errors(result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: stage 'mo' at stage[1]: stage[1]."), lines[0]
    assert message in lines[0]


def test_a_dynamic_model_without_data_asks_for_a_shape(ovtune_project: RecipeProject, errors: Errors) -> None:
    ovtune_project.copy_demo_model()
    write_dynamic_batch_demo(ovtune_project.root / "digits_cnn.onnx", ovtune_project.root / "dynamic.onnx")
    recipe = ovtune_project.write_recipe(
        'schema = 1\nname = "nodata"\n[model]\nsource = "dynamic.onnx"\n[measure]\nmetrics = ["size"]\n'
        '[[stage]]\nuse = "mo"\n'
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    assert errors(result.stderr) == [
        "error: stage 'mo' at stage[1]: stage[1].static: input 'image' has the dynamic shape [?,1,32,32] and the "
        "recipe has no [data.calibration] or [data.validation] to take a shape from; give input_shape, 'data', "
        "or static = false"
    ]
