"""What the loaded plugins registered: each registration with the plugin that provided it.

This is the data the plugin host (:mod:`ovtune.manager`) produces and everything else reads: a
recipe resolves its names here, ``ovtune schema`` lists options from here, ``ovtune plugins``
shows :class:`PluginInfo`. Keeping it apart from the loader lets a module name a lookup table
without importing pluggy, entry-point loading or the hook specifications. A name nobody
registered becomes one error line saying what is installed, what was probably meant and which
distribution provides it (:mod:`ovtune.providers`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ovtune.errors import PluginError
from ovtune.providers import Providers
from ovtune.types import REGISTRATION_TYPES, Registration

R = TypeVar("R", bound=Registration)


@dataclass
class PluginInfo:
    """One plugin: where it came from, and why it failed if it did."""

    name: str
    module: str
    distribution: str
    version: str
    builtin: bool = False
    error: str | None = None
    registers: dict[str, list[str]] = field(default_factory=dict)
    requires: str | None = None
    """The ovtune range the distribution declares (``>=0.1,<0.2``); ``None``: undeclared."""
    incompatible: bool = False

    @property
    def status(self) -> str:
        """``ok``, ``incompatible`` (declares a range without this ovtune; not imported) or
        ``broken`` (importing or registering raised)."""
        if self.incompatible:
            return "incompatible"
        return "broken" if self.error else "ok"

    @property
    def label(self) -> str:
        """``ovtune-pot 0.1.0`` or ``ovtune (built-in)``: how users recognise the plugin."""
        if self.builtin:
            return f"{self.distribution} {self.version} (built-in)"
        return f"{self.distribution} {self.version}"


@dataclass(frozen=True)
class Provided(Generic[R]):
    """A registration together with the plugin that provided it."""

    item: R
    plugin: PluginInfo


@dataclass(frozen=True)
class Conflict:
    """The same name registered by two plugins."""

    kind: str
    name: str
    first: PluginInfo
    second: PluginInfo

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.name!r} is registered by both {self.first.label} "
            f"(plugin {self.first.name!r}) and {self.second.label} (plugin {self.second.name!r}); "
            f"uninstall one, or block one with '-p no:{self.second.name}'"
        )


class Registry:
    """Everything the loaded plugins registered, by type and name."""

    def __init__(self, failed: Sequence[PluginInfo], providers: Providers | None = None) -> None:
        self._items: dict[type[Registration], dict[str, Provided[Any]]] = {cls: {} for cls in REGISTRATION_TYPES}
        self.conflicts: list[Conflict] = []
        self.failed = list(failed)
        self._providers = providers

    @property
    def providers(self) -> Providers:
        """Who provides the names nobody registered (read from metadata on first use)."""
        if self._providers is None:
            self._providers = Providers.discover()
        return self._providers

    def add(self, item: Registration, plugin: PluginInfo) -> None:
        table = self._items[type(item)]
        existing = table.get(item.name)
        if existing is not None:
            self.conflicts.append(Conflict(item.kind, item.name, existing.plugin, plugin))
            return
        table[item.name] = Provided(item, plugin)
        plugin.registers.setdefault(item.kind, []).append(item.name)

    def _loaded_distributions(self) -> set[str]:
        """The distributions of the plugins whose registrations are here."""
        return {provided.plugin.distribution for table in self._items.values() for provided in table.values()}

    def check(self) -> None:
        """Raise :class:`PluginError` if two plugins registered the same name."""
        if self.conflicts:
            raise PluginError(str(self.conflicts[0]))

    def all(self, cls: type[R]) -> list[Provided[R]]:
        """Every registration of one type, sorted by name."""
        return [self._items[cls][name] for name in sorted(self._items[cls])]

    def names(self, cls: type[R]) -> list[str]:
        return sorted(self._items[cls])

    def find(self, cls: type[R], name: str) -> Provided[R] | None:
        return self._items[cls].get(name)

    def get(self, cls: type[R], name: str) -> Provided[R]:
        """Return the registration called ``name`` or raise an error that says what is
        installed, what was probably meant, which distribution provides it and which
        plugins failed to load."""
        found = self._items[cls].get(name)
        if found is not None:
            return found
        raise PluginError(self.describe_missing(cls, name))

    def describe_missing(self, cls: type[Registration], name: str) -> str:
        kind = cls.kind
        installed = self.names(cls)
        close = difflib.get_close_matches(name, installed, n=1)
        parts = [f"unknown {kind} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")]
        parts.append(f"installed {kind}s: {', '.join(installed) if installed else 'none'}")
        prefix = name.split(".", 1)[0]
        for plugin in self.failed:
            if prefix in (plugin.name, plugin.distribution.removeprefix("ovtune-")):
                return (
                    f"{kind} {name!r} is provided by plugin {plugin.name!r} from "
                    f"{plugin.label}, which {'is incompatible' if plugin.incompatible else 'failed to load'}: "
                    f"{plugin.error}"
                )
        distribution = self.providers.distribution_for(name)
        if distribution and distribution not in self._loaded_distributions():
            # a loaded distribution's names are the installed ones listed: the name is misspelt
            parts.append(f"it is provided by the distribution {distribution}: pip install {distribution}")
        broken = [f"{p.name!r} ({p.label}: {p.error})" for p in self.failed]
        if broken:
            parts.append("plugins that failed to load: " + "; ".join(broken))
        return "; ".join(parts)
