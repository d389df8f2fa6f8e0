"""Every hook in ovtune.hookspecs has a section in docs/hooks.md with its signature from the code,
an example in its docstring, and a test of its own (``test_hook_<name>``)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ovtune import hookspecs

ROOT = Path(__file__).parents[1]
HOOKS_DOC = ROOT / "docs" / "hooks.md"


def hook_functions() -> dict[str, Callable[..., Any]]:
    """Every hookspec function, in the order ``ovtune.hookspecs`` defines them."""
    return {
        name: value
        for name, value in vars(hookspecs).items()
        if name.startswith("ovtune_") and inspect.isfunction(value)
    }


def signature_text(function: Callable[..., Any]) -> str:
    """``name(param: annotation, ...) -> return``, with the annotations as written in the source."""
    signature = inspect.signature(function)
    parameters = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"{function.__name__}({parameters}) -> {signature.return_annotation}"


def doc_hook_headings() -> list[str]:
    return re.findall(r"^## (ovtune_.*?)\s*$", HOOKS_DOC.read_text(), flags=re.MULTILINE)


HOOKS = hook_functions()


def test_hookspecs_are_found() -> None:
    assert "ovtune_register_stages" in HOOKS
    assert "ovtune_select_device" in HOOKS
    assert signature_text(HOOKS["ovtune_select_device"]) == (
        "ovtune_select_device(requested: str, available: Sequence[str]) -> str | None"
    )


@pytest.mark.parametrize("name", list(HOOKS))
def test_every_hook_has_a_heading_with_its_signature(name: str) -> None:
    heading = f"## {signature_text(HOOKS[name])}"
    lines = HOOKS_DOC.read_text().splitlines()
    assert heading in lines, f"docs/hooks.md has no heading {heading!r}"


def test_every_hook_heading_names_an_existing_hook() -> None:
    headings = doc_hook_headings()
    names = [heading.split("(", 1)[0] for heading in headings]
    stale = [heading for heading, name in zip(headings, names, strict=True) if name not in HOOKS]
    assert not stale, f"docs/hooks.md documents hooks that do not exist: {stale}"
    assert len(names) == len(set(names)), f"docs/hooks.md documents a hook twice: {names}"


def test_docs_hook_sections_follow_the_order_of_hookspecs() -> None:
    names = [heading.split("(", 1)[0] for heading in doc_hook_headings()]
    assert names == list(HOOKS)


@pytest.mark.parametrize("name", list(HOOKS))
def test_every_hookspec_docstring_has_an_example(name: str) -> None:
    docstring = inspect.getdoc(HOOKS[name])
    assert docstring, f"{name} has no docstring"
    assert "Example" in docstring, f"the docstring of {name} has no Example"


def hook_test_names() -> set[str]:
    """Every ``def test_hook_<name>`` in the core's and the plugins' tests."""
    files = [*(ROOT / "tests").glob("test_*.py"), *(ROOT / "plugins").glob("ovtune-*/tests/test_*.py")]
    return {match for path in files for match in re.findall(r"^def (test_hook_\w+)\(", path.read_text(), re.MULTILINE)}


@pytest.mark.parametrize("name", list(HOOKS))
def test_every_hook_has_a_test_of_its_own(name: str) -> None:
    assert f"test_hook_{name}" in hook_test_names(), f"no test named test_hook_{name} (see tests/test_hooks.py)"


def test_every_hook_test_names_an_existing_hook() -> None:
    stale = sorted(name for name in hook_test_names() if name.removeprefix("test_hook_") not in HOOKS)
    assert not stale, f"tests for hooks that do not exist: {stale}"
