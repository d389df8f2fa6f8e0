"""``ovtune bench MODEL``: one model measured like benchmark_app, with its command to cross-check.

The flags speak benchmark_app's vocabulary (``-t`` total seconds, ``-niter``, ``-b``,
``-data_shape``, ``-i``, ``-api``, ``-pc``, ``-load_config``/``-dump_config``) next to ovtune's
own. Values are checked here so that a bad one gives one ``error: FLAG VALUE: ...`` line and
exit code 2, not click's usage block.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from ovtune.cli.app import AppState
from ovtune.errors import OvtuneError, UsageError


@click.command("bench")
@click.argument("models", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-d", "--device", default="CPU", show_default=True, help="CPU, GPU, NPU, AUTO[:list], HETERO:list, ...")
@click.option(
    "-hint",
    "--hint",
    help="Performance hint: latency, throughput (tput), cumulative_throughput (ctput), none "
    "(default: the LATENCY hint, then throughput again with the THROUGHPUT hint).",
)
@click.option("-nstreams", "--streams", help="NUM_STREAMS (a number or 'auto').")
@click.option("-nireq", "--requests", help="Infer requests in flight for the async API.")
@click.option("-nthreads", "--threads", help="INFERENCE_NUM_THREADS.")
@click.option("-infer_precision", "--precision", help="INFERENCE_PRECISION_HINT: f32, bf16, f16.")
@click.option("-cache_dir", "--cache-dir", type=click.Path(path_type=Path), help="Model cache folder (CACHE_DIR).")
@click.option(
    "-t",
    "--time",
    "seconds",
    help="Total seconds of timed inference, as benchmark_app's -t (default 10), split evenly among "
    "the repeated trials of every row.",
)
@click.option("-niter", "--niter", "iterations", help="Inferences per row instead of a time (benchmark_app's -niter).")
@click.option("--trials", default="3", show_default=True, help="Repeated trials (their spread flags noise).")
@click.option("-shape", "--shape", help="Static input shape, e.g. '[1,3,224,224]' or 'x[1,3,224,224]'.")
@click.option(
    "-data_shape",
    "--data-shape",
    help="Shape of the data fed to a dynamic input, the model staying dynamic: '[1,8]' or 'x[1,3,224,224],y[1,5]'.",
)
@click.option("-b", "--batch", help="Batch size: the first dimension of every input (reshapes the model).")
@click.option(
    "-i", "--input", "inputs", multiple=True, help="Input data: one .npz or .npy, a folder of images, or image files."
)
@click.option("-api", "--api", help="sync or async (default: sync under the LATENCY hint, async otherwise).")
@click.option("-pc", "--perf-counts", "counters", is_flag=True, help="Per-layer counters: slowest layers, precision.")
@click.option("-load_config", "--load-config", type=click.Path(path_type=Path), help="benchmark_app JSON config.")
@click.option(
    "-dump_config", "--dump-config", type=click.Path(path_type=Path), help="Write the config as benchmark_app JSON."
)
@click.option("--property", "properties", multiple=True, help="KEY=VALUE compile property (repeatable).")
@click.option(
    "--metrics",
    default="latency,throughput",
    show_default=True,
    help="Comma-separated: latency, throughput, first_inference, memory, size.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def bench_command(  # noqa: PLR0917 - one parameter per command-line option
    state: AppState,
    models: tuple[Path, ...],
    device: str,
    hint: str | None,
    streams: str | None,
    requests: str | None,
    threads: str | None,
    precision: str | None,
    cache_dir: Path | None,
    seconds: str | None,
    iterations: str | None,
    trials: str,
    shape: str | None,
    data_shape: str | None,
    batch: str | None,
    inputs: tuple[str, ...],
    api: str | None,
    counters: bool,
    load_config: Path | None,
    dump_config: Path | None,
    properties: tuple[str, ...],
    metrics: str,
    as_json: bool,
) -> None:
    """Measure MODELS like benchmark_app (and print the benchmark_app command to cross-check).

    With several models, each is measured in turn with the same flags; --json then prints a list."""
    from ovtune.bench import BenchProgress, BenchSettings, parse_data_shape, run_bench
    from ovtune.bench import dump_config as write_config

    if seconds is not None and iterations is not None:
        raise UsageError(f"-t {seconds} and -niter {iterations}: give a time or an iteration count, not both")
    loaded = _load_config(load_config, device)
    flagged = _properties(properties)
    given = loaded | flagged
    origins = {key: f"--property {key}={value}" for key, value in flagged.items()}
    origins.update({key: f"--load-config {load_config}: {key}={value}" for key, value in loaded.items()})
    hint_flag = "-hint"
    if hint is None and "PERFORMANCE_HINT" in given:
        hint_flag = origins["PERFORMANCE_HINT"]
        hint = str(given.pop("PERFORMANCE_HINT")).lower()
    settings = BenchSettings(
        device=device,
        hint=_choice(hint_flag, hint, HINTS) if hint_flag == "-hint" else _config_hint(hint_flag, hint or ""),
        streams=streams,
        requests=_positive("-nireq", requests),
        threads=_positive("-nthreads", threads),
        precision=_choice("-infer_precision", precision, {"f32": "f32", "bf16": "bf16", "f16": "f16"}),
        cache_dir=cache_dir,
        seconds=_seconds(seconds),
        iterations=_positive("-niter", iterations),
        trials=_positive("--trials", trials) or 3,
        shape=_bench_shape(shape),
        data_shape=parse_data_shape(data_shape) if data_shape else None,
        batch=_positive("-b", batch),
        inputs=[Path(item) for item in inputs],
        api=_choice("-api", api, {"sync": "sync", "async": "async"}),
        counters=counters,
        metrics=[m.strip() for m in metrics.split(",") if m.strip()],
        properties=given,
    )
    if settings.data_shape is not None and settings.inputs:
        raise UsageError(f"--data-shape {data_shape} and -i: the data's shape comes from the files; give one of them")
    host = state.host()
    host.registry.check()
    from ovtune.report.console import make_console, render_bench

    console = make_console()
    live = not as_json and sys.stderr.isatty()
    if inputs:
        origins["-i"] = "-i " + " ".join(inputs)
    if data_shape:
        origins["--data-shape"] = f"--data-shape {data_shape}"
    results = []
    for index, model in enumerate(models, start=1):

        def progress(rows: Any, split: Any, index: int = index) -> BenchProgress | None:
            if not live:
                return None
            from rich.console import Console

            return BenchProgress(Console(stderr=True), rows, split, model_index=index, models=len(models))

        try:
            result = run_bench(model, settings, host, progress=progress)
        except OvtuneError as exc:
            raise _named_by_flag(exc, given, origins) from None
        results.append(result)
        if not as_json:
            render_bench(result, console)
            _render_extras(result, console)
    if dump_config is not None:
        written = write_config(results, dump_config)
        if not as_json:
            click.echo(f"config written to {', '.join(str(path) for path in written)}", err=True)
    if as_json:
        click.echo(json.dumps(results[0] if len(results) == 1 else results, indent=2, default=str))


HINTS = {
    "latency": "latency",
    "throughput": "throughput",
    "tput": "throughput",
    "cumulative_throughput": "cumulative_throughput",
    "ctput": "cumulative_throughput",
    "none": "none",
}


def _config_hint(origin: str, hint: str) -> str:
    """A ``PERFORMANCE_HINT`` from ``--property`` or ``--load-config``: OpenVINO's values."""
    values = {"latency": "latency", "throughput": "throughput", "cumulative_throughput": "cumulative_throughput"}
    if hint not in values:
        raise UsageError(f"{origin}: expected LATENCY, THROUGHPUT or CUMULATIVE_THROUGHPUT")
    return values[hint]


