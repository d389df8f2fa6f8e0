"""The ``nncf.compress_weights`` stage: weight-only compression of an OpenVINO model.

``nncf.compress_weights`` mutates the model it is given, so it gets a clone. The record says,
layer by layer, what the weights were stored in before and after, why the layers a 4-bit mode
left at the backup precision were left there, the weight bytes before and after, and how the
compiled model's layers ran (the runtime graph shows ``u4``/``u8`` weights of fully connected
layers), so a compression that did not reach the runtime is seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ovtune.plugin import StageError, compile_config, compile_model
from ovtune.plugin.measure import runtime_precision
from ovtune_nncf.common import nncf_arguments, nncf_reason, progress_dataset, quiet_nncf
from ovtune_nncf.options import INT8_MODES, CompressWeightsOptions
from ovtune_nncf.weights import LayerWeights, layer_weights, summarize

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import StageContext, StageResult

FLOAT_TYPES = {"f32", "f16", "bf16", "f64"}
EIGHT_BIT = {"u8", "i8", "f8e4m3", "f8e5m2"}


def run(model: ov.Model, options: CompressWeightsOptions, context: StageContext) -> StageResult:
    import nncf
    import openvino as ov

    from ovtune.plugin import StageResult

    before = layer_weights(model)
    compressed = model.clone()
    with quiet_nncf(context.log):
        try:
            nncf.compress_weights(compressed, **_arguments(options, context))
        except Exception as exc:  # noqa: BLE001 - NNCF raises many types for settings that do not fit the model
            raise StageError(nncf_reason(exc)) from None
    after = layer_weights(compressed)
    compiled = compile_model(ov.Core(), compressed, context.deploy.device, compile_config(context.deploy))
    precision = runtime_precision(compiled)
    layers = _layer_changes(before, after, options)
    summary_before, summary_after = summarize(before), summarize(after)
    details: dict[str, Any] = {
        "mode": options.mode,
        "weights_before": summary_before,
        "weights_after": summary_after,
        "weight_bytes_ratio": summary_before["total_bytes"] / summary_after["total_bytes"]
        if summary_after["total_bytes"]
        else None,
        "layers": layers,
        "runtime_precision": precision,
    }
    return StageResult(compressed, notes=_notes(details, layers), details=details)


def _arguments(options: CompressWeightsOptions, context: StageContext) -> dict[str, Any]:
    import nncf

    arguments = nncf_arguments(
        options,
        ("subset_size", "ratio", "group_size", "all_layers", "awq", "scale_estimation", "gptq", "lora_correction"),
        mode=nncf.CompressWeightsMode,
        backup_mode=nncf.BackupMode,
        sensitivity_metric=nncf.SensitivityMetric,
    )
    if options.data is not None:
        dataset = context.data.get(options.data)
        total = min(len(dataset), options.subset_size)
        arguments["dataset"] = progress_dataset(
            dataset, lambda sample: dict(sample.inputs), context, total=total, message="statistics"
        )
    return arguments


def _layer_changes(
    before: list[LayerWeights], after: list[LayerWeights], options: CompressWeightsOptions
) -> list[dict[str, Any]]:
    """One entry per weighted layer: its weights before and after, and for a layer a 4-bit mode
    did not bring to 4 bits, the reason."""
    after_by_name = {layer.name: layer for layer in after}
    last_matmul = next((layer.name for layer in reversed(before) if layer.type == "MatMul"), None)
    changes = []
    for layer in before:
        new = after_by_name.get(layer.name)
        entry: dict[str, Any] = {
            "name": layer.name,
            "type": layer.type,
            "before": layer.element_type,
            "after": new.element_type if new else layer.element_type,
        }
        if options.mode not in INT8_MODES and entry["after"] in EIGHT_BIT | FLOAT_TYPES:
            entry["reason"] = _why_not_four_bit(layer, options, last_matmul)
        changes.append(entry)
    return changes


def _why_not_four_bit(layer: LayerWeights, options: CompressWeightsOptions, last_matmul: str | None) -> str:
    if options.ignored_scope.names and layer.name in options.ignored_scope.names:
        return "in ignored_scope"
    if layer.type in ("Convolution", "GroupConvolution"):
        return "convolutions only get 8-bit weights (NNCF applies 4-bit modes to MatMul and Gather)"
    if not options.all_layers and (layer.type == "Gather" or layer.name == last_matmul):
        what = "an embedding" if layer.type == "Gather" else "the last MatMul"
        return f"{what}: NNCF keeps it at backup precision to protect accuracy; all_layers = true compresses it"
    group = options.group_size
    if group and group > 0 and layer.input_channels % group:
        return f"its {layer.input_channels} input channels are not divisible by group_size = {group}"
    if options.ratio is not None and options.ratio < 1:
        metric = options.sensitivity_metric or "weight_quantization_error"
        return f"ratio = {options.ratio}: ranked among the most sensitive layers by {metric}"
    return "kept at backup precision by NNCF"


def _notes(details: dict[str, Any], layers: list[dict[str, Any]]) -> list[str]:
    before, after = details["weights_before"], details["weights_after"]
    counts = ", ".join(f"{count} in {kind}" for kind, count in sorted(after["layers"].items(), key=lambda kv: -kv[1]))
    notes = [
        f"Weights of {len(layers)} layers: {counts} (mode {details['mode']}); weight bytes "
        f"{before['total_bytes']:,} -> {after['total_bytes']:,} ({details['weight_bytes_ratio']:.2f}x smaller)."
    ]
    kept = [layer for layer in layers if "reason" in layer]
    if kept:
        reasons: dict[str, list[str]] = {}
        for layer in kept:
            reasons.setdefault(layer["reason"], []).append(f"{layer['name']} ({layer['after']})")
        for reason, names in reasons.items():
            shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            notes.append(f"Not in {details['mode']}: {shown}: {reason}.")
    compute = details["runtime_precision"]["compute_layers"]
    notes.append(
        "Runtime graph: compute layers by precision "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(compute.items(), key=lambda kv: -kv[1]))
        + " (weight-only compression keeps activations in floating point)."
    )
    return notes
