"""How sure a timing change is: a 95 % confidence interval of the ratio B/A from the runs'
per-trial figures, so that a gate fails on a slowdown the trials prove, not on one noisy run.

A report keeps one figure per trial for the timings it summarizes: ``latency.trial_medians_ms``
behind ``latency.median_ms`` and ``throughput.trial_fps`` behind ``throughput.fps``. From those:

- with at least :data:`BOOTSTRAP_MIN_TRIALS` trials on each side, a percentile bootstrap of the
  ratio of the two sides' medians (each side resampled on its own, :data:`RESAMPLES` times, from
  a fixed seed, so the same reports always give the same interval);
- with fewer, where a bootstrap of a median has too few distinct values to give a trustworthy
  tail, the exact Mann-Whitney (Hodges-Lehmann) interval of the shift between the log figures:
  the order statistics of all ``n * m`` pairwise log ratios that the rank test's null
  distribution allows, which holds at its stated level for any ``n`` and ``m``;
- with fewer trials than the rank interval needs (:func:`enough_trials`: ``C(n+m, n) >= 40``,
  i.e. 4 trials on each side at 95 %), no interval: the change is "not enough trials to judge";
- when a side is a run set (several runs of one recipe, :mod:`ovtune.compare.runs`), a
  two-level bootstrap (:func:`run_bootstrap_interval`): the runs are resampled, then each drawn
  run's trials, so that a shift between whole runs (the machine's load changed between them)
  widens the interval as it should; the trials of one run cannot show such a shift.

Nothing here imports numpy or OpenVINO: compare reads two JSON files and nothing else.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ovtune.compare._numbers import is_number

CONFIDENCE = 0.95
"""Two-sided level of every interval: each bound holds at 97.5 % on its own."""
BOOTSTRAP_MIN_TRIALS = 10
"""Trials on each side from which the bootstrap replaces the rank interval."""
RESAMPLES = 4000
SEED = 20261203
MIN_TRIALS = 4
"""Trials in each run the rank interval needs at 95 % (with equal counts)."""

TRIAL_FIGURES: dict[tuple[str, str], str] = {
    ("latency", "median_ms"): "trial_medians_ms",
    ("throughput", "fps"): "trial_fps",
}
"""The per-trial list behind each summarized timing (measurement, key) of a report."""


@dataclass(frozen=True)
class RatioInterval:
    """A confidence interval of B/A: ``low``, ``high``, the method's own estimate of the ratio,
    the confidence it achieves (the rank interval's is at least :data:`CONFIDENCE`)."""

    low: float
    high: float
    estimate: float
    confidence: float
    method: str
    """``"bootstrap"`` or ``"rank"``."""

    def contains(self, ratio: float) -> bool:
        return self.low <= ratio <= self.high

    def to_json(self) -> dict[str, Any]:
        return {
            "low": self.low,
            "high": self.high,
            "estimate": self.estimate,
            "confidence": self.confidence,
            "method": self.method,
        }

    def percent_text(self) -> str:
        """``+4.1%..+31.0%``: the interval as changes in percent of A."""
        return f"{(self.low - 1) * 100:+.1f}%..{(self.high - 1) * 100:+.1f}%"


@dataclass(frozen=True)
class TrialEvidence:
    """What the runs' trials say about one timing change."""

    trials_a: int
    trials_b: int
    interval: RatioInterval | None
    """None when there are too few trials (or a figure is not positive)."""
    runs_a: int = 1
    runs_b: int = 1

    @property
    def reason(self) -> str:
        """Why there is no interval (empty when there is one)."""
        if self.interval is not None:
            return ""
        return f"not enough trials to judge ({self.trials_a} in A, {self.trials_b} in B; {MIN_TRIALS} in each needed)"

    def to_json(self) -> dict[str, Any]:
        return {
            "trials_a": self.trials_a,
            "trials_b": self.trials_b,
            "runs_a": self.runs_a,
            "runs_b": self.runs_b,
            "interval": self.interval.to_json() if self.interval else None,
            "reason": self.reason or None,
        }


def trial_values(measurement: str, keys: Sequence[str], result: Any) -> list[float] | None:
    """The per-trial figures behind ``measurement.keys`` in one result, or None when the
    metric has none (only ``latency.median_ms`` and ``throughput.fps`` do)."""
    if len(keys) != 1 or not isinstance(result, dict):
        return None
    name = TRIAL_FIGURES.get((measurement, keys[0]))
    values = result.get(name) if name else None
    if not isinstance(values, list) or not values or not all(is_number(value) for value in values):
        return None
    return [float(value) for value in values]


def run_trial_values(measurement: str, keys: Sequence[str], result: Any) -> list[list[float]] | None:
    """Each run's own per-trial figures, when ``result`` is a run set's (``run_trial_medians_ms``)."""
    if len(keys) != 1 or not isinstance(result, dict):
        return None
    name = TRIAL_FIGURES.get((measurement, keys[0]))
    runs = result.get(f"run_{name}") if name else None
    if not isinstance(runs, list) or len(runs) < 2:
        return None
    if not all(isinstance(run, list) and run and all(is_number(value) for value in run) for run in runs):
        return None
    return [[float(value) for value in run] for run in runs]


def evidence(
    a: Sequence[float],
    b: Sequence[float],
    runs_a: Sequence[Sequence[float]] | None = None,
    runs_b: Sequence[Sequence[float]] | None = None,
) -> TrialEvidence:
    """The interval of B/A from per-trial figures, by the method their counts allow; with a run
    set on either side (``runs_a``/``runs_b``: each run's trials), by resampling runs first."""
    interval = None
    grouped_a, grouped_b = list(runs_a or [a]), list(runs_b or [b])
    if all(value > 0 and math.isfinite(value) for value in (*a, *b)):
        if len(grouped_a) > 1 or len(grouped_b) > 1:
            if min(len(a), len(b)) >= MIN_TRIALS:
                interval = run_bootstrap_interval(grouped_a, grouped_b)
        elif min(len(a), len(b)) >= BOOTSTRAP_MIN_TRIALS:
            interval = bootstrap_interval(a, b)
        elif enough_trials(len(a), len(b)):
            interval = rank_interval(a, b)
    return TrialEvidence(len(a), len(b), interval, len(grouped_a), len(grouped_b))


def enough_trials(n: int, m: int, confidence: float = CONFIDENCE) -> bool:
    """Whether the rank interval exists: the most extreme arrangement of the trials must be
    rarer than the tail the level leaves (``1 / C(n+m, n) <= (1 - confidence) / 2``)."""
    return n > 0 and m > 0 and _critical_rank(n, m, confidence) >= 1


def rank_interval(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> RatioInterval | None:
    """Exact Mann-Whitney (Hodges-Lehmann) interval of B/A: the ``k``-th smallest and largest
    of the ``n * m`` pairwise ratios ``b_j / a_i``, ``k`` from the null distribution of U."""
    n, m = len(a), len(b)
    k = _critical_rank(n, m, confidence) if n and m else 0
    if k < 1:
        return None
    logs = sorted(math.log(y) - math.log(x) for x in a for y in b)
    achieved = 1.0 - 2.0 * sum(_u_counts(n, m)[:k]) / math.comb(n + m, n)
    return RatioInterval(
        low=math.exp(logs[k - 1]),
        high=math.exp(logs[-k]),
        estimate=math.exp(statistics.median(logs)),
        confidence=achieved,
        method="rank",
    )


def bootstrap_interval(
    a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE, resamples: int = RESAMPLES, seed: int = SEED
) -> RatioInterval:
    """Percentile bootstrap of median(B) / median(A), each side resampled with replacement on its
    own; seeded, so the interval is a function of the figures."""
    rng = random.Random(seed)
    ratios = sorted(
        statistics.median(rng.choices(b, k=len(b))) / statistics.median(rng.choices(a, k=len(a)))
        for _ in range(resamples)
    )
    tail = (1.0 - confidence) / 2.0
    low = ratios[max(0, math.floor(tail * resamples))]
    high = ratios[min(resamples - 1, math.ceil((1.0 - tail) * resamples) - 1)]
    return RatioInterval(
        low=low,
        high=high,
        estimate=statistics.median(b) / statistics.median(a),
        confidence=confidence,
        method="bootstrap",
    )


def run_bootstrap_interval(
    a_runs: Sequence[Sequence[float]],
    b_runs: Sequence[Sequence[float]],
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> RatioInterval:
    """Two-level percentile bootstrap of median(B) / median(A) over run sets: each resample draws
    as many runs as the side has (with replacement), then as many trials from each drawn run, and
    takes the median of the pooled draw. A shift between whole runs reaches the interval through
    the first level; noise inside runs through the second. Seeded, like :func:`bootstrap_interval`."""
    rng = random.Random(seed)

    def draw(runs: Sequence[Sequence[float]]) -> float:
        picked = rng.choices(runs, k=len(runs))
        return statistics.median([value for run in picked for value in rng.choices(run, k=len(run))])

    ratios = sorted(draw(b_runs) / draw(a_runs) for _ in range(resamples))
    tail = (1.0 - confidence) / 2.0
    pooled_a = [value for run in a_runs for value in run]
    pooled_b = [value for run in b_runs for value in run]
    return RatioInterval(
        low=ratios[max(0, math.floor(tail * resamples))],
        high=ratios[min(resamples - 1, math.ceil((1.0 - tail) * resamples) - 1)],
        estimate=statistics.median(pooled_b) / statistics.median(pooled_a),
        confidence=confidence,
        method="run bootstrap",
    )


def _critical_rank(n: int, m: int, confidence: float) -> int:
    """The largest ``k`` with ``P(U <= k - 1) <= (1 - confidence) / 2`` under no change."""
    counts = _u_counts(n, m)
    total = math.comb(n + m, n)
    tail = (1.0 - confidence) / 2.0
    k, cumulative = 0, 0
    for count in counts:
        if (cumulative + count) / total > tail + 1e-12:
            break
        cumulative += count
        k += 1
    return k


@lru_cache(maxsize=512)
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the ``C(n+m, n)`` orderings of n and m trials give U = 0, 1, ..., n*m."""
    if n == 0 or m == 0:
        return (1,)
    # U counts the pairs (a, b) with b above a. The largest trial is either from B (it is
    # above all n of A's: U grows by n) or from A (above it, none of B's).
    last_b = _u_counts(n, m - 1)
    last_a = _u_counts(n - 1, m)
    size = n * m + 1
    counts = [0] * size
    for u, count in enumerate(last_a):
        counts[u] += count
    for u, count in enumerate(last_b):
        counts[u + n] += count
    return tuple(counts)
