"""``ovtune bench MODEL``: measure one model without writing a recipe, in benchmark_app's terms.

The flags become an in-memory recipe validated exactly like a file (so a bad value names the
``deploy.*`` key it maps to) and run through the same pipeline and measurements. Without
``--hint``, everything is measured with the LATENCY hint and throughput once more with the
THROUGHPUT hint, so the output says whether the throughput hint pays off for this model on this
machine; every row prints the equivalent ``benchmark_app`` command to cross-check the figures.

Figures are measured method for method as benchmark_app measures them:

- ``-t`` is the total time of the timed loops, as benchmark_app's ``-t``: ovtune keeps its
  repeated trials by splitting it evenly among every timed trial of every row (recorded in
  ``time``; the shares add up to the total). ``-niter`` is the inference count of each row.
- The API follows benchmark_app's default: ``sync`` under the LATENCY hint (one request,
  ``infer()`` in a loop; FPS = batch x iterations / duration of that same loop), ``async``
  otherwise (an ``AsyncInferQueue`` of ``OPTIMAL_NUMBER_OF_INFER_REQUESTS`` requests kept full;
  FPS = batch x requests started / duration). ``-api`` overrides it for every row.
- Latency is always the median of ``InferRequest.latency`` of synchronous requests. Under
  ``-api async`` benchmark_app reports the latency of the requests in its queue; ovtune keeps
  the synchronous figure and gives the queue's mean latency by Little's law (the row's
  ``method`` says so).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ovtune import hookimpl
from ovtune.errors import UsageError
from ovtune.manager import PluginHost
from ovtune.recipe import build_recipe

LATENCY_METRICS = ("latency", "first_inference", "memory", "size", "accuracy")
TIMED = ("latency", "throughput")
DEFAULT_SECONDS = 10.0
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")

SYNC_METHOD = (
    "benchmark_app's sync API: one request, infer() in a loop; latency = nearest-rank median of "
    "InferRequest.latency; FPS = batch x iterations / duration of the same loop"
)
ASYNC_METHOD = (
    "benchmark_app's async API (inference only): an AsyncInferQueue of {requests} request(s) kept full, "
    "inputs bound once; FPS = batch x requests started / duration from the first start to wait_all(); "
    "the queued requests' own median latency in throughput.latency_median_ms (benchmark_app's latency "
    "line); a latency column, when measured, is a separate sync loop"
)


@dataclass
class BenchSettings:
    """The command-line flags of ``ovtune bench``."""

    device: str = "CPU"
    hint: str | None = None
    streams: str | None = None
    requests: int | None = None
    threads: int | None = None
    precision: str | None = None
    pinning: bool | None = None
    cache_dir: Path | None = None
    seconds: float | None = None
    """Total seconds of timed loops (benchmark_app's ``-t``), split among trials and rows."""
    iterations: int | None = None
    """Inferences per row (benchmark_app's ``-niter``), split among trials."""
    trials: int = 3
    shape: str | dict[str, str] | None = None
    data_shape: dict[str, list[int]] | list[int] | None = None
    batch: int | None = None
    inputs: list[Path] = field(default_factory=list)
    api: str | None = None
    counters: bool = False
    metrics: list[str] = field(default_factory=lambda: ["latency", "throughput"])
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    """One compiled configuration to measure: the hint, the API its FPS comes from, the
    measurements to run."""

    hint: str | None
    api: str
    metrics: list[str]

    @property
    def timed(self) -> list[str]:
        return [name for name in self.metrics if name in TIMED]


def default_api(hint: str | None) -> str:
    """benchmark_app's default: sync under the LATENCY hint, async otherwise."""
    return "sync" if hint == "latency" else "async"


def plan(settings: BenchSettings) -> list[Row]:
    """The rows: one with the given hint, or the LATENCY hint then the THROUGHPUT hint for
    throughput. A sync row takes its FPS from the latency loop (no separate queue)."""
    if settings.hint is not None:
        wanted = [(settings.hint, list(settings.metrics))]
    else:
        wanted = [("latency", list(settings.metrics))]
        if "throughput" in settings.metrics:
            wanted.append(("throughput", ["throughput"]))
    rows = []
    for hint, metrics in wanted:
        api = settings.api or default_api(hint)
        chosen = list(metrics)
        if api == "sync" and "throughput" in chosen:
            chosen = [m for m in chosen if m != "throughput"]
            if "latency" not in chosen:
                chosen.insert(0, "latency")
        rows.append(Row(hint, api, chosen))
    return rows


@dataclass(frozen=True)
class TimeSplit:
    """How ``-t`` (or ``-niter``) is shared among the timed trials of every row."""

    total_seconds: float | None
    trials: int
    trial_seconds: float | None
    trial_iterations: int | None
    slots: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_seconds": self.total_seconds,
            "trials": self.trials,
            "trial_seconds": self.trial_seconds,
            "trial_iterations": self.trial_iterations,
            "slots": self.slots,
        }


