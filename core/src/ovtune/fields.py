"""Field types for options models: recipe-relative paths, durations and dataset names.

Plugin options models use these so that every recipe speaks the same language:
``path = "data/calib"`` is resolved against the recipe's folder, ``duration = "10s"`` means
ten seconds everywhere, and ``data = "calibration"`` must name a ``[data.*]`` entry of the
recipe, checked by ``ovtune validate`` before any model is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema

BASE_DIR_CONTEXT_KEY = "base_dir"
DATA_NAMES_CONTEXT_KEY = "data_names"
"""Validation context key: the recipe's ``[data.*]`` names (absent outside a recipe)."""
METRIC_CONTEXT_KEY = "metric"
"""Validation context key: the recipe's ``[metric] kind``, or ``None`` when it has none."""


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


def _known_data(value: str, info: ValidationInfo) -> str:
    names = (info.context or {}).get(DATA_NAMES_CONTEXT_KEY)
    if names is not None and value not in names:
        raise ValueError(f"no [data.{value}] in the recipe (defined: {', '.join(names) or 'none'})")
    return value


DataName = Annotated[
    str,
    AfterValidator(_known_data),
    WithJsonSchema({"type": "string", "description": "Name of a [data.NAME] entry of the recipe"}),
]
"""The name of a ``[data.NAME]`` entry; a recipe that has no such entry fails validation. Give
the field a default with ``Field("calibration", validate_default=True)`` so that relying on
the default is checked too."""


def recipe_metric(info: ValidationInfo) -> tuple[bool, str | None]:
    """``(inside a recipe, its [metric] kind or None)``, for options that need a metric."""
    context = info.context or {}
    return METRIC_CONTEXT_KEY in context, context.get(METRIC_CONTEXT_KEY)
