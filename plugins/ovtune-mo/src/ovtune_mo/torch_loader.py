"""The ``torch`` loader: PyTorch models through ``openvino.convert_model``, Model Optimizer's
successor for PyTorch sources.

Three sources:

- ``source = "torch:package.module:factory"``: ``factory`` (a function, an ``nn.Module`` subclass
  or a module instance) is imported with the recipe's folder on ``sys.path`` and called with no
  arguments; the module is put in ``eval()`` mode and traced with an example input.
- ``.pt`` / ``.pth``: a TorchScript archive (``torch.jit.save``). A ``state_dict`` or a pickled
  module is refused: loading a pickle runs arbitrary code and needs the class anyway, so the
  factory form is the honest way to load one.
- ``.pt2``: an exported program (``torch.export.save``), which carries its own example inputs.

The example input is the first sample of a ``[data.*]`` entry (``context.first_sample``), so the
model is traced with the types and ranks it will be measured with; ``example_shape`` is the
fallback for recipes without data. torch is imported only here, and only when a recipe uses it.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.plugin import ImportReferenceError, ModelLoadError, import_object
from ovtune_mo.messages import first_line

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.plugin import LoadContext
    from ovtune_mo.options import TorchOptions

MISSING_TORCH = "PyTorch sources need torch: pip install 'ovtune-mo[torch]'"
SCHEME = "torch:"


def load(source: Path | str, options: TorchOptions, context: LoadContext) -> ov.Model:
    module, example = load_module(source, options, context)
    import torch

    with torch.no_grad():
        return _convert(module, example, source)


def load_module(source: Path | str, options: TorchOptions, context: LoadContext) -> tuple[Any, Any]:
    """The PyTorch model behind ``source`` (an ``nn.Module`` in ``eval()`` mode, or an exported
    program) and the example input it is traced with (``None`` for exported programs). Shared
    by the loader and the ``torch`` baseline, so both run the very same module."""
    try:
        import torch  # noqa: F401 - only to fail early with the install hint
    except ImportError:
        raise ModelLoadError(MISSING_TORCH) from None
    if isinstance(source, str) and source.startswith(SCHEME):
        module = _from_factory(source[len(SCHEME) :], context)
        return module.eval(), example_input(module, options, context, required=True)
    if Path(source).suffix.lower() == ".pt2":
        return _exported_program(Path(source)), None
    module = _torchscript(Path(source))
    return module.eval(), example_input(module, options, context, required=False)


def _from_factory(reference: str, context: LoadContext) -> Any:
    import torch

    try:
        factory = import_object(reference, search_path=context.base_dir)
    except ImportReferenceError as exc:
        raise ModelLoadError(f"torch:{reference}: {exc}") from None
    module = factory
    if not isinstance(factory, torch.nn.Module) and callable(factory):
        try:
            module = factory()
        except Exception as exc:  # noqa: BLE001 - user code; its failure is a load error
            raise ModelLoadError(f"torch:{reference}: calling it raised {type(exc).__name__}: {exc}") from None
    if not isinstance(module, torch.nn.Module):
        raise ModelLoadError(
            f"torch:{reference}: expected a torch.nn.Module or a function returning one, got {type(module).__name__}"
        )
    return module


def _torchscript(path: Path) -> Any:
    import torch

    try:
        return torch.jit.load(str(path), map_location="cpu")
    except (RuntimeError, ValueError) as exc:
        raise ModelLoadError(
            f"{path.name} is not a TorchScript archive (torch.jit.save): {first_line(exc)}; "
            "for a state_dict or a pickled module use source = 'torch:package.module:factory'"
        ) from None


def _exported_program(path: Path) -> Any:
    import torch

    try:
        return torch.export.load(str(path))
    except Exception as exc:  # noqa: BLE001 - torch raises several types for a bad archive
        raise ModelLoadError(f"{path.name} is not an exported program (torch.export.save): {first_line(exc)}") from None


def example_input(module: Any, options: TorchOptions, context: LoadContext, *, required: bool) -> Any:
    """Torch tensors to trace ``module`` with: one tensor, a tuple in file order, or a dict keyed
    by ``forward``'s argument names when the data's array names are those names."""
    import torch

    arrays = _example_arrays(options, context)
    if arrays is None:
        if required:
            raise ModelLoadError(
                "tracing a torch.nn.Module needs an example input: add a [data.*] entry "
                "(or name one with model.example_input), or set model.example_shape"
            )
        return None
    tensors = {name: torch.from_numpy(np.ascontiguousarray(array)) for name, array in arrays.items()}
    if len(tensors) == 1:
        return next(iter(tensors.values()))
    arguments = _forward_arguments(module)
    if set(tensors) <= set(arguments):
        return tensors
    return tuple(tensors.values())


def _example_arrays(options: TorchOptions, context: LoadContext) -> dict[str, np.ndarray] | None:
    from ovtune.plugin import DataError

    name = options.example_input or (context.data_names[0] if context.data_names else None)
    if name is not None:
        if name not in context.data_names:
            defined = ", ".join(context.data_names) or "none"
            raise ModelLoadError(f"model.example_input: no [data.{name}] in the recipe (defined: {defined})")
        try:
            sample = context.first_sample(name)
        except DataError as exc:
            raise ModelLoadError(f"model.example_input: {exc}") from None
        return dict(sample.inputs)
    if options.example_shape is None:
        return None
    rng = np.random.default_rng(0)
    shapes = options.example_shape if isinstance(options.example_shape, dict) else {"input": options.example_shape}
    return {key: rng.random(shape, dtype=np.float32) for key, shape in shapes.items()}


def _forward_arguments(module: Any) -> list[str]:
    try:
        parameters = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):
        return []
    return [name for name in parameters if name != "self"]


def _convert(module: Any, example: Any, source: Path | str) -> ov.Model:
    """``convert_model`` with the weights copied: by default (``share_weights=True``) the
    model's constants point into the torch tensors, and once the module is garbage-collected
    they point into freed memory (seen here: wrong outputs, then heap corruption)."""
    import openvino as ov

    try:
        if example is None:
            return ov.convert_model(module, share_weights=False)
        return ov.convert_model(module, example_input=example, share_weights=False)
    except Exception as exc:  # noqa: BLE001 - every conversion failure is a load error
        reason = first_line(exc)
        raise ModelLoadError(f"openvino.convert_model failed on {source}: {reason}") from None