def split_time(rows: list[Row], settings: BenchSettings) -> TimeSplit:
    """``-t T``: every timed trial of every row gets T / (trials x timed measurements), so the
    timed loops add up to T, as benchmark_app's one loop of T seconds. ``-niter N``: every
    timed measurement runs N inferences, in as many trials as divide N evenly (at most
    ``trials``)."""
    measurements = [(index, row.hint, name) for index, row in enumerate(rows) for name in row.timed]
    if settings.iterations is not None:
        trials = max(t for t in range(1, min(settings.trials, settings.iterations) + 1) if settings.iterations % t == 0)
        per_count = settings.iterations // trials
        counted: list[dict[str, Any]] = [
            {"row": i, "hint": hint, "measurement": name, "iterations": per_count * trials}
            for i, hint, name in measurements
        ]
        return TimeSplit(None, trials, None, per_count, counted)
    total = DEFAULT_SECONDS if settings.seconds is None else settings.seconds
    count = len(measurements) * settings.trials
    per_trial = total / count if count else total
    slots: list[dict[str, Any]] = [
        {"row": i, "hint": hint, "measurement": name, "seconds": per_trial * settings.trials}
        for i, hint, name in measurements
    ]
    return TimeSplit(total, settings.trials, per_trial, None, slots)


def _deploy(settings: BenchSettings, hint: str | None) -> dict[str, Any]:
    deploy: dict[str, Any] = {"device": settings.device, "properties": settings.properties}
    values = {
        "hint": hint,
        "requests": settings.requests,
        "threads": settings.threads,
        "precision": settings.precision,
        "pinning": settings.pinning,
    }
    deploy.update({key: value for key, value in values.items() if value is not None})
    if settings.streams is not None:
        deploy["streams"] = int(settings.streams) if settings.streams.isdigit() else settings.streams.lower()
    if settings.cache_dir is not None:
        deploy["cache_dir"] = str(settings.cache_dir)
    return deploy


# --------------------------------------------------------------------------------------
# shapes and inputs
# --------------------------------------------------------------------------------------


def model_shapes(model: Path) -> dict[str, str]:
    """Input name -> partial shape as text, e.g. ``{"x": "[?,8]"}``."""
    import openvino as ov

    from ovtune.errors import ModelLoadError

    try:
        read = ov.Core().read_model(str(model))
    except RuntimeError as exc:
        raise ModelLoadError(f"cannot read model {model}: {str(exc).strip().splitlines()[-1]}") from None
    return {port.get_any_name(): str(port.get_partial_shape()) for port in read.inputs}


def _shape_of(name: str, declared: str, given: str | dict[str, str] | None) -> str:
    """Input ``name``'s shape: ``--shape`` for every input, ``--shape`` for this one, or the model's."""
    if isinstance(given, str):
        return given
    if isinstance(given, dict):
        return given.get(name, declared)
    return declared


def batch_shape(shapes: dict[str, str], batch: int, given: str | dict[str, str] | None) -> dict[str, str]:
    """``-b N``: every input's first dimension set to N (the rest from ``--shape`` or the model)."""
    result = {}
    for name, declared in shapes.items():
        base = _shape_of(name, declared, given)
        dims = [d.strip() for d in base.strip()[1:-1].split(",") if d.strip()]
        if not dims:
            raise UsageError(f"-b {batch}: input {name!r} is a scalar and has no batch dimension")
        result[name] = "[" + ",".join([str(batch), *dims[1:]]) + "]"
    return result


def _is_dynamic(text: str) -> bool:
    return "?" in text or ".." in text or "-1" in text


