"""The search space a recipe's ``[tune]`` section defines (the section's model is the recipe's:
:mod:`ovtune.recipe_sections.tune`).

A configuration is one *variant* (a list of stages, e.g. none, or ``pot.default``), one value
for each of that variant's stage-option *choices*, and one value for each ``[tune.deploy]``
choice. Every configuration is also a plain recipe (:meth:`SearchSpace.recipe_table`): the
recipe's own tables with the variant's stages and the chosen ``[deploy]`` keys, which is what
``best.toml`` holds for the winner.

Choices are indices into the listed values, so any TOML value can be a choice (a list for
``ignored_scope.names``, a table, a string or a number) and a sampler only sees categories.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.errors import RecipeError
from ovtune.figures import FigureCatalog
from ovtune.recipe import Recipe, build_recipe
from ovtune.recipe_sections.tune import TuneSection, TuneVariant, stages_with
from ovtune.tune.goals import Bound, Goal, resolve_bounds, resolve_goal

if TYPE_CHECKING:
    from ovtune.registry import Registry


@dataclass(frozen=True)
class Config:
    """One point of the space: a variant, and an index into every list of values it uses."""

    variant: str
    choices: tuple[tuple[str, int], ...] = ()
    deploy: tuple[tuple[str, int], ...] = ()

    def key(self) -> str:
        return json.dumps([self.variant, list(self.choices), list(self.deploy)])

    def to_json(self) -> dict[str, Any]:
        return {"variant": self.variant, "choices": dict(self.choices), "deploy": dict(self.deploy)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        return cls(
            data["variant"],
            tuple(sorted((k, int(v)) for k, v in data.get("choices", {}).items())),
            tuple(sorted((k, int(v)) for k, v in data.get("deploy", {}).items())),
        )


@dataclass
class SearchSpace:
    """The variants and value lists of a ``[tune]`` section, over a recipe's own tables."""

    section: TuneSection
    base: dict[str, Any]
    goal: Goal
    bounds: list[Bound]
    figures: FigureCatalog
    variants: list[TuneVariant] = field(default_factory=list)

    @classmethod
    def from_recipe(
        cls, raw: dict[str, Any], section: TuneSection, figures: FigureCatalog, *, file: Any = None
    ) -> SearchSpace:
        """The space of ``section``; its objective and bounds resolved against ``figures``
        (the installed measurements' declarations)."""
        base = {key: value for key, value in raw.items() if key != "tune"}
        variants = list(section.variant)
        if not variants:
            variants = [TuneVariant(name="original")]
            if raw.get("stage"):
                variants.append(TuneVariant(name="recipe", stage=list(raw["stage"])))
        goal = resolve_goal(section.objective, figures, file=file)
        bounds = resolve_bounds(section.constraints, figures, file=file)
        return cls(section, base, goal, bounds, figures, variants)

    def phases(self) -> list[tuple[str, list[str]]]:
        """The phases of the search, in order, each with its variants' names: ``float``,
        ``quantized``, ``recovery`` when the variants carry phases (a proposed space), else one
        phase, ``search``, over every variant (a hand-written space)."""
        if all(v.phase is None for v in self.variants):
            return [("search", [v.name for v in self.variants])]
        groups: dict[str, list[str]] = {}
        for variant in self.variants:
            groups.setdefault(self.phase_of(variant.name), []).append(variant.name)
        return [(phase, groups[phase]) for phase in ("float", "quantized", "recovery") if phase in groups]

    def phase_of(self, name: str) -> str:
        if all(v.phase is None for v in self.variants):
            return "search"
        variant = self.variant(name)
        return variant.phase or ("quantized" if variant.stage else "float")

    def subspace(self, names: list[str]) -> SearchSpace:
        """The same space restricted to the variants ``names`` (one phase of the search)."""
        return dataclasses.replace(self, variants=[v for v in self.variants if v.name in names])

    def variant(self, name: str) -> TuneVariant:
        return next(v for v in self.variants if v.name == name)

    def deploy_value(self, key: str, index: int) -> Any:
        return self.section.deploy[key][index]

    def label(self, config: Config) -> str:
        """``int8 preset=mixed / throughput, 2 streams, f32``: how trials are named in tables."""
        deploy = self.deploy_label(config)
        return self.variant_label(config) + (f" / {deploy}" if deploy else "")

    def variant_label(self, config: Config) -> str:
        variant = self.variant(config.variant)
        parts = [config.variant]
        parts += [f"{key.split('.', 1)[1]}={_short(variant.choices[key][i])}" for key, i in config.choices]
        return " ".join(parts)

    def deploy_label(self, config: Config) -> str:
        parts = []
        for key, index in config.deploy:
            value = self.deploy_value(key, index)
            if key in ("hint", "precision"):
                parts.append(_short(value))
            elif key in ("streams", "requests", "threads"):
                parts.append(f"{_short(value)} {key if value != 1 else key[:-1]}")
            else:
                parts.append(f"{key}={_short(value)}")
        return ", ".join(parts)

    def recipe_table(self, config: Config) -> dict[str, Any]:
        """The plain recipe of ``config`` (no ``[tune]``): what ``best.toml`` holds."""
        variant = self.variant(config.variant)
        table = copy.deepcopy(self.base)
        table["stage"] = stages_with(variant.stage, {key: variant.choices[key][i] for key, i in config.choices})
        deploy = dict(table.get("deploy", {}))
        for key, index in config.deploy:
            deploy[key] = self.deploy_value(key, index)
        table["deploy"] = deploy
        return table

    def defaults(self, objective_hint: str | None) -> list[Config]:
        """The configurations tried first: every variant with the first value of each choice,
        and the performance hint that matches the objective when the space lists it."""
        configs = []
        for variant in self.variants:
            deploy = []
            for key, values in self.section.deploy.items():
                index = values.index(objective_hint) if key == "hint" and objective_hint in values else 0
                deploy.append((key, index))
            configs.append(Config(variant.name, tuple(sorted((k, 0) for k in variant.choices)), tuple(sorted(deploy))))
        return configs

    def size(self) -> int:
        deploy = 1
        for values in self.section.deploy.values():
            deploy *= len(values)
        total = 0
        for variant in self.variants:
            combos = 1
            for values in variant.choices.values():
                combos *= len(values)
            total += combos * deploy
        return total

    def fingerprint(self) -> str:
        """Changes when the recipe's tables or the space change: a journal from another space
        cannot be resumed."""
        document = {
            "base": self.base,
            "variants": [v.model_dump(exclude={"reason"}) for v in self.variants],
            "deploy": self.section.deploy,
            "objective": self.section.objective,
        }
        text = json.dumps(document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."


def check_space(space: SearchSpace, build: Callable[[dict[str, Any]], Any], file: Any) -> None:
    """Build every variant with every listed value once, so that ``ovtune validate`` reports a
    bad value under its ``tune.`` key path instead of a trial failing an hour into the search."""

    def attempt(config: Config, key: str) -> None:
        try:
            build(space.recipe_table(config))
        except RecipeError as exc:
            inner = exc.key or ""
            raise RecipeError(exc.reason, file=file, key=f"{key} ({inner})" if inner else key) from None

    names = [variant.name for variant in space.variants]
    if len(set(names)) != len(names):
        raise RecipeError("two variants have the same name", file=file, key="tune.variant")
    for number, variant in enumerate(space.variants, start=1):
        where = f"tune.variant[{number}]"
        for key in variant.choices:
            position = int(key.split(".", 1)[0])
            if not 1 <= position <= len(variant.stage):
                raise RecipeError(
                    f"choice {key!r}: the variant has {len(variant.stage)} stage(s)", file=file, key=f"{where}.choices"
                )
        attempt(Config(variant.name), f"{where}.stage")
        for key, values in variant.choices.items():
            for index in range(len(values)):
                attempt(Config(variant.name, ((key, index),)), f'{where}.choices."{key}"[{index + 1}]')
    first = space.variants[0].name
    for key, values in space.section.deploy.items():
        for index in range(len(values)):
            attempt(Config(first, (), ((key, index),)), f"tune.deploy.{key}[{index + 1}]")


def check_recipe_space(recipe: Recipe, registry: Registry, *, file: Path | None) -> SearchSpace | None:
    """The search space of ``recipe``'s ``[tune]`` section (``None`` without one), checked by
    :func:`check_space`. It runs on a built recipe, after :func:`~ovtune.recipe.build_recipe`:
    the recipe validates the ``[tune]`` table like any other and never calls back into the
    tuner. ``file`` is the recipe file as the user named it, for error messages."""
    section = recipe.document.tune
    if section is None:
        return None
    space = SearchSpace.from_recipe(recipe.raw, section, FigureCatalog.from_registry(registry), file=file)
    check_space(space, lambda table: build_recipe(table, base_dir=recipe.base_dir, registry=registry, file=file), file)
    return space
