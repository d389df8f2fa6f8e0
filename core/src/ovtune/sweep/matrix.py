"""A sweep's jobs: for each model and each recipe that applies to it, the recipe
``base ⊕ model entry ⊕ recipe overlay``, validated and resolved before anything runs.

Merging: tables merge deeply, lists are replaced, the later part wins; a model entry replaces the
base's ``[model]``, its ``[data.*]`` entries of the same name and its ``[metric]`` as wholes (a
loader's or a metric's options mean nothing to another one).

Paths: a path written in the sweep file is relative to the sweep file's folder, one written in a
base file to the base file's folder. Which values are paths only the options models know
(a stage's calibration file, a loader's weights), so the merged recipe is validated once with
its paths unchecked (:data:`ovtune.fields.UNCHECKED_PATHS_CONTEXT_KEY`), every value the base
gave that came back resolved against the sweep file's folder is resolved against the base's own
folder instead, and the result is validated for real. The job's recipe is
:meth:`~ovtune.recipe.Recipe.resolved`: defaults filled in, every path absolute, so a worker
anywhere runs the same recipe.

An error names the file and the key path where the user wrote the value (``zoo.toml:
recipe[2].stage[1].use: ...``), not the merged recipe's.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ovtune.errors import RecipeError
from ovtune.fields import resolve_path
from ovtune.recipe import build_recipe, read_recipe_table
from ovtune.registry import Registry
from ovtune.run_folder import slug_run_name
from ovtune.sweep.document import JOB_NAME_SEPARATOR, ModelEntry, RecipeEntry, SweepDocument, read_sweep

CONSOLE_REPORTER = "console"
"""Left out of a job's reporters unless its recipe lists it: the sweep prints one table for all."""

_REPLACED_BY_MODEL = ("model", "metric")
"""Base tables a model entry replaces as wholes (and its ``[data.NAME]`` entries by name)."""


@dataclass(frozen=True)
class SweepJob:
    """One model under one recipe."""

    model: str
    recipe: str
    table: dict[str, Any]
    """The resolved recipe (:meth:`ovtune.recipe.Recipe.resolved`)."""

    @property
    def id(self) -> str:
        return f"{self.model}/{self.recipe}"

    @property
    def name(self) -> str:
        """The job's run name and folder name: ``MODEL--RECIPE``."""
        return f"{self.model}{JOB_NAME_SEPARATOR}{self.recipe}"

    @property
    def fingerprint(self) -> str:
        """sha256 of the recipe's canonical JSON: a rerun redoes a finished job only when it changed."""
        return recipe_fingerprint(self.table)


