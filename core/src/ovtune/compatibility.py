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

This check runs for every plugin on every start of ``ovtune``, ``--help`` included, so the
ranges plugins actually declare (``>=0.1,<0.2``: comparisons of release versions, no marker)
are read by a few lines here; anything else (``~=``, pre-releases, local versions, markers) goes
to ``packaging``, which costs ``ovtune --help`` about 30 ms to import.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from ovtune import PROJECT_NAME, __version__

if TYPE_CHECKING:
    from packaging.requirements import Requirement

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_SIMPLE_CLAUSE = re.compile(r"^(>=|<=|==|!=|<|>)([0-9]+(?:\.[0-9]+)*)$")
_SIMPLE_VERSION = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")
_COMPARE = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}


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
        simple = _simple_accepts(self.specifier, version)
        if simple is not None:
            return simple
        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version

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
        name = _NAME.match(line)
        if name is None or _canonical(name.group(1)) != PROJECT_NAME:
            continue  # another library (or no requirement at all): not ovtune's range
        simple = _simple_specifier(line[name.end() :])
        if simple is not None:
            return CoreRequirement(distribution, simple or None)
        requirement = _parse(line)
        if requirement is None or _canonical(requirement.name) != PROJECT_NAME:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        return CoreRequirement(distribution, str(requirement.specifier) or None)
    return CoreRequirement(distribution, None)


def _parse(line: str) -> Requirement | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(line)
    except InvalidRequirement:
        return None


def _simple_specifier(rest: str) -> str | None:
    """``>=0.1,<0.2`` (or ``(>=0.1, <0.2)``, or nothing) as packaging writes a specifier set (its
    clauses sorted, no spaces); ``None`` when the text is anything else (extras, markers,
    ``~=``, pre-release versions): then packaging reads it."""
    text = rest.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if not text:
        return ""
    clauses = [clause.replace(" ", "") for clause in text.split(",")]
    if not all(_SIMPLE_CLAUSE.match(clause) for clause in clauses):
        return None
    return ",".join(sorted(clauses))


def _simple_accepts(specifier: str, version: str) -> bool | None:
    """Whether release ``version`` is inside a specifier of plain comparisons, as packaging
    decides it (missing components count as 0); ``None`` when either is not that simple."""
    clauses = [_SIMPLE_CLAUSE.match(clause) for clause in specifier.split(",")]
    if not _SIMPLE_VERSION.match(version) or not all(clauses):
        return None
    have = _release(version)
    return all(_COMPARE[match.group(1)](*_padded(have, _release(match.group(2)))) for match in clauses if match)


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def core_requirement(distribution: metadata.Distribution) -> CoreRequirement:
    """The ovtune range an installed distribution declares."""
    name = distribution.metadata["Name"] or "unknown distribution"
    return requirement_from_lines(name, distribution.requires)


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
