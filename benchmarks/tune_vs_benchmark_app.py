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

    CI=true python benchmarks/tune_vs_benchmark_app.py                     # three models, ~20 min
    CI=true python benchmarks/tune_vs_benchmark_app.py --models minilm --rounds 3 --seconds 5
    CI=true python benchmarks/tune_vs_benchmark_app.py --skip-tune          # reuse earlier tunes
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sidebyside import (
    REPO,
    Currency,
    MeasureError,
    best_per_round,
    interleave,
    load_tune,
    ratio,
    run_benchmark_app,
    run_tune,
)


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
    "magika": Model(
        "magika",
        REPO / "examples/tune/magika.toml",
        REPO / "examples/magika/models/magika.onnx",
        REPO / "examples/magika/prepare.py",
        "[1,2048]",
        False,
    ),
}


def tune(model: Model, out: Path, log: Callable[[str], None]) -> dict[str, Any]:
    if not model.original.exists():
        log(f"{model.name}: preparing {model.original} with {model.prepare.name}")
        subprocess.run([sys.executable, str(model.prepare)], check=True)
    try:
        return run_tune(model.recipe, out, log, label=f"{model.name} (its [tune] budget)")
    except MeasureError as exc:
        raise SystemExit(str(exc)) from None


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
    currency = Currency.for_objective(objective)

    def measure(arguments: list[str]) -> Callable[[], float]:
        return lambda: run_benchmark_app(arguments, seconds)[currency.key]

    results = interleave(
        {name: measure(arguments) for name, arguments in setups.items()}, rounds=rounds, currency=currency, log=log
    )
    if any(value is None for values in results.values() for value in values):
        raise SystemExit(f"{model.name}: a benchmark_app run failed (see above)")
    best = {name: currency.best(values) for name, values in results.items()}
    presets = best_per_round(results["latency preset"], results["throughput preset"], currency=currency)
    tuned_vs_presets = ratio(results["ovtune tune"], presets, currency)
    assert tuned_vs_presets is not None
    return {
        "results": results,
        "best": best,
        "best_of_n_ratio": tuned_vs_presets.best_of_n,
        "median_round_ratio": tuned_vs_presets.median_of_rounds,
        "per_round": list(tuned_vs_presets.per_round),
        "unit": currency.unit,
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
        report = load_tune(out) if args.skip_tune else tune(model, out, log)
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
