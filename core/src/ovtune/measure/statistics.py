"""Summary statistics of timings, computed the way benchmark_app does where it matters.

Percentiles use the nearest-rank definition (``v[ceil(n*p/100) - 1]``), as benchmark_app
does, so that figures can be compared with it. Trials that disagree by more than
:data:`NOISE_THRESHOLD` are flagged as noisy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

NOISE_THRESHOLD = 0.10
"""Relative spread of per-trial medians above which a measurement is flagged noisy."""


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already-sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(len(sorted_values) * p / 100))
    return float(sorted_values[rank - 1])


def summarize(values: Sequence[float]) -> dict[str, float]:
    """median, mean, min, max, p25, p75 (the box of a box plot), p90, p95, p99, std and count."""
    ordered = sorted(values)
    count = len(ordered)
    if not count:
        return {"count": 0}
    mean = sum(ordered) / count
    variance = sum((v - mean) ** 2 for v in ordered) / (count - 1) if count > 1 else 0.0
    return {
        "count": count,
        "median": percentile(ordered, 50),
        "mean": mean,
        "min": ordered[0],
        "max": ordered[-1],
        "p25": percentile(ordered, 25),
        "p75": percentile(ordered, 75),
        "p90": percentile(ordered, 90),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "std": math.sqrt(variance),
    }


def spread(trial_values: Sequence[float]) -> dict[str, Any]:
    """How much repeated trials disagree: (max - min) / median of the per-trial values."""
    if len(trial_values) < 2:
        return {"relative_spread": 0.0, "noisy": False}
    ordered = sorted(trial_values)
    middle = percentile(ordered, 50)
    relative = (ordered[-1] - ordered[0]) / middle if middle else 0.0
    return {"relative_spread": relative, "noisy": relative > NOISE_THRESHOLD}
