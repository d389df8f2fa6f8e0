"""Built-in devices and the last-resort device selection.

The selection hook implemented here runs last (``trylast``): it accepts the requested device
only when every physical device it names is available, and otherwise fails with the list of
devices this machine has. OpenVINO's own error for a missing GPU is a multi-line message about
``libOpenCL.so.1``, and AUTO does not fall back when a listed plugin fails to load.
"""

from __future__ import annotations

from collections.abc import Sequence

from ovtune import hookimpl
from ovtune.errors import DeviceError
from ovtune.types import Device

VIRTUAL_DEVICES = ("AUTO", "MULTI", "HETERO", "BATCH")


def physical_devices(requested: str) -> list[str]:
    """``"AUTO:GPU,CPU"`` -> ``["GPU", "CPU"]``; ``"BATCH:CPU(4)"`` -> ``["CPU"]``."""
    head, _, rest = requested.partition(":")
    if head.upper() not in VIRTUAL_DEVICES:
        return [requested]
    names = [part.split("(")[0].strip() for part in rest.split(",") if part.strip()]
    result: list[str] = []
    for name in names:
        result.extend(physical_devices(name))
    return result


def is_available(device: str, available: Sequence[str]) -> bool:
    return device in available or any(name.split(".")[0] == device for name in available)


@hookimpl(trylast=True)
def ovtune_select_device(requested: str, available: Sequence[str]) -> str | None:
    name = requested.strip().upper()
    if not name:
        raise DeviceError("deploy.device: empty device name")
    missing = [device for device in physical_devices(name) if not is_available(device, available)]
    if missing:
        raise DeviceError(
            f"deploy.device: {missing[0]} is not available on this machine "
            f"(available: {', '.join(available) or 'none'}; AUTO, MULTI and HETERO need every device they list)"
        )
    return name


@hookimpl
def ovtune_register_devices() -> list[Device]:
    return [
        Device(name="cpu", device="CPU", summary="Intel/AMD/ARM CPU plugin"),
        Device(name="gpu", device="GPU", summary="Intel GPU plugin (needs OpenCL)"),
        Device(name="npu", device="NPU", summary="Intel NPU plugin (needs the NPU driver)"),
        Device(name="auto", device="AUTO", summary="Automatic device selection, optionally among a list"),
        Device(name="hetero", device="HETERO", summary="Split a model across several devices"),
        Device(name="multi", device="MULTI", summary="Run requests on several devices in parallel"),
    ]
