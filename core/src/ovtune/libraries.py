"""Which library versions can change a run's figures, as the registrations declare them.

ovtune cannot know which library a third-party stage computes with, so every registration says
it: ``Stage(..., libraries=("nncf",))``. The stage cache key holds the versions of the libraries
its stage and the recipe's loader declare (a new NNCF must recompute an NNCF stage, a new
PyTorch the stages after a PyTorch source), and the report and the lock hold those of every
registration the recipe used. OpenVINO and ovtune count for everything: they read, convert,
compile and run every model. Versions are read from the installed distributions' metadata;
nothing is imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING

from ovtune import PROJECT_NAME, __version__

if TYPE_CHECKING:
    from ovtune.types import Registration

ALWAYS = ("openvino",)
"""The libraries every figure depends on, declared or not (besides ovtune itself)."""


@cache
def installed_version(name: str) -> str | None:
    """The installed version of the distribution ``name``, or ``None`` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def library_versions(libraries: Iterable[str] = ()) -> dict[str, str]:
    """Versions of ovtune, OpenVINO and ``libraries`` (the installed ones), in that order."""
    versions = {PROJECT_NAME: __version__}
    for name in dict.fromkeys((*ALWAYS, *libraries)):
        version = installed_version(name)
        if version is not None:
            versions.setdefault(name, version)
    return versions


def declared(registrations: Iterable[Registration]) -> tuple[str, ...]:
    """The union of the libraries ``registrations`` declare, first mention first."""
    return tuple(dict.fromkeys(name for item in registrations for name in item.libraries))
