"""``[deploy]`` -> the device string and the ``compile_model`` properties.

Every recipe key maps to one OpenVINO property, so an error from OpenVINO can be reworded
as one line that names the recipe key the user wrote.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ovtune.errors import DeviceError

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.recipe import DeploySection

PROPERTY_KEYS: dict[str, str] = {
    "hint": "PERFORMANCE_HINT",
    "streams": "NUM_STREAMS",
    "requests": "PERFORMANCE_HINT_NUM_REQUESTS",
    "threads": "INFERENCE_NUM_THREADS",
    "precision": "INFERENCE_PRECISION_HINT",
    "pinning": "ENABLE_CPU_PINNING",
    "cache_dir": "CACHE_DIR",
}
"""``[deploy]`` key -> OpenVINO property name."""


class CompileConfig(dict[str, Any]):
    """The ``compile_model`` properties, remembering which recipe key set each one
    (``deploy.hint``, ``deploy.properties.PERFORMANCE_HINT``), so that an error OpenVINO raises
    about a property names the key that holds the value, not the ``[deploy]`` key of the same
    property. Merging with ``|`` keeps what it knows; a plain ``dict`` copy loses it, and errors
    then name the ``[deploy]`` key of the property."""

    def __init__(self, values: dict[str, Any] | None = None, origins: dict[str, str] | None = None):
        super().__init__(values or {})
        self.origins: dict[str, str] = dict(origins or {})

    def __or__(self, other: dict[str, Any]) -> CompileConfig:  # type: ignore[override]
        if not isinstance(other, dict):
            return NotImplemented
        # a key ``other`` sets comes from ``other``, whatever recipe key set it before
        origins = {key: where for key, where in self.origins.items() if key not in other}
        return CompileConfig({**self, **other}, {**origins, **getattr(other, "origins", {})})

    def copy(self) -> CompileConfig:
        return CompileConfig(self, self.origins)


def compile_config(deploy: DeploySection) -> CompileConfig:
    """The properties to pass to ``compile_model`` for a ``[deploy]`` section; an entry of
    ``properties`` overrides the ``[deploy]`` key of the same property."""
    config = CompileConfig()
    recipe_key = {prop: f"deploy.{key}" for key, prop in PROPERTY_KEYS.items()}

    def put(prop: str, value: Any, origin: str | None = None) -> None:
        config[prop] = value
        config.origins[prop] = origin or recipe_key[prop]

    if deploy.hint is not None and deploy.hint != "none":
        put("PERFORMANCE_HINT", deploy.hint.upper())
    if deploy.streams is not None:
        put("NUM_STREAMS", str(deploy.streams).upper())
    if deploy.requests is not None:
        put("PERFORMANCE_HINT_NUM_REQUESTS", deploy.requests)
    if deploy.threads is not None:
        put("INFERENCE_NUM_THREADS", deploy.threads)
    if deploy.precision is not None:
        put("INFERENCE_PRECISION_HINT", deploy.precision)
    if deploy.pinning is not None:
        put("ENABLE_CPU_PINNING", deploy.pinning)
    if deploy.cache_dir is not None:
        put("CACHE_DIR", str(deploy.cache_dir))
    for prop, value in deploy.properties.items():
        put(prop, value, f"deploy.properties.{prop}")
    return config


def compile_model(core: ov.Core, model: ov.Model | str, device: str, config: dict[str, Any]) -> ov.CompiledModel:
    """``core.compile_model`` with OpenVINO's multi-line errors turned into one line that
    names the recipe key."""
    try:
        return core.compile_model(model, device, config)
    except RuntimeError as exc:
        raise DeviceError(explain_runtime_error(exc, device, config)) from None


PROPERTY_PHRASES: dict[str, str] = {"number of streams": "NUM_STREAMS"}
"""Words some OpenVINO errors use instead of the property's name (``Could not read number of
streams from str: abc``)."""


def explain_runtime_error(exc: BaseException, device: str, config: dict[str, Any]) -> str:
    """Reword an OpenVINO compile error as one line naming the recipe key that holds the
    rejected value: ``deploy.hint`` for ``hint = ...``, ``deploy.properties.NUM_STREAMS`` for a
    ``properties`` entry (known from a :class:`CompileConfig`), else ``deploy.device``."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = next((line for line in lines if not line.startswith(("Exception from", "Check "))), "")
    reason = re.sub(r"^\[\s*\w+\s*\]\s*", "", reason) or (lines[-1] if lines else type(exc).__name__)
    prop = _named_property(reason, config)
    if prop is not None:
        origins: dict[str, str] = getattr(config, "origins", {})
        default = {p: f"deploy.{key}" for key, p in PROPERTY_KEYS.items()}.get(prop, f"deploy.properties.{prop}")
        where = origins.get(prop, default)
        return f"{where}: {device} rejected {prop}={config[prop]!r}: {reason}"
    return f"deploy.device: cannot compile for {device}: {reason}"


def _named_property(reason: str, config: dict[str, Any]) -> str | None:
    """The property of ``config`` the error is about: named as a whole word (``PERFORMANCE_HINT``
    is not ``PERFORMANCE_HINT_NUM_REQUESTS``), else by a phrase OpenVINO uses for it."""
    for prop in config:
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(prop)}(?![A-Za-z0-9_])", reason):
            return prop
    lowered = reason.lower()
    for phrase, prop in PROPERTY_PHRASES.items():
        if phrase in lowered and prop in config:
            return prop
    return None
