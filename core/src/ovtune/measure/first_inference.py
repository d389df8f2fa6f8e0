"""First-inference latency and peak memory, measured in fresh child processes.

What a user waits for when an application starts: read the model, compile it, run one
inference. Each cold start is a new ``python`` process (nothing warm in memory), run several
times; the median is reported. Three situations are measured:

- ``no_cache``: no ``CACHE_DIR`` (every start compiles from scratch);
- ``cache_fill``: an empty ``CACHE_DIR`` (compiles and writes the blob: the first start after
  installation);
- ``cached``: the warm ``CACHE_DIR`` (imports the blob instead of compiling).

The child reports its peak RSS (``VmHWM``) and its RSS right after ``import openvino``, so
the model's own share of memory can be told apart from the runtime's.

Run as a module, this file is the child: ``python -m ovtune.measure.first_inference JSON``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ovtune.builtin.measurement_options import FirstInferenceOptions
from ovtune.context import MeasureContext, MeasureSubject
from ovtune.errors import MeasurementError
from ovtune.measure.inputs import timing_inputs
from ovtune.options import Options

CACHE_DIR_KEY = "CACHE_DIR"
BENEFIT_THRESHOLD = 0.10
"""Caching "pays off" when cached starts are at least this much faster than uncached ones."""


READABLE_SUFFIXES = frozenset({".xml", ".onnx", ".tflite", ".pdmodel", ".pb"})
"""Files a fresh process can hand to ``Core.read_model`` directly."""

CONVERTED_NOTE = "started from the converted model saved as IR: OpenVINO does not read the source file itself"


def _child_model_path(subject: MeasureSubject, folder: Path) -> tuple[Path, str | None]:
    """The file a fresh process starts from, and a note when it is not the subject's own file.

    A source OpenVINO cannot read itself (a PyTorch module, a TorchScript archive) is what an
    application would not ship either: it ships the converted model, so that is saved as IR into
    ``folder`` and timed instead."""
    path = subject.model_path or (subject.source_files[0] if subject.source_files else None)
    if path is not None and path.suffix.lower() in READABLE_SUFFIXES:
        return path, None
    import openvino as ov

    converted = folder / "model.xml"
    ov.save_model(subject.read(), str(converted), compress_to_fp16=False)
    return converted, CONVERTED_NOTE


def cold_starts(
    model: Path,
    device: str,
    config: dict[str, Any],
    *,
    cache_dir: Path | None,
    runs: int,
    timeout: float,
    reshape: str | dict[str, str] | None = None,
    input_shapes: dict[str, list[int]] | None = None,
) -> list[dict[str, Any]]:
    """Run ``runs`` fresh processes; each reads, compiles and infers once (dynamic inputs
    with the shapes in ``input_shapes``)."""
    request = {
        "reshape": reshape,
        "input_shapes": input_shapes or {},
        "model": str(model),
        "device": device,
        "config": {k: v for k, v in config.items() if k != CACHE_DIR_KEY},
        "cache_dir": str(cache_dir) if cache_dir else None,
    }
    results = []
    env = {**os.environ, "CI": os.environ.get("CI", "true")}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "ovtune.measure.first_inference", json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=env,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise MeasurementError(f"first_inference: the child process failed: {reason}")
        results.append(json.loads(lines[-1]))
    return results


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("read_ms", "compile_ms", "first_infer_ms", "total_ms", "peak_rss_mb", "runtime_rss_mb")
    return {
        **{key: _median(runs, key) for key in keys},
        "loaded_from_cache": all(run["loaded_from_cache"] for run in runs),
        "runs": runs,
    }


class _Starts:
    """Fresh-process starts of one subject: the file they read, the shapes of its dynamic inputs
    (those of the run's timing inputs, so a dynamic model starts as it is measured), and a
    note when the file is not the subject's own (see :func:`_child_model_path`)."""

    def __init__(self, subject: MeasureSubject, context: MeasureContext, folder: Path, timeout: float):
        self.model, self.note = _child_model_path(subject, folder)
        self.reshape = None if self.note else subject.reshape
        self.context = context
        self.timeout = timeout
        compiled = context.compile(subject)
        dynamic = [port.get_any_name() for port in compiled.inputs if port.get_partial_shape().is_dynamic]
        self.input_shapes: dict[str, list[int]] = {}
        if dynamic:
            feed = timing_inputs(compiled, context).feeds[0]
            self.input_shapes = {name: list(feed[name].shape) for name in dynamic if name in feed}

    def run(self, cache_dir: Path | None, runs: int) -> list[dict[str, Any]]:
        return cold_starts(
            self.model,
            self.context.device,
            self.context.config,
            cache_dir=cache_dir,
            runs=runs,
            timeout=self.timeout,
            reshape=self.reshape,
            input_shapes=self.input_shapes,
        )


def first_inference(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    """Cold and cached first-inference latency (cached in the context for ``memory``)."""
    key = f"first_inference:{subject.label}"
    if key in context.cache:
        return context.cache[key]  # type: ignore[no-any-return]
    settings = options if isinstance(options, FirstInferenceOptions) else FirstInferenceOptions()
    with tempfile.TemporaryDirectory(prefix="ovtune-start-") as folder:
        starts = _Starts(subject, context, Path(folder), settings.timeout)
        no_cache = starts.run(None, settings.runs)
        cache_dir = Path(folder) / "cache"
        fill = starts.run(cache_dir, 1)
        cached = starts.run(cache_dir, settings.runs)
    result: dict[str, Any] = {"no_cache": _summary(no_cache), "cache_fill": _summary(fill), "cached": _summary(cached)}
    if starts.note:
        result["note"] = starts.note
    cold_ms = result["no_cache"]["total_ms"]
    warm_ms = result["cached"]["total_ms"]
    result.update(
        cold_ms=cold_ms,
        cached_ms=warm_ms,
        compile_ms=result["no_cache"]["compile_ms"],
        cache_speedup=cold_ms / warm_ms if warm_ms else None,
        cache_pays_off=bool(
            warm_ms and (cold_ms - warm_ms) / cold_ms >= BENEFIT_THRESHOLD and result["cached"]["loaded_from_cache"]
        ),
    )
    context.cache[key] = result
    return result


def measure_memory(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    """Peak RSS of a fresh process that reads, compiles and runs the model once (no cache)."""
    key = f"first_inference:{subject.label}"
    if key in context.cache:
        cold = context.cache[key]["no_cache"]
        note = context.cache[key].get("note")
    else:
        defaults = FirstInferenceOptions()
        with tempfile.TemporaryDirectory(prefix="ovtune-start-") as folder:
            starts = _Starts(subject, context, Path(folder), defaults.timeout)
            cold = _summary(starts.run(None, defaults.runs))
            note = starts.note
    result = {
        "peak_rss_mb": cold["peak_rss_mb"],
        "runtime_rss_mb": cold["runtime_rss_mb"],
        "model_rss_mb": cold["peak_rss_mb"] - cold["runtime_rss_mb"],
    }
    if note:
        result["note"] = note
    return result


# --------------------------------------------------------------------------------------
# The child process
# --------------------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    """A size field of ``/proc/self/status`` (Linux) in MB, or ``None`` where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak)."""
    current = _status_mb("VmRSS")
    return current if current is not None else _peak_rss_mb()


def _peak_rss_mb() -> float:
    """Peak resident set size of this process in MB.

    Linux's ``VmHWM`` starts afresh when the process executes Python; ``ru_maxrss`` does not: it
    keeps the peak of the forked parent before ``exec``, so a child of a large measuring process
    would report the parent's size. ``ru_maxrss`` is the fallback where ``/proc`` is missing."""
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(request: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    import numpy as np
    import openvino as ov

    imported = time.perf_counter()
    runtime_rss = _rss_mb()
    core = ov.Core()
    config = dict(request["config"])
    if request["cache_dir"]:
        config[CACHE_DIR_KEY] = request["cache_dir"]
    t0 = time.perf_counter()
    model = core.read_model(request["model"])
    if request.get("reshape"):
        model.reshape(request["reshape"])
    t1 = time.perf_counter()
    compiled = core.compile_model(model, request["device"], config)
    t2 = time.perf_counter()
    feed = {}
    for port in compiled.inputs:
        shape = port.get_partial_shape()
        name = port.get_any_name()
        if shape.is_dynamic and name not in request["input_shapes"]:
            raise SystemExit(f"input {name} has a dynamic shape {shape}")
        dims = request["input_shapes"][name] if shape.is_dynamic else shape.to_shape()
        feed[name] = np.zeros(dims, dtype=port.get_element_type().to_dtype())
    t3 = time.perf_counter()
    compiled(feed)
    t4 = time.perf_counter()
    try:
        from_cache = bool(compiled.get_property("LOADED_FROM_CACHE"))
    except RuntimeError:
        from_cache = False
    return {
        "import_ms": (imported - started) * 1000,
        "read_ms": (t1 - t0) * 1000,
        "compile_ms": (t2 - t1) * 1000,
        "first_infer_ms": (t4 - t3) * 1000,
        "total_ms": (t2 - t0 + t4 - t3) * 1000,
        "loaded_from_cache": from_cache,
        "runtime_rss_mb": runtime_rss,
        "peak_rss_mb": _peak_rss_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(_child(json.loads(sys.argv[1]))))
