"""Recipe tables that the recipe validates on behalf of another package.

:mod:`ovtune.recipe` owns every table it parses: a table read by a higher layer (``[tune]``,
read by :mod:`ovtune.tune`) has its model here, so validating a recipe never imports that layer.
"""
