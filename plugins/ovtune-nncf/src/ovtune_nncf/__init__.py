"""NNCF compression (weight compression, quantization-aware training, pruning) as ovtune stages.

Public module, for other plugins built on NNCF (ovtune-pot among them): :mod:`ovtune_nncf.common`
(NNCF's console kept quiet, its errors as one line, recipe data as NNCF datasets, the
``ignored_scope`` options, NNCF keyword arguments from a stage's options), with its names in
``__all__``. Every other module is private and may
change in any release.
"""
