"""A new plugin distribution that installs and passes its tests as written (``ovtune plugin new``,
whose command is :mod:`ovtune.cli.scaffold`).

The scaffold is the shape every first-party plugin has (``pyproject.toml`` with the ``ovtune``
entry point and the supported core range, ``src/ovtune_<name>/plugin.py`` kept light, the
options model beside it, the implementation imported on first use, ``tests/`` on
:mod:`ovtune.testing` and its conformance kit, a README). Its example is a real, small
registration, so the author edits working code instead of filling in blanks.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ovtune import __version__
from ovtune.errors import UsageError
from ovtune.storage import atomic_directory, current_umask

KINDS = ("stage", "metric")

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin goes by: ``demo-metric`` -> ``ovtune-demo-metric``,
    ``ovtune_demo_metric`` (package), ``demo_metric`` (plugin and registration)."""

    distribution: str
    package: str
    plugin: str

    @classmethod
    def from_name(cls, name: str) -> PluginNames:
        base = name.strip().lower().removeprefix("ovtune-")
        if not _NAME.match(base):
            raise UsageError(
                f"plugin name {name!r}: use lower-case words separated by '-', "
                "starting with a letter (e.g. demo-metric)"
            )
        snake = base.replace("-", "_")
        return cls(distribution=f"ovtune-{base}", package=f"ovtune_{snake}", plugin=snake)


def supported_range(version: str = __version__) -> str:
    """The core range a new plugin declares: this minor version while ovtune is 0.x
    (``>=0.1,<0.2``), this major version afterwards (``>=1.2,<2``)."""
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    if major == 0:
        return f">=0.{minor},<0.{minor + 1}"
    return f">={major}.{minor},<{major + 1}"


def guess_kind(name: str) -> str:
    """``demo-metric`` is a metric; anything else is a stage unless ``--kind`` says otherwise."""
    return "metric" if "metric" in name.split("-") else "stage"


def create_plugin(name: str, kind: str, parent: Path) -> Path:
    """Write the plugin folder ``parent/ovtune-NAME`` (atomically) and return it."""
    if kind not in KINDS:
        raise UsageError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    names = PluginNames.from_name(name)
    target = parent / names.distribution
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target}: already exists and is not empty; choose another name or --dir")
    values = {
        "distribution": names.distribution,
        "package": names.package,
        "plugin": names.plugin,
        "kind": kind,
        "module": kind,
        "core_range": supported_range(),
        "summary": _SUMMARIES[kind],
        "usage": _USAGE[kind].format(plugin=names.plugin),
        "stages_hint": f", `ovtune stages {names.plugin}`" if kind == "stage" else "",
    }
    files = {
        "pyproject.toml": ("common", "pyproject.toml"),
        "README.md": ("common", "README.md"),
        f"src/{names.package}/__init__.py": ("common", "__init__.py"),
        f"src/{names.package}/plugin.py": (kind, "plugin.py"),
        f"src/{names.package}/options.py": (kind, "options.py"),
        f"src/{names.package}/{kind}.py": (kind, f"{kind}.py"),
        "tests/test_plugin.py": (kind, "test_plugin.py"),
    }
    templates = resources.files("ovtune") / "templates" / "plugin"
    parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(target) as folder:
        for relative, (group, template) in files.items():
            text = (templates / group / f"{template}.tmpl").read_text(encoding="utf-8")
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(string.Template(text).substitute(values), encoding="utf-8")
    target.chmod(0o777 & ~current_umask())
    return target


_SUMMARIES = {
    "stage": "An ovtune stage that fixes the batch dimension of every model input.",
    "metric": "An ovtune metric: mean squared error of an output against the original model's.",
}

_USAGE = {
    "stage": '```toml\n[[stage]]\nuse = "{plugin}"\nbatch = 4\n```',
    "metric": '```toml\n[metric]\nkind = "{plugin}"\noutput = 0   # which output, by position\n```',
}