def check_static(shapes: dict[str, str], shape: str | dict[str, str] | None, settings: BenchSettings) -> None:
    """A dynamic input needs ``--data-shape`` (or ``-i`` data, or a static ``--shape``/``-b``)."""
    if settings.data_shape is not None or settings.inputs:
        return
    for name, declared in shapes.items():
        text = _shape_of(name, declared, shape)
        if _is_dynamic(text):
            example = (
                "["
                + ",".join(
                    "1" if "?" in d or ".." in d or d.strip() == "-1" else d.strip()
                    for d in text.strip()[1:-1].split(",")
                )
                + "]"
            )
            raise UsageError(
                f"input {name!r} has dynamic shape {text}; give the shape of the data to feed it with "
                f"--data-shape '{name}{example}' (or -i FILE with real inputs, or make it static with --shape)"
            )


def data_section(settings: BenchSettings, shapes: dict[str, str], folder: Path) -> dict[str, Any] | None:
    """The ``[data.bench]`` section feeding ``--data-shape`` random inputs or ``-i`` files."""
    if settings.inputs:
        return _input_files_section(settings.inputs, folder, shapes)
    if settings.data_shape is None:
        return None
    shape = settings.data_shape
    if isinstance(shape, dict):
        unknown = [name for name in shape if name not in shapes]
        if unknown:
            raise UsageError(f"--data-shape: the model has no input {unknown[0]!r} (inputs: {', '.join(shapes)})")
    return {"kind": "random", "count": 8, "shape": shape}


def _input_files_section(paths: list[Path], folder: Path, shapes: dict[str, str]) -> dict[str, Any]:
    for path in paths:
        if not path.exists():
            raise UsageError(f"-i {path}: no such file or folder")
    first = paths[0]
    if len(paths) == 1 and first.suffix == ".npz":
        return {"kind": "npz", "path": str(first.resolve())}
    if len(paths) == 1 and first.suffix == ".npy":
        return {"kind": "npy", "path": str(first.resolve())}
    color = _color(shapes)
    if len(paths) == 1 and first.is_dir():
        return {"kind": "images", "path": str(first.resolve()), **color}
    images = folder / "images"
    images.mkdir(exist_ok=True)
    for index, path in enumerate(paths):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise UsageError(
                f"-i {path}: not an input file ovtune reads (one .npz or .npy, a folder of images, "
                f"or image files {', '.join(IMAGE_SUFFIXES)})"
            )
        (images / f"{index:05d}{path.suffix.lower()}").symlink_to(path.resolve())
    return {"kind": "images", "path": str(images), **color}


def _color(shapes: dict[str, str]) -> dict[str, str]:
    """Gray images for a one-channel image input (N,1,H,W or N,H,W,1), RGB otherwise."""
    if len(shapes) != 1:
        return {}
    dims = [d.strip() for d in next(iter(shapes.values())).strip()[1:-1].split(",")]
    if len(dims) == 4 and (dims[1] == "1" or dims[3] == "1"):
        return {"color": "GRAY"}
    return {}


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------


