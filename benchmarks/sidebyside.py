"""Side-by-side measurement shared by the benchmarks that compare tuned models with benchmark_app.

Why a module: ``tune_vs_benchmark_app.py`` and ``auto_tune.py`` make the same claim in the same
way, and the way is what makes the figures trustworthy on a shared machine, so it is written
once. Every figure comes from a fresh process (benchmark_app, or a child of this module for ONNX
Runtime), so no contender inherits another's warm caches or thread pools; contenders run
interleaved, one round after another, with the order rotated every round, so background load
falls on all of them alike; and each comparison is judged two ways that fail differently:
best-of-N (each contender's best run: load only ever slows a run down) and the median over
rounds of the pairwise ratio (robust to one odd round).

Ratios here are *speed* ratios: above 1 means the first contender is better, whichever way the
currency goes (FPS: higher is better; median latency in ms: lower is better).

Run as a script, the module is the ONNX Runtime child process::

    python benchmarks/sidebyside.py ort MODEL.onnx DATA.npz --mode latency --seconds 5
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

Log = Callable[[str], None]

_THROUGHPUT = re.compile(r"Throughput:\s+([\d.]+) FPS")
_MEDIAN = re.compile(r"Median:\s+([\d.]+) (ms|us)")


class MeasureError(RuntimeError):
    """One contender could not be measured (its process failed); the message is one paragraph."""


def log_line(message: str) -> None:
    print(message, flush=True)


def child_environment() -> dict[str, str]:
    """The environment of every child: OpenVINO's and NNCF's telemetry off (``CI=true``)."""
    return {**os.environ, "CI": "true"}


# --------------------------------------------------------------------------------------
# benchmark_app
# --------------------------------------------------------------------------------------


def benchmark_app() -> str:
    """The ``benchmark_app`` of this interpreter's environment (its ``python -m`` does nothing)."""
    return shutil.which("benchmark_app") or str(Path(sys.executable).with_name("benchmark_app"))


