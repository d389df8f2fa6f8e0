"""Human-readable descriptions of options models.

Used by ``ovtune stages NAME`` and by the documentation generator, so the recipe reference
in ``docs/`` is produced from (and checked against) the code.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


@dataclass(frozen=True)
class OptionRow:
    name: str
    type: str
    default: str
    required: bool
    description: str


def type_name(annotation: Any) -> str:
    """``int | None`` -> ``int?``; ``Literal['a','b']`` -> ``"a" | "b"``; paths -> ``path``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is Literal:
        return " | ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        text = " | ".join(names)
        return f"{text}?" if type(None) in args else text
    if origin in (list, tuple, set):
        inner = ", ".join(type_name(a) for a in args if a is not Ellipsis)
        return f"[{inner}]" if origin is list else f"({inner})"
    if origin is dict:
        return "{" + ": ".join(type_name(a) for a in args) + "}"
    if isinstance(annotation, type):
        if issubclass(annotation, Path):
            return "path"
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation).replace("typing.", "")


def options_rows(model: type[BaseModel]) -> list[OptionRow]:
    """One row per field of an options model, in declaration order."""
    rows = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if info.default is PydanticUndefined and info.default_factory is None:
            default, required = "", True
        else:
            value = info.get_default(call_default_factory=True)
            default, required = _toml(value), False
        rows.append(OptionRow(key, type_name(info.annotation), default, required, info.description or ""))
    return rows


def _toml(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel):
        return "{...}"
    return str(value)
