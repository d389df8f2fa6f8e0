"""Does ``ovtune compare --fail-on`` hold as a CI gate, end to end? Real runs, real commands.

``gate_trials.py`` measures the gate's error rates from the timing harness alone; this script
does what a CI job does: ``ovtune run`` of one recipe (a fresh process each time), then
``ovtune compare RUN_A RUN_B --fail-on "latency.median>+10%"``, and counts the exit statuses.
Two models, built here from the bundled demo CNN: the base computes the network twice, the
slow one three times (``gate_trials.repeated``: a 1.5x slowdown of real work, not a sleep).
Each round runs base, base, slow back to back, so each round gives

- one pair of identical runs (base vs base), where the gate must pass (exit 0), and
- two pairs of a real 1.5x slowdown (base vs slow), where the gate must fail (exit 1).

With ``--runs-per-side K`` (K > 1) each of base, base and slow is a run set of K runs (a folder
of run folders, interleaved with the other sets' runs), and every pair is judged twice on the
same runs: as run sets, and as single runs (the first run of each set), so the two rules are
compared on identical data.

The recipe measures latency only, under the LATENCY hint in f32 (so bf16 on one CPU and f32 on
another cannot differ between runs), with ``--trials`` trials of ``--duration`` seconds each:
what a CI gate on latency would run.

    CI=true python benchmarks/gate_runs.py                      # 5 rounds, ~3 min on 2 cores
    CI=true python benchmarks/gate_runs.py --rounds 8 --threshold 5
    CI=true python benchmarks/gate_runs.py --rounds 5 --runs-per-side 3     # run sets, ~6 min
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openvino as ov
from gate_trials import repeated  # the same "real work" models as the trial-count benchmark

from ovtune import demo

RECIPE = """schema = 1
name = "{name}"

[model]
source = "{model}"

[deploy]
hint = "latency"
precision = "f32"

[measure]
metrics = ["latency"]
trials = {trials}
duration = {duration}

[output]
cache = false
"""


def build(folder: Path, copies: int, trials: int, duration: float) -> Path:
    """The recipe of a model that computes the demo network ``copies`` times."""
    core = ov.Core()
    model = folder / f"x{copies}.xml"
    ov.save_model(repeated(core.read_model(demo.model_path()), copies), model, compress_to_fp16=False)
    recipe = folder / f"x{copies}.toml"
    recipe.write_text(RECIPE.format(name=f"x{copies}", model=model.name, trials=trials, duration=duration))
    return recipe


def ovtune(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ovtune", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ, "CI": "true"})


def run(recipe: Path, out: Path) -> float:
    """One ``ovtune run``; returns its median latency (ms)."""
    done = ovtune("run", str(recipe), "--out", str(out), "--json")
    if done.returncode != 0:
        raise SystemExit(f"ovtune run {recipe} exited with {done.returncode}: {done.stderr[-800:]}")
    report = json.loads(done.stdout)
    return float(report["models"][0]["measurements"]["latency"]["median_ms"])


def compare(a: Path, b: Path, condition: str) -> tuple[int, str]:
    """``ovtune compare A B --fail-on CONDITION``: the exit status and the interval it printed."""
    done = ovtune("compare", str(a), str(b), "--fail-on", condition, "--json")
    if done.returncode not in (0, 1):
        raise SystemExit(f"ovtune compare exited with {done.returncode}: {done.stderr[-800:]}")
    (outcome,) = json.loads(done.stdout)["conditions"]
    bounds = outcome.get("observed_interval")
    interval = f"{outcome['judgement']} [{bounds[0]:+.1f}%, {bounds[1]:+.1f}%]" if bounds else outcome["judgement"]
    return done.returncode, interval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--duration", type=float, default=0.2, help="seconds per trial")
    parser.add_argument("--threshold", type=float, default=10.0, help="--fail-on latency.median>+T%%")
    parser.add_argument("--runs-per-side", type=int, default=1, help="runs in each run set (1: single runs)")
    args = parser.parse_args()
    condition = f"latency.median>+{args.threshold:g}%"
    sets = args.runs_per_side > 1
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# ovtune run + ovtune compare --fail-on {condition!r}, {when}")
    print(
        f"{args.rounds} rounds of (base, base, slow)"
        + (f" run sets of {args.runs_per_side} runs" if sets else "")
        + f"; {args.trials} trials x {args.duration:g} s per run"
    )
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    verdicts: dict[str, dict[str, list[int]]] = {"single": {"same": [], "slow": []}, "sets": {"same": [], "slow": []}}
    medians: dict[str, list[float]] = {"base": [], "slow": []}
    with tempfile.TemporaryDirectory(prefix="ovtune-gate-") as temporary:
        folder = Path(temporary)
        base, slow = build(folder, 2, args.trials, args.duration), build(folder, 3, args.trials, args.duration)
        for index in range(args.rounds):
            sides = [folder / f"r{index}-{name}" for name in ("base1", "base2", "slow")]
            for member in range(1, args.runs_per_side + 1):  # interleaved: base1, base2, slow, base1, ...
                for recipe, side, kind in zip((base, base, slow), sides, ("base", "base", "slow"), strict=True):
                    medians[kind].append(run(recipe, side / str(member) if sets else side))
            line = f"round {index + 1}:"
            for rule in ("sets", "single") if sets else ("single",):
                chosen = sides if rule == "sets" or not sets else [side / "1" for side in sides]
                status, interval = compare(chosen[0], chosen[1], condition)
                verdicts[rule]["same"].append(status)
                line += f" [{rule}] base vs base: exit {status} {interval};"
                for first in chosen[:2]:
                    status, interval = compare(first, chosen[2], condition)
                    verdicts[rule]["slow"].append(status)
                    line += f" base vs slow: exit {status} {interval};"
            print(line.rstrip(";"), flush=True)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs = sorted(medians["base"])
    ratio = statistics.median(medians["slow"]) / statistics.median(medians["base"])
    print(f"base runs' medians {runs[0]:.3f}-{runs[-1]:.3f} ms; measured slowdown (median of runs): {ratio:.2f}x")
    for rule, counts in verdicts.items():
        if not counts["same"]:
            continue
        name = "run sets" if rule == "sets" else "single runs"
        print(
            f"{name}: identical passed {counts['same'].count(0)}/{len(counts['same'])}, "
            f"1.5x slowdowns failed {counts['slow'].count(1)}/{len(counts['slow'])}"
        )


if __name__ == "__main__":
    main()
