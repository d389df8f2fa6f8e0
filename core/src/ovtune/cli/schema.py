"""``ovtune schema``: the JSON Schema of recipes, with every installed plugin's options."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ovtune.cli.app import AppState


@click.command("schema")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
@click.pass_obj
def schema_command(state: AppState, output: Path | None) -> None:
    """Print the JSON Schema of recipes, with every installed plugin's options."""
    from ovtune.schema import recipe_schema
    from ovtune.storage import atomic_write_text

    text = json.dumps(recipe_schema(state.host().registry), indent=2) + "\n"
    if output:
        atomic_write_text(output, text)
    else:
        click.echo(text, nl=False)
