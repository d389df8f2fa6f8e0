"""``ovtune plugins``: what is installed, what each plugin registers, and why any is not loaded."""

from __future__ import annotations

import json
from typing import Any

import click

from ovtune import __version__
from ovtune.cli.app import AppState
from ovtune.registry import PluginInfo

PIPED_WIDTH = 10_000
"""Columns of the table when stdout is not a terminal: wide enough that no row wraps."""


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def plugins_command(state: AppState, as_json: bool) -> None:
    """List installed plugins, what each registers, and why any is not loaded."""
    from ovtune import API_VERSION

    host = state.host()
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
    if not console.is_terminal:  # a pipe or a file: whole rows, not cut at rich's default 80 columns
        console = Console(width=PIPED_WIDTH)
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
