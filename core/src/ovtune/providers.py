"""Who provides what: the distribution to install for a name that no loaded plugin registers.

``unknown stage 'pot.default'`` helps more with "it is provided by the distribution ovtune-pot:
pip install ovtune-pot". The answer is data, kept apart from the plugin loader, from two
sources, asked in this order for the name's prefix (``pot`` for ``pot.default``):

1. installed metadata: a distribution with an entry point in the ``ovtune`` group provides the
   names that start with that entry point's name or with its own name without ``ovtune-``, so a
   plugin that is installed but blocked (``-p no:pot``), not autoloaded or broken is named;
2. the catalog ``known_plugins.toml`` shipped with ovtune, for distributions that are not
   installed (a user has to learn their name somewhere) and for registered names that do not
   start with their plugin's name (ovtune-ort's baseline ``onnxruntime``).

Nothing here imports a plugin: it reads metadata and one TOML file, and only when an error
message needs it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata, resources

from ovtune import PROJECT_NAME

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ENTRY_POINT_GROUP = PROJECT_NAME
"""The entry-point group plugins register in (``[project.entry-points.ovtune]``)."""

CATALOG_FILE = "known_plugins.toml"


@dataclass(frozen=True)
class Providers:
    """Name prefix -> the distribution that provides it: installed ones first, then known ones."""

    installed: Mapping[str, str]
    known: Mapping[str, str]

    @classmethod
    def discover(cls) -> Providers:
        """Read the installed distributions' entry points and the shipped catalog."""
        return cls(installed_providers(), known_providers())

    def distribution_for(self, name: str) -> str | None:
        """The distribution that provides ``name`` (``pot.default`` -> ``ovtune-pot``), or ``None``."""
        prefix = name.split(".", 1)[0]
        return self.installed.get(prefix) or self.known.get(prefix)


def installed_providers() -> dict[str, str]:
    """Prefixes the installed plugin distributions provide: each ``ovtune`` entry point's name,
    and the distribution's name without ``ovtune-``."""
    found: dict[str, str] = {}
    for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = entry_point.dist
        if dist is None:
            continue
        found.setdefault(entry_point.name, dist.name)
        found.setdefault(dist.name.removeprefix(f"{PROJECT_NAME}-"), dist.name)
    return found


def known_providers() -> dict[str, str]:
    """Prefixes the distributions listed in ``known_plugins.toml`` provide."""
    text = (resources.files(PROJECT_NAME) / CATALOG_FILE).read_text(encoding="utf-8")
    catalog = tomllib.loads(text)
    return {prefix: distribution for distribution, entry in catalog.items() for prefix in entry.get("provides", [])}
