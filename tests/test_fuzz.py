"""Property tests: mutated example recipes fail with ovtune's own user error, never a crash.

Every recipe under ``examples/`` is copied into a temporary tree with placeholder files for the
paths it names (validation checks that files exist, it never reads models), so that the
unmutated recipe validates and mutations reach every section. Mutations drop keys, swap value
types, insert odd strings ('..', '/abs', NUL, 'inf', huge numbers, unicode, overlong names,
unknown users' home folders) and empty tables. Parsing and building such a recipe may only
succeed or raise :class:`~ovtune.errors.OvtuneError`; ``ovtune validate`` may only exit 0 or 2,
without a traceback.

The runs are bounded (``max_examples``, ``deadline``) and derandomized, so that the suite stays
fast and a failure reproduces on every machine.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import example as regression
from hypothesis import strategies as st

from ovtune.errors import OvtuneError
from ovtune.manager import PluginHost
from ovtune.recipe import build_recipe, tomllib
from ovtune.testing import run_cli
from ovtune.tune.space import check_recipe_space

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*.toml") if p.name != "pyproject.toml")
PLACEHOLDER_SUFFIXES = (".onnx", ".npz", ".npy", ".xml", ".bin", ".tflite", ".pdmodel", ".pt")

ODD_VALUES: list[Any] = [
    "..",
    "/abs",
    "/",
    "\x00",
    "a\x00b",
    "inf",
    "-inf",
    "nan",
    "1e999",
    "100000000m",
    "-5s",
    "",
    " ",
    "~",
    "~ovtune-no-such-user/x.onnx",
    "x" * 300,
    "d/" + "y" * 300 + ".npz",
    "☃ ünïcödé 名前",
    "\u202e\ufeff",
    "python:",
    "python:os:system",
    "torch:",
    ":",
    "<script>alert(1)</script>",
    10**30,
    -(10**30),
    2**63 - 1,
    -1,
    0,
    1.5,
    1e308,
    float("inf"),
    float("nan"),
    True,
    False,
    {},
    [],
    [{}],
    {"": ""},
    {"kind": "python:os:getcwd"},
    [10**30, "x"],
    dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a TOML document (list items by index)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found += _paths(item, (*prefix, index))
    return found


def _containers(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The key paths of every table (where a key can be inserted), the root included."""
    found = [prefix] if isinstance(value, dict) else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _containers(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _containers(item, (*prefix, index))
    return found


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _swapped(value: Any) -> Any:
    """The same content in another type: what a user who misread the reference writes."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values()) or [value]
    return str(value)


@st.composite
def mutation(draw: st.DrawFn, document: dict[str, Any]) -> tuple[str, tuple[Any, ...], Any]:
    operation = draw(st.sampled_from(["drop", "replace", "swap", "insert", "empty"]))
    if operation == "insert":
        where = draw(st.sampled_from(_containers(document)))
        key = draw(st.sampled_from(["kind", "path", "duration", "source", "x", "", "..", "use", "data", "trials"]))
        return operation, (*where, key), draw(st.sampled_from(ODD_VALUES))
    paths = _paths(document)
    path = draw(st.sampled_from(paths))
    return operation, path, draw(st.sampled_from(ODD_VALUES))


def _apply(document: dict[str, Any], operation: str, path: tuple[Any, ...], value: Any) -> None:
    parent = _get(document, path[:-1])
    key = path[-1]
    if isinstance(parent, list) and not (isinstance(key, int) and key < len(parent)):
        return  # an earlier mutation shortened the list
    if isinstance(parent, dict) and operation != "insert" and key not in parent:
        return  # an earlier mutation removed the key
    if not isinstance(parent, dict | list):
        return  # an earlier mutation replaced the table by a scalar
    if operation == "drop":
        del parent[key]
    elif operation == "swap":
        parent[key] = _swapped(parent[key])
    elif operation == "empty":
        parent[key] = {}
    else:
        parent[key] = value


@st.composite
def mutated_recipe(draw: st.DrawFn) -> tuple[Path, dict[str, Any]]:
    example = draw(st.sampled_from(EXAMPLES))
    document = tomllib.loads(example.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        if not _paths(document):
            break
        try:
            operation, path, value = draw(mutation(document))
        except (KeyError, IndexError, TypeError):
            continue
        try:
            _apply(document, operation, path, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):
            continue
    return example, document


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``examples/`` copied with placeholder files for the model and data paths the recipes
    name, so that the unmutated recipes validate."""
    root = tmp_path_factory.mktemp("fuzz")
    for example in EXAMPLES:
        target = root / example.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(example, target)
        for value in _strings(tomllib.loads(example.read_text(encoding="utf-8"))):
            if value.endswith(PLACEHOLDER_SUFFIXES) and ":" not in value:
                placeholder = (target.parent / value).resolve()
                if placeholder.is_relative_to(root) and not placeholder.exists():
                    placeholder.parent.mkdir(parents=True, exist_ok=True)
                    placeholder.write_bytes(b"placeholder")
    return root


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture(scope="module")
def registry() -> Any:
    """Every installed plugin (mo, nncf, pot, ort): their options are fuzzed too."""
    return PluginHost(trace=False).registry


def test_unmutated_examples_validate(example_tree: Path, registry: Any) -> None:
    """The baseline the mutations start from: without mutation every example builds."""
    for example in EXAMPLES:
        target = example_tree / example.relative_to(ROOT)
        raw = tomllib.loads(target.read_text(encoding="utf-8"))
        _build(raw, target, registry)


def _build(raw: dict[str, Any], target: Path, registry: Any) -> None:
    """What ``ovtune validate`` checks: the recipe, then the search space of its ``[tune]``."""
    recipe = build_recipe(raw, base_dir=target.parent, registry=registry, file=target)
    check_recipe_space(recipe, registry, file=target)


@settings(
    max_examples=600,
    deadline=dt.timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=mutated_recipe())
def test_mutated_recipes_raise_only_user_errors(case: tuple[Path, dict[str, Any]], example_tree: Path, registry: Any):
    example, document = case
    target = example_tree / example.relative_to(ROOT)
    try:
        _build(document, target, registry)
    except OvtuneError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip(), f"not one line: {message!r}"


def _toml_safe(value: Any) -> bool:
    """Whether tomli_w can write ``value`` (it cannot write NUL in keys, say)."""
    try:
        tomli_w.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _found(example: str, path: tuple[Any, ...], value: Any) -> tuple[Path, dict[str, Any]]:
    """A crash the fuzzer found, kept as an explicit example (runs first, every time)."""
    source = ROOT / "examples" / example
    document = tomllib.loads(source.read_text(encoding="utf-8"))
    _apply(document, "replace", path, value)
    return source, document


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated_recipe())
@regression(case=_found("mo/recipe.toml", ("data", "validation", "path"), "~ovtune-no-such-user/x.npz"))
@regression(case=_found("pot/det-default.toml", ("model", "source"), "m" * 300 + ".onnx"))
def test_validate_command_exits_0_or_2_without_traceback(case: tuple[Path, dict[str, Any]], example_tree: Path):
    example, document = case
    if not _toml_safe(document):
        return
    target = example_tree / example.relative_to(ROOT)
    mutated = target.with_name(f"mutated-{target.name}")
    mutated.write_text(tomli_w.dumps(document), encoding="utf-8")
    result = run_cli("validate", str(mutated))
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
