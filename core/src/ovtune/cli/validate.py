"""``ovtune validate RECIPE``: every check that needs no model run, fast (no OpenVINO import)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ovtune.cli.app import AppState
from ovtune.errors import OvtuneError, RecipeError

if TYPE_CHECKING:
    from ovtune.recipe import Recipe
    from ovtune.tune.space import SearchSpace


@click.command("validate")
@click.argument("recipe", type=click.Path(path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help="Print the outcome as JSON: what the recipe uses, or every error."
)
@click.pass_obj
def validate_command(state: AppState, recipe: Path, as_json: bool) -> None:
    """Check RECIPE without running anything (fast: does not import OpenVINO)."""
    from ovtune.recipe import load_recipe

    host = state.host()
    host.registry.check()
    try:
        resolved = load_recipe(recipe, host.registry)
        space = None
        if resolved.document.tune is not None:  # the tuner's modules only for a recipe that tunes
            from ovtune.tune.space import check_recipe_space

            space = check_recipe_space(resolved, host.registry, file=recipe)
    except OvtuneError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "recipe": str(recipe), "errors": error_entries(exc)}, indent=2))
        raise
    if as_json:
        click.echo(json.dumps(validation_document(recipe, resolved, space), indent=2, default=str))
        return
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


def error_entries(exc: OvtuneError) -> list[dict[str, Any]]:
    """Every problem of a failed validation as ``{"file", "key", "message"}``."""
    if isinstance(exc, RecipeError):
        problems = getattr(exc, "problems", None) or [(exc.key, exc.reason)]
        file = str(exc.file) if exc.file is not None else None
        return [{"file": file, "key": key, "message": message} for key, message in problems]
    return [{"file": None, "key": None, "message": str(exc)}]


def validation_document(path: Path, recipe: Recipe, space: SearchSpace | None) -> dict[str, Any]:
    """What ``ovtune validate --json`` prints for a valid recipe (see docs/recipes.md)."""
    tune: dict[str, Any] | None = None
    if space is not None:
        from ovtune.tune.auto import wants_proposals

        tune = {
            "objective": space.section.objective,
            "configurations": space.size(),
            "proposed": wants_proposals(space.section),
        }
    return {
        "ok": True,
        "recipe": str(path),
        "name": recipe.name,
        "model": {"source": str(recipe.model.source), "format": recipe.model.loader.item.name},
        "stages": [{"index": s.index, "use": s.name, "plugin": s.stage.plugin.name} for s in recipe.stages],
        "data": {name: spec.kind.item.name for name, spec in recipe.data.items()},
        "metric": recipe.metric.metric.item.name if recipe.metric else None,
        "measurements": [m.item.name for m in recipe.measurements],
        "baseline": recipe.baseline.item.name if recipe.baseline else None,
        "reporters": [r.item.name for r in recipe.reporters],
        "tune": tune,
        "resolved": recipe.resolved(),
    }
