"""Entry point: registers ``classmetrics.macro_f1`` and ``classmetrics.worst_recall``.

Imported by ``ovtune --help`` and ``ovtune plugins``, so it imports only ovtune's registration
types; the options model (pydantic) and the accumulators (numpy) are named by strings.
"""

from __future__ import annotations

from ovtune.plugin import Metric, hookimpl


@hookimpl
def ovtune_register_metrics() -> list[Metric]:
    return [
        Metric(
            name="classmetrics.macro_f1",
            summary="F1 score of every class, averaged with equal weight (imbalance-proof accuracy)",
            options="ovtune_classmetrics.options:ClassMetricOptions",
            create="ovtune_classmetrics.confusion:MacroF1",
            needs_labels=True,
        ),
        Metric(
            name="classmetrics.worst_recall",
            summary="Recall of the worst-recognised class: the class an optimization hurt most",
            options="ovtune_classmetrics.options:ClassMetricOptions",
            create="ovtune_classmetrics.confusion:WorstRecall",
            needs_labels=True,
        ),
    ]