def run_benchmark_app(arguments: Sequence[str], seconds: float) -> dict[str, float]:
    """One benchmark_app process: its FPS and median latency (ms) from the console."""
    command = [benchmark_app(), *arguments, "-t", str(max(1, round(seconds)))]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds * 4 + 300,
            env=child_environment(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MeasureError(f"benchmark_app did not run: {' '.join(command)}: {exc}") from None
    throughput = _THROUGHPUT.search(done.stdout)
    if done.returncode != 0 or throughput is None:
        raise MeasureError(f"benchmark_app failed: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    median = _MEDIAN.search(done.stdout)
    median_ms = float(median.group(1)) / (1000.0 if median.group(2) == "us" else 1.0) if median else math.nan
    return {"fps": float(throughput.group(1)), "median_ms": median_ms}


# --------------------------------------------------------------------------------------
# ovtune tune
# --------------------------------------------------------------------------------------


def run_tune(recipe: Path, out: Path, log: Log, *, label: str = "") -> dict[str, Any]:
    """``ovtune tune RECIPE --out OUT --fresh`` in a child process; returns its ``tune.json``.

    Exit status 1 (nothing meets every bound) still writes a tune folder; any other failure, or a
    missing ``tune.json``, raises :class:`MeasureError` with the last lines ovtune printed."""
    what = label or recipe.name
    log(f"{what}: ovtune tune {_shown(recipe)} --out {out}")
    started = time.perf_counter()
    command = [sys.executable, "-m", "ovtune", "tune", str(recipe), "--out", str(out), "--fresh"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=child_environment())
    log(f"{what}: tune took {time.perf_counter() - started:.0f} s (exit {done.returncode})")
    report_path = out / "tune.json"
    if done.returncode not in (0, 1) or not report_path.is_file():
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise MeasureError(f"ovtune tune failed (exit {done.returncode}): " + " | ".join(lines[-6:]))
    return load_tune(out)


def load_tune(out: Path) -> dict[str, Any]:
    """The ``tune.json`` of a tune folder."""
    path = out / "tune.json"
    if not path.is_file():
        raise MeasureError(f"no tune.json in {out} (run without --skip-tune first)")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def winner_of(report: dict[str, Any]) -> dict[str, Any]:
    """The chosen trial of a tune report."""
    number = report["decision"]["winner"]
    if number is None:
        raise MeasureError(f"the tune chose nothing: {'; '.join(report['decision'].get('notes', [])) or 'no winner'}")
    return next(trial for trial in report["trials"] if trial["number"] == number)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------
# Interleaved rounds and ratios
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Currency:
    """What a figure is: FPS (higher is better) or median latency in ms (lower is better)."""

    key: str
    unit: str
    higher: bool

    @classmethod
    def for_objective(cls, objective: str) -> Currency:
        return cls("fps", "FPS", True) if objective == "throughput" else cls("median_ms", "ms", False)

    def best(self, values: Sequence[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        if not present:
            return None
        return max(present) if self.higher else min(present)

    def speedup(self, a: float, b: float) -> float:
        """How much better ``a`` is than ``b``: above 1 when ``a`` is better."""
        return a / b if self.higher else b / a


Results = dict[str, list[float | None]]
"""Each contender's figure per round; None where its process failed."""


def interleave(contenders: dict[str, Callable[[], float]], *, rounds: int, currency: Currency, log: Log) -> Results:
    """Measure every contender once per round, the order rotated every round. A contender whose
    process fails is reported in one line and left out of the remaining rounds."""
    results: Results = {name: [] for name in contenders}
    names = list(contenders)
    failed: set[str] = set()
    width = max((len(name) for name in names), default=10)
    for index in range(rounds):
        shift = index % len(names) if names else 0
        for name in names[shift:] + names[:shift]:
            if name in failed:
                results[name].append(None)
                continue
            try:
                value = contenders[name]()
            except MeasureError as exc:
                failed.add(name)
                results[name].append(None)
                log(f"  round {index + 1} {name:<{width}} failed, left out: {exc}")
                continue
            results[name].append(value)
            log(f"  round {index + 1} {name:<{width}} {value:10.2f} {currency.unit}")
    return results


@dataclass(frozen=True)
class Ratio:
    """How much better contender A is than B (speed ratio, above 1: A is better)."""

    best_of_n: float
    median_of_rounds: float
    per_round: tuple[float, ...]

    def text(self) -> str:
        return f"{self.best_of_n:.2f}x best-of-{len(self.per_round)}, {self.median_of_rounds:.2f}x median of rounds"


def ratio(a: Sequence[float | None], b: Sequence[float | None], currency: Currency) -> Ratio | None:
    """A over B as best-of-N and as the median of per-round ratios (rounds where both ran)."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    best_a, best_b = currency.best(a), currency.best(b)
    if not pairs or best_a is None or best_b is None:
        return None
    per_round = tuple(currency.speedup(x, y) for x, y in pairs)
    return Ratio(currency.speedup(best_a, best_b), statistics.median(per_round), per_round)


def best_per_round(*series: Sequence[float | None], currency: Currency) -> list[float | None]:
    """The better of several contenders in each round (e.g. the best of benchmark_app's presets)."""
    return [currency.best(values) for values in zip(*series, strict=True)]


def geometric_mean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(value) for value in values) / len(values)) if values else math.nan


# --------------------------------------------------------------------------------------
# ONNX Runtime, in a fresh process
# --------------------------------------------------------------------------------------


def run_ort(model: Path, data: Path, *, mode: str, seconds: float) -> dict[str, float]:
    """ONNX Runtime on ``model`` in a child process (this module as a script); its FPS and median
    latency (ms) with ONNX Runtime's default session options."""
    command = [sys.executable, str(Path(__file__).resolve()), "ort", str(model), str(data)]
    command += ["--mode", mode, "--seconds", str(seconds)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=seconds * 4 + 300, env=child_environment()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MeasureError(f"ONNX Runtime child did not run: {exc}") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise MeasureError("ONNX Runtime child failed: " + " | ".join(lines[-4:]))
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


ORT_WORKERS = 2
"""Threads calling ``InferenceSession.run`` at once for throughput (ovtune's ORT baseline default)."""


def _ort_child(model: Path, data: Path, mode: str, seconds: float) -> dict[str, float]:
    """Time ``InferenceSession.run`` on the first rows of ``data`` (one sample per call, cycling
    over up to 8): latency mode calls it in a loop and takes the median wall clock around the
    call; throughput mode runs :data:`ORT_WORKERS` threads and counts samples per second."""
    import numpy as np
    import onnxruntime as ort

    types = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32}
    settings = ort.SessionOptions()
    settings.log_severity_level = 3
    session = ort.InferenceSession(str(model), sess_options=settings, providers=["CPUExecutionProvider"])
    with np.load(data, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    inputs = session.get_inputs()
    feeds = []
    count = min(8, *(len(array) for array in arrays.values()))
    for row in range(count):
        feed = {}
        for item in inputs:
            array = arrays[item.name] if item.name in arrays else next(iter(arrays.values()))
            value = array[row : row + 1]
            if len(item.shape) == array.ndim - 1:
                value = value[0]
            feed[item.name] = np.ascontiguousarray(value.astype(types.get(item.type, value.dtype), copy=False))
        feeds.append(feed)
    for feed in feeds:  # warm-up, and inputs ONNX Runtime rejects fail here, not in a thread
        session.run(None, feed)
    batch = next(iter(feeds[0].values())).shape[0] if feeds[0] else 1
    deadline = time.perf_counter() + seconds
    if mode == "latency":
        times = []
        index = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            session.run(None, feeds[index % count])
            times.append(time.perf_counter() - start)
            index += 1
        median_ms = statistics.median(times) * 1000.0
        return {"fps": batch * len(times) / sum(times), "median_ms": median_ms}
    done = [0] * ORT_WORKERS

    def work(worker: int) -> None:
        index = worker
        while time.perf_counter() < deadline:
            session.run(None, feeds[index % count])
            done[worker] += 1
            index += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(ORT_WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"fps": batch * sum(done) / elapsed, "median_ms": math.nan}


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="ONNX Runtime timing child of the benchmarks.")
    commands = parser.add_subparsers(dest="command", required=True)
    child = commands.add_parser("ort", help="Time ONNX Runtime on MODEL with the rows of DATA (.npz)")
    child.add_argument("model", type=Path)
    child.add_argument("data", type=Path)
    child.add_argument("--mode", choices=("latency", "throughput"), default="latency")
    child.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    print(json.dumps(_ort_child(args.model, args.data, args.mode, args.seconds)))


if __name__ == "__main__":
    _main()
