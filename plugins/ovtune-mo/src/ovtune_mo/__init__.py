"""Model Optimizer's flags as an ovtune stage (``[[stage]] use = "mo"``) and a PyTorch model loader.

Public modules, for other plugins and for recipes: :mod:`ovtune_mo.torch` (the recipe's PyTorch
source as the ``torch`` loader loads it) and :mod:`ovtune_mo.demo` (ovtune's demo CNN as a
PyTorch source, ``torch:ovtune_mo.demo:load``); each lists its names in ``__all__``. Every other
module is private and may change in any release.
"""
