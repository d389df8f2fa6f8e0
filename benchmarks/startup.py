"""How long ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate`` take, whole process.

These are the commands a user types most and waits on most often (in a shell, in an editor's
recipe check, in CI before a run), so they must feel instant: the target is 0.25 s each. What
they cost is mostly imports, so the figure is the wall time of a fresh ``python -m ovtune ...``
process, from start to exit, with the interpreter's own start-up (``python -c pass``) printed
beside it as the floor no change to ovtune can go below.

Each round runs every command once, in a rotated order, so that a burst of background load hits
each command in turn; the table gives the median and the best of the rounds. With ``--against
REF`` the same commands also run on ovtune as it was at git revision REF (a temporary worktree
put first on ``PYTHONPATH``, same interpreter and installed plugins), interleaved with the
current code, and the ratio current / REF is printed as best-of-N and as the median of the
per-round ratios.

    CI=true python benchmarks/startup.py                          # ~1 min
    CI=true python benchmarks/startup.py --against 35c1f5e --rounds 15
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_RECIPE = REPO / "core" / "src" / "ovtune" / "demo" / "recipe.toml"
TARGET_SECONDS = 0.25

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [],
    "ovtune --help": ["--help"],
    "ovtune plugins": ["plugins"],
    "ovtune validate": ["validate", str(DEMO_RECIPE)],
}
"""Label: arguments after ``python -m ovtune`` (none: the bare interpreter, the floor)."""


def source_path(root: Path) -> str:
    """``PYTHONPATH`` that makes the checkout at ``root`` the ovtune that runs, plugins included."""
    folders = [root / "core" / "src", *sorted((root / "plugins").glob("*/src"))]
    return os.pathsep.join(str(folder) for folder in folders)


def timed(arguments: list[str], python_path: str) -> float:
    """Seconds from starting the process to its exit."""
    command = [sys.executable, "-m", "ovtune", *arguments] if arguments else [sys.executable, "-c", "pass"]
    env = {**os.environ, "CI": "true", "PYTHONPATH": python_path}
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


@contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """A temporary worktree of ``revision``, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ovtune-startup-"))
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), revision], check=True, capture_output=True
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False, capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def measure(rounds: int, sides: dict[str, str]) -> dict[tuple[str, str], list[float]]:
    """``{(side, command): [seconds per round]}``, every side and command once per round."""
    runs = [(side, label) for side in sides for label in COMMANDS]
    times: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    for warm in runs:  # page cache and .pyc files, so that round 1 is not a cold start
        timed(COMMANDS[warm[1]], sides[warm[0]])
    for index in range(rounds):
        shift = index % len(runs)
        for side, label in runs[shift:] + runs[:shift]:
            times[(side, label)].append(timed(COMMANDS[label], sides[side]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--against", metavar="REF", help="also time ovtune at this git revision, interleaved")
    args = parser.parse_args()
    print(f"# ovtune start-up, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.rounds} rounds")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with checkout(args.against) if args.against else _no_checkout() as other:
        sides = {"current": source_path(REPO)}
        if other is not None:
            sides[args.against] = source_path(other)
        times = measure(args.rounds, sides)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    header = f"{'command':<18} {'median s':>9} {'best s':>8} {'target':>7}"
    if args.against:
        header += f" {args.against + ' median':>16} {'ratio best':>10} {'ratio median pair':>18}"
    print(header)
    print("-" * len(header))
    for label, arguments in COMMANDS.items():
        current = times[("current", label)]
        median = statistics.median(current)
        verdict = "" if not arguments else "ok" if median <= TARGET_SECONDS else "SLOW"
        row = f"{label:<18} {median:>9.3f} {min(current):>8.3f} {verdict:>7}"
        if args.against:
            before = times[(args.against, label)]
            pairs = [a / b for a, b in zip(current, before, strict=True)]
            row += f" {statistics.median(before):>16.3f} {min(current) / min(before):>10.2f}"
            row += f" {statistics.median(pairs):>18.2f}"
        print(row)
    print(f"\ntarget: every ovtune command's median at most {TARGET_SECONDS} s (whole process, interpreter included)")


@contextmanager
def _no_checkout() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
