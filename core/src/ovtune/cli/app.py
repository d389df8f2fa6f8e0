"""The ``ovtune`` group, its options, and the entry point that turns errors into exit codes.

Sub-commands are plain ``click.Command`` objects found through the ``ovtune_register_commands``
hook (:mod:`ovtune.builtin.commands` registers the built-in ones the same way), so help, option
parsing and exit code 2 for usage errors come from click. The state of one invocation (``-v``,
``-p`` and the plugin host they configure) is an :class:`AppState` on click's context
(``ctx.obj``): every command, a plugin's included, reaches the host through the context
(:func:`current_host`), never through a module global, so two invocations in one process (tests,
``ovtune.testing.run_cli``) cannot see each other's plugins. User errors
(:class:`ovtune.errors.OvtuneError`) print one ``error: ...`` line and exit 2; ``-v`` adds the
traceback. Nothing here imports openvino.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import click

from ovtune import __version__
from ovtune.errors import OvtuneError
from ovtune.manager import PluginHost
from ovtune.types import Command, implementation

INTERRUPTED_EXIT = 130
_RESUME_HINT = "interrupted: run the same command again to resume (finished stages and trials are kept)"


@dataclass
class AppState:
    """Options of the top-level command, and the plugin host they configure (built on first use)."""

    verbose: int = 0
    plugin_args: tuple[str, ...] = ()
    _host: PluginHost | None = field(default=None, repr=False)

    def host(self) -> PluginHost:
        if self._host is None:
            blocked = [arg[3:] for arg in self.plugin_args if arg.startswith("no:")]
            extra = [arg for arg in self.plugin_args if not arg.startswith("no:")]
            self._host = PluginHost(blocked=blocked, extra=extra)
        return self._host

    def configure(self, verbose: int, plugin_args: tuple[str, ...]) -> AppState:
        """Take the top-level options; the plugin host is rebuilt only when ``-p`` changed."""
        if self.plugin_args != plugin_args:
            self.plugin_args = plugin_args
            self._host = None
        self.verbose = verbose
        return self


def current_host() -> PluginHost:
    """The plugin host of the running ``ovtune`` command, as configured by ``-p``: how a command
    (a plugin's too) reaches the registry and the hooks. Same as
    ``click.get_current_context().obj.host()``."""
    state = click.get_current_context().find_object(AppState)
    if state is None:
        raise RuntimeError("current_host() is only available while an ovtune command runs")
    return state.host()


class PluginCommandGroup(click.Group):
    """A group whose commands come from the ``ovtune_register_commands`` hook.

    ``ovtune --help`` lists the commands from their registrations (name and summary), without
    importing a single command module: click's own listing loads every command for its short
    help, and the command modules import what their commands need (the comparison, the tuner).
    """

    def _state(self, ctx: click.Context) -> AppState:
        # --help lists the commands while the options are parsed: read them from ctx.params
        state = ctx.ensure_object(AppState)
        return state.configure(ctx.params.get("verbose") or 0, tuple(ctx.params.get("plugin_args") or ()))

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._state(ctx).host().registry.names(Command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = self._state(ctx).host().registry.all(Command)
        if commands:
            with formatter.section("Commands"):
                formatter.write_dl([(found.item.name, found.item.summary) for found in commands])

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
@click.pass_context
def cli(ctx: click.Context, verbose: int, plugin_args: tuple[str, ...]) -> None:
    """ovtune: declare OpenVINO optimizations in one TOML recipe, run it, and get the fastest
    model that still meets the accuracy bar, with numbers you can trust."""
    ctx.ensure_object(AppState).configure(verbose, plugin_args)
    import logging  # here, not at the top: --help never gets here, and logging costs it 30 ms

    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None, *, state: AppState | None = None) -> int:
    """Run the command line; returns the exit status (2 for user errors). ``state`` (default: a
    fresh one) becomes ``ctx.obj``: ``ovtune.testing.run_cli`` passes one holding a test's host."""
    args = sys.argv[1:] if argv is None else argv
    state = state or AppState()
    try:
        cli.main(args=args, prog_name="ovtune", standalone_mode=False, obj=state)
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
        if state.verbose:
            import traceback

            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo(_RESUME_HINT, err=True)
        return INTERRUPTED_EXIT
    return 0


def entry_point() -> None:
    """The ``ovtune`` console script."""
    sys.exit(main())
