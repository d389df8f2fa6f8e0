"""ovtune: declare OpenVINO optimizations in one TOML recipe and measure what they buy.

Plugins import ovtune only through its plugin API: :mod:`ovtune.plugin` (``hookimpl``, the
registration types, options and field types, contexts, errors, ``compile_model``, ...),
:mod:`ovtune.plugin.measure` (measurement support) and, in their tests, :mod:`ovtune.testing`.
Every other module, this one's names included, is private to ovtune and may change in any
release. Heavy libraries (openvino, nncf) are never imported here, so that ``ovtune --help``
and ``ovtune plugins`` stay fast.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

#: Version of the plugin API (hooks, registration types, contexts). Plugins declare the
#: range they support; it changes only when a hook or a type changes incompatibly.
API_VERSION = 1

PROJECT_NAME = "ovtune"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for hook implementations: ``@ovtune.hookimpl def ovtune_register_stages(): ...``"""

__all__ = ["API_VERSION", "PROJECT_NAME", "__version__", "hookimpl"]
