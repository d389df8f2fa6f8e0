"""Ray as ovtune's executor (``--executor ray`` on ``ovtune tune`` and ``ovtune sweep``).

It has no public module: ovtune finds it through the ``ovtune`` entry point
(:mod:`ovtune_ray.plugin`), and Ray is imported only when the executor is opened.
"""
