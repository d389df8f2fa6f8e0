"""Options of both metrics: ``[metric] kind = "classmetrics.macro_f1"`` and these keys."""

from __future__ import annotations

from pydantic import Field

from ovtune.plugin import Options


class ClassMetricOptions(Options):
    """Which output holds the class scores, and how many classes there are."""

    output: int = Field(0, ge=0, description="Model output holding one score per class, by position")
    classes: int | None = Field(
        None, ge=2, description="Number of classes (default: the width of the output's last axis)"
    )
