"""The core's layering holds: no import cycles among its modules, none upward (import-linter).

``tests/contracts/core.ini`` states the layers (the command line on top, the registry, types and
errors at the bottom), that sibling modules import each other without cycles at any depth, that
only the command line imports click, and that naming a lookup table does not import the plugin
loader. The contracts run on the real tree, and on a copy of it with one knot tied back in, to
show they catch what they are for.
"""

from __future__ import annotations

import configparser
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ovtune

CONTRACTS = Path(__file__).parent / "contracts" / "core.ini"
CORE = Path(ovtune.__file__).parent


def lint_imports(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the core contracts, in a fresh interpreter (``pythonpath`` first on
    its path, so that a copy of the package is analysed instead of the installed one)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", code, "--config", str(CONTRACTS), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_core_keeps_its_contracts() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_core_module_has_a_layer() -> None:
    """A new module cannot escape the layering by not being named in it."""
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS)
    layered = set(re.findall(r"[A-Za-z_]+", parser["importlinter:contract:layers"]["layers"]))
    modules = {info.name for info in pkgutil.iter_modules([str(CORE)])}
    assert modules - layered == set()
    assert layered - modules == set()


KNOTS = [
    pytest.param(
        "recipe.py",
        "from ovtune.tune import space as _space  # noqa: F401\n",
        ["Core layers: a module imports only the layers below its own BROKEN", "ovtune.recipe -> ovtune.tune"],
        id="recipe-imports-the-tuner",
    ),
    pytest.param(
        "tune/session.py",
        "import click  # noqa: F401\n",
        ["Only the command line imports click; the libraries it drives take callbacks BROKEN"],
        id="tune-imports-click",
    ),
    pytest.param(
        "registry.py",
        "def _host():\n    from ovtune.manager import PluginHost\n\n    return PluginHost\n",
        [
            "Naming a lookup table does not import the plugin loader BROKEN",
            "No import cycles among sibling modules, at any depth of the core BROKEN",
        ],
        id="registry-imports-the-loader",
    ),
    pytest.param(
        "conformance/report.py",
        "def _stages():\n    from ovtune.conformance import stages\n\n    return stages\n",
        ["No import cycles among sibling modules, at any depth of the core BROKEN"],
        id="cycle-inside-a-package",
    ),
]


@pytest.mark.parametrize(("module", "knot", "broken"), KNOTS)
def test_a_knot_breaks_a_contract(tmp_path: Path, module: str, knot: str, broken: list[str]) -> None:
    copy = tmp_path / "ovtune"
    shutil.copytree(CORE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.npz"))
    with (copy / module).open("a", encoding="utf-8") as file:
        file.write("\n\n" + knot)
    result = lint_imports(pythonpath=tmp_path)
    assert result.returncode != 0, result.stdout
    assert str(tmp_path) in _analysed(tmp_path), "the copy was not the package analysed"
    for line in broken:
        assert line in result.stdout, result.stdout


def _analysed(pythonpath: Path) -> str:
    """Where ``ovtune`` is imported from with ``pythonpath`` first: the copy, not the checkout."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    code = "import importlib.util; print(importlib.util.find_spec('ovtune').origin)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
