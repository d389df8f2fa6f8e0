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

    from ovtune.manager import PluginHost
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


def compile_config(deploy: DeploySection) -> dict[str, Any]:
    """The properties to pass to ``compile_model`` for a ``[deploy]`` section."""
    config: dict[str, Any] = {}
    if deploy.hint is not None and deploy.hint != "none":
        config["PERFORMANCE_HINT"] = deploy.hint.upper()
    if deploy.streams is not None:
        config["NUM_STREAMS"] = str(deploy.streams).upper()
    if deploy.requests is not None:
        config["PERFORMANCE_HINT_NUM_REQUESTS"] = deploy.requests
    if deploy.threads is not None:
        config["INFERENCE_NUM_THREADS"] = deploy.threads
    if deploy.precision is not None:
        config["INFERENCE_PRECISION_HINT"] = deploy.precision
    if deploy.pinning is not None:
        config["ENABLE_CPU_PINNING"] = deploy.pinning
    if deploy.cache_dir is not None:
        config["CACHE_DIR"] = str(deploy.cache_dir)
    config.update(deploy.properties)
    return config


def select_device(host: PluginHost, requested: str, core: ov.Core) -> str:
    """Ask the ``ovtune_select_device`` hook which device to compile for."""
    available = list(core.available_devices)
    chosen = host.hook.ovtune_select_device(requested=requested, available=available)
    return chosen or requested


def compile_model(core: ov.Core, model: ov.Model | str, device: str, config: dict[str, Any]) -> ov.CompiledModel:
    """``core.compile_model`` with OpenVINO's multi-line errors turned into one line that
    names the recipe key."""
    try:
        return core.compile_model(model, device, config)
    except RuntimeError as exc:
        raise DeviceError(explain_runtime_error(exc, device, config)) from None


def explain_runtime_error(exc: BaseException, device: str, config: dict[str, Any]) -> str:
    """Reword an OpenVINO compile error as one line naming the ``[deploy]`` key."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = next((line for line in lines if not line.startswith(("Exception from", "Check "))), "")
    reason = re.sub(r"^\[\s*\w+\s*\]\s*", "", reason) or (lines[-1] if lines else type(exc).__name__)
    key_to_recipe = {prop: f"deploy.{key}" for key, prop in PROPERTY_KEYS.items()}
    for prop, value in config.items():
        if prop in reason:
            where = key_to_recipe.get(prop, f"deploy.properties.{prop}")
            return f"{where}: {device} rejected {prop}={value!r}: {reason}"
    return f"deploy.device: cannot compile for {device}: {reason}"
