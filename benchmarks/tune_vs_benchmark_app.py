"""Does ``ovtune tune`` beat benchmark_app's own presets on the original model?

For each model: run ``ovtune tune`` on its recipe in ``examples/tune/`` (the recipe's time and
trial budget), then measure three things with benchmark_app itself, in fresh processes,
interleaved for N rounds with the order rotated every round:

- the original model with ``-hint latency``;
- the original model with ``-hint tput``;
- the tuned result: ``-m deploy/model.xml -load_config deploy/config.json``.

Each is measured in the currency of the tune's objective (throughput: FPS; latency: median ms).
The claim "at least as good as the best preset" is judged two ways that fail differently:
best-of-N (each configuration's best run; load only ever slows a run down) and the median over
rounds of tuned / best preset of that round. The accuracy figure is the tune's own, measured on
held-out data against the original model in f32.

Usage::

    CI=true python benchmarks/tune_vs_benchmark_app.py                     # both models, ~15 min
    CI=true python benchmarks/tune_vs_benchmark_app.py --models minilm --rounds 3 --seconds 5
    CI=true python benchmarks/tune_vs_benchmark_app.py --skip-tune          # reuse earlier tunes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Model:
    name: str
    recipe: Path
    original: Path
    prepare: Path
    shape: str | None  # benchmark_app -shape for the original (dynamic) model
    float_input: bool  # image-like f32 input: pass -ip f32 (benchmark_app would feed u8)


MODELS = {
    "ppocr-det": Model(
        "ppocr-det",
        REPO / "examples/tune/ppocr-det.toml",
        REPO / "examples/pot/models/det.onnx",
        REPO / "examples/pot/prepare.py",
        "[1,3,320,320]",
        True,
    ),
    "minilm": Model(
        "minilm",
        REPO / "examples/tune/minilm.toml",
        REPO / "examples/nncf/models/minilm.xml",
        REPO / "examples/nncf/prepare_minilm.py",
        None,
        False,
    ),
}

_THROUGHPUT = re.compile(r"Throughput:\s+([\d.]+) FPS")
_MEDIAN = re.compile(r"Median:\s+([\d.]+) (ms|us)")


def benchmark_app() -> str:
    found = shutil.which("benchmark_app") or str(Path(sys.executable).with_name("benchmark_app"))
    return found


def run_benchmark_app(arguments: list[str], seconds: float) -> dict[str, float]:
    """One benchmark_app process: its FPS and median latency (ms) from the console."""
    command = [benchmark_app(), *arguments, "-t", str(int(seconds))]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds * 4 + 300)
    if done.returncode != 0:
        raise SystemExit(f"benchmark_app failed: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    fps = float(_THROUGHPUT.search(done.stdout).group(1))  # type: ignore[union-attr]
    median = _MEDIAN.search(done.stdout)
    median_ms = float(median.group(1)) / (1000.0 if median.group(2) == "us" else 1.0) if median else float("nan")
    return {"fps": fps, "median_ms": median_ms}


def tune(model: Model, out: Path, log: Callable[[str], None]) -> dict[str, Any]:
    if not model.original.exists():
        log(f"{model.name}: preparing {model.original} with {model.prepare.name}")
        subprocess.run([sys.executable, str(model.prepare)], check=True)
    log(f"{model.name}: ovtune tune {model.recipe.relative_to(REPO)} (its [tune] budget)")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ovtune", "tune", str(model.recipe), "--out", str(out), "--fresh"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": "true"},
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"ovtune tune failed:\n{done.stderr[-3000:]}")
    log(f"{model.name}: tune took {time.perf_counter() - started:.0f} s")
    return json.loads((out / "tune.json").read_text())  # type: ignore[no-any-return]


def compare(
    model: Model, out: Path, *, rounds: int, seconds: float, objective: str, log: Callable[[str], None]
) -> dict[str, Any]:
    deploy = out / "deploy"
    original = ["-m", str(model.original), "-d", "CPU"] + (["-shape", model.shape] if model.shape else [])
    if model.float_input:
        original += ["-ip", "f32"]
    tuned = ["-m", str(deploy / "model.xml"), "-d", "CPU", "-load_config", str(deploy / "config.json")]
    if model.float_input:
        tuned += ["-ip", "f32"]
    setups = {
        "latency preset": [*original, "-hint", "latency"],
        "throughput preset": [*original, "-hint", "tput"],
        "ovtune tune": tuned,
    }
    key = "fps" if objective == "throughput" else "median_ms"
    results: dict[str, list[float]] = {name: [] for name in setups}
    names = list(setups)
    for round_index in range(rounds):
        order = names[round_index % len(names) :] + names[: round_index % len(names)]
        for name in order:
            value = run_benchmark_app(setups[name], seconds)[key]
            results[name].append(value)
            log(f"  round {round_index + 1} {name:<18} {value:10.2f} {'FPS' if key == 'fps' else 'ms'}")
    higher = key == "fps"
    best = {name: (max(values) if higher else min(values)) for name, values in results.items()}
    preset_best = (
        max(best["latency preset"], best["throughput preset"])
        if higher
        else min(best["latency preset"], best["throughput preset"])
    )
    per_round = []
    for index in range(rounds):
        presets = [results["latency preset"][index], results["throughput preset"][index]]
        reference = max(presets) if higher else min(presets)
        tuned_value = results["ovtune tune"][index]
        per_round.append(tuned_value / reference if higher else reference / tuned_value)
    return {
        "results": results,
        "best": best,
        "best_of_n_ratio": best["ovtune tune"] / preset_best if higher else preset_best / best["ovtune tune"],
        "median_round_ratio": statistics.median(per_round),
        "per_round": per_round,
        "unit": "FPS" if higher else "ms",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-tune", action="store_true", help="Reuse the tune folders of an earlier run.")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ovtune-tune-bench")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, flush=True)

    summary = []
    for name in args.models:
        model = MODELS[name]
        out = args.work / name
        report = json.loads((out / "tune.json").read_text()) if args.skip_tune else tune(model, out, log)
        decision = report["decision"]
        winner = next(t for t in report["trials"] if t["number"] == decision["winner"])
        log(f"{name}: chosen trial {winner['number']}: {winner['label']} ({winner['precision']})")
        for note in decision["notes"]:
            log(f"{name}: note: {note}")
        comparison = compare(
            model, out, rounds=args.rounds, seconds=args.seconds, objective=report["objective"], log=log
        )
        unit = comparison["unit"]
        drop = winner["values"].get("drop")
        line = (
            f"{name:<10} objective {report['objective']}: best-of-{args.rounds} "
            f"latency preset {comparison['best']['latency preset']:.2f} {unit}, "
            f"throughput preset {comparison['best']['throughput preset']:.2f} {unit}, "
            f"ovtune tune {comparison['best']['ovtune tune']:.2f} {unit}; "
            f"tuned / best preset: best-of-N {comparison['best_of_n_ratio']:.2f}x, "
            f"median of rounds {comparison['median_round_ratio']:.2f}x; "
            f"{len(report['trials'])} trials in {report['search_seconds']:.0f} s; "
            f"accuracy drop {drop:.4g} (bound {report['constraints']['max_drop']}) on held-out data"
        )
        summary.append(line)
    print()
    print("\n".join(summary))


if __name__ == "__main__":
    main()