def run_bench(
    model: Path,
    settings: BenchSettings,
    host: PluginHost,
    *,
    progress: Callable[[list[Row], TimeSplit], Any] | None = None,
) -> dict[str, Any]:
    """Measure ``model``; returns ``{"model", "models": [...], "time", ...}`` (one row per hint).
    ``progress(rows, split)`` may return a plugin object, registered while the rows run."""
    from ovtune.errors import OvtuneError
    from ovtune.measure.benchmark_app import benchmark_app_command
    from ovtune.pipeline import Pipeline

    if not model.exists():
        raise OvtuneError(f"model file not found: {model}")
    shapes = model_shapes(model)
    shape = settings.shape
    if settings.batch is not None:
        shape = batch_shape(shapes, settings.batch, shape)
    check_static(shapes, shape, settings)
    rows = plan(settings)
    split = split_time(rows, settings)
    observer = progress(rows, split) if progress else None
    if observer is not None:
        host.pm.register(observer, name="bench-progress")
        observer.start()
    results: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="ovtune-bench-") as folder:
            data = data_section(settings, shapes, Path(folder))
            for row in rows:
                measure: dict[str, Any] = {"metrics": row.metrics, "trials": split.trials}
                if split.trial_iterations is not None:
                    measure["iterations"] = split.trial_iterations
                else:
                    assert split.trial_seconds is not None
                    measure["duration"] = split.trial_seconds
                raw: dict[str, Any] = {
                    "schema": 1,
                    "name": "bench",
                    "model": {"source": str(model.resolve())},
                    "deploy": _deploy(settings, row.hint),
                    "measure": measure,
                    "output": {"reports": []},
                }
                if data is not None:
                    raw["data"] = {"bench": data}
                recipe = build_recipe(raw, base_dir=Path.cwd(), registry=host.registry, file=None)
                run_dir = Path(folder) / f"row{len(results)}"
                report = Pipeline(recipe, host, run_dir=run_dir, reshape=shape).run()
                entry = report["models"][0]
                _check_inputs_used(report, settings)
                input_type = report["model"]["inputs"][0]["element_type"] if report["model"]["inputs"] else None
                entry["label"] = f"{row.hint or 'no'} hint"
                entry["api"] = row.api
                _add_sync_fps(entry, row, report["model"]["inputs"], settings.data_shape)
                if row.api == "async" and "throughput" in entry["measurements"]:
                    entry["measurements"]["throughput"]["api"] = "async"
                entry["method"] = _method(entry, row)
                entry["benchmark_app"] = benchmark_app_command(
                    model,
                    recipe.deploy,
                    seconds=_row_seconds(split, len(results)),
                    iterations=settings.iterations,
                    input_precision=input_type,
                    shape=_shape_flag(shape),
                    data_shape=_data_shape_flag(settings.data_shape),
                    api=None if row.api == default_api(row.hint) else row.api,
                    batch=None,
                )
                entry["config"] = report["config"]
                results.append(entry)
                last = report
            counters = _counters(model, settings, shape, last, Path(folder), host) if settings.counters else None
    finally:
        if observer is not None:
            observer.stop()
            host.pm.unregister(observer)
    result: dict[str, Any] = {
        "model": str(model),
        "device": last["device"],
        "device_info": last["device_info"],
        "environment": last["environment"],
        "inputs": last["model"]["inputs"],
        "time": split.as_dict(),
        "models": results,
    }
    if counters is not None:
        result["counters"] = counters
    return result


def _check_inputs_used(report: dict[str, Any], settings: BenchSettings) -> None:
    """``-i`` data that does not fit the compiled model is an error, not a silent fallback to
    random inputs."""
    if not settings.inputs:
        return
    entry = report["models"][0]
    used = [m.get("inputs") for m in entry["measurements"].values() if isinstance(m, dict) and m.get("inputs")]
    if any(str(source).startswith("random") for source in used):
        names = " ".join(str(path) for path in settings.inputs)
        wanted = ", ".join(f"{i['name']} {list(i['shape'])}" for i in report["model"]["inputs"])
        raise UsageError(f"-i {names}: the data does not fit the model's inputs ({wanted}); check -b and --shape")


def _row_seconds(split: TimeSplit, row: int) -> float:
    """benchmark_app's ``-t`` for one row: the time of its longest timed measurement."""
    seconds = [slot.get("seconds", 0.0) for slot in split.slots if slot["row"] == row]
    return max(seconds, default=split.total_seconds or DEFAULT_SECONDS)


def _batch(inputs: list[dict[str, Any]], data_shape: dict[str, list[int]] | list[int] | None) -> int:
    """The frames per inference benchmark_app counts (as ``measure.throughput``): the N of a 4-D
    first input, static or of the data fed to it."""
    if not inputs:
        return 1
    first = inputs[0]
    shape = list(first["shape"])
    if isinstance(data_shape, dict):
        shape = data_shape.get(first["name"], shape)
    elif isinstance(data_shape, list):
        shape = data_shape
    return int(shape[0]) if len(shape) == 4 and int(shape[0]) > 0 else 1


