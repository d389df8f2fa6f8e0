"""The options contracts: the part of every registration that users write in a recipe."""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

import tomli_w

from ovtune.conformance.report import BrokenContractError, ConformanceReport, require
from ovtune.conformance.tables import copy_table, without_none
from ovtune.conformance.workspace import Workspace
from ovtune.errors import PluginError, RecipeError
from ovtune.options import Options
from ovtune.registry import Provided

if TYPE_CHECKING:
    from ovtune.recipe import Recipe

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

UNKNOWN_KEY = "not_an_option_of_this_plugin"


def check_options(
    report: ConformanceReport,
    space: Workspace,
    *,
    provided: Provided[Any],
    raw: dict[str, Any],
    section: Callable[[dict[str, Any]], dict[str, Any]],
    key: str,
    built_options: Callable[[Recipe], Options],
) -> None:
    """``section(raw)`` is the table holding the options (edited in place on copies of ``raw``);
    ``key`` its key path; ``built_options(recipe)`` finds the validated options in a recipe."""
    try:
        options_model: type[Options] = provided.item.options_model()
    except PluginError as exc:
        report.record("the options model can be imported", False, str(exc))
        return
    with report.contract("the options model forbids unknown keys (subclass of ovtune.plugin.Options)"):
        require(
            options_model.model_config.get("extra") == "forbid",
            f"{options_model.__name__} allows unknown keys; derive it from ovtune.plugin.Options",
        )
    with report.contract("every option has a description (it is the documentation)"):
        undocumented = [name for name, info in options_model.model_fields.items() if not info.description]
        require(not undocumented, f"no description for {', '.join(undocumented)}")
    with report.contract("the options validate in a recipe"):
        space.build(raw)
    with report.contract("the options survive a TOML file"):
        original = built_options(space.build(raw))
        dumped = original.model_dump(mode="json", exclude_none=True, by_alias=True)
        again = copy_table(raw)
        table = section(again)
        fields = {info.alias or name for name, info in options_model.model_fields.items()}
        for name in [name for name in table if name in fields]:
            del table[name]
        table.update(dumped)
        reread = built_options(space.through_toml(again))
        require(reread == original, f"written {dumped}, read back {reread.model_dump(mode='json')}")
    with report.contract("the recipe validates against the JSON Schema of ovtune schema"):
        try:
            import jsonschema
        except ImportError:
            raise BrokenContractError("the kit needs jsonschema: pip install 'ovtune[testing]'") from None
        from ovtune.schema import recipe_schema

        document = tomllib.loads(tomli_w.dumps(without_none(raw)))
        errors = sorted(jsonschema.Draft202012Validator(recipe_schema(space.registry)).iter_errors(document), key=str)
        require(not errors, "; ".join(f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:2]))
    with report.contract(f"an unknown option is a recipe error naming {key}.{UNKNOWN_KEY}"):
        wrong = copy_table(raw)
        section(wrong)[UNKNOWN_KEY] = 1
        _expect_recipe_error(space, wrong, f"{key}.{UNKNOWN_KEY}")
    typed = _object_rejecting_field(options_model)
    if typed is not None:
        with report.contract(f"a wrongly typed option is a recipe error naming {key}.{typed}"):
            wrong = copy_table(raw)
            section(wrong)[typed] = {"not": "a valid value"}
            _expect_recipe_error(space, wrong, f"{key}.{typed}")


def _expect_recipe_error(space: Workspace, raw: dict[str, Any], key: str) -> None:
    try:
        space.build(raw)
    except RecipeError as exc:
        require(exc.key is not None and exc.key.startswith(key), f"the error names {exc.key!r}: {exc}")
        return
    raise BrokenContractError("the recipe was accepted")


def _object_rejecting_field(options_model: type[Options]) -> str | None:
    """A field that must reject a table value (so a wrongly typed value can be tried)."""
    for name, info in options_model.model_fields.items():
        if not _accepts_mapping(info.annotation):
            return info.alias or name
    return None


def _accepts_mapping(annotation: Any) -> bool:
    if annotation is Any or annotation is None:
        return annotation is Any
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _accepts_mapping(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_accepts_mapping(arg) for arg in typing.get_args(annotation))
    if origin is not None:
        return isinstance(origin, type) and issubclass(origin, Mapping)
    if isinstance(annotation, type):
        from pydantic import BaseModel

        return issubclass(annotation, (Mapping, BaseModel))
    return True


def option_variants(options: Options) -> list[tuple[str, Any]]:
    """(field, another valid-looking value) for fields whose type suggests one."""
    variants: list[tuple[str, Any]] = []
    for name, info in type(options).model_fields.items():
        value = getattr(options, name)
        key = info.alias or name
        choices = _literal_choices(info.annotation)
        if choices:
            other = [choice for choice in choices if choice != value]
            if other:
                variants.append((key, other[0]))
        elif isinstance(value, bool):
            variants.append((key, not value))
        elif isinstance(value, int):
            variants.append((key, value + 1))
        elif isinstance(value, float):
            variants.append((key, value / 2 if value else 0.5))
        elif isinstance(value, Enum):
            members = [member.value for member in type(value) if member is not value]
            if members:
                variants.append((key, members[0]))
    return variants


def _literal_choices(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    if origin is typing.Annotated:
        return _literal_choices(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [choice for arg in typing.get_args(annotation) for choice in _literal_choices(arg)]
    return []
