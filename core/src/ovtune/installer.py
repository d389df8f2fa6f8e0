"""``ovtune install`` / ``ovtune uninstall``: pip in ovtune's own environment.

A user who installed ovtune with pipx, or into some virtual environment, should not have to
find that environment to add a plugin. These commands run ``python -m pip`` with the
interpreter that runs ovtune, then show what the plugin registers (or why it is not loaded).

The core is pinned while pip resolves (a constraint ``ovtune==<this version>``): a plugin
written for another ovtune is refused with its declared range instead of pip silently
replacing the core under every other plugin. Local folders and wheels are checked before pip
runs, so the refusal costs nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from typing import Any

from ovtune import PROJECT_NAME, __version__
from ovtune.compatibility import CoreRequirement, requirement_from_lines
from ovtune.errors import PluginError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def local_requirement(spec: str) -> CoreRequirement | None:
    """The ovtune range a local plugin folder or wheel declares; ``None`` for index names."""
    path = Path(spec)
    if path.is_dir():
        pyproject = path / "pyproject.toml"
        if not pyproject.is_file():
            raise UsageError(f"{spec}: not a Python project (no pyproject.toml)")
        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{pyproject}: not valid TOML: {exc}") from None
        return requirement_from_lines(str(project.get("name", spec)), list(project.get("dependencies", [])))
    if path.suffix == ".whl" and path.is_file():
        with zipfile.ZipFile(path) as wheel:
            names = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
            if not names:
                raise UsageError(f"{spec}: not a wheel (no .dist-info/METADATA)")
            message = Parser().parsestr(wheel.read(names[0]).decode("utf-8"))
        return requirement_from_lines(message["Name"] or spec, message.get_all("Requires-Dist") or [])
    return None


def distribution_name(spec: str) -> str:
    """The distribution a command-line argument means: a name, or a local folder's project name."""
    path = Path(spec)
    if path.is_dir() and (path / "pyproject.toml").is_file():
        project = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
        if "name" in project:
            return str(project["name"])
    return spec


def install(
    specs: Sequence[str], *, editable: bool = False, upgrade: bool = False, say: Callable[[str], None] = print
) -> list[dict[str, Any]]:
    """Install ``specs`` with pip; return the plugin entries that are new or changed. ``say``
    receives pip's "Successfully installed ..." line."""
    for spec in specs:
        requirement = local_requirement(spec)
        if requirement is not None:
            mismatch = requirement.mismatch()
            if mismatch:
                raise PluginError(f"{spec}: {mismatch}; nothing was installed")
    before = installed_plugins()
    arguments = ["install", "--disable-pip-version-check"]
    if upgrade:
        arguments.append("--upgrade")
    targets = [item for spec in specs for item in (("-e", spec) if editable else (spec,))]
    pins_core = not any(_canonical(distribution_name(spec)) == PROJECT_NAME for spec in specs)
    with tempfile.TemporaryDirectory() as folder:
        if pins_core:
            constraints = Path(folder) / "constraints.txt"
            constraints.write_text(f"{PROJECT_NAME}=={__version__}\n", encoding="utf-8")
            arguments += ["--constraint", str(constraints)]
        result = _pip(*arguments, *targets)
    if result.returncode != 0:
        raise PluginError(_pip_failure(result, specs))
    for line in result.stdout.splitlines():
        if line.startswith("Successfully installed"):
            say(line)
    after = installed_plugins()
    return _changed(before, after)


def uninstall(specs: Sequence[str]) -> list[dict[str, Any]]:
    """Uninstall the distributions ``specs`` name; return the plugin entries that went away."""
    names = [distribution_name(spec) for spec in specs]
    for name in names:
        if _canonical(name) == PROJECT_NAME:
            raise UsageError(f"{name}: ovtune cannot uninstall itself; use pip uninstall {PROJECT_NAME}")
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            plugins = sorted({e["distribution"] for e in installed_plugins() if not e["builtin"]})
            raise UsageError(
                f"{name}: not installed (installed plugin distributions: {', '.join(plugins) or 'none'})"
            ) from None
    before = installed_plugins()
    result = _pip("uninstall", "--yes", "--disable-pip-version-check", *names)
    if result.returncode != 0:
        raise PluginError(f"pip uninstall failed: {_last_line(result)}")
    after = installed_plugins()
    return _changed(after, before)


def installed_plugins() -> list[dict[str, Any]]:
    """``ovtune plugins --json`` of a fresh interpreter: entry points and ``.pth`` files that
    pip just wrote are only seen by a new process."""
    result = subprocess.run(
        [sys.executable, "-m", "ovtune", "plugins", "--json"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PluginError(f"ovtune plugins failed after pip ran: {_last_line(result)}")
    return list(json.loads(result.stdout)["plugins"])


def _pip(*arguments: str) -> subprocess.CompletedProcess[str]:
    try:
        import pip  # noqa: F401
    except ImportError:
        raise PluginError(
            f"ovtune install needs pip in ovtune's environment ({sys.executable} -m ensurepip adds it)"
        ) from None
    return subprocess.run([sys.executable, "-m", "pip", *arguments], capture_output=True, text=True, check=False)


def _pip_failure(result: subprocess.CompletedProcess[str], specs: Sequence[str]) -> str:
    """One line: the core conflict when there is one, else pip's own last error line."""
    output = result.stdout + result.stderr
    # pip: "ovtune-x 0.1.0 depends on ovtune<0.10 and >=0.9" / "... depends on ovtune>=0.9"
    depends = re.findall(rf"^\s*(\S+ \S+) depends on ({PROJECT_NAME}\S*(?: and \S+)*)\s*$", output, re.MULTILINE)
    if depends and re.search(rf"\b{PROJECT_NAME}=={re.escape(__version__)}\b", output):
        plugin, needs = depends[0]
        needs = needs.replace(" and ", ",")
        return (
            f"{plugin} needs {needs}, but this is {PROJECT_NAME} {__version__}; "
            "nothing was installed (install a release written for this ovtune)"
        )
    return f"pip install {' '.join(specs)} failed: {_last_line(result)}"


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or [f"exit status {result.returncode}"])[-1]


def _changed(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries of ``new`` that ``old`` lacks (a new plugin, or a new version or status)."""

    def identity(entry: dict[str, Any]) -> tuple[Any, ...]:
        return entry["name"], entry["distribution"], entry["version"], entry["status"]

    seen = {identity(entry) for entry in old}
    return [entry for entry in new if identity(entry) not in seen]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def describe(entry: dict[str, Any]) -> str:
    """``plugin 'x' from ovtune-x 0.1.0: stage: x.scale`` (or why it is not loaded)."""
    head = f"plugin {entry['name']!r} from {entry['distribution']} {entry['version']}"
    if entry["status"] != "ok":
        return f"{head} is {entry['status']}: {entry['error']}"
    registers = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in entry["registers"].items())
    return f"{head}: {registers or 'registers nothing'}"
