"""Wall time of one sweep: the serial executor vs ovtune-ray (a local Ray, and a simulated
three-node cluster on this machine), with the share of the work that is building and measuring,
and what that predicts for N machines.

The sweep is :func:`ovtune.testing.write_sweep_project`'s three models (the demo CNN, a linear
classifier, a one-hidden-layer network, on the digits) under three recipes: ``f32`` (no stage),
``int8`` (pot.default on 300 calibration samples) and ``int8-aa`` (pot.accuracy_aware with a
0.5 % bound, which evaluates the model many times while it builds). Every run starts from an
empty stage cache (a fresh copy of the project), each is its own ``ovtune sweep`` process, and
the modes are interleaved, their order rotated each round, because this machine is shared.

On one machine Ray cannot be faster than serial by much: the measurements own the machine one
at a time whatever the executor, and the simulated cluster's nodes share the same two cores. The
figures show Ray's own cost (start-up, scheduling, shipping stage outputs) and the build share
that N real machines would divide.

    python benchmarks/scale.py [--rounds 2] [--seconds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RECIPES = """
[[recipe]]
name = "f32"
[recipe.deploy]
precision = "f32"

[[recipe]]
name = "int8"
[[recipe.stage]]
use = "pot.default"
subset_size = 300
speed_check = 0

[[recipe]]
name = "int8-aa"
[[recipe.stage]]
use = "pot.accuracy_aware"
subset_size = 300
max_drop = 0.005
speed_check = 0
"""


def make_project(root: Path, seconds: float) -> Path:
    """The benchmark's sweep project in ``root`` (its recipes replaced by :data:`RECIPES`)."""
    from ovtune.testing import write_sweep_project

    sweep_file = write_sweep_project(root)
    text = sweep_file.read_text()
    sweep_file.write_text(text[: text.index("[[recipe]]")] + RECIPES)
    base = root / "shared" / "base.toml"
    base_text = (
        base.read_text().replace("limit = 32", "limit = 300").replace('duration = "0.2s"', f'duration = "{seconds}s"')
    )
    base.write_text(base_text)
    return sweep_file


def run_mode(template: Path, mode: str, address: str | None) -> dict[str, Any]:
    """One ``ovtune sweep`` process in a fresh copy of the project (an empty stage cache)."""
    with tempfile.TemporaryDirectory(prefix=f"scale-{mode}-") as scratch:
        project = Path(scratch) / "zoo"
        shutil.copytree(template, project)
        command = [sys.executable, "-m", "ovtune", "sweep", str(project / "sweep.toml")]
        if mode != "serial":
            command += ["--executor", "ray"]
        if address:
            command += ["--address", address]
        env = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{mode}: ovtune sweep failed:\n{done.stderr[-3000:]}")
        journal = project / "runs" / "zoo-sweep" / "journal.jsonl"
        results = [json.loads(line)["result"] for line in journal.read_text().splitlines() if '"kind": "job"' in line]
    return {"wall": wall, "results": results}


def shares(results: list[dict[str, Any]]) -> dict[str, float]:
    """Of a serial run: seconds spent building (stages run, not from the cache) and measuring
    (everything else a job did: loading, compiling, timing, scoring), over all jobs."""
    build = sum(
        stage.get("seconds") or 0.0 for result in results for stage in result["stages"] if not stage.get("cached")
    )
    total = sum(result["seconds"] for result in results)
    longest = max(result["seconds"] for result in results)
    return {"build": build, "measure": total - build, "total": total, "longest_job": longest}


def predict(share: dict[str, float], overhead: float, machines: int) -> float:
    """Wall time on ``machines`` machines like this one: builds and measurements both divide
    (each machine measures the jobs it is given, alone), bounded below by the longest job, plus
    the executor's fixed cost seen here."""
    return overhead + max(share["total"] / machines, share["longest_job"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0, help="timing per latency/throughput figure")
    parser.add_argument("--modes", default="serial,ray-local,ray-cluster")
    args = parser.parse_args()
    os.environ.setdefault("CI", "true")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    modes = args.modes.split(",")

    cluster = None
    if "ray-cluster" in modes:
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        for _ in range(2):
            cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
    try:
        with tempfile.TemporaryDirectory(prefix="scale-template-") as scratch:
            template = make_project(Path(scratch) / "zoo", args.seconds).parent
            walls: dict[str, list[float]] = {mode: [] for mode in modes}
            serial_runs: list[dict[str, Any]] = []
            for round_index in range(args.rounds):
                order = modes[round_index % len(modes) :] + modes[: round_index % len(modes)]
                for mode in order:
                    address = cluster.address if (mode == "ray-cluster" and cluster) else None
                    outcome = run_mode(template, mode, address)
                    walls[mode].append(outcome["wall"])
                    if mode == "serial":
                        serial_runs.append(outcome)
                    print(f"round {round_index + 1} {mode:12s} {outcome['wall']:7.1f} s", flush=True)
    finally:
        if cluster is not None:
            cluster.shutdown()

    print("\n| executor | wall time, best (s) | median (s) | time vs serial (best) |")
    print("|---|---|---|---|")
    best_serial = min(walls["serial"]) if "serial" in walls else None
    for mode in modes:
        ratio = f"{min(walls[mode]) / best_serial:.2f}x" if best_serial else "-"
        print(f"| {mode} | {min(walls[mode]):.1f} | {statistics.median(walls[mode]):.1f} | {ratio} |")
    if not serial_runs:
        return
    share = shares(min(serial_runs, key=lambda run: run["wall"])["results"])
    total = share["build"] + share["measure"]
    print(
        f"\nserial, inside the jobs: {share['total']:.1f} s; building {share['build']:.1f} s "
        f"({share['build'] / total:.0%}), measuring {share['measure']:.1f} s ({share['measure'] / total:.0%}); "
        f"longest job {share['longest_job']:.1f} s"
    )
    overhead = (min(walls["ray-local"]) - share["total"]) if "ray-local" in walls else 0.0
    print(f"ray-local's cost beyond the jobs' own time (start-up, scheduling, reports): {overhead:.1f} s")
    print("\n| machines | predicted wall time (s) | speedup over serial |")
    print("|---|---|---|")
    for machines in (1, 2, 4, 8):
        predicted = predict(share, overhead, machines)
        speedup = f"{best_serial / predicted:.2f}x" if best_serial else "-"
        print(f"| {machines} | {predicted:.1f} | {speedup} |")


if __name__ == "__main__":
    main()