def recipe_fingerprint(table: dict[str, Any]) -> str:
    text = json.dumps(table, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file and its jobs, in file order (model by model)."""

    name: str
    path: Path
    document: SweepDocument
    jobs: list[SweepJob]


@dataclass(frozen=True)
class _Part:
    """One part of a job's recipe: its tables, the folder its paths are relative to, and where
    the user wrote it (to name in errors)."""

    table: dict[str, Any]
    folder: Path
    file: Path
    key: Callable[[str], str]
    """A key path of the merged recipe -> the key path in ``file``."""


def load_sweep(path: Path, registry: Registry) -> Sweep:
    """Read the sweep file and validate every job's recipe; the first problem is one
    :class:`RecipeError` naming the file (as given) and key path where it was written."""
    path = Path(path)
    document = read_sweep(path)
    sweep_file = path.resolve()
    base = _base_part(document, path)
    jobs = []
    for model_index, model in enumerate(document.model, start=1):
        for recipe_index, entry in enumerate(document.recipe, start=1):
            if entry.models is not None and model.name not in entry.models:
                continue
            parts = [base, _model_part(model, model_index, path), _overlay_part(entry, recipe_index, path)]
            table = _job_recipe(parts, f"{model.name}{JOB_NAME_SEPARATOR}{entry.name}", sweep_file, registry)
            jobs.append(SweepJob(model.name, entry.name, table))
    return Sweep(document.name or slug_run_name(path.stem), sweep_file, document, jobs)


def _base_part(document: SweepDocument, path: Path) -> _Part:
    """The base recipe; ``path`` is the sweep file as given (errors name files the same way)."""
    folder = path.resolve().parent
    if isinstance(document.base, str):
        try:
            base_file = resolve_path(document.base, folder)
        except ValueError as exc:
            raise RecipeError(str(exc), file=path, key="base") from None
        if not base_file.is_file():
            raise RecipeError(f"base recipe not found: {base_file}", file=path, key="base")
        shown = path.parent / document.base if not Path(document.base).is_absolute() else base_file
        table = read_recipe_table(shown)
        return _Part(table, base_file.parent, shown, lambda key: key)
    table = dict(document.base or {})
    return _Part(table, folder, path, lambda key: f"base.{key}")


def _model_part(entry: ModelEntry, index: int, path: Path) -> _Part:
    def key(merged: str) -> str:
        head, _, rest = merged.partition(".")
        if head == "model":
            field = rest.split(".", 1)[0]
            return f"model[{index}].{rest}" if field in ("source", "format") else f"model[{index}].options.{rest}"
        return f"model[{index}].{merged}"

    return _Part(entry.recipe_part(), path.resolve().parent, path, key)


def _overlay_part(entry: RecipeEntry, index: int, path: Path) -> _Part:
    overlay = entry.overlay
    for reserved in ("schema", "tune"):
        if reserved in overlay:
            why = (
                "a sweep runs recipes; tune one model with 'ovtune tune' (a [tune] section in a sweep is not supported)"
                if reserved == "tune"
                else "set by the sweep"
            )
            raise RecipeError(why, file=path, key=f"recipe[{index}].{reserved}")
    return _Part(overlay, path.resolve().parent, path, lambda key: f"recipe[{index}].{key}")


def _job_recipe(parts: list[_Part], name: str, sweep_file: Path, registry: Registry) -> dict[str, Any]:
    """The job's resolved recipe, its errors named where the user wrote the value."""
    base, model, overlay = parts
    merged = copy.deepcopy(base.table)
    merged.pop("tune", None)
    merged.pop("name", None)
    for replaced in _REPLACED_BY_MODEL:
        if replaced in model.table:
            merged.pop(replaced, None)
    merged = merge_tables(merged, model.table, replace=("data",))
    merged = merge_tables(merged, overlay.table)
    merged["name"] = name
    merged.setdefault("schema", 1)
    try:
        if base.folder != sweep_file.parent:
            probe = build_recipe(
                merged, base_dir=sweep_file.parent, registry=registry, file=sweep_file, check_paths=False
            )
            _rebase_paths(merged, probe.resolved(), parts, sweep_file.parent)
        recipe = build_recipe(merged, base_dir=sweep_file.parent, registry=registry, file=sweep_file)
    except RecipeError as exc:
        raise _where_written(exc, parts, name) from None
    table = recipe.resolved()
    if "reports" not in merged.get("output", {}):
        table["output"]["reports"] = [r for r in table["output"]["reports"] if r != CONSOLE_REPORTER]
    return table


def merge_tables(base: dict[str, Any], overlay: dict[str, Any], *, replace: tuple[str, ...] = ()) -> dict[str, Any]:
    """``overlay`` over ``base``: tables merged deeply, anything else (lists among them) replaced.
    Under a key in ``replace``, the overlay's entries replace the base's of the same name as
    wholes."""
    result = copy.deepcopy(base)
    for key, value in overlay.items():
        current = result.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            if key in replace:
                result[key] = {**current, **copy.deepcopy(value)}
            else:
                result[key] = merge_tables(current, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _rebase_paths(merged: dict[str, Any], resolved: dict[str, Any], parts: list[_Part], sweep_folder: Path) -> None:
    """Each string (or list of strings) the base wrote that the probe resolved as a path against
    the sweep file's folder, resolved against the base's folder instead (in ``merged``, in place)."""
    base = parts[0]
    for location, value in _leaves(merged):
        if _origin(location, parts) is not base:
            continue
        probed = _lookup(resolved, location)
        if isinstance(value, str) and _is_resolved(value, probed, sweep_folder):
            _assign(merged, location, str(resolve_path(value, base.folder)))
        elif isinstance(value, list) and isinstance(probed, list) and len(value) == len(probed):
            rebased = [
                str(resolve_path(item, base.folder))
                if isinstance(item, str) and _is_resolved(item, seen, sweep_folder)
                else item
                for item, seen in zip(value, probed, strict=True)
            ]
            _assign(merged, location, rebased)


def _is_resolved(value: str, probed: Any, folder: Path) -> bool:
    try:
        return isinstance(probed, str) and not Path(value).is_absolute() and probed == str(resolve_path(value, folder))
    except ValueError:
        return False


Location = tuple[str | int, ...]


def _leaves(table: Any, location: Location = ()) -> list[tuple[Location, Any]]:
    if isinstance(table, dict):
        return [leaf for key, value in table.items() for leaf in _leaves(value, (*location, key))]
    if isinstance(table, list) and any(isinstance(item, dict) for item in table):
        return [leaf for index, value in enumerate(table) for leaf in _leaves(value, (*location, index))]
    return [(location, table)]


def _lookup(table: Any, location: Location) -> Any:
    for part in location:
        if isinstance(part, int):
            if not isinstance(table, list) or part >= len(table):
                return None
        elif not isinstance(table, dict) or part not in table:
            return None
        table = table[part]
    return table


def _assign(table: Any, location: Location, value: Any) -> None:
    for part in location[:-1]:
        table = table[part]
    table[location[-1]] = value


def _origin(location: Location, parts: list[_Part]) -> _Part | None:
    """The part that wrote the value at ``location`` in the merged recipe (the last part with the
    longest prefix of it: a later part wins, and a list comes whole from one part)."""
    for length in range(len(location), 0, -1):
        for part in reversed(parts):
            if _lookup(part.table, location[:length]) is not None:
                return part
    return None


def _parse_key(key: str) -> Location:
    """``stage[2].use`` -> ``("stage", 1, "use")`` (list items counted from 1 in keys)."""
    location: list[str | int] = []
    for piece in key.split("."):
        name, _, rest = piece.partition("[")
        if name:
            location.append(name)
        while rest:
            number, _, rest = rest.partition("]")
            location.append(int(number) - 1 if number.isdigit() else number)
            rest = rest.removeprefix("[")
    return tuple(location)


def _where_written(exc: RecipeError, parts: list[_Part], job: str) -> RecipeError:
    """``exc`` (about the merged recipe) named at the file and key where its value was written."""
    origin = _origin(_parse_key(exc.key), parts) if exc.key else None
    if origin is None or exc.key is None:
        overlay = parts[-1]
        return RecipeError(
            f"{exc.reason} (in job {job})", file=overlay.file, key=overlay.key(exc.key or "").rstrip(".")
        )
    reason = exc.reason if origin is not parts[0] else f"{exc.reason} (in job {job})"
    return RecipeError(reason, file=origin.file, key=origin.key(exc.key))
