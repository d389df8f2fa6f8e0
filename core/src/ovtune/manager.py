"""The plugin host: loads built-in and entry-point plugins and builds the :class:`Registry`.

What the plugins registered (:class:`~ovtune.registry.Registry`, :class:`~ovtune.registry.PluginInfo`)
lives in :mod:`ovtune.registry`; this module is the loader that fills it.

Built-in behaviour is a list of plugin modules (:data:`BUILTIN_PLUGINS`) registered through
the same call as third-party plugins found in the ``ovtune`` entry-point group, so each can be
blocked with ``-p no:NAME``. A plugin that fails to import (or whose registration hook raises)
costs one warning line naming its distribution; everything else keeps working, and a recipe
that needs it fails naming the distribution and the error. "Fails to import" includes
``sys.exit()`` and every other ``BaseException`` but ``KeyboardInterrupt``, so that a plugin
cannot stop ``ovtune plugins`` or ``ovtune uninstall``, the commands that repair it. Two
plugins registering the same name is an error naming both distributions.

Observer hooks (run lifecycle, progress, measurements) go through :meth:`PluginHost.notify`:
each implementation is called on its own, and one that raises costs one warning naming its
plugin and distribution, not the run.

Environment variables:

``OVTUNE_DISABLE_PLUGIN_AUTOLOAD``
    Do not load entry-point plugins (built-ins and ``-p MODULE`` still load).
``OVTUNE_TRACE_PLUGINS``
    Print every hook call, the plugins that answer it and what they return to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from ovtune import PROJECT_NAME, __version__, hookspecs
from ovtune.compatibility import requirement_from_lines
from ovtune.errors import exception_line, runtime_reason
from ovtune.providers import ENTRY_POINT_GROUP
from ovtune.registry import PluginInfo, Registry
from ovtune.types import REGISTRATION_TYPES, Registration

BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("loaders", "ovtune.builtin.loaders"),
    ("datasets", "ovtune.builtin.datasets"),
    ("metrics", "ovtune.builtin.metrics"),
    ("stages", "ovtune.builtin.stages"),
    ("devices", "ovtune.builtin.devices"),
    ("measurements", "ovtune.builtin.measurements"),
    ("reporters", "ovtune.builtin.reporters"),
    ("commands", "ovtune.builtin.commands"),
    ("deploy", "ovtune.builtin.tuning"),
)
"""(plugin name, module) of every built-in plugin, in registration order."""


class PluginHost:
    """Loads plugins into a :class:`pluggy.PluginManager` and builds the :class:`Registry`.

    ``blocked`` names plugins not to load (``-p no:NAME``); ``extra`` names modules to load
    as plugins (``-p MODULE``); ``autoload=False`` skips entry points.
    """

    def __init__(
        self,
        *,
        autoload: bool | None = None,
        blocked: Iterable[str] = (),
        extra: Iterable[str] = (),
        trace: bool | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        blocked, extra = tuple(blocked), tuple(extra)
        if autoload is None:
            autoload = not _env_flag("OVTUNE_DISABLE_PLUGIN_AUTOLOAD")
        if trace is None:
            trace = _env_flag("OVTUNE_TRACE_PLUGINS")
        self.autoload = autoload
        self.arguments: tuple[str, ...] = (*(f"no:{name}" for name in blocked), *extra)
        """The ``-p`` options this host was built from: what a worker process needs to build
        the same host (:attr:`ovtune.jobs.Job.plugin_args`)."""
        self._warn = warn or _warn_to_stderr
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failed: list[PluginInfo] = []
        self._registry: Registry | None = None
        self._failed_observers: set[tuple[str, str]] = set()
        self.tracing = trace
        if trace:
            self.pm.add_hookcall_monitoring(_trace_before, _trace_after)
        for name in blocked:
            self.pm.set_blocked(name)
        self._load_builtins()
        if autoload:
            self._load_entry_points()
        for module in extra:
            self._load_module(module)

    @property
    def hook(self) -> Any:
        """The pluggy hook relay: ``host.hook.ovtune_select_device(...)`` (observer hooks go
        through :meth:`notify`)."""
        return self.pm.hook

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call the observer hook ``hook_name`` on every plugin, each on its own.

        Observers (progress displays, loggers, trackers) only watch a run: a bug in one must
        not stop the run, nor keep the other observers from being called. An implementation
        that raises costs one warning naming the plugin, its distribution, the hook and the
        error (once per plugin and hook, since progress hooks fire many times); ``-v`` logs
        the traceback. ``KeyboardInterrupt`` still stops the run. Each plugin is called
        through pluggy (a subset caller holding only that plugin), so call order, tracing and
        hook wrappers behave as for a plain hook call.
        """
        self.collect(hook_name, **kwargs)

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook_name`` on every plugin, each on its own; returns ``(plugin name,
        result)`` for each plugin that returned something other than ``None``.

        For advisory hooks (``ovtune_tune_candidates``) whose answers are merged: the caller
        knows which plugin proposed what, and one plugin that raises costs a warning naming it,
        not the answers of the others."""
        results: list[tuple[str, Any]] = []
        implementations = getattr(self.pm.hook, hook_name).get_hookimpls()
        everyone = [impl.plugin for impl in implementations]
        for impl in reversed(implementations):  # pluggy calls the last registered first
            others = [plugin for plugin in everyone if plugin is not impl.plugin]
            try:
                answers = self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)
            except Exception as exc:  # noqa: BLE001 - one plugin's advice must not stop the others'
                self._observer_failed(impl.plugin_name, hook_name, exc)
                continue
            results += [(impl.plugin_name, answer) for answer in answers if answer is not None]
        return results

    def _observer_failed(self, plugin_name: str, hook_name: str, exc: Exception) -> None:
        if (plugin_name, hook_name) in self._failed_observers:
            return
        self._failed_observers.add((plugin_name, hook_name))
        info = self.plugins.get(plugin_name)
        source = f" from {info.label}" if info is not None else ""
        self._warn(f"plugin {plugin_name!r}{source}: {hook_name} failed: {exception_line(exc)}; the run goes on")
        import logging  # only when an observer failed: importing it costs every start 30 ms

        logging.getLogger("ovtune.plugins").info("traceback of %s in plugin %r", hook_name, plugin_name, exc_info=exc)

    # -- loading ---------------------------------------------------------------------

    def register(self, plugin: object, info: PluginInfo) -> None:
        """Register ``plugin`` (a module or an object with hook implementations)."""
        if self.pm.is_blocked(info.name):
            return
        self.pm.register(plugin, name=info.name)
        self.plugins[info.name] = info
        self._registry = None

    def unregister(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.plugins.pop(name, None)
        self._registry = None

    def _load_builtins(self) -> None:
        for name, module_name in BUILTIN_PLUGINS:
            if self.pm.is_blocked(name):
                continue
            module = importlib.import_module(module_name)
            info = PluginInfo(name, module_name, PROJECT_NAME, __version__, builtin=True)
            self.register(module, info)

    def _load_entry_points(self) -> None:
        for entry_point in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if self.pm.is_blocked(entry_point.name) or entry_point.name in self.plugins:
                continue
            dist = entry_point.dist
            # one parse of the METADATA file: each of dist.name, .version and .requires reads it again
            meta = dist.metadata if dist is not None else None
            info = PluginInfo(
                entry_point.name,
                entry_point.value,
                (meta["Name"] if meta else None) or "unknown distribution",
                (meta["Version"] if meta else None) or "?",
            )
            if meta is not None:
                requirement = requirement_from_lines(info.distribution, meta.get_all("Requires-Dist"))
                info.requires = requirement.specifier
                mismatch = requirement.mismatch()
                if mismatch:
                    info.incompatible = True
                    self._fail(info, mismatch)
                    continue
            try:
                plugin = entry_point.load()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - not even sys.exit() in a plugin stops the tool
                self._fail(info, exc)
                continue
            self.register(plugin, info)

    def _load_module(self, module_name: str) -> None:
        info = PluginInfo(module_name, module_name, "command line (-p)", "-")
        try:
            module: ModuleType = importlib.import_module(module_name)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            self._fail(info, exc)
            return
        self.register(module, info)

    def _fail(self, info: PluginInfo, problem: BaseException | str) -> None:
        if isinstance(problem, str):
            info.error = problem
            self.failed.append(info)
            self._warn(f"plugin {info.name!r} from {info.label} is not loaded: {problem}")
            return
        info.error = f"{type(problem).__name__}: {runtime_reason(problem, None, noise=(), first=True)}"
        self.failed.append(info)
        self._warn(f"plugin {info.name!r} from {info.label} failed to load: {info.error}")

    # -- registry --------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Collect every plugin's registrations (once; cached until a plugin is added)."""
        if self._registry is None:
            self._registry = self._build_registry()
        return self._registry

    def _build_registry(self) -> Registry:
        collected: list[tuple[PluginInfo, Registration]] = []
        for cls in REGISTRATION_TYPES:
            hook_name = cls.hook
            caller = getattr(self.pm.hook, hook_name)
            for impl in caller.get_hookimpls():
                info = self.plugins.get(impl.plugin_name)
                if info is None or info.error:
                    continue
                try:
                    if self.tracing:
                        _trace(f"{hook_name}() <- {impl.plugin_name}")
                    items = list(impl.function() or ())
                    for item in items:
                        if not isinstance(item, cls):
                            raise TypeError(f"{hook_name} returned {type(item).__name__}, expected {cls.__name__}")
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # noqa: BLE001
                    self._fail(info, exc)
                    continue
                collected.extend((info, item) for item in items)
        registry = Registry(self.failed)
        for info in self.plugins.values():
            info.registers.clear()
        for info, item in collected:
            if not info.error:
                registry.add(item, info)
        self._note_other_hooks()
        return registry

    def _note_other_hooks(self) -> None:
        """Hooks a plugin implements besides registrations (an executor, tune candidates): what
        it contributes when it registers nothing by name, as ``ovtune plugins`` shows it."""
        registration_hooks = {cls.hook for cls in REGISTRATION_TYPES}
        for name in sorted(vars(self.pm.hook)):
            if name.startswith("_") or name in registration_hooks:
                continue
            for impl in getattr(self.pm.hook, name).get_hookimpls():
                info = self.plugins.get(impl.plugin_name)
                if info is not None and not info.error:
                    info.registers.setdefault("hook", []).append(name)


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _warn_to_stderr(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _trace(message: str) -> None:
    print(f"ovtune-trace: {message}", file=sys.stderr)


def _trace_before(hook_name: str, hook_impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    plugins = ", ".join(impl.plugin_name for impl in hook_impls)
    args = ", ".join(f"{key}={value!r:.60}" for key, value in kwargs.items())
    _trace(f"{hook_name}({args}) -> [{plugins}]")


def _trace_after(outcome: Any, hook_name: str, hook_impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    try:
        result = outcome.get_result()
    except BaseException as exc:  # noqa: BLE001
        _trace(f"{hook_name} raised {type(exc).__name__}: {exc}")
        return
    _trace(f"{hook_name} returned {result!r:.200}")
