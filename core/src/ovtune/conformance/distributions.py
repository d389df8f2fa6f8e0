""":func:`check_distribution`: a plugin distribution as a whole: its range, its entry point, a
light import, and implementations that can be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

from ovtune.compatibility import core_requirement
from ovtune.conformance.report import ConformanceReport, require
from ovtune.manager import PluginHost
from ovtune.providers import ENTRY_POINT_GROUP
from ovtune.types import Registration, implementation

HEAVY_MODULES = ("openvino", "nncf", "torch", "onnxruntime", "tensorflow", "onnx")
"""Libraries a plugin module must not import: ``ovtune --help`` and ``ovtune plugins`` load it."""
START_UP_MODULES = ("pydantic", "numpy")
"""Libraries a plugin module should not import either: each costs ``ovtune --help`` about a tenth
of a second, and naming the options model as ``"module:Class"`` avoids both."""
IMPLEMENTATION_FIELDS = ("load", "run", "open", "create", "write", "command")


def check_distribution(distribution: str, *, host: PluginHost | None = None) -> ConformanceReport:
    """Check the installed plugin distribution ``distribution`` as a whole."""
    report = ConformanceReport(f"distribution {distribution!r}")
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        report.record("the distribution is installed", False, f"pip install {distribution}")
        return report.raise_for_failures()
    entry_points = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
    report.record(
        f"it has an entry point in the group {ENTRY_POINT_GROUP!r}", bool(entry_points), "none in entry_points.txt"
    )
    requirement = core_requirement(dist)
    report.record(
        "it declares the ovtune versions it supports",
        requirement.declared,
        f"add 'ovtune>=X,<Y' to {distribution}'s dependencies",
    )
    mismatch = requirement.mismatch()
    report.record("this ovtune is inside that range", mismatch is None, mismatch or "")
    host = host or PluginHost()
    for entry_point in entry_points:
        info = host.plugins.get(entry_point.name) or next((p for p in host.failed if p.name == entry_point.name), None)
        with report.contract(f"plugin {entry_point.name!r} loads and registers something"):
            require(info is not None, "the plugin host did not load it")
            assert info is not None
            require(info.error is None, f"{info.status}: {info.error}")
            _ = host.registry
            require(info.registers, "it registers nothing")
        loaded = _imports_of(entry_point.value.partition(":")[0], report)
        with report.contract(f"importing {entry_point.value} imports no heavy library"):
            heavy = [name for name in HEAVY_MODULES if name in loaded]
            require(not heavy, f"it imports {', '.join(heavy)}; import them inside the functions that need them")
        with report.contract(f"importing {entry_point.value} imports neither pydantic nor NumPy (fast start-up)"):
            slow = [name for name in START_UP_MODULES if name in loaded]
            require(
                not slow,
                f"it imports {', '.join(slow)}; name options models as 'package.module:Class' strings and "
                "implementations as 'package.module:function', so they are imported when a recipe uses them",
            )
        if info is not None and info.error is None:
            for registration in _registrations_of(host, entry_point.name):
                for attribute in IMPLEMENTATION_FIELDS:
                    if not hasattr(registration, attribute):
                        continue
                    with report.contract(f"{registration.kind} {registration.name!r}: {attribute} can be imported"):
                        implementation(registration, attribute)
    return report.raise_for_failures()


def _registrations_of(host: PluginHost, plugin: str) -> list[Registration]:
    from ovtune.types import REGISTRATION_TYPES

    return [
        provided.item
        for cls in REGISTRATION_TYPES
        for provided in host.registry.all(cls)
        if provided.plugin.name == plugin
    ]


def _imports_of(module: str, report: ConformanceReport) -> set[str]:
    """Which of the libraries a plugin module must not import it imports, in a fresh process."""
    watched = [*HEAVY_MODULES, *START_UP_MODULES]
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps([m for m in {watched!r} if m in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["?"])[-1]
        report.record(f"importing {module} in a fresh process works", False, reason)
        return set()
    return set(json.loads(result.stdout.strip().splitlines()[-1]))
