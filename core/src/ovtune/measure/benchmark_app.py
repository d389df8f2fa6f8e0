"""The ``benchmark_app`` command line equivalent to a measurement, for cross-checking.

benchmark_app silently feeds image-like inputs as u8 (adding a Convert) unless ``-ip`` is
given, so the command always states the input precision; its ``-t`` is whole seconds.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import Any

HINT_FLAGS = {"latency": "latency", "throughput": "tput", "cumulative_throughput": "ctput", "none": "none"}
PRECISION_FLAGS = {"f32": "f32", "f16": "f16", "bf16": "bf16", "u8": "u8", "i8": "i8", "i32": "i32", "i64": "i64"}


def benchmark_app_command(
    model: Path | str,
    deploy: Any,
    *,
    seconds: float,
    input_precision: str | None = None,
    shape: str | None = None,
    iterations: int | None = None,
    data_shape: str | None = None,
    api: str | None = None,
    batch: int | None = None,
) -> str:
    """``benchmark_app -m MODEL -d DEVICE -hint ...`` matching ``deploy`` (a ``[deploy]`` section)."""
    args = ["benchmark_app", "-m", str(model), "-d", deploy.device]
    hint = deploy.hint or "none"
    args += ["-hint", HINT_FLAGS[hint]]
    if deploy.streams is not None:
        args += ["-nstreams", str(deploy.streams).upper() if deploy.streams == "auto" else str(deploy.streams)]
    if deploy.requests is not None:
        args += ["-nireq", str(deploy.requests)]
    if deploy.threads is not None:
        args += ["-nthreads", str(deploy.threads)]
    if deploy.precision is not None:
        args += ["-infer_precision", deploy.precision]
    if deploy.pinning is not None:
        args += ["-pin", "YES" if deploy.pinning else "NO"]
    if deploy.cache_dir is not None:
        args += ["-cache_dir", str(deploy.cache_dir)]
    if input_precision in PRECISION_FLAGS:
        args += ["-ip", PRECISION_FLAGS[input_precision]]
    if shape:
        args += ["-shape", shape]
    if data_shape:
        args += ["-data_shape", data_shape]
    if batch is not None:
        args += ["-b", str(batch)]
    if api is not None:
        args += ["-api", api]
    if iterations is not None:
        args += ["-niter", str(iterations)]
    else:
        args += ["-t", str(max(1, math.ceil(seconds)))]
    return shlex.join(args)
