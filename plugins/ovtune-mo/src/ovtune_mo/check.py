"""The numerical check: does the new model compute what the stage claims it computes?

Raw inputs are generated the way an application would feed the NEW model (u8 NHWC BGR images,
say; fixed seed), preprocessed in numpy exactly as the folded steps claim, and run through the
ORIGINAL model; the raw inputs go straight into the new model. Both models are compiled for the
CPU with ``INFERENCE_PRECISION_HINT=f32``, so the difference measures the stage (folded steps and
FP16 weights), not the runtime's bf16 execution.

The figure compared with ``tolerance`` is, per output, ``max|new - original| / max(1, max|original|)``:
an absolute bound for outputs within ±1 (probabilities, normalised maps), a relative one for larger
outputs (logits), so neither tiny nor huge outputs make the bound meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune_mo.preprocess import InputPlan

if TYPE_CHECKING:
    import openvino as ov

REFERENCE_CONFIG = {"INFERENCE_PRECISION_HINT": "f32"}
SEED = 0


@dataclass
class CheckResult:
    """Largest differences over every checked output and sample."""

    samples: int
    max_abs_diff: float
    max_rel_diff: float
    outputs: dict[str, dict[str, float]] = field(default_factory=dict)
    reference: str = "the stage's input model"
    input_shapes: dict[str, list[int]] = field(default_factory=dict)

    @property
    def worst_output(self) -> str:
        return max(self.outputs, key=lambda name: self.outputs[name]["max_rel_diff"]) if self.outputs else ""


def compare(
    original: ov.Model,
    new: ov.Model,
    *,
    plans: list[InputPlan],
    kept_outputs: list[int],
    output_names: list[str],
    samples: int,
) -> CheckResult:
    """Run ``samples`` raw inputs through ``new`` and their numpy-preprocessed twins through
    ``original`` (outputs ``kept_outputs`` of it, in the order of ``new``'s outputs)."""
    import openvino as ov

    rng = np.random.default_rng(SEED)
    raw_feeds, reference_feeds = [], []
    shapes: dict[str, list[int]] = {}
    for _ in range(samples):
        raw, reference = {}, {}
        for plan in plans:
            port = new.input(plan.index)
            tensor_shape = [dim.get_length() if dim.is_static else -1 for dim in port.get_partial_shape()]
            shape = plan.feed_shape(tensor_shape)
            shapes[plan.name] = shape
            raw[plan.index] = plan.raw_inputs(shape, rng)
            reference[plan.index] = plan.reference(raw[plan.index])
        raw_feeds.append(raw)
        reference_feeds.append(reference)

    original, how = _accepting(original, reference_feeds[0])
    core = ov.Core()
    original_compiled = core.compile_model(original, "CPU", REFERENCE_CONFIG)
    new_compiled = core.compile_model(new, "CPU", REFERENCE_CONFIG)
    original_request = original_compiled.create_infer_request()
    new_request = new_compiled.create_infer_request()
    per_output: dict[str, dict[str, float]] = {
        name: {"max_abs_diff": 0.0, "max_rel_diff": 0.0, "max_abs_output": 0.0} for name in output_names
    }
    for raw, reference in zip(raw_feeds, reference_feeds, strict=True):
        expected = original_request.infer(reference)
        actual = new_request.infer(raw)
        for position, name in enumerate(output_names):
            want = np.asarray(expected[original_compiled.output(kept_outputs[position])], dtype=np.float64)
            got = np.asarray(actual[new_compiled.output(position)], dtype=np.float64)
            difference = float(np.max(np.abs(got - want))) if want.size else 0.0
            magnitude = float(np.max(np.abs(want))) if want.size else 0.0
            if not np.isfinite(difference):
                difference = float("inf")
            entry = per_output[name]
            entry["max_abs_diff"] = max(entry["max_abs_diff"], difference)
            entry["max_rel_diff"] = max(entry["max_rel_diff"], difference / max(1.0, magnitude))
            entry["max_abs_output"] = max(entry["max_abs_output"], magnitude)
    return CheckResult(
        samples=samples,
        max_abs_diff=max((entry["max_abs_diff"] for entry in per_output.values()), default=0.0),
        max_rel_diff=max((entry["max_rel_diff"] for entry in per_output.values()), default=0.0),
        outputs=per_output,
        reference=how,
        input_shapes=shapes,
    )


def _accepting(original: ov.Model, feed: dict[int, np.ndarray]) -> tuple[ov.Model, str]:
    """``original`` itself when its shapes accept ``feed``; else a reshaped clone (a static model
    whose batch the stage changed, say). Reshaping changes no arithmetic, only shapes."""
    import openvino as ov

    fits = all(
        original.input(index).get_partial_shape().compatible(ov.PartialShape(list(array.shape)))
        for index, array in feed.items()
    )
    if fits:
        return original, "the stage's input model"
    reshaped = original.clone()
    reshaped.reshape({reshaped.input(index): ov.PartialShape(list(array.shape)) for index, array in feed.items()})
    shapes = ", ".join(f"{list(array.shape)}" for array in feed.values())
    return reshaped, f"the stage's input model, reshaped to {shapes}"


def as_json(result: CheckResult) -> dict[str, Any]:
    return {
        "samples": result.samples,
        "seed": SEED,
        "reference": result.reference,
        "input_shapes": result.input_shapes,
        "outputs": result.outputs,
    }
