"""Load what ``ovtune tune`` chose, in one line, with nothing but OpenVINO.

``ovtune tune`` writes a deploy folder: ``model.xml``/``model.bin`` and ``config.json``, the
``compile_model`` properties as ``benchmark_app -load_config`` reads them
(``{"CPU": {"PERFORMANCE_HINT": "THROUGHPUT", "NUM_STREAMS": "2"}}``)::

    import ovtune.runtime

    compiled = ovtune.runtime.load("runs/digits-tune/deploy")
    outputs = compiled(inputs)

This module imports only ``openvino`` and the standard library, so an application can vendor
the folder and this file without installing the rest of ovtune.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODEL_NAME = "model.xml"
CONFIG_NAME = "config.json"


def read_config(folder: str | Path) -> tuple[str, dict[str, str]]:
    """(device, properties) from ``folder/config.json``."""
    path = Path(folder) / CONFIG_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not an ovtune deploy folder (no {CONFIG_NAME})") from None
    if not isinstance(document, dict) or len(document) != 1:
        raise ValueError(f'{path}: expected one device with its properties, e.g. {{"CPU": {{...}}}}')
    ((device, properties),) = document.items()
    return str(device), {str(key): str(value) for key, value in dict(properties).items()}


def load(folder: str | Path, *, device: str | None = None, core: Any = None, **overrides: Any) -> Any:
    """Compile ``folder/model.xml`` with the tuned properties; returns an ``openvino.CompiledModel``.

    ``device`` replaces the tuned device (the properties were tuned for it, so expect other
    figures elsewhere); keyword ``overrides`` replace or add properties, e.g.
    ``CACHE_DIR="model_cache"``.
    """
    import openvino as ov

    tuned_device, properties = read_config(folder)
    core = core or ov.Core()
    return core.compile_model(str(Path(folder) / MODEL_NAME), device or tuned_device, {**properties, **overrides})
