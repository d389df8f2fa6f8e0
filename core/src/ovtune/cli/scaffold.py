"""``ovtune plugin new NAME``: write a new plugin distribution (:mod:`ovtune.scaffold`)."""

from __future__ import annotations

from pathlib import Path

import click

from ovtune.scaffold import KINDS, PluginNames, create_plugin, guess_kind


@click.group("plugin")
def plugin_group() -> None:
    """Write plugins: ovtune plugin new NAME."""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="What the example registers (default: 'metric' when NAME has the word metric, else 'stage').",
)
@click.option(
    "--dir",
    "parent",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to create ovtune-NAME in.",
)
def new_command(name: str, kind: str | None, parent: Path) -> None:
    """Create the plugin distribution ovtune-NAME: pyproject, plugin, example, tests, README."""
    kind = kind or guess_kind(name)
    target = create_plugin(name, kind, parent)
    names = PluginNames.from_name(name)
    click.echo(f"created {target}/ ({kind} {names.plugin!r}, distribution {names.distribution})")
    click.echo(f"next: ovtune install -e {target} && (cd {target} && python -m pytest)")
