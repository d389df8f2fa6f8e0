"""``ovtune install`` / ``ovtune uninstall``: pip in ovtune's own environment (:mod:`ovtune.installer`)."""

from __future__ import annotations

import click

from ovtune.errors import PluginError
from ovtune.installer import describe, install, uninstall


@click.command("install")
@click.argument("packages", nargs=-1, required=True)
@click.option("-e", "--editable", is_flag=True, help="Install local folders in editable mode (pip install -e).")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages that are already installed.")
def install_command(packages: tuple[str, ...], editable: bool, upgrade: bool) -> None:
    """Install plugin PACKAGES (names, folders, wheels) into ovtune's environment with pip."""
    changed = install(packages, editable=editable, upgrade=upgrade, say=click.echo)
    broken = [entry for entry in changed if entry["status"] != "ok"]
    for entry in changed:
        click.echo(("warning: " if entry in broken else "") + describe(entry), err=entry in broken)
    if not changed:
        click.echo(f"note: {', '.join(packages)} added no new ovtune plugin (ovtune plugins lists what is installed)")
    if broken:
        names = ", ".join(sorted({entry["distribution"] for entry in broken}))
        raise PluginError(f"installed, but not usable: {describe(broken[0])}; 'ovtune uninstall {names}' removes it")


@click.command("uninstall")
@click.argument("packages", nargs=-1, required=True)
def uninstall_command(packages: tuple[str, ...]) -> None:
    """Uninstall plugin distributions PACKAGES from ovtune's environment with pip."""
    for entry in uninstall(packages):
        click.echo(f"removed plugin {entry['name']!r} ({entry['distribution']} {entry['version']})")
