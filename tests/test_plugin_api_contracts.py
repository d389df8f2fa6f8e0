"""Plugins and examples import only ovtune's plugin API and each other's public modules.

The rules live in ``tests/contracts/plugins.ini`` and import-linter (``lint-imports``) checks
them on the packages: every first-party plugin and example imports ovtune only through
``ovtune.plugin`` and ``ovtune.plugin.measure``, and no package imports a plugin's private
modules (a plugin's public modules are the ``ignore_imports`` targets of its contract). A
plugin's tests and the example scripts are loose files that import-linter cannot see (it
analyses importable packages), so :func:`test_tests_and_scripts_import_only_the_public_api`
reads their imports with :mod:`ast` against the same public modules, plus ``ovtune.testing``.

Each rule is proven able to fail: the same check runs on a copy of the sources into which a
forbidden import was written, and must break the contract that names it.
"""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "contracts" / "plugins.ini"
CORE = "ovtune"
PUBLIC_API = ("ovtune.plugin", "ovtune.plugin.measure")
TEST_API = ("ovtune.testing",)
"""What a plugin's tests may import from ovtune besides :data:`PUBLIC_API`."""
LINT_IMPORTS = (sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()")
"""``lint-imports`` of the interpreter running the tests (its script may not be on ``PATH``)."""


def _source_roots(root: Path) -> list[Path]:
    """The folders holding ovtune's, every plugin's and every example plugin's package."""
    return [
        root / "core" / "src",
        *sorted(root.glob("plugins/ovtune-*/src")),
        *sorted(root.glob("examples/plugins/*/src")),
    ]


def _packages(root: Path) -> dict[str, Path]:
    """Every plugin and example package by name (ovtune's own excluded), with its source root."""
    return {
        package.name: source
        for source in _source_roots(root)[1:]
        for package in source.iterdir()
        if (package / "__init__.py").is_file()
    }


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _contracts() -> dict[str, configparser.SectionProxy]:
    parser = _config()
    return {
        name.split(":", 2)[2]: parser[name] for name in parser.sections() if name.startswith("importlinter:contract:")
    }


def _public_modules() -> set[str]:
    """Every module that packages may import from another: ovtune's API and the plugins' public
    modules, read from the contracts' ``ignore_imports`` (``** -> MODULE``)."""
    public = set(PUBLIC_API)
    for contract in _contracts().values():
        public |= {line.split("->")[1].strip() for line in _lines(contract.get("ignore_imports", ""))}
    return public


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with the contracts, on the packages under ``root`` (not the installed ones)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(path) for path in _source_roots(root))}
    return subprocess.run(
        [*LINT_IMPORTS, "--no-cache", "--no-logo", str(CONFIG)],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_plugins_and_examples_keep_the_contracts() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_contracts_cover_every_plugin_and_example_package() -> None:
    """A new plugin or example package cannot escape the rules by not being listed."""
    packages = set(_packages(ROOT))
    roots = set(_lines(_config()["importlinter"]["root_packages"]))
    assert roots == {CORE, *packages}, "list every package in tests/contracts/plugins.ini"
    contracts = _contracts()
    assert set(_lines(contracts["public-api"]["source_modules"])) == packages
    for package in packages:
        private = [c for c in contracts.values() if _lines(c["forbidden_modules"]) == [package]]
        assert len(private) == 1, f"{package} needs one contract forbidding its private modules"
        assert set(_lines(private[0]["source_modules"])) == roots - {package}


def test_public_plugin_modules_declare_their_names() -> None:
    """A plugin's public module says what it offers (``__all__``), so that "public" means a list
    of names, not whatever the module happens to import."""
    packages = _packages(ROOT)
    for module in _public_modules() - set(PUBLIC_API):
        package, _, name = module.partition(".")
        tree = ast.parse((packages[package] / package / f"{name}.py").read_text(encoding="utf-8"))
        assigned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        assert "__all__" in assigned, f"{module} is public: list its names in __all__"


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in ``path``; ``from a import b`` gives ``a.b``,
    which is the module ``a.b`` or the name ``b`` of the module ``a``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def private_imports(path: Path, own: str | None) -> list[str]:
    """``line: module`` for each import in ``path`` of ovtune or of another plugin's package
    that is neither public nor ``ovtune.testing``; ``own`` is the package the file belongs to."""
    packages = {CORE, *_packages(ROOT)} - {own}
    allowed = _public_modules() | set(TEST_API)
    return [
        f"{line}: {module}"
        for line, module in sorted(_imported_modules(path))
        if module.split(".", 1)[0] in packages
        and not any(module == public or module.startswith(public + ".") for public in allowed)
    ]


def _tests_and_scripts() -> list[tuple[Path, str | None]]:
    """Every plugin's and example plugin's test files with the package they test, and the
    example scripts (no package of their own)."""
    files: list[tuple[Path, str | None]] = []
    for distribution in [*sorted(ROOT.glob("plugins/ovtune-*")), *sorted(ROOT.glob("examples/plugins/*"))]:
        own = next(package.name for package in (distribution / "src").iterdir() if (package / "__init__.py").is_file())
        files += [(path, own) for path in sorted((distribution / "tests").rglob("*.py"))]
    files += [(path, None) for path in sorted(ROOT.glob("examples/*/*.py"))]
    return files


def test_tests_and_scripts_import_only_the_public_api() -> None:
    found = [f"{path.relative_to(ROOT)}:{v}" for path, own in _tests_and_scripts() for v in private_imports(path, own)]
    assert not found, "private imports:\n" + "\n".join(found)


# --------------------------------------------------------------------------------------
# The checks fail on a violation
# --------------------------------------------------------------------------------------


def _copy_sources(target: Path) -> None:
    """The Python sources of ovtune, the plugins and the examples, laid out as in the checkout."""
    for source in _source_roots(ROOT):
        shutil.copytree(
            source,
            target / source.relative_to(ROOT),
            ignore=shutil.ignore_patterns("__pycache__", "*.onnx", "*.npz", "*.toml"),
        )


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        pytest.param(
            "plugins/ovtune-ort/src/ovtune_ort/baseline.py",
            "from ovtune.context import StageResult",
            "Plugins and examples import ovtune only through",
            id="private-core-module",
        ),
        pytest.param(
            "plugins/ovtune-ort/src/ovtune_ort/plugin.py",
            "import ovtune",
            "Plugins and examples import ovtune only through",
            id="core-package-itself",
        ),
        pytest.param(
            "plugins/ovtune-pot/src/ovtune_pot/options.py",
            "from ovtune_nncf.options import CompressWeightsOptions",
            "Only ovtune-nncf imports ovtune-nncf's private modules",
            id="other-plugins-private-module",
        ),
        pytest.param(
            "examples/plugins/ovtune-classmetrics/src/ovtune_classmetrics/confusion.py",
            "from ovtune_mo.torch_loader import load_module",
            "Only ovtune-mo imports ovtune-mo's private modules",
            id="example-imports-plugin-internals",
        ),
        pytest.param(
            "core/src/ovtune/pipeline.py",
            "from ovtune_pot.stage import run_default",
            "Only ovtune-pot imports ovtune-pot's modules",
            id="core-imports-a-plugin",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, line: str, contract: str) -> None:
    _copy_sources(tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "1 broken" in done.stdout, done.stdout
    broken = done.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and line.split()[1] in broken, done.stdout


def test_a_private_import_in_a_plugin_test_is_found(tmp_path: Path) -> None:
    test = tmp_path / "test_private.py"
    test.write_text(
        "from ovtune.testing import run_cli\nfrom ovtune_mo.torch import load_module\n"
        "from ovtune.context import StageResult\nimport ovtune_mo.stage\nfrom ovtune import demo\n",
        encoding="utf-8",
    )
    found = private_imports(test, own="ovtune_nncf")
    assert found == ["3: ovtune.context.StageResult", "4: ovtune_mo.stage", "5: ovtune.demo"]
