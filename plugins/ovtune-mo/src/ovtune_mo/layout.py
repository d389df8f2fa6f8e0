"""Layout strings as Model Optimizer wrote them (``"nchw"``, ``"NCHW->NHWC"``, ``"N...C"``), in plain Python.

Validation has to reject a bad layout without importing OpenVINO (``ovtune validate`` never does),
and ``openvino.Layout`` accepts any letter (``Layout("NXHW")`` is valid), so the letters Model
Optimizer understood are checked here. The stage hands the normalised text to ``openvino.Layout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

LETTERS = {
    "N": "batch",
    "C": "channels",
    "D": "depth",
    "H": "height",
    "W": "width",
    "?": "any dimension",
}
ELLIPSIS = "..."

T = TypeVar("T")


def normalize(text: str) -> str:
    """``"nchw"`` -> ``"NCHW"``; raises ``ValueError`` naming an unknown or repeated letter."""
    layout = text.strip().upper()
    if not layout:
        raise ValueError("a layout cannot be empty (use letters such as 'NCHW')")
    if "->" in layout:
        raise ValueError(f"'{text}': write 'SOURCE->TARGET' in 'layout' only")
    seen: set[str] = set()
    for token in tokens(layout):
        if token == ELLIPSIS:
            if ELLIPSIS in seen:
                raise ValueError(f"'{text}': '...' may appear once")
        elif token not in LETTERS:
            known = ", ".join(LETTERS) + " and ..."
            raise ValueError(f"unknown layout letter '{token}' in '{text}' (layouts use {known})")
        elif token != "?" and token in seen:
            raise ValueError(f"'{text}': the letter '{token}' appears twice")
        seen.add(token)
    return layout


def split_arrow(text: str) -> tuple[str, str | None]:
    """``"NCHW->NHWC"`` -> ``("NCHW", "NHWC")``; ``"NCHW"`` -> ``("NCHW", None)`` (both normalised)."""
    source, arrow, target = text.partition("->")
    if not arrow:
        return normalize(source), None
    return normalize(source), normalize(target)


def tokens(layout: str) -> list[str]:
    """``"N...C"`` -> ``["N", "...", "C"]``."""
    result: list[str] = []
    index = 0
    while index < len(layout):
        if layout.startswith(ELLIPSIS, index):
            result.append(ELLIPSIS)
            index += len(ELLIPSIS)
        else:
            result.append(layout[index])
            index += 1
    return result


def rank(layout: str) -> int | None:
    """The number of dimensions a layout describes, or ``None`` when it contains ``...``."""
    parts = tokens(layout)
    return None if ELLIPSIS in parts else len(parts)


def has(layout: str, letter: str) -> bool:
    return letter in tokens(layout)


def expand(layout: str, ndim: int) -> list[str]:
    """One label per dimension of an ``ndim``-dimensional array: ``("N...C", 4)`` ->
    ``["N", "?1", "?2", "C"]``. Unnamed dimensions are numbered in order, so two layouts with the
    same unnamed dimensions pair them up in order."""
    parts = tokens(layout)
    if ELLIPSIS in parts:
        at = parts.index(ELLIPSIS)
        parts = parts[:at] + ["?"] * (ndim - len(parts) + 1) + parts[at + 1 :]
    if len(parts) != ndim:
        raise ValueError(f"layout '{layout}' has {len(parts)} dimensions, the input has {ndim}")
    unnamed = iter(range(ndim))
    return [f"?{next(unnamed)}" if part == "?" else part for part in parts]


def axis(layout: str, letter: str, ndim: int) -> int | None:
    """Index of ``letter`` in an array of ``ndim`` dimensions laid out as ``layout``."""
    labels = expand(layout, ndim)
    return labels.index(letter) if letter in labels else None


def permutation(source: str, target: str, ndim: int) -> list[int]:
    """Axes that transpose an array laid out as ``target`` into ``source`` (``np.transpose`` order)."""
    source_labels, target_labels = expand(source, ndim), expand(target, ndim)
    if sorted(source_labels) != sorted(target_labels):
        raise ValueError(f"layout '{target}' is not a reordering of '{source}'")
    return [target_labels.index(label) for label in source_labels]


def same_letters(source: str, target: str) -> bool:
    """Whether ``target`` is a reordering of ``source`` (the only conversion the PrePostProcessor
    can do: a transpose)."""
    return sorted(tokens(source)) == sorted(tokens(target))


def entries(value: T | Mapping[str, T] | None) -> list[tuple[str | None, T]]:
    """``(input name, value)`` pairs of a per-input option; ``None`` names "every input"."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.items())
    return [(None, value)]


def for_input(value: T | Mapping[str, T] | None, names: set[str]) -> T | None:
    """The value of a per-input option for the input known by any of ``names``."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return next((value[name] for name in value if name in names), None)
    return value
