"""``ovtune stages [NAME]``: the installed stages, or one stage's options (its documentation)."""

from __future__ import annotations

import click

from ovtune.cli.app import AppState


@click.command("stages")
@click.argument("name", required=False)
@click.pass_obj
def stages_command(state: AppState, name: str | None) -> None:
    """List stages, or show the options of stage NAME."""
    from ovtune.docs import options_rows
    from ovtune.types import Stage

    host = state.host()
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
