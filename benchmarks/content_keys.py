"""What do content-keyed data and verified cache entries cost?

The stage cache keys data by the SHA-256 of its content (not path + size + mtime) and verifies
every entry it reuses against its manifest. Both read bytes that the old stat-only scheme did
not. This script measures the price on this machine, side by side and interleaved:

- data: a folder of calibration images (default 2,000 files, 120 MB) keyed three ways, each
  round in this order rotated: stat only (the old key), content hash with a warm memo (every
  run after the first), content hash cold (first run, or after the data changed);
- cache entry: verifying an IR entry of 100 MB (sizes, then SHA-256 of every file) against
  compiling the same model on CPU, which every measured run does anyway.

Usage::

    CI=true python benchmarks/content_keys.py                 # ~1 min on 2 cores
    CI=true python benchmarks/content_keys.py --files 5000 --rounds 7
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def _stat_key(folder: Path) -> list[int]:
    """The old data key: file count, total size and newest mtime."""
    stamps = [0, 0, 0]
    for child in sorted(folder.rglob("*")):
        if child.is_file():
            info = child.stat()
            stamps[0] += 1
            stamps[1] += info.st_size
            stamps[2] = max(stamps[2], info.st_mtime_ns)
    return stamps


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _data(root: Path, files: int, size: int) -> Path:
    folder = root / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(files):
        (folder / f"{index:05d}.raw").write_bytes(rng.integers(0, 255, size, dtype=np.uint8).tobytes())
    return folder


def _entry(root: Path, megabytes: int) -> Path:
    """A cache entry holding an IR model with ``megabytes`` of f32 weights."""
    import openvino as ov
    import openvino.opset13 as ops

    from ovtune.cache import StageCache

    columns = 1024
    rows = megabytes * (1 << 20) // (4 * columns)
    x = ops.parameter([1, rows], np.float32, name="x")
    weights = ops.constant(np.random.default_rng(1).standard_normal((rows, columns)).astype(np.float32))
    model = ov.Model([ops.matmul(x, weights, False, False)], [x], "wide")
    return StageCache(root / "cache").store("ab" * 32, model, {"index": 1}).folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kb", type=int, default=60)
    parser.add_argument("--model-mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from ovtune.cache import _verified
    from ovtune.content_hash import ContentHasher

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        folder = _data(root, args.files, args.file_kb * 1024)
        memo = root / "memo"
        memo.mkdir()
        warm = ContentHasher(memo)
        warm.path(folder)
        warm.save()
        methods: dict[str, Callable[[], object]] = {
            "stat only (old key)": lambda: _stat_key(folder),
            "content, warm memo": lambda: ContentHasher(memo).path(folder),
            "content, cold": lambda: ContentHasher(None).path(folder),
        }
        times: dict[str, list[float]] = {name: [] for name in methods}
        names = list(methods)
        for round_number in range(args.rounds):
            for name in names[round_number % len(names) :] + names[: round_number % len(names)]:
                times[name].append(_timed(methods[name]))
        megabytes = args.files * args.file_kb / 1024
        print(f"data key of {args.files} files ({megabytes:.0f} MB), best of {args.rounds} (median):")
        base = min(times["stat only (old key)"])
        for name, values in times.items():
            best = min(values)
            print(
                f"  {name:<22} {best * 1000:8.1f} ms ({statistics.median(values) * 1000:.1f}) "
                f"= {best / base:5.2f}x stat only"
            )

        entry = _entry(root, args.model_mb)
        import openvino as ov

        core = ov.Core()
        verify, compile_ = [], []
        for _ in range(args.rounds):
            verify.append(_timed(lambda: _verified(entry)))
            compile_.append(_timed(lambda: core.compile_model(str(entry / "model.xml"), "CPU")))
        ratios = [v / c for v, c in zip(verify, compile_, strict=True)]
        print(f"cache entry of {args.model_mb} MB, best of {args.rounds} (median):")
        print(f"  verify (sizes + SHA-256) {min(verify) * 1000:8.1f} ms ({statistics.median(verify) * 1000:.1f})")
        print(f"  compile on CPU           {min(compile_) * 1000:8.1f} ms ({statistics.median(compile_) * 1000:.1f})")
        print(f"  verify / compile: median of pairwise ratios {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
