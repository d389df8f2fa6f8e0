"""``ovtune tune``: search stage options and runtime settings together for the fastest model
that still meets the accuracy bar, with real measurements.

- :mod:`ovtune.tune.space`: the ``[tune]`` recipe section and the search space it defines;
- :mod:`ovtune.tune.journal`: finished trials on disk, so an interrupted tune resumes;
- :mod:`ovtune.tune.trials`: one trial: its recipe, its model from the stage cache, its figures;
- :mod:`ovtune.tune.search`: defaults first, then a sampler, within a time and a trial budget;
- :mod:`ovtune.tune.choice`: feasibility, the Pareto front, the confirmed winner and why;
- :mod:`ovtune.tune.outputs`: ``best.toml``, the deployable folder, ``tune.json`` and ``tune.md``.

Importing this package imports nothing heavy.
"""
