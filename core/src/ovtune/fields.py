"""Field types for options models: recipe-relative paths, durations and dataset names.

Plugin options models use these so that every recipe speaks the same language:
``path = "data/calib"`` is resolved against the recipe's folder, ``duration = "10s"`` means
ten seconds everywhere, and ``data = "calibration"`` must name a ``[data.*]`` entry of the
recipe, checked by ``ovtune validate`` before any model is read.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema

BASE_DIR_CONTEXT_KEY = "base_dir"
DATA_NAMES_CONTEXT_KEY = "data_names"
"""Validation context key: the recipe's ``[data.*]`` names (absent outside a recipe)."""
METRIC_CONTEXT_KEY = "metric"
"""Validation context key: the recipe's ``[metric] kind``, or ``None`` when it has none."""
UNCHECKED_PATHS_CONTEXT_KEY = "unchecked_paths"
"""Validation context key: when true, paths are resolved but need not exist yet. A recipe put
together from files in several folders (a sweep's base recipe and its entries) is validated
once this way to learn which of its values are paths, before they are made absolute."""


def _resolve(value: Any, info: ValidationInfo) -> Path:
    if isinstance(value, Path):
        text = str(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
    else:
        raise ValueError("expected a file or folder path")
    base = (info.context or {}).get(BASE_DIR_CONTEXT_KEY)
    return resolve_path(text, Path(base) if base is not None else None)


def resolve_path(text: str, base_dir: Path | None) -> Path:
    """A path as a recipe writes it -> an absolute path (``~`` expanded, relative paths against
    ``base_dir``); raises :class:`ValueError` with a one-line reason for what the operating
    system would reject later with a traceback: a NUL character, the home folder of a user who
    does not exist (``Path.expanduser`` raises ``RuntimeError``), a name longer than the file
    system allows (``ENAMETOOLONG`` at the first ``stat``), a symbolic link loop."""
    if "\x00" in text:
        raise ValueError(f"a path cannot contain a NUL character: {text!r}")
    path = Path(text)
    try:
        path = path.expanduser()
    except RuntimeError:
        home = text.split("/", 1)[0]
        raise ValueError(f"cannot expand {home!r}: no such user's home folder on this machine") from None
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    _check_name_lengths(path)
    if not path.is_absolute():
        return path
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:
        raise ValueError(f"cannot resolve {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _check_name_lengths(path: Path) -> None:
    """Reject a file or folder name longer than the file system allows, naming it."""
    limit = _name_max(path)
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > limit:
            raise ValueError(f"file name too long ({size} bytes; the file system allows {limit}): {part[:40]}...")


def _name_max(path: Path) -> int:
    """NAME_MAX of the file system holding ``path`` (its nearest existing folder); 255 when the
    system cannot tell."""
    for folder in (path, *path.parents):
        try:
            if folder.is_dir():
                return int(os.pathconf(folder, "PC_NAME_MAX"))
        except (OSError, ValueError):
            continue
    return 255


def path_exists(path: Path) -> bool:
    """``path.exists()``, with what ``stat`` refuses (a name too long, a loop, no permission on a
    parent folder) as a :class:`ValueError` naming the path instead of an ``OSError``."""
    try:
        return path.exists()
    except OSError as exc:
        raise ValueError(f"cannot check {path}: {exc.strerror or exc}") from None


def _resolve_existing(value: Any, info: ValidationInfo) -> Path:
    path = _resolve(value, info)
    if not (info.context or {}).get(UNCHECKED_PATHS_CONTEXT_KEY) and not path_exists(path):
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

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$")
_UNIT_SECONDS = {None: 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0}
MAX_DURATION_SECONDS = 24 * 3600.0
"""The longest duration a recipe may ask for (24 h): ``inf``, ``nan`` or ``"100000000m"`` would
otherwise pass validation and make a run that never ends."""


def parse_duration(value: Any) -> float:
    """``"10s"``, ``"500ms"``, ``"2m"``, ``"1h"`` or a number of seconds -> seconds (float),
    finite, not negative and at most :data:`MAX_DURATION_SECONDS`."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '10s' or '500ms'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration such as '10s' or '500ms', got {value!r}")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if math.isnan(seconds):
        raise ValueError("expected a duration such as '10s' or '500ms', got nan")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"a duration can be at most 24 h ({MAX_DURATION_SECONDS:.0f} s), got {value!r}")
    return seconds


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    Field(ge=0, le=MAX_DURATION_SECONDS),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": MAX_DURATION_SECONDS},
                {"type": "string", "pattern": _DURATION.pattern},
            ],
            "description": "Seconds, or a string such as '10s', '500ms', '2m', '1h'; at most 24 h",
        }
    ),
]
"""A duration in seconds, at most 24 h; recipes may write ``"10s"``, ``"500ms"``, ``"2m"`` or
``"1h"``."""

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
