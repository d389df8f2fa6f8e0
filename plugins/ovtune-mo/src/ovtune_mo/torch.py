"""The PyTorch source of a recipe, for other plugins: ovtune-mo's public torch module.

A stage that trains the recipe's PyTorch model (``nncf.qat``, ``nncf.prune``) must start from
the very module the ``torch`` loader converted, traced with the same example input. It takes it
from here: :func:`load_module` turns the recipe's ``[model] source`` and the loader's options
(:class:`TorchOptions`, the ``[model]`` table of a PyTorch source) into the ``nn.Module`` and its
example input. Everything else in ovtune-mo is private. Importing this module does not import
torch; :func:`load_module` does, and raises a one-line load error when it is missing.
"""

from __future__ import annotations

from ovtune_mo.options import TorchOptions
from ovtune_mo.torch_loader import load_module

__all__ = ["TorchOptions", "load_module"]
