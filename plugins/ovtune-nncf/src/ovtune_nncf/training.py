"""The ``nncf.qat`` and ``nncf.prune`` stages: NNCF on the PyTorch source, fine-tuned, converted.

Both start from the recipe's PyTorch source, loaded exactly as the ``torch`` loader of
``ovtune-mo`` loads it (so the module is the one the original row of the report measures),
apply NNCF (quantizers, or pruning masks), fine-tune with the recipe's training data, and hand
back ``openvino.convert_model`` of the result. Each records the recipe's metric, with
OpenVINO and the recipe's ``[deploy]`` settings, on the metric's data (which training never
sees): for the original, right after NNCF (what post-training alone would give), and after
fine-tuning.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.plugin import (
    ImportReferenceError,
    StageError,
    compile_config,
    compile_model,
    import_object,
    runtime_reason,
)
from ovtune.plugin.measure import Evaluator, runtime_precision
from ovtune_nncf.common import nncf_arguments, nncf_reason, quiet_nncf
from ovtune_nncf.options import TORCH_MISSING, PruneOptions, QatOptions, TrainingOptions

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import Dataset, Sample, StageContext, StageResult


def run_qat(model: ov.Model, options: QatOptions, context: StageContext) -> StageResult:
    """Quantize the PyTorch source with NNCF, fine-tune with the quantizers in place, convert."""
    import nncf

    torch = _torch()
    source = _TorchSource(model, context)
    calibration = context.data.get(options.calibration)
    dataset = nncf.Dataset(range(len(calibration)), lambda index: source.tensors([calibration[index]]))
    _build_quantizer_extension(context)
    torch.manual_seed(options.seed)
    with quiet_nncf(context.log):
        try:
            quantized = nncf.quantize(
                source.module,
                dataset,
                subset_size=options.subset_size,
                **nncf_arguments(options, preset=nncf.QuantizationPreset),
            )
        except Exception as exc:  # noqa: BLE001 - NNCF raises many types for modules it cannot trace
            raise StageError(nncf_reason(exc)) from None
    scores = {"original": source.score(model), "quantized, before fine-tuning": source.score(source.convert(quantized))}
    seconds = _fine_tune(quantized, options, context, source)
    result = source.convert(quantized)
    scores["after fine-tuning"] = source.score(result)
    return _result(result, "nncf.qat", scores, seconds, context=context, options=options)


def run_prune(model: ov.Model, options: PruneOptions, context: StageContext) -> StageResult:
    """Prune the PyTorch source with NNCF's masks, fine-tune, strip the masks, convert."""
    import nncf

    _torch()
    source = _TorchSource(model, context)
    with quiet_nncf(context.log):
        try:
            pruned = nncf.prune(
                source.module,
                mode=nncf.PruneMode(options.mode),
                ratio=options.ratio,
                examples_inputs=source.example,
            )
        except Exception as exc:  # noqa: BLE001
            raise StageError(nncf_reason(exc)) from None
    scores = {"original": source.score(model), "pruned, before fine-tuning": source.score(source.convert(pruned))}
    seconds = _fine_tune(pruned, options, context, source)
    with quiet_nncf(context.log):
        stripped = nncf.strip(pruned, do_copy=True, strip_format=nncf.StripFormat.IN_PLACE)
    result = source.convert(stripped)
    scores["after fine-tuning"] = source.score(result)
    stage = _result(result, "nncf.prune", scores, seconds, context=context, options=options)
    sparsity = _sparsity(stripped)
    stage.details["sparsity"] = sparsity
    stage.notes.insert(
        0,
        f"Sparsity reached: {sparsity['zero_share']:.1%} of the {sparsity['weights']:,} weights of "
        f"{sparsity['layers']} convolution and linear layers are zero (asked: {options.ratio:.0%}). The weights "
        "are still stored densely: the file does not shrink, and OpenVINO's CPU kernels do not skip zeros, so "
        "expect the same speed (the run's measurements show it).",
    )
    return stage


