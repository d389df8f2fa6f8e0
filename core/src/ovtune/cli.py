"""The ``ovtune`` command.

Built on click: sub-commands are plain ``click.Command`` objects, so plugins contribute commands
through the ``ovtune_register_commands`` hook exactly as the built-in ones are registered
(:mod:`ovtune.builtin.commands`), and help, option parsing and exit code 2 for usage errors come
for free. User errors (:class:`ovtune.errors.OvtuneError`) print one ``error: ...`` line and
exit 2; ``-v`` adds the traceback. Nothing here imports openvino at module level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ovtune import __version__
from ovtune.errors import OvtuneError, UsageError
from ovtune.manager import PluginHost
from ovtune.registry import PluginInfo
from ovtune.types import Command, implementation

INTERRUPTED_EXIT = 130
_RESUME_HINT = "interrupted: run the same command again to resume (finished stages and trials are kept)"


@dataclass
class AppState:
    """Options of the top-level command, and the plugin host they configure."""

    verbose: int = 0
    plugin_args: tuple[str, ...] = ()
    _host: PluginHost | None = field(default=None, repr=False)

    def host(self) -> PluginHost:
        if self._host is None:
            blocked = [arg[3:] for arg in self.plugin_args if arg.startswith("no:")]
            extra = [arg for arg in self.plugin_args if not arg.startswith("no:")]
            self._host = PluginHost(blocked=blocked, extra=extra)
        return self._host


_STATE = AppState()


class PluginCommandGroup(click.Group):
    """A group whose commands come from the ``ovtune_register_commands`` hook."""

    def _state(self, ctx: click.Context) -> AppState:
        return _configure(ctx.params.get("verbose") or 0, tuple(ctx.params.get("plugin_args") or ()))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._state(ctx).host().registry.names(Command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self._state(ctx).host().registry.find(Command, cmd_name)
        if found is None:
            return None
        try:
            command = implementation(found.item, "command")
        except Exception as exc:  # noqa: BLE001 - a broken plugin command must not break the CLI
            click.echo(f"warning: command {cmd_name!r} from {found.plugin.label} failed to load: {exc}", err=True)
            return None
        return command  # type: ignore[no-any-return]


@click.group(cls=PluginCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ovtune")
@click.option("-v", "--verbose", count=True, help="More output; tracebacks for errors. Repeat for debug logs.")
@click.option(
    "-p",
    "plugin_args",
    multiple=True,
    metavar="NAME",
    help="'-p no:NAME' blocks plugin NAME; '-p MODULE' loads MODULE as a plugin.",
)
def cli(verbose: int, plugin_args: tuple[str, ...]) -> None:
    """ovtune: declare OpenVINO optimizations in one TOML recipe, run it, and get the fastest
    model that still meets the accuracy bar, with numbers you can trust."""
    _configure(verbose, plugin_args)
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def state() -> AppState:
    return _STATE


def _configure(verbose: int, plugin_args: tuple[str, ...]) -> AppState:
    """Update the shared state; a new plugin host only when ``-p`` arguments changed."""
    global _STATE
    if _STATE.plugin_args != plugin_args:
        _STATE = AppState(verbose, plugin_args)
    _STATE.verbose = verbose
    return _STATE


# --------------------------------------------------------------------------------------
# Built-in commands (registered by ovtune.builtin.commands)
# --------------------------------------------------------------------------------------


@click.command("run")
@click.argument("recipe", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Run folder (default: [output] dir).")
@click.option("--no-cache", is_flag=True, help="Recompute every stage instead of reusing the stage cache.")
@click.option(
    "--lock",
    "lock_file",
    is_flag=True,
    help="RECIPE is a run.lock.toml: rerun the locked recipe; refuses if a locked input or version changed.",
)
@click.option(
    "--allow-changed",
    is_flag=True,
    help="With --lock: replay even if the model, data or versions differ from the lock (warnings instead).",
)
@click.option("--force", is_flag=True, help="Write into --out even if it is a non-empty folder ovtune did not create.")
def run_command(  # noqa: PLR0917 - one parameter per command-line option
    recipe: Path, out_dir: Path | None, no_cache: bool, lock_file: bool, allow_changed: bool, force: bool
) -> None:
    """Run RECIPE: every stage, every measurement, the reports."""
    if allow_changed and not lock_file:
        raise UsageError("--allow-changed only applies to --lock")
    run_recipe(
        recipe,
        out_dir=out_dir,
        use_cache=False if no_cache else None,
        locked=lock_file,
        allow_changed=allow_changed,
        force=force,
    )


def run_recipe(
    recipe_path: Path,
    *,
    out_dir: Path | None = None,
    use_cache: bool | None = None,
    optional_plugins: bool = False,
    locked: bool = False,
    allow_changed: bool = False,
    force: bool = False,
) -> dict[str, Any]:
    """Validate and run a recipe with progress display. With ``optional_plugins`` (the demo),
    stages and the baseline whose plugins are not installed are left out, each with a line
    saying which distribution would add it, so the demo runs on the core alone."""
    from ovtune.pipeline import Pipeline
    from ovtune.progress import ConsoleProgress
    from ovtune.recipe import build_recipe, load_recipe, read_recipe_table

    host = state().host()
    host.registry.check()
    document: dict[str, Any] | None = None
    if locked:
        from ovtune.report.lock import check_replay, read_lock

        document = read_lock(recipe_path)
        for line in check_replay(document, allow_changed=allow_changed):
            click.echo(f"warning: {line}", err=True)
        raw = document["recipe"]
        recipe = build_recipe(raw, base_dir=recipe_path.resolve().parent, registry=host.registry, file=recipe_path)
    elif optional_plugins:
        raw = _without_missing_plugins(read_recipe_table(recipe_path), host.registry)
        recipe = build_recipe(raw, base_dir=recipe_path.resolve().parent, registry=host.registry, file=recipe_path)
    else:
        recipe = load_recipe(recipe_path, host.registry)
    progress = ConsoleProgress()
    host.pm.register(progress, name="progress")
    try:
        report = Pipeline(recipe, host, run_dir=out_dir, use_cache=use_cache, force=force).run()
    finally:
        host.pm.unregister(progress)
    if document is not None:
        from ovtune.report.lock import output_changes

        for line in output_changes(document, report):
            click.echo(f"warning: {line}", err=True)
    return report


def _without_missing_plugins(raw: dict[str, Any], registry: Any) -> dict[str, Any]:
    """``raw`` without the stages and baseline no installed plugin provides (one line each)."""
    from ovtune.types import Baseline, Stage

    def missing(cls: type[Any], name: Any) -> bool:
        if not isinstance(name, str) or registry.find(cls, name) is not None:
            return False
        click.echo(f"note: leaving out {cls.kind} {name!r}: {registry.describe_missing(cls, name)}", err=True)
        return True

    result = dict(raw)
    stages = raw.get("stage")
    if isinstance(stages, list):
        result["stage"] = [s for s in stages if not (isinstance(s, dict) and missing(Stage, s.get("use")))]
    measure = raw.get("measure")
    if isinstance(measure, dict) and missing(Baseline, measure.get("baseline")):
        result["measure"] = {key: value for key, value in measure.items() if key != "baseline"}
    return result


@click.command("validate")
@click.argument("recipe", type=click.Path(path_type=Path))
def validate_command(recipe: Path) -> None:
    """Check RECIPE without running anything (fast: does not import OpenVINO)."""
    from ovtune.recipe import load_recipe

    host = state().host()
    host.registry.check()
    resolved = load_recipe(recipe, host.registry)
    stages = ", ".join(f"{s.index}:{s.name}" for s in resolved.stages) or "none"
    tune = ""
    if resolved.document.tune is not None:
        from ovtune.tune.space import SearchSpace

        space = SearchSpace.from_recipe(resolved.raw, resolved.document.tune)
        tune = f"; tune: {resolved.document.tune.objective}, {space.size()} configurations"
    click.echo(
        f"ok: {recipe}: model {resolved.model.source} ({resolved.model.loader.item.name}); "
        f"stages: {stages}; data: {', '.join(resolved.data) or 'none'}; "
        f"metric: {resolved.metric.metric.item.name if resolved.metric else 'none'}{tune}"
    )


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(as_json: bool) -> None:
    """List installed plugins, what each registers, and why any is not loaded."""
    from ovtune import API_VERSION

    host = state().host()
    registry = host.registry
    entries = [plugin_entry(info) for info in [*host.plugins.values(), *host.failed]]
    conflicts = [str(conflict) for conflict in registry.conflicts]
    if as_json:
        document = {"ovtune_version": __version__, "api_version": API_VERSION, "plugins": entries}
        click.echo(json.dumps({**document, "conflicts": conflicts}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ovtune {__version__} plugins (plugin API {API_VERSION})")
    for column in ("plugin", "distribution", "supports", "registers"):
        table.add_column(column)
    for entry in entries:
        registers = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in entry["registers"].items())
        if entry["status"] == "incompatible":
            registers = f"[red]incompatible: {entry['error']}[/]"
        elif entry["error"]:
            registers = f"[red]failed to load: {entry['error']}[/]"
        dist = f"{entry['distribution']} {entry['version']}" + (" (built-in)" if entry["builtin"] else "")
        supports = "" if entry["builtin"] else f"ovtune{entry['requires']}" if entry["requires"] else "undeclared"
        table.add_row(entry["name"], dist, supports, registers)
    console = Console()
    console.print(table)
    for conflict in conflicts:
        console.print(f"[red]error:[/] {conflict}")


def plugin_entry(info: PluginInfo) -> dict[str, Any]:
    """One plugin as ``ovtune plugins --json`` shows it."""
    return {
        "name": info.name,
        "distribution": info.distribution,
        "version": info.version,
        "module": info.module,
        "builtin": info.builtin,
        "status": info.status,
        "requires": info.requires,
        "registers": info.registers,
        "error": info.error,
    }


@click.command("stages")
@click.argument("name", required=False)
def stages_command(name: str | None) -> None:
    """List stages, or show the options of stage NAME."""
    from ovtune.docs import options_rows
    from ovtune.types import Stage

    host = state().host()
    registry = host.registry
    if name is None:
        for provided in registry.all(Stage):
            click.echo(f"{provided.item.name:<28} {provided.item.summary}  [{provided.plugin.label}]")
        if not registry.all(Stage):
            click.echo("no stages installed")
        return
    provided = registry.get(Stage, name)
    click.echo(f"{provided.item.name}: {provided.item.summary}  [{provided.plugin.label}]")
    doc = (provided.item.options.__doc__ or "").strip()
    if doc:
        click.echo(doc)
    for row in options_rows(provided.item.options):
        default = "" if row.required else f" = {row.default}"
        click.echo(f"  {row.name}: {row.type}{default}{'  (required)' if row.required else ''}")
        if row.description:
            click.echo(f"      {row.description}")


@click.command("schema")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
def schema_command(output: Path | None) -> None:
    """Print the JSON Schema of recipes, with every installed plugin's options."""
    from ovtune.schema import recipe_schema
    from ovtune.storage import atomic_write_text

    text = json.dumps(recipe_schema(state().host().registry), indent=2) + "\n"
    if output:
        atomic_write_text(output, text)
    else:
        click.echo(text, nl=False)


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
def bench_command(  # noqa: PLR0917 - one parameter per command-line option
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

    host = state().host()
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


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("ovtune-demo"),
    show_default=True,
    help="Run folder.",
)
@click.option("--no-cache", is_flag=True, help="Recompute every stage.")
@click.option("--force", is_flag=True, help="Write into --out even if it is a non-empty folder ovtune did not create.")
def demo_command(out_dir: Path, no_cache: bool, force: bool) -> None:
    """Run the bundled demo: a CNN trained on scikit-learn's digits, through the demo recipe."""
    from ovtune.demo import recipe_path

    run_recipe(
        recipe_path(), out_dir=out_dir, use_cache=False if no_cache else None, optional_plugins=True, force=force
    )


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for user errors)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="ovtune", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort (the KeyboardInterrupt is its context)
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
        click.echo(_RESUME_HINT if interrupted else "aborted", err=True)
        return INTERRUPTED_EXIT
    except OvtuneError as exc:
        if _STATE.verbose:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo(_RESUME_HINT, err=True)
        return INTERRUPTED_EXIT
    return 0


def entry_point() -> None:
    sys.exit(main())
