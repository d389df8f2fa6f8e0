"""ONNX Runtime measured the way ovtune measures OpenVINO, so the two can share a table.

Everything that could make the comparison unfair comes from ovtune itself
(:mod:`ovtune.measure.framework`: the prepared inputs, the timing harness, the size rule and the
metric code). What remains here is ONNX Runtime's side: building the session, matching ovtune's
inputs to the ONNX graph's, and calling ``InferenceSession.run``.

ONNX Runtime has no per-run latency counter like OpenVINO's ``InferRequest.latency``, so its
timings are wall clock around ``run`` and include the Python call; the report says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ovtune.plugin import MeasureContext, MeasurementError, model_files, runtime_reason
from ovtune.plugin.measure import FrameworkRunner, framework_notes, measure_framework
from ovtune_ort.options import OrtOptions

if TYPE_CHECKING:
    import onnxruntime as ort

NAME = "onnxruntime"

_GRAPH_OPTIMIZATION = {
    "all": "ORT_ENABLE_ALL",
    "extended": "ORT_ENABLE_EXTENDED",
    "basic": "ORT_ENABLE_BASIC",
    "disabled": "ORT_DISABLE_ALL",
}
_EXECUTION_MODE = {"sequential": "ORT_SEQUENTIAL", "parallel": "ORT_PARALLEL"}
_NUMPY_TYPES: dict[str, type[np.generic]] = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int16)": np.int16,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


def run(source: Path | str, options: OrtOptions, context: MeasureContext) -> dict[str, Any]:
    """``Baseline.run``: the recipe's measurements that ONNX Runtime can reproduce, on ``source``."""
    if not isinstance(source, Path) or source.suffix.lower() != ".onnx":
        raise MeasurementError(f"baseline {NAME} needs an ONNX source model; got {source}")
    import onnxruntime as ort

    session = _session(ort, source, options)
    runner = OrtRunner(session, context.compile(context.reference))
    metrics = list(context.measure.metrics)
    return {
        "framework": f"{NAME} {ort.__version__}",
        "precision": "f32",
        "measurements": measure_framework(runner, model_files(source), context, workers=options.workers),
        "notes": _notes(session, options, metrics, runner),
    }


def _session(ort: Any, source: Path, options: OrtOptions) -> ort.InferenceSession:
    """An ``InferenceSession`` with the recipe's options; a model or provider ONNX Runtime cannot
    use is the user's problem to fix, so it becomes a one-line :class:`MeasurementError`."""
    available = ort.get_available_providers()
    missing = [provider for provider in options.providers if provider not in available]
    if missing:
        raise MeasurementError(
            f"measure.{NAME}.providers: {', '.join(missing)} not available in onnxruntime {ort.__version__} "
            f"(available: {', '.join(available)})"
        )
    settings = ort.SessionOptions()
    settings.intra_op_num_threads = options.intra_op_threads
    settings.inter_op_num_threads = options.inter_op_threads
    settings.execution_mode = getattr(ort.ExecutionMode, _EXECUTION_MODE[options.execution_mode])
    settings.graph_optimization_level = getattr(
        ort.GraphOptimizationLevel, _GRAPH_OPTIMIZATION[options.graph_optimization]
    )
    settings.log_severity_level = 3  # errors only: ONNX Runtime's warnings would interleave with ovtune's output
    with _ort_errors(f"baseline {NAME}: cannot load {source}"):
        return ort.InferenceSession(str(source), sess_options=settings, providers=list(options.providers))


@contextlib.contextmanager
def _ort_errors(prefix: str) -> Iterator[None]:
    """Turn ONNX Runtime's exceptions (which do not derive from ``RuntimeError``) into one line."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    errors = tuple(value for value in vars(state).values() if isinstance(value, type) and issubclass(value, Exception))
    try:
        yield
    except errors as exc:
        raise MeasurementError(f"{prefix}: {runtime_reason(exc, None, noise=(), first=True)}") from None


class OrtRunner(FrameworkRunner):
    """Calls the session with ovtune's inputs, which are keyed by OpenVINO tensor names.

    For an ONNX source those names are the ONNX names, but an OpenVINO port can carry several
    names and ovtune keys a feed by any one of them, so each ONNX input is matched against all
    names of its OpenVINO port. Outputs are requested in OpenVINO's order, because metrics that
    compare with the original model's outputs compare them by position.
    """

    name = NAME
    title = "ONNX Runtime"
    timing = "wall clock around InferenceSession.run"

    def __init__(self, session: ort.InferenceSession, compiled: Any):
        self.session = session
        port_names = [set(port.get_names()) for port in compiled.inputs]
        self._aliases = {
            arg.name: sorted(next((names for names in port_names if arg.name in names), {arg.name}))
            for arg in session.get_inputs()
        }
        self._types = {arg.name: _NUMPY_TYPES.get(arg.type) for arg in session.get_inputs()}
        available = [arg.name for arg in session.get_outputs()]
        ordered = [next((n for n in available if n in port.get_names()), None) for port in compiled.outputs]
        self.outputs_matched = None not in ordered and sorted(map(str, ordered)) == sorted(available)
        self.output_names = [str(n) for n in ordered] if self.outputs_matched else available

    def prepare(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The session's feed for one ovtune input dict, in the dtypes the ONNX graph declares."""
        feed = {}
        for name, aliases in self._aliases.items():
            key = name if name in arrays else next((alias for alias in aliases if alias in arrays), None)
            if key is None:
                raise MeasurementError(
                    f"baseline {NAME}: no data for ONNX input {name!r} (the data has {', '.join(arrays) or 'nothing'})"
                )
            array = np.asarray(arrays[key])
            dtype = self._types[name]
            if dtype is not None and array.dtype != dtype:
                array = array.astype(dtype)
            feed[name] = np.ascontiguousarray(array)
        return feed

    def run(self, feed: dict[str, np.ndarray]) -> list[Any]:
        return self.session.run(self.output_names, feed)  # type: ignore[no-any-return]

    def outputs(self, result: list[Any]) -> list[np.ndarray]:
        return [np.asarray(value) for value in result]

    def errors(self) -> contextlib.AbstractContextManager[None]:
        return _ort_errors(f"baseline {NAME}: inference failed")


def _notes(session: ort.InferenceSession, options: OrtOptions, metrics: list[str], runner: OrtRunner) -> list[str]:
    """What a reader needs to compare these figures with OpenVINO's."""
    threads = options.intra_op_threads or "ONNX Runtime's default"
    notes = [
        f"{', '.join(session.get_providers())}, graph optimization {options.graph_optimization}, "
        f"{options.execution_mode} execution, intra-op threads {threads}"
        + (f", {options.workers} workers for throughput" if "throughput" in metrics else "")
        + ".",
        *framework_notes(runner, metrics),
    ]
    if not runner.outputs_matched and "accuracy" in metrics:
        notes.append("Outputs were matched to OpenVINO's by position: their names differ.")
    return notes
