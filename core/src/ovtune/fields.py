"""Field types for options models: recipe-relative paths and durations.

Plugin options models use these so that every recipe speaks the same language:
``path = "data/calib"`` is resolved against the recipe's folder, ``duration = "10s"`` means
ten seconds everywhere.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema

BASE_DIR_CONTEXT_KEY = "base_dir"


def _resolve(value: Any, info: ValidationInfo) -> Path:
    if isinstance(value, Path):
        path = value
    elif isinstance(value, str) and value.strip():
        path = Path(value.strip())
    else:
        raise ValueError("expected a file or folder path")
    path = path.expanduser()
    base = (info.context or {}).get(BASE_DIR_CONTEXT_KEY)
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path.resolve() if path.is_absolute() else path


def _resolve_existing(value: Any, info: ValidationInfo) -> Path:
    path = _resolve(value, info)
    if not path.exists():
        raise ValueError(f"file not found: {path}")
    return path


RecipePath = Annotated[
    Path,
    BeforeValidator(_resolve),
    WithJsonSchema({"type": "string", "description": "Path, relative to the recipe's folder"}),
]
"""A path that is resolved against the recipe's folder (``~`` is expanded)."""

ExistingPath = Annotated[
    Path,
    BeforeValidator(_resolve_existing),
    WithJsonSchema({"type": "string", "description": "Existing path, relative to the recipe's folder"}),
]
"""Like :data:`RecipePath`, and the file or folder must exist when the recipe is validated."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0}


def parse_duration(value: Any) -> float:
    """``"10s"``, ``"500ms"``, ``"2m"`` or a number of seconds -> seconds (float)."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '10s' or '500ms'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration such as '10s' or '500ms', got {value!r}")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": _DURATION.pattern}],
            "description": "Seconds, or a string such as '10s', '500ms', '2m'",
        }
    ),
]
"""A duration in seconds; recipes may write ``"10s"``, ``"500ms"`` or ``"2m"``."""

Reference = Annotated[
    str,
    Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"),
    WithJsonSchema({"type": "string", "description": "'package.module:function'"}),
]
"""A ``"package.module:attribute"`` reference to user code."""
