"""``ovtune bench MODEL``: one model measured like benchmark_app, with its command to cross-check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from ovtune.cli.app import AppState
from ovtune.errors import UsageError


@click.command("bench")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-d", "--device", default="CPU", show_default=True, help="CPU, GPU, NPU, AUTO[:list], HETERO:list, ...")
@click.option(
    "--hint",
    type=click.Choice(["latency", "throughput", "cumulative_throughput", "none"]),
    help="Performance hint (default: latency for latency, throughput for throughput).",
)
@click.option("--streams", help="NUM_STREAMS (a number or 'auto').")
@click.option("--requests", type=int, help="Infer requests in flight for throughput.")
@click.option("--threads", type=int, help="INFERENCE_NUM_THREADS.")
@click.option("--precision", type=click.Choice(["f32", "bf16", "f16"]), help="INFERENCE_PRECISION_HINT.")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Model cache folder (CACHE_DIR).")
@click.option("-t", "--time", "duration", type=float, default=10.0, show_default=True, help="Seconds per trial.")
@click.option("--trials", type=int, default=3, show_default=True, help="Repeated trials (spread flags noise).")
@click.option("--shape", help="Static input shape, e.g. '[1,3,224,224]' or 'x[1,3,224,224]'.")
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
    model: Path,
    device: str,
    hint: str | None,
    streams: str | None,
    requests: int | None,
    threads: int | None,
    precision: str | None,
    cache_dir: Path | None,
    duration: float,
    trials: int,
    shape: str | None,
    metrics: str,
    as_json: bool,
) -> None:
    """Measure MODEL like benchmark_app (and print the benchmark_app command to cross-check)."""
    from ovtune.bench import BenchSettings, run_bench

    host = state.host()
    host.registry.check()
    settings = BenchSettings(
        device=device,
        hint=hint,
        streams=streams,
        requests=requests,
        threads=threads,
        precision=precision,
        cache_dir=cache_dir,
        duration=duration,
        trials=trials,
        shape=_bench_shape(shape),
        metrics=[m.strip() for m in metrics.split(",") if m.strip()],
    )
    result = run_bench(model, settings, host)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    from ovtune.report.console import make_console, render_bench

    render_bench(result, make_console())


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
