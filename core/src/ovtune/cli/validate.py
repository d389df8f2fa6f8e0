"""``ovtune validate RECIPE``: every check that needs no model run, fast (no OpenVINO import)."""

from __future__ import annotations

from pathlib import Path

import click

from ovtune.cli.app import AppState


@click.command("validate")
@click.argument("recipe", type=click.Path(path_type=Path))
@click.pass_obj
def validate_command(state: AppState, recipe: Path) -> None:
    """Check RECIPE without running anything (fast: does not import OpenVINO)."""
    from ovtune.recipe import load_recipe
    from ovtune.tune.space import check_recipe_space

    host = state.host()
    host.registry.check()
    resolved = load_recipe(recipe, host.registry)
    space = check_recipe_space(resolved, host.registry, file=recipe)
    stages = ", ".join(f"{s.index}:{s.name}" for s in resolved.stages) or "none"
    tune = ""
    if space is not None:
        from ovtune.tune.auto import wants_proposals

        if wants_proposals(space.section):
            listed = f"{space.size()} listed configurations plus " if space.section.variant else ""
            tune = f"; tune: {space.section.objective}, {listed}the space the installed plugins propose"
        else:
            tune = f"; tune: {space.section.objective}, {space.size()} configurations"
    click.echo(
        f"ok: {recipe}: model {resolved.model.source} ({resolved.model.loader.item.name}); "
        f"stages: {stages}; data: {', '.join(resolved.data) or 'none'}; "
        f"metric: {resolved.metric.metric.item.name if resolved.metric else 'none'}{tune}"
    )
