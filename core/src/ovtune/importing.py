"""Resolve ``"package.module:attribute"`` references.

Registrations name their implementation lazily (``run="ovtune_mo.convert:run"``) so that
listing plugins imports nothing heavy, and recipes name user code the same way
(``kind = "python:mypkg.data:load"``). Both go through :func:`import_object`.

A recipe's own modules may sit in its folder (as ``conftest.py`` sits beside tests), but
they never shadow installed packages: the folder is appended at the *end* of ``sys.path``.
An ``nncf.py`` or ``numpy.py`` beside a recipe therefore cannot replace the real NNCF or
NumPy for ovtune and its plugins; a recipe module with an installed package's name is not
used, and an error for such a reference says so.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ovtune.errors import exception_line

Implementation = str | Callable[..., Any]
"""A callable, or a ``"module:attribute"`` string naming one, imported on first use."""


class ImportReferenceError(ValueError):
    """A reference string is malformed, names nothing importable, or its module raised."""


def import_object(reference: str, *, search_path: Path | None = None) -> Any:
    """Import ``"pkg.mod:attr.sub"`` and return the attribute.

    ``search_path`` (a recipe's folder) is searched *after* the installed packages: it is
    appended to ``sys.path`` (not prepended), so that a module beside a recipe resolves
    unless an installed top-level module has the same name, which wins. Errors in the
    module itself (``SyntaxError``, anything its top level raises, even ``sys.exit()``; not
    ``KeyboardInterrupt``) are reported as :class:`ImportReferenceError` naming the
    reference and the error.
    """
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ImportReferenceError(f"expected 'module:attribute', got {reference!r}")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.append(str(search_path))
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportReferenceError(f"cannot import module {module_name!r}: {exc}") from exc
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # user code: any failure at import (SyntaxError, sys.exit) is the error
        raise ImportReferenceError(f"{reference}: importing {module_name!r} raised {exception_line(exc)}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            message = f"module {module_name!r} has no attribute {attribute!r}"
            shadowed = _shadowed_recipe_module(module_name, search_path)
            raise ImportReferenceError(message + shadowed) from None
    return target


def _shadowed_recipe_module(module_name: str, search_path: Path | None) -> str:
    """Why a recipe module was not used: an installed module of the same name comes first."""
    top = module_name.split(".", 1)[0]
    if search_path is None or not ((search_path / f"{top}.py").is_file() or (search_path / top).is_dir()):
        return ""
    imported = sys.modules.get(top)
    origin = getattr(imported, "__file__", None)
    if origin is None or Path(origin).resolve().is_relative_to(search_path.resolve()):
        return ""
    return (
        f" (the installed module {top!r} at {origin} comes before {top} beside the recipe, "
        "which never shadows installed packages; rename it)"
    )


def resolve(implementation: Implementation) -> Callable[..., Any]:
    """Return the callable behind an :data:`Implementation`."""
    if callable(implementation):
        return implementation
    target = import_object(implementation)
    if not callable(target):
        raise ImportReferenceError(f"{implementation!r} is not callable")
    return target  # type: ignore[no-any-return]