# --------------------------------------------------------------------------------------
# The PyTorch source
# --------------------------------------------------------------------------------------


class _TorchSource:
    """The recipe's PyTorch module, how to feed it ovtune's samples, and how to judge it."""

    def __init__(self, model: ov.Model, context: StageContext):
        from ovtune_mo.torch import TorchOptions, load_module

        from ovtune.plugin import LoadContext

        if context.index != 1:
            raise StageError(
                f"{context.key}: {context.name} trains the PyTorch source model, so it must be the first stage "
                "(the stages before it would be lost)"
            )
        source = context.recipe.model.source
        if context.recipe.model.loader.item.name != "torch":
            raise StageError(
                f"{context.key}: {context.name} trains a PyTorch model; [model] source is {source} "
                "(use 'torch:package.module:factory', a TorchScript .pt or an exported .pt2)"
            )
        options = context.recipe.model.options
        assert isinstance(options, TorchOptions)  # the torch loader's options, checked just above
        module, example = load_module(source, options, LoadContext(context.recipe.base_dir, context.recipe.data))
        if not hasattr(module, "parameters"):
            raise StageError(f"{context.key}: {context.name} needs an nn.Module; an exported program cannot train")
        self.module = module
        self.example = example
        self.input_names = [port.get_any_name() for port in model.inputs]
        self.context = context
        spec = context.recipe.metric
        self.evaluator = (
            None
            if spec is None
            else Evaluator(
                spec, context.data.get(spec.data), model, context.deploy.device, compile_config(context.deploy)
            )
        )

    def tensors(self, samples: Sequence[Sample]) -> Any:
        """The module's inputs for a batch of samples (each with batch dimension 1), concatenated."""
        import torch

        batch = [
            torch.cat([torch.from_numpy(np.ascontiguousarray(s.inputs[n])) for s in samples]) for n in self.input_names
        ]
        return batch[0] if len(batch) == 1 else tuple(batch)

    def convert(self, module: Any) -> ov.Model:
        import openvino as ov
        import torch

        module.eval()
        with torch.no_grad(), quiet_nncf(self.context.log):
            try:
                return ov.convert_model(module, example_input=self.example, share_weights=False)
            except Exception as exc:  # noqa: BLE001 - conversion failures are the stage's failure
                raise StageError(
                    f"openvino.convert_model failed on the trained module: {runtime_reason(exc)}"
                ) from None

    def score(self, model: ov.Model) -> float | None:
        """The recipe's metric of ``model`` on the metric's whole dataset, or ``None`` without one."""
        if self.evaluator is None:
            return None
        import openvino as ov

        compiled = compile_model(ov.Core(), model, self.context.deploy.device, compile_config(self.context.deploy))
        return self.evaluator.score(compiled, range(len(self.evaluator.dataset)))


# --------------------------------------------------------------------------------------
# Fine-tuning
# --------------------------------------------------------------------------------------


def _fine_tune(module: Any, options: TrainingOptions, context: StageContext, source: _TorchSource) -> float:
    """Fine-tune ``module`` in place (built-in classifier loop, or ``options.train``); seconds."""
    import torch

    dataset = context.data.get(options.train_data)
    started = time.perf_counter()
    torch.manual_seed(options.seed)
    if options.train is not None:
        _user_function(options, context)(module, dataset, options, context)
    elif options.epochs:
        _classifier_loop(module, dataset, options, context, source)
    module.eval()
    return time.perf_counter() - started


def _user_function(options: TrainingOptions, context: StageContext) -> Callable[..., Any]:
    assert options.train is not None
    try:
        return import_object(options.train, search_path=context.recipe.base_dir)  # type: ignore[no-any-return]
    except ImportReferenceError as exc:
        raise StageError(f"{context.key}.train: {exc}") from None


