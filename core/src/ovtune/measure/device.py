"""Which device the measurements compile for: the recipe's ``deploy.device``, unless a plugin's
``ovtune_select_device`` hook answers otherwise (e.g. ``AUTO`` narrowed to what is present).

It lives beside its only caller, :mod:`ovtune.measure.engine`, so that :mod:`ovtune.deploy`
stays a pure mapping from ``[deploy]`` to OpenVINO properties and calls no hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.manager import PluginHost


def select_device(host: PluginHost, requested: str, core: ov.Core) -> str:
    """Ask the ``ovtune_select_device`` hook which device to compile for."""
    available = list(core.available_devices)
    chosen = host.hook.ovtune_select_device(requested=requested, available=available)
    return chosen or requested
