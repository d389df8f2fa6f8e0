"""The hardware class of a machine: what must be equal for two timings to be comparable.

Figures measured on two machines compare the machines as much as the configurations: a CPU
with AMX runs bf16 twice as fast as one with AVX-512 BF16 only, and another OpenVINO release
compiles another graph. So every timed result carries the fingerprint of the machine that
measured it (CPU model and the instruction sets that decide what OpenVINO can do, core count,
OpenVINO version, devices), and a tune or sweep ranks only results of one class. The class is
a short hash of the fingerprint, with a readable label beside it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import socket
from typing import Any

from ovtune.measure.system import cpu_flags, cpu_name, logical_cores

CLASS_KEYS = ("cpu", "cpu_flags", "cores", "openvino", "devices")
"""What decides the class (the host name does not: two identical machines are one class)."""


@functools.cache
def fingerprint() -> dict[str, Any]:
    """This machine's fingerprint, with its ``class`` (a 12-character hash) and ``label``."""
    import openvino as ov

    core = ov.Core()
    devices = sorted(core.available_devices)
    found: dict[str, Any] = {
        "cpu": cpu_name(),
        "cpu_flags": cpu_flags(),
        "cores": logical_cores(),
        "openvino": ov.get_version(),
        "devices": devices,
        "host": socket.gethostname(),
    }
    found["class"] = hardware_class(found)
    found["label"] = class_label(found)
    return found


def hardware_class(found: dict[str, Any]) -> str:
    """The class of a fingerprint: equal for machines whose timings may be compared."""
    text = json.dumps({key: found.get(key) for key in CLASS_KEYS}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def class_label(found: dict[str, Any]) -> str:
    """``CPU model, N cores, flags, OpenVINO x.y.z``: how reports name a class."""
    flags = [flag for flag in found.get("cpu_flags", []) if flag.startswith(("amx", "avx512_bf16", "avx512_vnni"))]
    version = str(found.get("openvino", "")).split("-")[0]
    parts = [str(found.get("cpu", "unknown CPU")), f"{found.get('cores', '?')} cores"]
    if flags:
        parts.append("+".join(flags))
    parts.append(f"OpenVINO {version}")
    return ", ".join(parts)