def _named_by_flag(exc: OvtuneError, given: dict[str, Any], origins: dict[str, str]) -> OvtuneError:
    """``deploy.properties.KEY: ...`` -> ``--property KEY=VALUE: ...`` (or the config file)."""
    text = str(exc)
    match = re.match(r"deploy\.properties\.([A-Za-z0-9_]+): (.*)", text, re.DOTALL)
    if match and match.group(1) in origins:
        return UsageError(f"{origins[match.group(1)]}: {match.group(2)}")
    data = re.match(r"data\.bench(?:\.\w+)?: (.*)", text, re.DOTALL)
    if data and "-i" in origins:
        return UsageError(f"{origins['-i']}: {data.group(1)}")
    if data and "--data-shape" in origins:
        return UsageError(f"{origins['--data-shape']}: {data.group(1)}")
    return exc


def _choice(flag: str, value: str | None, choices: dict[str, str]) -> str | None:
    if value is None:
        return None
    key = value.strip().lower()
    if key not in choices:
        raise UsageError(f"{flag} {value}: expected one of {', '.join(choices)}")
    return choices[key]


def _positive(flag: str, value: str | None) -> int | None:
    if value is None:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise UsageError(f"{flag} {value}: expected a whole number of at least 1")
    return int(value)


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise UsageError(f"-t {value}: expected a number of seconds above 0")
    return seconds


