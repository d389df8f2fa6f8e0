"""Which ovtune a plugin distribution supports, and whether this one is it.

A plugin declares the core it was written for the way every Python package does: a
requirement on ``ovtune`` in its distribution metadata (``dependencies = ["ovtune>=0.1,<0.2"]``
in ``pyproject.toml``). While ovtune is 0.x, the plugin API (hooks, registration types,
contexts; :data:`ovtune.API_VERSION`) changes only with the minor version, so a range over one
minor version is the promise "written against this API".

pip enforces the range when it installs, but an environment drifts: ``pip install -U ovtune``
or ``--no-deps`` can leave a plugin behind. The plugin host therefore checks the range again
before it imports a plugin, and reports an incompatible one (with its range and this version)
instead of importing code written against another API.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from ovtune import PROJECT_NAME, __version__


@dataclass(frozen=True)
class CoreRequirement:
    """A distribution's requirement on ovtune (``None`` range: it did not declare one)."""

    distribution: str
    specifier: str | None

    @property
    def declared(self) -> bool:
        return self.specifier is not None

    def accepts(self, version: str = __version__) -> bool:
        """Whether ovtune ``version`` is inside the declared range (an undeclared range accepts)."""
        if self.specifier is None:
            return True
        try:
            return Requirement(f"{PROJECT_NAME}{self.specifier}").specifier.contains(Version(version), prereleases=True)
        except (InvalidRequirement, InvalidVersion):
            return False

    def mismatch(self, version: str = __version__) -> str | None:
        """Why ovtune ``version`` cannot run this distribution's plugins, or ``None``."""
        if self.accepts(version):
            return None
        return (
            f"{self.distribution} needs {PROJECT_NAME}{self.specifier}, but this is {PROJECT_NAME} {version}; "
            f"install a release of {self.distribution} written for {PROJECT_NAME} {version}, "
            f"or an {PROJECT_NAME} that it supports"
        )


def requirement_from_lines(distribution: str, requirements: list[str] | None) -> CoreRequirement:
    """The ovtune range among ``Requires-Dist`` lines (extras' and other platforms' lines skipped)."""
    for line in requirements or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if _canonical(requirement.name) != PROJECT_NAME:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        return CoreRequirement(distribution, str(requirement.specifier) or None)
    return CoreRequirement(distribution, None)


def core_requirement(distribution: metadata.Distribution) -> CoreRequirement:
    """The ovtune range an installed distribution declares."""
    name = distribution.metadata["Name"] or "unknown distribution"
    return requirement_from_lines(name, distribution.requires)


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
