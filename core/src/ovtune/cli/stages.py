"""``ovtune stages [NAME]``: the installed stages, or one stage's options (its documentation)."""

from __future__ import annotations

import json
from typing import Any

import click

from ovtune.cli.app import AppState


@click.command("stages")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def stages_command(state: AppState, name: str | None, as_json: bool) -> None:
    """List stages, or show the options of stage NAME."""
    from ovtune.docs import options_rows
    from ovtune.types import Stage

    host = state.host()
    registry = host.registry
    if name is None:
        if as_json:
            stages = [stage_entry(provided) for provided in registry.all(Stage)]
            click.echo(json.dumps({"stages": stages}, indent=2))
            return
        for provided in registry.all(Stage):
            click.echo(f"{provided.item.name:<28} {provided.item.summary}  [{provided.plugin.label}]")
        if not registry.all(Stage):
            click.echo("no stages installed")
        return
    provided = registry.get(Stage, name)
    options_model = provided.item.options_model()
    doc = (options_model.__doc__ or "").strip()
    rows = options_rows(options_model)
    if as_json:
        options = [
            {
                "name": row.name,
                "type": row.type,
                "default": None if row.required else row.default,
                "required": row.required,
                "description": row.description,
            }
            for row in rows
        ]
        schema = options_model.model_json_schema()
        click.echo(json.dumps({**stage_entry(provided), "doc": doc, "options": options, "schema": schema}, indent=2))
        return
    click.echo(f"{provided.item.name}: {provided.item.summary}  [{provided.plugin.label}]")
    if doc:
        click.echo(doc)
    for row in rows:
        default = "" if row.required else f" = {row.default}"
        click.echo(f"  {row.name}: {row.type}{default}{'  (required)' if row.required else ''}")
        if row.description:
            click.echo(f"      {row.description}")


def stage_entry(provided: Any) -> dict[str, Any]:
    """One stage as ``ovtune stages --json`` lists it."""
    return {
        "name": provided.item.name,
        "summary": provided.item.summary,
        "plugin": provided.plugin.name,
        "distribution": provided.plugin.distribution,
        "version": provided.plugin.version,
    }