def _properties(items: tuple[str, ...]) -> dict[str, Any]:
    """``--property KEY=VALUE``: numbers become ints, the rest stays text as OpenVINO reads it."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", key.strip()) or not value.strip():
            raise UsageError(
                f"--property {item}: expected KEY=VALUE with an OpenVINO property name, e.g. NUM_STREAMS=2"
            )
        text = value.strip()
        result[key.strip()] = int(text) if text.isdigit() else text
    return result


def _load_config(path: Path | None, device: str) -> dict[str, Any]:
    if path is None:
        return {}
    from ovtune.bench import load_config

    return load_config(path, device)


def _bench_shape(shape: str | None) -> str | dict[str, str] | None:
    """benchmark_app's ``-shape``: ``[1,3,224,224]`` for every input, or ``x[1,3,224,224],y[1,5]``."""
    if shape is None or not shape.strip():
        return None
    text = shape.replace(" ", "")
    if text.startswith("["):
        return text
    named = re.findall(r"([^,\[\]]+)(\[[^\]]*\])", text)
    if not named or "".join(name + dims for name, dims in named).replace(",", "") != text.replace(",", ""):
        raise UsageError(f"--shape: cannot parse {shape!r}; write [1,3,224,224] or name[1,3,224,224],other[1,5]")
    return dict(named)


def _render_extras(result: dict[str, Any], console: Any) -> None:
    """After the table: how -t was split, each row's method, and the per-layer counters."""
    from rich.markup import escape

    split = result["time"]
    if split["total_seconds"] is not None:
        console.print(
            f"Time: -t {split['total_seconds']:g} s split into {len(split['slots'])} timed measurement(s) x "
            f"{split['trials']} trial(s) of {split['trial_seconds']:.3g} s (compilation and warm-up on top).",
            style="dim",
        )
    else:
        console.print(
            f"Count: {split['trial_iterations'] * split['trials']} inferences per measurement in "
            f"{split['trials']} trial(s).",
            style="dim",
        )
    for model in result["models"]:
        console.print(f"- {escape(model['label'])}, {model['api']} API: {escape(model['method'])}", style="dim")
    counters = result.get("counters")
    if counters:
        from rich.table import Table

        table = Table(
            title=f"Slowest layers (of {counters['layers_run']}, {counters['total_ms']:.3f} ms per inference)"
        )
        for column in ("layer", "type", "kernel", "precision", "ms", "share"):
            table.add_column(column, justify="right" if column in ("ms", "share") else "left")
        for layer in counters["slowest"]:
            table.add_row(
                escape(layer["name"]),
                layer["type"],
                escape(layer["exec_type"]),
                layer["precision"],
                f"{layer['ms']:.4f}",
                f"{layer['share']:.1%}",
            )
        console.print(table)
        shares = ", ".join(f"{p} {ms:.3f} ms" for p, ms in counters["by_precision_ms"].items())
        console.print(f"Time by precision: {shares}", style="dim")
