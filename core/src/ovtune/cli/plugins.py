"""``ovtune plugins``: what is installed, what each plugin registers, and why any is not loaded."""

from __future__ import annotations

import json
from typing import Any

import click

from ovtune import __version__
from ovtune.cli.app import AppState
from ovtune.registry import PluginInfo


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
    rows = [["plugin", "distribution", "supports", "registers"]]
    failed = set()
    for entry in entries:
        registers = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in entry["registers"].items())
        if entry["status"] == "incompatible":
            registers = f"incompatible: {entry['error']}"
        elif entry["error"]:
            registers = f"failed to load: {entry['error']}"
        if entry["error"]:
            failed.add(len(rows))
        dist = f"{entry['distribution']} {entry['version']}" + (" (built-in)" if entry["builtin"] else "")
        supports = "" if entry["builtin"] else f"ovtune{entry['requires']}" if entry["requires"] else "undeclared"
        rows.append([entry["name"], dist, supports, registers])
    click.echo(f"ovtune {__version__} plugins (plugin API {API_VERSION})")
    for line in table_lines(rows, failed, width=_terminal_width()):
        click.echo(line)
    for conflict in conflicts:
        click.echo(f"{click.style('error:', fg='red')} {conflict}")


def table_lines(rows: list[list[str]], failed: set[int], *, width: int | None) -> list[str]:
    """``rows`` (the first one the header) as aligned columns; the last column wraps at ``width``
    under its own start, or never with ``width=None`` (a pipe or a file keeps whole rows, for
    grep). Rows in ``failed`` are red on a terminal. Plain text on purpose: ``ovtune plugins``
    is a quick command, and rich's table costs it a tenth of a second to import."""
    import textwrap

    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    indent = sum(widths) + 2 * len(widths)
    lines = []
    for index, row in enumerate(rows):
        head = "".join(cell.ljust(w + 2) for cell, w in zip(row, widths, strict=False))
        last = [row[-1]]
        if width is not None and width - indent >= 20:
            last = textwrap.wrap(row[-1], width - indent, break_on_hyphens=False) or [""]
        text = [head + last[0], *(" " * indent + more for more in last[1:])]
        if index == 0:
            text = [click.style(line, bold=True) for line in text]
        elif index in failed:
            text = [click.style(line, fg="red") for line in text]
        lines += [line.rstrip() for line in text]
    return lines


def _terminal_width() -> int | None:
    """The terminal's width, or None when stdout is a pipe or a file (rows are never cut)."""
    import shutil
    import sys

    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


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
