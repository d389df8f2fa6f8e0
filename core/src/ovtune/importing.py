"""Resolve ``"package.module:attribute"`` references.

Registrations name their implementation lazily (``run="ovtune_mo.convert:run"``) so that
listing plugins imports nothing heavy, and recipes name user code the same way
(``kind = "python:mypkg.data:load"``). Both go through :func:`import_object`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Implementation = str | Callable[..., Any]
"""A callable, or a ``"module:attribute"`` string naming one, imported on first use."""


class ImportReferenceError(ValueError):
    """A reference string is malformed or names nothing importable."""


def import_object(reference: str, *, search_path: Path | None = None) -> Any:
    """Import ``"pkg.mod:attr.sub"`` and return the attribute.

    ``search_path`` (a recipe's folder) is tried first so that recipes can name modules that
    sit next to them, as ``pytest`` does with ``conftest.py``.
    """
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ImportReferenceError(f"expected 'module:attribute', got {reference!r}")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportReferenceError(f"cannot import module {module_name!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ImportReferenceError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return target


def resolve(implementation: Implementation) -> Callable[..., Any]:
    """Return the callable behind an :data:`Implementation`."""
    if callable(implementation):
        return implementation
    target = import_object(implementation)
    if not callable(target):
        raise ImportReferenceError(f"{implementation!r} is not callable")
    return target  # type: ignore[no-any-return]
