"""The interval gate of ``ovtune compare`` on fixed figures: the interval math (exact rank
interval, seeded bootstrap), the rule that makes a timing change a regression, the
"not enough trials" judgement, and how the CLI, ``--json`` and ``--markdown`` show them.

The reports here are written by hand (the per-trial figures are what matters), so every
expected value is exact; the real runs of the demo model are in ``test_compare_gate.py``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ovtune.compare import compare_runs, parse_condition
from ovtune.compare.interval import (
    MIN_TRIALS,
    bootstrap_interval,
    enough_trials,
    evidence,
    rank_interval,
)
from ovtune.compare.runs import Run
from ovtune.testing import run_cli

BASE = [1.00, 1.10, 0.90, 1.05, 0.95, 1.02, 0.98, 1.08, 0.92, 1.01, 0.99, 1.03]


def _report(name: str, trials: list[float], fps_trials: list[float] | None = None) -> dict[str, Any]:
    ordered = sorted(trials)
    measurements: dict[str, Any] = {
        "latency": {
            "median_ms": ordered[(len(ordered) - 1) // 2],
            "trials": len(trials),
            "trial_medians_ms": trials,
            "relative_spread": (ordered[-1] - ordered[0]) / ordered[(len(ordered) - 1) // 2],
        }
    }
    if fps_trials is not None:
        fps = sorted(fps_trials)
        measurements["throughput"] = {"fps": fps[(len(fps) - 1) // 2], "trial_fps": fps_trials}
    return {"name": name, "device": "CPU", "models": [{"label": "original", "measurements": measurements}]}


def _run(name: str, trials: list[float], fps_trials: list[float] | None = None) -> Run:
    return Run(name, Path(f"{name}.json"), _report(name, trials, fps_trials))


def _write(tmp_path: Path, name: str, trials: list[float], fps_trials: list[float] | None = None) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(_report(name, trials, fps_trials)))
    return str(path)


def _outcome(a: list[float], b: list[float], condition: str = "latency.median>+10%") -> Any:
    return compare_runs(_run("RUN_A", a), _run("RUN_B", b), [parse_condition(condition)]).outcomes[0]


@pytest.mark.parametrize(
    ("n", "m", "critical_u"),
    # two-sided 5 % critical values of Mann-Whitney's U (the interval uses the (U+1)-th pair)
    [(4, 4, 0), (5, 5, 2), (6, 6, 5), (7, 7, 8), (8, 8, 13), (9, 9, 17), (3, 5, 0), (2, 8, 0)],
)
def test_the_rank_interval_uses_mann_whitneys_critical_values(n: int, m: int, critical_u: int) -> None:
    a = [1.0 + i / 100 for i in range(n)]
    b = [2.0 + j / 100 for j in range(m)]
    interval = rank_interval(a, b)
    assert interval is not None and interval.method == "rank"
    pairs = sorted(y / x for x in a for y in b)
    assert interval.low == pytest.approx(pairs[critical_u])
    assert interval.high == pytest.approx(pairs[-1 - critical_u])
    assert interval.confidence >= 0.95


def test_the_rank_interval_on_fixed_figures() -> None:
    a, b = [1.0, 1.1, 0.9, 1.05], [1.5, 1.6, 1.4, 1.55]
    interval = rank_interval(a, b)
    assert interval is not None
    # 4 against 4 trials: only the most extreme pairs are rare enough (1 arrangement in 70)
    assert (interval.low, interval.high) == (pytest.approx(1.4 / 1.1), pytest.approx(1.6 / 0.9))
    assert interval.confidence == pytest.approx(1 - 2 / 70)
    logs = sorted(math.log(y / x) for x in a for y in b)
    assert interval.estimate == pytest.approx(math.exp((logs[7] + logs[8]) / 2))


def test_too_few_trials_have_no_interval() -> None:
    assert MIN_TRIALS == 4
    assert not enough_trials(3, 3) and enough_trials(4, 4) and enough_trials(3, 5) and not enough_trials(1, 30)
    trials = evidence([1.0, 1.1, 0.9], [1.5, 1.6, 1.4])
    assert trials.interval is None
    assert trials.reason == "not enough trials to judge (3 in A, 3 in B; 4 in each needed)"


def test_the_bootstrap_is_seeded_and_takes_over_from_ten_trials() -> None:
    slower = [value * 1.5 for value in BASE[:10]]
    first = bootstrap_interval(BASE[:10], slower)
    assert first == bootstrap_interval(BASE[:10], slower)  # the same figures, the same interval
    assert first.method == "bootstrap" and first.confidence == 0.95
    assert first.estimate == pytest.approx(1.5)
    assert 1.3 < first.low < 1.5 < first.high < 1.7
    assert evidence(BASE[:10], slower).interval == first
    assert evidence(BASE[:9], slower[:9]).interval.method == "rank"  # type: ignore[union-attr]
    exact = bootstrap_interval([1.0] * 10, [1.2] * 10)
    assert (exact.low, exact.high) == (pytest.approx(1.2), pytest.approx(1.2))


def test_a_regression_needs_the_whole_interval_beyond_the_threshold() -> None:
    # a clear 50 % slowdown: the interval's lower bound is far above +10 %
    outcome = _outcome(BASE, [value * 1.5 for value in BASE])
    assert outcome.judgement == "regression" and outcome.violated
    low, high = outcome.to_json()["observed_interval"]
    assert 10 < low < 50 < high
    assert outcome.line().startswith("regression: original latency.median_ms +50.0% > +10% (A 1.000, B 1.500; 95% ")
    assert outcome.line().endswith(" from 12 and 12 trials)")
    # the same figures shuffled and 1 % slower: the interval contains "no change"
    same = _outcome(BASE, [value * 1.01 for value in reversed(BASE)])
    assert same.judgement == "ok" and not same.violated and same.change.within_noise
    assert same.change.verdict == "within noise"
    # +15 % with trials this noisy: the point figures meet +10 %, the interval does not prove it
    unclear = _outcome(BASE, [value * 1.15 for value in BASE])
    assert unclear.point_met and unclear.judgement == "unclear" and not unclear.violated
    assert unclear.line().startswith("unclear: original latency.median_ms +15.0% > +10%")
    # beyond no change but not beyond the threshold: a real +5 % passes a +10 % gate
    small = _outcome([1.0 + i / 1000 for i in range(12)], [1.05 + i / 1000 for i in range(12)])
    assert small.judgement == "ok" and small.change.verdict == "worse" and not small.change.within_noise


def test_throughput_is_judged_on_its_trials_and_absolute_conditions_scale_the_interval() -> None:
    comparison = compare_runs(
        _run("RUN_A", BASE, [1000.0 * value for value in BASE]),
        _run("RUN_B", BASE, [600.0 * value for value in BASE]),
        [parse_condition("throughput.fps<-10%"), parse_condition("latency.median>+0.5")],
    )
    fps, latency = comparison.outcomes
    assert fps.judgement == "regression" and fps.change.verdict == "worse"
    assert fps.to_json()["observed_interval"][1] < -10
    assert latency.judgement == "ok" and latency.to_json()["observed_interval"][1] < 0.5


def test_too_few_trials_say_so_and_the_point_figures_decide(tmp_path: Path) -> None:
    a = _write(tmp_path, "a", [1.0, 1.1, 0.9])
    slow = _write(tmp_path, "slow", [1.5, 1.6, 1.4])
    same = _write(tmp_path, "same", [0.95, 1.0, 1.05])
    failed = run_cli("compare", a, slow, "--fail-on", "latency.median>+10%")
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines() == [
        "regression: original latency.median_ms +50.0% > +10% (A 1.000, B 1.500; "
        "not enough trials to judge (3 in A, 3 in B; 4 in each needed): judged on the point figures)"
    ]
    passed = run_cli("compare", a, same, "--fail-on", "latency.median>+10%")
    assert passed.exit_code == 0
    assert passed.stderr.strip().splitlines() == [
        "undecided: original latency.median_ms +0.0% > +10% (A 1.000, B 1.000; "
        "not enough trials to judge (3 in A, 3 in B; 4 in each needed): judged on the point figures)",
        "ok: no regression (1 condition on 1 model(s))",
    ]
    assert "too few trials" in passed.stdout
    body = json.loads(run_cli("compare", a, same, "--json", "--fail-on", "latency.median>+10%").stdout)
    (condition,) = body["conditions"]
    assert condition["judgement"] == "undecided" and condition["observed_interval"] is None
    assert condition["trials"] == {
        "trials_a": 3,
        "trials_b": 3,
        "runs_a": 1,
        "runs_b": 1,
        "interval": None,
        "reason": "not enough trials to judge (3 in A, 3 in B; 4 in each needed)",
    }
    assert body["doubts"] and not body["regressions"]


def test_the_outputs_show_the_interval_the_trials_and_the_verdict(tmp_path: Path) -> None:
    a = _write(tmp_path, "a", BASE)
    b = _write(tmp_path, "b", [value * 1.5 for value in BASE])
    gate = ("--fail-on", "latency.median>+10%")
    table = run_cli("compare", a, b, *gate)
    assert table.exit_code == 1
    assert "95% interval" in table.stdout and "12/12" in table.stdout and "FAIL" in table.stdout
    body = json.loads(run_cli("compare", a, b, "--json", *gate).stdout)
    (metric,) = body["models"][0]["metrics"]
    assert metric["trials"]["trials_a"] == 12 and metric["trials"]["interval"]["method"] == "bootstrap"
    assert metric["verdict"] == "worse" and metric["within_noise"] is False
    assert body["conditions"][0]["judgement"] == "regression"
    markdown = run_cli("compare", a, b, "--markdown", *gate)
    assert markdown.exit_code == 1
    lines = markdown.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| model"))
    assert "95% interval of change" in header and "trials A/B" in header
    row = next(line for line in lines if line.startswith("| original"))
    interval = metric["trials"]["interval"]
    expected = f"{(interval['low'] - 1) * 100:+.1f}%..{(interval['high'] - 1) * 100:+.1f}%"
    assert f"| {expected} | 12/12 | worse **FAIL** |" in row
    assert any(line.startswith("- `regression: original latency.median_ms") for line in lines)
    assert run_cli("compare", a, b, "--markdown", "--json").exit_code == 2


def _run_set(tmp_path: Path, name: str, factors: list[float], recipe: str = "r") -> str:
    """A folder of run folders, one per factor: the same trials scaled, as when the machine's
    load differed between the runs."""
    folder = tmp_path / name
    for index, factor in enumerate(factors, start=1):
        (folder / str(index)).mkdir(parents=True)
        report = _report(recipe, [value * factor for value in BASE])
        (folder / str(index) / "report.json").write_text(json.dumps(report))
    return str(folder)


def test_run_sets_carry_the_shift_between_runs_into_the_interval(tmp_path: Path) -> None:
    """Load that changed between runs moves every trial of a run together: one run against
    another then looks like a proven 30 % slowdown, which the trials of one run cannot question.
    Two runs a side can: the runs are resampled too, and the same builds are not a regression."""
    a = _run_set(tmp_path, "a", [1.0, 1.3])
    b = _run_set(tmp_path, "b", [1.3, 1.0])
    single = run_cli("compare", f"{a}/1", f"{b}/1", "--fail-on", "latency.median>+10%")
    assert single.exit_code == 1  # one run each: the shift passes for a regression
    sets = run_cli("compare", a, b, "--fail-on", "latency.median>+10%", "--json")
    assert sets.exit_code == 0, sets.stderr
    body = json.loads(sets.stdout)
    (condition,) = body["conditions"]
    assert condition["trials"]["runs_a"] == 2 and condition["trials"]["runs_b"] == 2
    assert condition["trials"]["trials_a"] == 2 * len(BASE)
    assert condition["trials"]["interval"]["method"] == "run bootstrap"
    low, high = condition["observed_interval"]
    assert low < 0 < high and condition["judgement"] != "regression"
    assert body["a"]["runs"] == [f"{a}/1/report.json", f"{a}/2/report.json"]
    # a real slowdown still fails, with the runs named in the regression line
    slow = _run_set(tmp_path, "slow", [1.5, 1.6])
    steady = _run_set(tmp_path, "steady", [1.0, 1.05])
    failed = run_cli("compare", steady, slow, "--fail-on", "latency.median>+10%")
    assert failed.exit_code == 1
    (line,) = [line for line in failed.stderr.splitlines() if line.startswith("regression:")]
    assert line.endswith(f"from {2 * len(BASE)} and {2 * len(BASE)} trials of 2 and 2 runs)")
    assert "(2/2 runs)" in failed.stdout


def test_a_run_set_is_one_recipes_runs(tmp_path: Path) -> None:
    mixed = Path(_run_set(tmp_path, "mixed", [1.0]))
    (mixed / "2").mkdir()
    (mixed / "2" / "report.json").write_text(json.dumps(_report("other", BASE)))
    result = run_cli("compare", str(mixed), _write(tmp_path, "b", BASE))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: RUN_A: {mixed} holds runs of different recipes (1: 'r', 2: 'other'); a run set is one recipe's runs"
    )