def _add_sync_fps(
    entry: dict[str, Any],
    row: Row,
    report_inputs: list[dict[str, Any]],
    data_shape: dict[str, list[int]] | list[int] | None,
) -> None:
    """A sync row's FPS, as benchmark_app computes it in sync mode: batch x iterations /
    duration of the latency loop (per trial; the median trial's is the figure)."""
    measured = entry["measurements"]
    latency = measured.get("latency")
    if row.api != "sync" or latency is None:
        return
    from ovtune.measure.harness import summarize_throughput

    batch = _batch(report_inputs, data_shape)
    trial_fps = [fps * batch for fps in latency["trial_sync_fps"]]
    properties = entry["runtime"]["properties"]
    measured["throughput"] = summarize_throughput(
        trial_fps,
        latency["count"] * batch,
        latency["seconds"],
        [],
        requests=1,
        optimal_requests=properties.get("OPTIMAL_NUMBER_OF_INFER_REQUESTS"),
        frames_per_inference=batch,
        mean_latency_ms=latency["mean_ms"],
        inputs=latency.get("inputs"),
        trial_seconds=latency["trial_seconds"],
        api="sync",
        derived_from="latency",
    )


def _method(entry: dict[str, Any], row: Row) -> str:
    if row.api == "sync":
        return SYNC_METHOD
    requests = entry["measurements"].get("throughput", {}).get("requests", "?")
    return ASYNC_METHOD.format(requests=requests)


def _counters(  # noqa: PLR0917 - private helper, all needed
    model: Path,
    settings: BenchSettings,
    shape: str | dict[str, str] | None,
    report: dict[str, Any],
    folder: Path,
    host: PluginHost,
) -> dict[str, Any]:
    """``-pc``: the per-layer counters of the last row's configuration, in a separate pass."""
    import openvino as ov

    from ovtune.measure.counters import layer_counters
    from ovtune.measure.inputs import prepare_inputs

    core = ov.Core()
    read = core.read_model(str(model))
    if shape:
        read.reshape(shape)
    config = dict(report["config"]) | {"PERF_COUNT": True}
    compiled = core.compile_model(read, report["device"], config)
    dataset = None
    if settings.inputs or settings.data_shape is not None:
        (folder / "counters").mkdir(exist_ok=True)
        dataset = _open_bench_data(model, settings, model_shapes(model), folder / "counters", read, host)
    feeds = prepare_inputs(compiled, dataset, "bench").feeds
    result = layer_counters(compiled, feeds)
    result["config"] = {key: str(value) for key, value in config.items()}
    return result


def _open_bench_data(  # noqa: PLR0917 - private helper, all needed
    model: Path, settings: BenchSettings, shapes: dict[str, str], folder: Path, read: Any, host: PluginHost
) -> Any:
    """The same ``[data.bench]`` dataset the rows used, opened through a recipe."""
    from ovtune.context import DataCatalog, describe_inputs

    section = data_section(settings, shapes, folder)
    raw = {
        "schema": 1,
        "name": "bench",
        "model": {"source": str(model.resolve())},
        "data": {"bench": section},
        "measure": {"metrics": ["size"]},
    }
    recipe = build_recipe(raw, base_dir=Path.cwd(), registry=host.registry, file=None)
    return DataCatalog(recipe.data, describe_inputs(read), recipe.base_dir).get("bench")


def dump_config(results: list[dict[str, Any]], path: Path) -> list[Path]:
    """benchmark_app's ``-dump_config`` format: ``{"CPU": {"PERFORMANCE_HINT": "LATENCY", ...}}``,
    the properties each model's first row was compiled with; returns the files written.

    benchmark_app runs one model, so its file holds one configuration. Several models compiled
    with the same properties share ``path``; when the properties differ (the streams a
    throughput hint chose depend on the model), each model gets its own file,
    ``path``'s stem, a dot and the model file's stem (``config.det.json``), so that none is lost.
    """
    documents = [(Path(result["model"]).stem, {result["device"]: result["models"][0]["config"]}) for result in results]
    if all(document == documents[0][1] for _, document in documents):
        targets = [(path, documents[0][1])]
    else:
        targets = [(path.with_name(f"{path.stem}.{stem}{path.suffix}"), document) for stem, document in documents]
    for target, document in targets:
        target.write_text(json.dumps(document, indent=4) + "\n")
    return [target for target, _ in targets]


def load_config(path: Path, device: str) -> dict[str, Any]:
    """benchmark_app's ``-load_config`` file: the properties given for ``device``."""
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"--load-config {path}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--load-config {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict) or not all(isinstance(v, dict) for v in document.values()):
        raise UsageError(f'--load-config {path}: expected {{"DEVICE": {{"KEY": "VALUE", ...}}}}')
    if device not in document:
        raise UsageError(f"--load-config {path}: no section for device {device} (devices: {', '.join(document)})")
    return dict(document[device])