def _classifier_loop(
    module: Any, dataset: Dataset, options: TrainingOptions, context: StageContext, source: _TorchSource
) -> None:
    """Supervised classification: cross-entropy of the module's logits against the labels."""
    import torch

    if not dataset.has_labels:
        raise StageError(
            f"{context.key}.train_data: data.{options.train_data} has no labels; the built-in loop trains a "
            "classifier (labels = ...), or give train = 'package.module:function'"
        )
    optimizer_class = torch.optim.Adam if options.optimizer == "adam" else torch.optim.SGD
    optimizer = optimizer_class(module.parameters(), lr=options.learning_rate)
    loss_function = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(options.seed)
    steps_per_epoch = -(-len(dataset) // options.batch_size)
    total = steps_per_epoch * options.epochs
    step = 0
    module.train()
    for _ in range(options.epochs):
        order = torch.randperm(len(dataset), generator=generator).tolist()
        for start in range(0, len(order), options.batch_size):
            samples = [dataset[index] for index in order[start : start + options.batch_size]]
            labels = torch.as_tensor(np.asarray([int(np.asarray(s.label).reshape(-1)[0]) for s in samples]))
            inputs = source.tensors(samples)
            logits = module(*inputs) if isinstance(inputs, tuple) else module(inputs)
            loss = loss_function(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            context.progress(step, total, "fine-tuning")


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------


def _result(
    model: ov.Model,
    name: str,
    scores: dict[str, float | None],
    seconds: float,
    *,
    context: StageContext,
    options: TrainingOptions,
) -> StageResult:
    import openvino as ov

    from ovtune.plugin import StageResult

    compiled = compile_model(ov.Core(), model, context.deploy.device, compile_config(context.deploy))
    precision = runtime_precision(compiled)
    details: dict[str, Any] = {
        "training": {
            "data": options.train_data,
            "samples": len(context.data.get(options.train_data)),
            "epochs": options.epochs,
            "seconds": seconds,
            "loop": options.train or "built-in classifier loop (cross-entropy)",
        },
        "runtime_precision": precision,
    }
    notes = []
    spec = context.recipe.metric
    if spec is not None:
        details["accuracy"] = {"metric": spec.metric.item.name, "data": f"data.{spec.data}", **scores}
        shown = ", ".join(f"{label} {value:.4f}" for label, value in scores.items() if value is not None)
        notes.append(f"{spec.metric.item.name} on data.{spec.data} (not trained on): {shown}.")
    compute = precision["compute_layers"]
    notes.append(
        f"{name}: fine-tuned {options.epochs} epochs on data.{options.train_data} in {seconds:.1f} s; runtime "
        "graph: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(compute.items(), key=lambda kv: -kv[1]))
        + " compute layers."
    )
    return StageResult(model, notes=notes, details=details)


def _sparsity(module: Any) -> dict[str, Any]:
    import torch

    zeros = total = layers = 0
    for layer in module.modules():
        if isinstance(layer, torch.nn.Conv2d | torch.nn.Linear | torch.nn.Conv1d | torch.nn.Conv3d):
            weight = layer.weight.detach()
            zeros += int((weight == 0).sum())
            total += weight.numel()
            layers += 1
    return {"zero_share": zeros / total if total else 0.0, "weights": total, "layers": layers}


def _build_quantizer_extension(context: StageContext) -> None:
    """Build NNCF's C++ quantizer kernels for torch before they are needed, without NNCF's
    60 s limit: on a fresh machine the first build takes one to two minutes on 2 cores (ninja
    and a C++ compiler are needed; the result is cached in torch's extensions folder), and
    NNCF's default limit turned that into a failure."""
    import os

    os.environ.setdefault("NNCF_EXTENSION_LOAD_TIMEOUT", "0")
    context.progress(0, None, "building NNCF's CPU quantizer kernels (first use on this machine only)")
    from nncf.torch import force_build_cpu_extensions

    with quiet_nncf(context.log):
        try:
            force_build_cpu_extensions()
        except Exception as exc:  # noqa: BLE001 - a compiler problem is the user's machine's, said in one line
            raise StageError(f"cannot build NNCF's CPU extension for torch: {nncf_reason(exc)}") from None


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise StageError(f"this stage trains a PyTorch model and torch is not installed: {TORCH_MISSING}") from None
    return torch
