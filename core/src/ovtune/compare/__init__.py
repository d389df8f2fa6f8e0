"""``ovtune compare RUN_A RUN_B``: what changed between two runs, and a CI gate on regressions.

Two runs are compared model by model (by label: ``original``, ``01-mo``, ...) and metric by
metric (``latency.median_ms``, ``accuracy.value``, ...): value in A, value in B, ratio B/A,
relative and absolute change, and whether the change is better or worse given the metric's
direction. Two things make such numbers misleading, so both are said next to them:

- a model that ran in another precision (bf16 instead of f32: OpenVINO's default on CPUs with
  AMX) is a different execution, not a faster or slower build of the same one;
- a timing change the runs' own trials cannot tell from chance is noise, not a result: for
  ``latency.median`` and ``throughput.fps`` a 95 % interval of B/A from the per-trial figures
  (:mod:`ovtune.compare.interval`) says so, and a ``--fail-on`` condition on them is a
  regression only when the whole interval is beyond its threshold; other timings fall back to
  the runs' ``relative_spread``.

``--fail-on EXPR`` turns the comparison into a gate: ``METRIC OP CHANGE`` (``latency.median>+5%``,
``accuracy.value<-0.01``). A met condition prints one ``regression: ...`` line and makes the
command exit 1; a mistake in the arguments is an :class:`~ovtune.errors.UsageError` (one
``error:`` line, exit 2), so CI can tell "the model got worse" from "the check is broken".

Only the two ``report.json`` files are read: nothing here imports OpenVINO, and rich is
imported when the table is printed. One concept a module:

- :mod:`ovtune.compare.runs`: a run's ``report.json``, read and checked;
- :mod:`ovtune.compare.conditions`: the ``--fail-on`` language and the metrics it names;
- :mod:`ovtune.compare.interval`: the interval of a timing ratio (rank test or bootstrap);
- :mod:`ovtune.compare.comparison`: changes model by model, conditions evaluated, notes;
- :mod:`ovtune.compare.render`: the table on the terminal.

The click command and its exit status live with the other commands, in :mod:`ovtune.cli.compare`:
nothing here imports click.
"""

from __future__ import annotations

from ovtune.compare.comparison import Comparison, compare_runs
from ovtune.compare.conditions import parse_condition
from ovtune.compare.render import render
from ovtune.compare.runs import Run, load_run

__all__ = ["Comparison", "Run", "compare_runs", "load_run", "parse_condition", "render"]