def _shape_flag(shape: str | dict[str, str] | None) -> str | None:
    if shape is None or isinstance(shape, str):
        return shape
    return ",".join(f"{name}{dims}" for name, dims in shape.items())


def _data_shape_flag(shape: dict[str, list[int]] | list[int] | None) -> str | None:
    if shape is None:
        return None
    if isinstance(shape, list):
        return "[" + ",".join(map(str, shape)) + "]"
    return ",".join(f"{name}[{','.join(map(str, dims))}]" for name, dims in shape.items())


def parse_data_shape(text: str) -> dict[str, list[int]] | list[int]:
    """benchmark_app's ``-data_shape``: ``[1,8]`` for the only input, or ``x[1,8],y[1,4]``."""
    import re

    compact = text.replace(" ", "")
    if compact.startswith("["):
        return _dims(compact, text)
    named = re.findall(r"([^,\[\]]+)(\[[^\]]*\])", compact)
    if not named or "".join(n + d for n, d in named).replace(",", "") != compact.replace(",", ""):
        raise UsageError(f"--data-shape: cannot parse {text!r}; write [1,8] or name[1,3,224,224],other[1,5]")
    return {name: _dims(dims, text) for name, dims in named}


def _dims(dims: str, text: str) -> list[int]:
    inner = dims[1:-1] if dims.startswith("[") and dims.endswith("]") else None
    parts = inner.split(",") if inner else []
    if inner is None or not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(f"--data-shape: cannot parse {text!r}; every dimension must be a positive number")
    return [int(p) for p in parts]


# --------------------------------------------------------------------------------------
# progress on a terminal
# --------------------------------------------------------------------------------------


class BenchProgress:
    """A rich progress line on a terminal: model i of n, the row and measurement running,
    the elapsed time and the time left of the planned timed loops (compilation and warm-up
    come on top)."""

    def __init__(self, console: Any, rows: list[Row], split: TimeSplit, model_index: int = 1, models: int = 1):
        from rich.progress import Progress, SpinnerColumn, TextColumn

        self.rows, self.split = rows, split
        self._planned = sum(slot.get("seconds", 0.0) for slot in split.slots)
        self._done = 0.0
        self._row = 0
        self._what = "compiling"
        self._counter = f"model {model_index}/{models}"
        self._began = time.monotonic()
        self._started: float | None = None
        self._current = 0.0
        owner = self

        class _Status(TextColumn):
            def render(self, task: Any) -> Any:
                from rich.text import Text

                return Text(owner.status())

        self._progress = Progress(SpinnerColumn(), _Status(""), console=console, transient=True)
        self._task = self._progress.add_task("bench", total=None)

    def status(self) -> str:
        """``model 1/1, latency hint (row 1/2): latency, 3 s elapsed, ~5 s left``."""
        now = time.monotonic()
        running = min(self._current, now - self._started) if self._started is not None else 0.0
        row = self.rows[min(self._row, len(self.rows) - 1)]
        text = (
            f"{self._counter}, {row.hint or 'no'} hint (row {min(self._row + 1, len(self.rows))}/{len(self.rows)}): "
            f"{self._what}, {now - self._began:.0f} s elapsed"
        )
        if self._planned:
            text += f", ~{max(0.0, self._planned - self._done - running):.0f} s left"
        return text

    def start(self) -> None:
        self._progress.start()

    def stop(self) -> None:
        self._progress.stop()

    @hookimpl
    def ovtune_pipeline_start(self, run: Any) -> None:
        self._what = "compiling"

    @hookimpl
    def ovtune_measurement_start(self, run: Any, model: str, name: str) -> None:
        planned = [
            s.get("seconds", 0.0) for s in self.split.slots if s["row"] == self._row and s["measurement"] == name
        ]
        self._current = planned[0] if planned else 0.0
        self._started = time.monotonic()
        self._what = name

    @hookimpl
    def ovtune_measurement_finish(self, run: Any, model: str, name: str, result: dict[str, Any]) -> None:
        self._done += self._current
        self._current = 0.0
        self._started = None

    @hookimpl
    def ovtune_pipeline_finish(self, run: Any, report: dict[str, Any]) -> None:
        self._row += 1
        self._what = "compiling"
