"""Entry point: registers ``classmetrics.macro_f1`` and ``classmetrics.worst_recall``.

Imported by ``ovtune --help`` and ``ovtune plugins``, so it imports only ovtune's registration
types and the options models; the accumulators (numpy) are named by strings.
"""

from __future__ import annotations

from ovtune.plugin import Metric, hookimpl
from ovtune_classmetrics.options import ClassMetricOptions


@hookimpl
def ovtune_register_metrics() -> list[Metric]:
    return [
        Metric(
            name="classmetrics.macro_f1",
            summary="F1 score of every class, averaged with equal weight (imbalance-proof accuracy)",
            options=ClassMetricOptions,
            create="ovtune_classmetrics.confusion:MacroF1",
            needs_labels=True,
        ),
        Metric(
            name="classmetrics.worst_recall",
            summary="Recall of the worst-recognised class: the class an optimization hurt most",
            options=ClassMetricOptions,
            create="ovtune_classmetrics.confusion:WorstRecall",
            needs_labels=True,
        ),
    ]
