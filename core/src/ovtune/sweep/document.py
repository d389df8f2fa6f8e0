"""The sweep file as written: its models, its recipe overlays, the base recipe they share and how
the best recipe of each model is chosen.

Validated like a recipe's fixed tables (pydantic, errors as one line naming the file and the key
path, list items counted from 1); what each model entry and overlay means as a recipe is checked
when the jobs are put together (:mod:`ovtune.sweep.matrix`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ovtune.errors import RecipeError
from ovtune.recipe import recipe_error
from ovtune.run_folder import NAME_LIMIT, check_run_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

JOB_NAME_SEPARATOR = "--"
"""Between the model's and the recipe's name in a job's run name (``digits--int8``)."""

Objective = Literal["latency", "throughput", "size"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _safe_name(value: str) -> str:
    check_run_name(value)
    if JOB_NAME_SEPARATOR in value:
        raise ValueError(
            f"{value!r} contains {JOB_NAME_SEPARATOR!r}, which separates the model from the recipe in a job's name"
        )
    return value


class ModelEntry(_Strict):
    """One model of the sweep, and the data and metric it is judged with."""

    name: str = Field(description="Unique; the jobs' folders are named MODEL--RECIPE")
    source: str = Field(description="The recipe's [model] source (relative to the sweep file)")
    format: str | None = Field(None, description="The recipe's [model] format (a loader name)")
    options: dict[str, Any] = Field(default_factory=dict, description="Loader options, merged into [model]")
    data: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="The recipe's [data.*] for this model (replacing the base's of the same name)"
    )
    metric: dict[str, Any] | None = Field(None, description="The recipe's [metric] for this model")

    @field_validator("name")
    @classmethod
    def _safe(cls, value: str) -> str:
        return _safe_name(value)

    def recipe_part(self) -> dict[str, Any]:
        """The entry as recipe tables."""
        part: dict[str, Any] = {"model": {"source": self.source, **self.options}}
        if self.format is not None:
            part["model"]["format"] = self.format
        if self.data:
            part["data"] = dict(self.data)
        if self.metric is not None:
            part["metric"] = dict(self.metric)
        return part


class RecipeEntry(BaseModel):
    """One recipe of the sweep: tables laid over the base recipe (its other keys)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(description="Unique; the jobs' folders are named MODEL--RECIPE")
    models: list[str] | None = Field(None, description="Only these models (default: every model)")

    @field_validator("name")
    @classmethod
    def _safe(cls, value: str) -> str:
        return _safe_name(value)

    @property
    def overlay(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class SweepDocument(_Strict):
    """The whole sweep file."""

    name: str | None = Field(None, description="Sweep name (default: the sweep file's stem)")
    description: str = Field("", description="Free text, kept in sweep.json")
    base: str | dict[str, Any] | None = Field(
        None, description="The base recipe: a file (relative to the sweep file) or an inline table"
    )
    objective: Objective = Field("latency", description="What the best recipe of a model is chosen for")
    max_drop: float | None = Field(
        None, ge=0, description="Largest accuracy drop against the model's f32 original a best recipe may have"
    )
    model: list[ModelEntry] = Field(min_length=1, description="The models")
    recipe: list[RecipeEntry] = Field(min_length=1, description="The recipes laid over the base for each model")

    @field_validator("name")
    @classmethod
    def _safe_sweep_name(cls, value: str | None) -> str | None:
        return None if value is None else check_run_name(value)

    @model_validator(mode="after")
    def _names_fit_together(self) -> SweepDocument:
        _unique([entry.name for entry in self.model], "model")
        _unique([entry.name for entry in self.recipe], "recipe")
        known = [entry.name for entry in self.model]
        for index, entry in enumerate(self.recipe, start=1):
            for position, wanted in enumerate(entry.models or [], start=1):
                if wanted not in known:
                    raise _KeyedError(
                        f"recipe[{index}].models[{position}]", f"no model named {wanted!r} (models: {', '.join(known)})"
                    )
        for index, entry in enumerate(self.recipe, start=1):
            for model in self.model:
                name = f"{model.name}{JOB_NAME_SEPARATOR}{entry.name}"
                if len(name.encode()) > NAME_LIMIT:
                    raise _KeyedError(
                        f"recipe[{index}].name", f"the job's name {name!r} is longer than {NAME_LIMIT} bytes"
                    )
        return self


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        if name in seen:
            raise _KeyedError(f"{what}[{index}].name", f"duplicate {what} name {name!r}")
        seen.add(name)


class _KeyedError(ValueError):
    """A check of the whole document that knows which key it is about."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def read_sweep(path: Path) -> SweepDocument:
    """Read and validate a sweep file; every problem is one :class:`RecipeError` naming the file
    and the key path."""
    if not path.is_file():
        raise RecipeError("sweep file not found" if not path.exists() else "not a file", file=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"cannot read the sweep file: {exc}", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"invalid TOML: {exc}", file=path) from None
    return parse_sweep(raw, file=path)


def parse_sweep(raw: dict[str, Any], *, file: Path) -> SweepDocument:
    """Validate an already-parsed sweep file."""
    for key in ("model", "recipe"):
        if key not in raw:
            raise RecipeError(f"missing key; a sweep needs at least one [[{key}]]", file=file, key=key)
    try:
        return SweepDocument.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        keyed = next(
            (e["ctx"]["error"] for e in errors if isinstance(e.get("ctx", {}).get("error"), _KeyedError)), None
        )
        if keyed is not None:
            raise RecipeError(str(keyed), file=file, key=keyed.key) from None
        raise recipe_error(exc, file=file, model=SweepDocument) from None
