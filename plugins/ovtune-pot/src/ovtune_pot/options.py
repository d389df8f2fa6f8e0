"""Options of the ``pot.default`` and ``pot.accuracy_aware`` stages, in POT's vocabulary.

These models are the stages' part of the recipe schema and their documentation (``ovtune
stages pot.default``). They import pydantic alone, so ``ovtune validate`` checks a recipe,
including that the calibration data and the metric it needs exist, without importing NNCF.
``docs/pot.md`` maps POT's JSON configuration keys to these.
"""

from __future__ import annotations

from typing import Literal

from ovtune_nncf.common import IgnoredScope
from pydantic import Field, ValidationInfo, model_validator

from ovtune.plugin import DataName, Duration, Options, Reference, recipe_metric


class DefaultQuantizationOptions(Options):
    """POT's DefaultQuantization on ``nncf.quantize``: 8-bit activations and weights, calibrated
    on the recipe's ``[data.*]`` samples. Afterwards the stage proves what it did: it compiles the
    quantized model with the recipe's ``[deploy]`` settings and counts the compute layers that run
    in integer precision, scores the recipe's ``[metric]`` on validation data that calibration did
    not see for both models, and times both."""

    calibration: DataName = Field(
        "calibration",
        validate_default=True,
        description="The [data.NAME] entry whose samples calibrate the quantization ranges",
    )
    subset_size: int = Field(300, ge=1, description="Calibration samples used (POT's stat_subset_size)")
    transform: Reference | None = Field(
        None,
        description="'package.module:function' mapping a dataset Sample to the model's inputs (a dict by input "
        "name, an array, or a tuple); default: the sample's arrays as they are",
    )
    preset: Literal["performance", "mixed"] | None = Field(
        None,
        description="'performance': symmetric weights and activations (fastest); 'mixed': asymmetric activations, "
        "for activations that are not centred on zero; default: mixed for model_type = 'transformer', else "
        "performance",
    )
    target_device: Literal["any", "cpu", "gpu", "npu", "cpu_spr"] = Field(
        "any", description="Hardware whose quantization scheme to follow (POT's target_device)"
    )
    model_type: Literal["transformer"] | None = Field(
        None,
        description="'transformer' keeps the operations that lose accuracy in transformers in floating point and "
        "enables SmoothQuant",
    )
    fast_bias_correction: bool = Field(
        True,
        description="Correct the bias shift quantization causes from the collected statistics (fast); false runs "
        "the slower per-layer bias correction, which can recover more accuracy",
    )
    ignored_scope: IgnoredScope = Field(
        default_factory=IgnoredScope, description="Operations to keep in floating point"
    )  # type: ignore[arg-type]
    smooth_quant_alpha: float | None = Field(
        None,
        ge=-1.0,
        le=1.0,
        description="SmoothQuant migration strength for MatMul inputs (NNCF's default 0.95 with model_type = "
        "'transformer'); -1 disables SmoothQuant",
    )
    speed_check: Duration = Field(
        1.0,
        ge=0,
        description="Seconds of latency measurement per model and round (3 interleaved rounds) for the speed of "
        "the original and the quantized model in the stage's record; 0 skips it",
    )

    @property
    def algorithm(self) -> str:
        return "DefaultQuantization"


class AccuracyAwareQuantizationOptions(DefaultQuantizationOptions):
    """POT's AccuracyAwareQuantization on ``nncf.quantize_with_accuracy_control``: quantize, then
    return the layers that cost the most accuracy to floating point, one group at a time, until
    the recipe's ``[metric]`` drops by at most ``max_drop``. The metric's data is split: NNCF
    steers by the first part, and the drop is checked again on the held-out rest, which NNCF never
    saw, so the reported drop is honest. When the bound cannot be met, the best model found is
    still saved, and the record says by how much it missed and which layers went back to float."""

    max_drop: float = Field(0.01, gt=0, description="Largest accepted drop of the metric (POT's maximal_drop)")
    drop_type: Literal["absolute", "relative"] = Field(
        "absolute", description="'absolute': original - quantized; 'relative': that divided by the original"
    )
    holdout: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="Share of the metric's data kept away from the accuracy control, to check the drop on data it "
        "did not steer by; 0 uses every sample for both (the drop is then optimistic)",
    )
    ranking_subset_size: int | None = Field(
        None, ge=1, description="Samples used to rank layers by their accuracy impact (POT's ranking_subset_size)"
    )
    max_iterations: int | None = Field(
        None, ge=1, description="Most groups of layers reverted to floating point (POT's max_iter_num)"
    )
    tune_hyperparams: bool = Field(
        False, description="Let NNCF also search quantization hyper-parameters (POT's tune_hyperparams)"
    )
    restore_mode: Literal["activations_and_weights", "only_activations"] = Field(
        "activations_and_weights",
        description="What a reverted layer gets back in floating point: its inputs and weights, or inputs only",
    )

    @property
    def algorithm(self) -> str:
        return "AccuracyAwareQuantization"

    @model_validator(mode="after")
    def _needs_a_metric(self, info: ValidationInfo) -> AccuracyAwareQuantizationOptions:
        inside_recipe, metric = recipe_metric(info)
        if inside_recipe and metric is None:
            raise ValueError("pot.accuracy_aware steers by the recipe's metric: add a [metric] section (kind and data)")
        return self
