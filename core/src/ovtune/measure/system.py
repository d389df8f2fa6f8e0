"""What machine and device the figures come from.

The CPU's instruction sets decide what OpenVINO can do (bf16 needs AVX512-BF16 or AMX; fast
INT8 needs VNNI or AMX-INT8), so reports list them with the device's own description.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openvino as ov

RELEVANT_FLAGS = (
    "avx2",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "avx_vnni",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
    "fma",
    "f16c",
)
DEVICE_PROPERTIES = ("FULL_DEVICE_NAME", "OPTIMIZATION_CAPABILITIES", "DEVICE_ARCHITECTURE")


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key and key not in info:
                info[key] = value.strip()
            if not line.strip() and info:
                break
    except OSError:
        pass
    return info


def cpu_name() -> str:
    return _cpuinfo().get("model name") or platform.processor() or "unknown"


def cpu_flags() -> list[str]:
    """The instruction sets among :data:`RELEVANT_FLAGS` that this CPU has."""
    flags = set(_cpuinfo().get("flags", "").split())
    return [flag for flag in RELEVANT_FLAGS if flag in flags]


def device_info(core: ov.Core, device: str) -> dict[str, Any]:
    """The device's own description from OpenVINO (for each physical device it names)."""
    from ovtune.builtin.devices import physical_devices

    result: dict[str, Any] = {}
    for name in physical_devices(device) or [device]:
        entry: dict[str, Any] = {}
        try:
            supported = core.get_property(name, "SUPPORTED_PROPERTIES")
        except RuntimeError:
            continue
        for key in DEVICE_PROPERTIES:
            if key in supported:
                value = core.get_property(name, key)
                entry[key] = list(value) if isinstance(value, list | tuple) else str(value)
        result[name] = entry
    return result


def describe(core: ov.Core | None = None, device: str | None = None) -> dict[str, Any]:
    """CPU model and instruction sets, plus the device description when given."""
    description: dict[str, Any] = {"cpu": cpu_name(), "cpu_flags": cpu_flags(), "cores": logical_cores()}
    if core is not None and device is not None:
        description["devices"] = device_info(core, device)
    return description


def logical_cores() -> int:
    """Logical cores the operating system reports."""
    import os

    return os.cpu_count() or 0
