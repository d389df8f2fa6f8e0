"""Options of the ``nncf.*`` stages. They import pydantic alone (no NNCF, no torch), so that
``ovtune validate`` checks a recipe, including the combinations NNCF would refuse at run time,
in milliseconds and with the key that is wrong."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from ovtune.plugin import DataName, Options, Reference
from ovtune_nncf.common import IgnoredScope

WeightMode = Literal[
    "int8_sym",
    "int8_asym",
    "int4_sym",
    "int4_asym",
    "int3_sym",
    "int2_sym",
    "nf4",
    "cb4",
    "mxfp4",
    "mxfp8_e4m3",
    "fp8_e4m3",
    "fp4",
    "nvfp4",
    "codebook",
    "adaptive_codebook",
]
INT8_MODES = ("int8_sym", "int8_asym")
FLOAT_MICROSCALING_MODES = ("mxfp4", "mxfp8_e4m3", "fp8_e4m3", "fp4", "nvfp4")
TORCH_MISSING = "pip install 'ovtune-nncf[torch]'"


class CompressWeightsOptions(Options):
    """``nncf.compress_weights`` on the OpenVINO model: weights stored in fewer bits and
    decompressed on the fly, activations untouched. For models whose time goes to reading weights
    (transformers, large MatMuls), it shrinks the file and memory; INT4 modes need
    ``group_size`` dividing the input channels, and keep some layers at ``backup_mode``."""

    mode: WeightMode = Field("int8_asym", description="Weight precision and scheme (NNCF's CompressWeightsMode)")
    ratio: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Share of the layers in the 4-bit (or lower) mode; the rest stay at backup_mode, chosen by "
        "sensitivity_metric. Not for INT8 modes",
    )
    group_size: int | None = Field(
        None,
        ge=-1,
        description="Weights per quantization group (-1: per channel). NNCF's default: 128 for INT4/NF4/FP4, "
        "32 for MX modes, 16 for NVFP4. Not for INT8 modes",
    )
    all_layers: bool | None = Field(
        None, description="Also compress embeddings and the last layer with mode (NNCF keeps them at backup_mode)"
    )
    backup_mode: Literal["none", "int8_sym", "int8_asym", "mxfp8_e4m3", "fp8_e4m3"] | None = Field(
        None, description="Precision of the layers not in mode (none = keep them in floating point)"
    )
    sensitivity_metric: (
        Literal[
            "weight_quantization_error",
            "hessian_input_activation",
            "mean_activation_variance",
            "max_activation_variance",
            "mean_activation_magnitude",
        ]
        | None
    ) = Field(None, description="How layers are ranked for ratio < 1; all but weight_quantization_error need data")
    data: DataName | None = Field(
        None, description="The [data.NAME] entry whose samples feed the data-aware algorithms below"
    )
    subset_size: int = Field(128, ge=1, description="Samples of data used by the data-aware algorithms")
    awq: bool | None = Field(None, description="Activation-aware weight quantization (data-free without data)")
    scale_estimation: bool | None = Field(None, description="Scale estimation (needs data)")
    gptq: bool | None = Field(None, description="GPTQ (needs data; not with lora_correction)")
    lora_correction: bool | None = Field(None, description="LoRA correction of the quantization error (needs data)")
    ignored_scope: IgnoredScope = Field(
        default_factory=IgnoredScope, description="Operations whose weights stay as they are"
    )  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _combinations(self) -> CompressWeightsOptions:
        """The combinations NNCF refuses at run time, refused here with the key to change."""
        data_aware = [name for name in ("scale_estimation", "gptq", "lora_correction") if getattr(self, name)]
        if self.mode in INT8_MODES:
            set_keys = [
                key
                for key in ("ratio", "group_size", "all_layers", "sensitivity_metric", "data", "awq", *data_aware)
                if getattr(self, key) is not None
                and not (key == "ratio" and self.ratio == 1)
                and not (key == "group_size" and self.group_size == -1)
            ]
            if self.backup_mode is not None:
                set_keys.append("backup_mode")
            if set_keys:
                raise ValueError(
                    f"{set_keys[0]}: mode {self.mode!r} compresses every layer per channel in 8 bits and takes none "
                    f"of {', '.join(set_keys)}; remove them, or choose a 4-bit mode such as 'int4_asym'"
                )
        if data_aware and self.data is None:
            raise ValueError(f"{data_aware[0]}: needs calibration samples; set data = NAME of a [data.*] entry")
        if (self.awq or data_aware) and self.mode in FLOAT_MICROSCALING_MODES:
            first = "awq" if self.awq else data_aware[0]
            raise ValueError(f"{first}: not available with mode {self.mode!r} (NNCF supports it for integer modes)")
        if self.gptq and self.lora_correction:
            raise ValueError("lora_correction: cannot be combined with gptq; choose one")
        metric = self.sensitivity_metric
        if metric not in (None, "weight_quantization_error") and self.data is None and (self.ratio or 1) < 1:
            raise ValueError(f"sensitivity_metric: {metric!r} ranks layers by their activations; set data = NAME")
        if self.group_size == 0:
            raise ValueError("group_size: use a positive group size, or -1 for per-channel")
        return self


class TrainingOptions(Options):
    """Fine-tuning shared by ``nncf.qat`` and ``nncf.prune``: the built-in loop trains a classifier
    (labels in the data, cross-entropy); ``train`` replaces it with your own."""

    train_data: DataName = Field(
        "train", validate_default=True, description="The [data.NAME] entry (with labels) to fine-tune on"
    )
    epochs: int = Field(2, ge=0, description="Passes over train_data (0: no fine-tuning)")
    batch_size: int = Field(32, ge=1, description="Samples per optimizer step")
    learning_rate: float = Field(1e-4, gt=0, description="Learning rate of the optimizer")
    optimizer: Literal["adam", "sgd"] = Field("adam", description="Optimizer of the built-in loop")
    train: Reference | None = Field(
        None,
        description="'package.module:function' called as function(model, dataset, options, context) to fine-tune "
        "the model in place instead of the built-in loop",
    )
    seed: int = Field(0, description="Seed of torch's generator, for repeatable runs")

    @model_validator(mode="after")
    def _needs_torch(self, info: ValidationInfo) -> TrainingOptions:
        if importlib.util.find_spec("torch") is None:
            raise ValueError(f"this stage trains the PyTorch model and torch is not installed: {TORCH_MISSING}")
        return self


class QatOptions(TrainingOptions):
    """``nncf.quantize`` on the PyTorch source, fine-tuning with the quantizers in place, then
    ``nncf.strip`` and ``openvino.convert_model``: the path when post-training quantization loses
    too much accuracy. The recipe's ``[model] source`` must be a PyTorch model (``torch:`` or
    ``.pt``/``.pt2``), and this stage comes first: it starts from that source."""

    calibration: DataName = Field(
        "calibration", validate_default=True, description="The [data.NAME] entry that initializes the ranges"
    )
    subset_size: int = Field(300, ge=1, description="Calibration samples used to initialize the quantizers")
    preset: Literal["performance", "mixed"] | None = Field(None, description="As in pot.default")


class PruneOptions(TrainingOptions):
    """``nncf.prune`` on the PyTorch source: zero the smallest weights, fine-tune to recover,
    strip and convert. Unstructured sparsity shrinks nothing and speeds up nothing on most CPU
    kernels; the stage's record says what it changed and the run measures whether it helped."""

    mode: Literal["unstructured_magnitude_local", "unstructured_magnitude_global"] = Field(
        "unstructured_magnitude_local",
        description="Zero the smallest weights per layer (local) or across the model (global)",
    )
    ratio: float = Field(0.5, gt=0.0, lt=1.0, description="Share of the weights set to zero")
