"""How many trials a CI gate on latency needs: false regressions and caught slowdowns, measured.

Runs the bundled demo model (the digits CNN) and a really slower model (the same network with
its work repeated, not a sleep) many times on this machine, each run a fresh ``compile_model``
timed by ovtune's own harness (``ovtune.measure.harness.sync_latency``, the code behind
``[measure] metrics = ["latency"]``) with ``--max-trials`` trials of ``--duration`` each. The
runs are interleaved over time (base, base, slow, base, base, slow, ...), so the pairs see the
machine's load change as a CI runner does between a reference run and the run under test.

Then, for each trial count ``k`` (the first ``k`` trials of each run) and each threshold, every
pair of distinct base runs and every (base, slow) pair is judged by ``ovtune compare``'s own
code (:func:`ovtune.compare.compare_runs`) with ``--fail-on "latency.median>+T%"``:

- **false regression**: two runs of the same model judged a regression (should be 0 %);
- **caught**: a base run against a slow run judged a regression (should be 100 %);

both for the interval gate (what ``compare`` does now) and for the point figures alone (what it
did before: the median of B against the median of A), for contrast.

The base model is the network computed twice and the slow one three times (the input scaled by
a slightly different factor in each copy, so OpenVINO cannot merge the copies), which makes the
slow model about 1.5x slower; ``--copies 1,2`` compares the plain demo model with one doubled.
The measured slowdown (median over the runs) is printed.

    CI=true python benchmarks/gate_trials.py --json gate.json     # ~6 min on 2 cores
    CI=true python benchmarks/gate_trials.py --rounds 4 --duration 0.1   # quick look
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as ops

from ovtune import demo
from ovtune.compare import compare_runs, parse_condition
from ovtune.compare.runs import Run
from ovtune.measure.harness import TimingSettings, sync_latency


def repeated(model: ov.Model, copies: int) -> ov.Model:
    """``model`` computed ``copies`` times on the same input, outputs summed: the same network
    with its work multiplied. Copy ``k`` sees the input times ``1 + k/1024`` so that OpenVINO's
    common-subexpression elimination cannot fold the copies into one."""
    if copies == 1:
        return model
    parameter = model.get_parameters()[0]
    outputs = [model.get_results()[0].input_value(0)]
    for index in range(1, copies):
        clone = model.clone()
        scaled = ops.multiply(parameter, ops.constant(np.float32(1 + index / 1024)))
        for target in list(clone.get_parameters()[0].output(0).get_target_inputs()):
            target.replace_source_output(scaled.output(0))
        outputs.append(clone.get_results()[0].input_value(0))
    total = outputs[0]
    for output in outputs[1:]:
        total = ops.add(total, output).output(0)
    return ov.Model([ops.result(total)], [parameter], f"{model.get_friendly_name()}x{copies}")


def measure(core: ov.Core, copies: int, settings: TimingSettings) -> list[float]:
    """One run: a fresh compile, then ``settings.trials`` trials; returns the per-trial medians."""
    compiled = core.compile_model(
        repeated(core.read_model(demo.model_path()), copies),
        "CPU",
        {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32"},
    )
    request = compiled.create_infer_request()
    rng = np.random.default_rng(0)
    feeds = [rng.random((1, 1, 32, 32), dtype=np.float32) for _ in range(8)]

    def step(index: int) -> float:
        request.infer({0: feeds[index % len(feeds)]})
        return float(request.latency)

    return list(sync_latency(step, settings)["trial_medians_ms"])


def report(name: str, trials: list[float]) -> Run:
    """A report as ``ovtune run`` writes it, reduced to what compare reads for latency."""
    latency = {"median_ms": statistics.median(trials), "trials": len(trials), "trial_medians_ms": trials}
    body = {"name": name, "device": "CPU", "models": [{"label": "original", "measurements": {"latency": latency}}]}
    return Run(name, Path(f"{name}.json"), body)


def judge(a: list[float], b: list[float], thresholds: list[float]) -> list[tuple[str, bool]]:
    """For each threshold, the interval gate's judgement and whether the point figures alone
    meet the condition (one comparison: the interval does not depend on the threshold)."""
    conditions = [parse_condition(f"latency.median>+{threshold:g}%") for threshold in thresholds]
    outcomes = compare_runs(report("RUN_A", a), report("RUN_B", b), conditions).outcomes
    return [(outcome.judgement, outcome.point_met) for outcome in outcomes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of (base, base, slow) runs")
    parser.add_argument("--max-trials", type=int, default=20)
    parser.add_argument("--duration", type=float, default=0.2, help="seconds per trial")
    parser.add_argument("--counts", default="3,4,5,6,8,10,12,16,20", help="trial counts to judge")
    parser.add_argument("--thresholds", default="5,10,20", help="--fail-on thresholds in percent")
    parser.add_argument("--copies", default="2,3", help="BASE,SLOW: how often each model computes the network")
    parser.add_argument("--json", type=Path, help="also write every run's trials and the rates here")
    parser.add_argument(
        "--pairs",
        choices=["all", "adjacent"],
        default="all",
        help="judge every pair of runs (minutes apart) or only the runs of one round (back to back)",
    )
    parser.add_argument("--from-json", type=Path, help="judge the runs a previous --json saved instead of measuring")
    args = parser.parse_args()
    base_copies, slow_copies = (int(text) for text in args.copies.split(","))
    counts = [int(text) for text in args.counts.split(",") if int(text) <= args.max_trials]
    thresholds = [float(text) for text in args.thresholds.split(",")]
    settings = TimingSettings(duration=args.duration, iterations=None, warmup=10, trials=args.max_trials)

    core = ov.Core()
    base: list[list[float]] = []
    slow: list[list[float]] = []
    started = time.time()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        base, slow = saved["base"], saved["slow"]
        args.rounds, args.max_trials, args.duration = len(slow), len(base[0]), saved["settings"]["duration"]
        counts = [count for count in counts if count <= args.max_trials]
    for round_index in range(0 if args.from_json else args.rounds):
        base.append(measure(core, base_copies, settings))
        base.append(measure(core, base_copies, settings))
        slow.append(measure(core, slow_copies, settings))
        print(
            f"round {round_index + 1}/{args.rounds}: base {statistics.median(base[-2]):.3f} "
            f"{statistics.median(base[-1]):.3f} ms, slow {statistics.median(slow[-1]):.3f} ms",
            flush=True,
        )
    elapsed = time.time() - started
    base_median = statistics.median(statistics.median(run) for run in base)
    slow_median = statistics.median(statistics.median(run) for run in slow)
    spreads = [statistics.median(run) for run in base]
    print(
        f"\n{len(base)} base runs ({base_copies} copies), {len(slow)} slow runs ({slow_copies} copies), "
        f"{args.max_trials} trials x {args.duration:g} s each, {elapsed / 60:.1f} min"
    )
    print(
        f"medians of the runs: base {base_median:.3f} ms (runs {min(spreads):.3f}-{max(spreads):.3f}), "
        f"slow {slow_median:.3f} ms; slowdown {slow_median / base_median:.2f}x"
    )

    # every pair (minutes apart, as a reference run and a CI run), and the pairs of one round
    # (seconds apart: base, base, slow were measured back to back)
    if args.pairs == "all":
        same_pairs = list(itertools.combinations(range(len(base)), 2))
        slow_pairs = list(itertools.product(range(len(base)), range(len(slow))))
    else:
        same_pairs = [(2 * r, 2 * r + 1) for r in range(len(slow))]
        slow_pairs = [(2 * r + side, r) for r in range(len(slow)) for side in (0, 1)]
    judged = {
        count: (
            [judge(base[i][:count], base[j][:count], thresholds) for i, j in same_pairs],
            [judge(base[i][:count], slow[j][:count], thresholds) for i, j in slow_pairs],
        )
        for count in counts
    }
    rows = []
    for position, threshold in enumerate(thresholds):
        for count in counts:
            same = [outcomes[position] for outcomes in judged[count][0]]
            caught = [outcomes[position] for outcomes in judged[count][1]]
            rows.append(
                {
                    "threshold": threshold,
                    "trials": count,
                    "false_regression": sum(j == "regression" for j, _ in same) / len(same),
                    "false_regression_point": sum(point for _, point in same) / len(same),
                    "caught": sum(j == "regression" for j, _ in caught) / len(caught),
                    "caught_point": sum(point for _, point in caught) / len(caught),
                    "undecided": sum(j == "undecided" for j, _ in caught) / len(caught),
                }
            )
    print(f"\n{len(same_pairs)} pairs of identical runs, {len(slow_pairs)} (base, slow) pairs ({args.pairs})\n")
    print("| --fail-on | trials per run | false regression | caught (slow) | point figures: false / caught |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        judged = "undecided" if row["undecided"] == 1 else f"{row['false_regression']:.0%}"
        caught = "undecided" if row["undecided"] == 1 else f"{row['caught']:.0%}"
        print(
            f"| latency.median>+{row['threshold']:g}% | {row['trials']} | {judged} | {caught} | "
            f"{row['false_regression_point']:.0%} / {row['caught_point']:.0%} |"
        )
    if args.json and not args.from_json:
        args.json.write_text(
            json.dumps({"base": base, "slow": slow, "settings": vars(args) | {"json": str(args.json)}, "rows": rows})
        )


if __name__ == "__main__":
    main()
