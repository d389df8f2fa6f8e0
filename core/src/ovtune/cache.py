"""The content-addressed stage cache.

A stage's output is stored under a key derived from everything that can change it: the input
model's content hash, the stage name and options, the data it can read, and the versions of
its plugin, ovtune, OpenVINO and NNCF. A re-run of an unchanged recipe therefore skips every
finished stage, and a run that failed or was interrupted resumes after the last finished one.
Entries are written to a temporary folder and renamed into place, so a killed run never leaves
a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune import __version__
from ovtune.storage import atomic_directory

if TYPE_CHECKING:
    import openvino as ov

MODEL_XML = "model.xml"
MODEL_BIN = "model.bin"
RECORD = "record.json"


def default_cache_root() -> Path:
    """``$OVTUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ovtune``, else ``~/.cache/ovtune``."""
    explicit = os.environ.get("OVTUNE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ovtune"


@cache
def library_versions() -> dict[str, str]:
    """Versions of the libraries that can change a stage's output (not imported)."""
    versions = {"ovtune": __version__}
    for name in ("openvino", "nncf", "torch", "onnx"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def stage_key(
    *, input_hash: str, stage: str, options: dict[str, Any], plugin_version: str, data: dict[str, Any]
) -> str:
    """The cache key of one stage run."""
    payload = {
        "input": input_hash,
        "stage": stage,
        "options": options,
        "plugin_version": plugin_version,
        "data": data,
        "libraries": library_versions(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    folder: Path

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_XML

    @property
    def record(self) -> dict[str, Any]:
        return json.loads((self.folder / RECORD).read_text())  # type: ignore[no-any-return]


class StageCache:
    """Stage outputs by key under ``root/stages``."""

    def __init__(self, root: Path):
        self.root = root

    def _folder(self, key: str) -> Path:
        return self.root / "stages" / key[:2] / key

    def lookup(self, key: str) -> CacheEntry | None:
        folder = self._folder(key)
        complete = all((folder / name).exists() for name in (MODEL_XML, MODEL_BIN, RECORD))
        return CacheEntry(folder) if complete else None

    def store(self, key: str, model: ov.Model, record: dict[str, Any]) -> CacheEntry:
        """Save ``model`` as IR (weights exactly as they are: no FP16 compression) with its record."""
        import openvino as ov

        folder = self._folder(key)
        with atomic_directory(folder) as temporary:
            ov.save_model(model, str(temporary / MODEL_XML), compress_to_fp16=False)
            (temporary / RECORD).write_text(json.dumps(record, indent=2, default=str))
        return CacheEntry(folder)
