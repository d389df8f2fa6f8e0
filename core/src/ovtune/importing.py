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

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ovtune.errors import exception_line

Implementation = str | Callable[..., Any]
"""A callable, or a ``"module:attribute"`` string naming one, imported on first use."""


class ImportReferenceError(ValueError):
    """A reference string is malformed, names nothing importable, or its module raised."""


_recipe_folder: ContextVar[Path | None] = ContextVar("ovtune_recipe_folder", default=None)
"""The folder of the recipe whose code is running: where a reference given without an explicit
``search_path`` (a metric's function, created deep inside a measurement) is looked up."""

_recipe_folders: list[str] = []
"""The recipe folders this process appended to ``sys.path``, most recent first in the search."""


@contextlib.contextmanager
def recipe_folder(folder: Path | None) -> Iterator[None]:
    """Resolve references without a ``search_path`` against ``folder`` meanwhile."""
    token = _recipe_folder.set(folder)
    try:
        yield
    finally:
        _recipe_folder.reset(token)


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
    search_path = search_path if search_path is not None else _recipe_folder.get()
    if search_path is not None:
        _search_recipe_folder(search_path, module_name.split(".", 1)[0])
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


def _search_recipe_folder(folder: Path, top: str) -> None:
    """Put ``folder`` at the end of ``sys.path``, before the other recipe folders, and forget a
    module ``top`` that one of those folders gave: a process that runs many recipes (a sweep, an
    executor's worker) must import each recipe's own ``stages.py``, not the first one it met."""
    text = str(folder)
    if text in sys.path and text not in _recipe_folders:
        return  # already searched, and not by us (the current folder, an installed path)
    if text in sys.path:
        sys.path.remove(text)
    others = [index for index, entry in enumerate(sys.path) if entry in _recipe_folders]
    sys.path.insert(others[0] if others else len(sys.path), text)
    if text in _recipe_folders:
        _recipe_folders.remove(text)
    _recipe_folders.insert(0, text)
    loaded = getattr(sys.modules.get(top), "__file__", None)
    if loaded is None or not ((folder / f"{top}.py").is_file() or (folder / top).is_dir()):
        return
    origin = Path(loaded).resolve()
    if origin.is_relative_to(folder.resolve()):
        return
    if any(origin.is_relative_to(Path(other).resolve()) for other in _recipe_folders[1:]):
        for name in [name for name in sys.modules if name == top or name.startswith(f"{top}.")]:
            del sys.modules[name]
        importlib.invalidate_caches()


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
