"""The content-addressed stage cache, verified on every reuse.

A stage's output is stored under a key derived from everything that can change it: the input
model's content hash, the stage name and options, the content of the data it can read, and the
versions of its plugin, ovtune, OpenVINO and the libraries its registration and the recipe's
loader declare (:mod:`ovtune.libraries`). A re-run of an unchanged
recipe therefore skips every finished stage, and a run that failed or was interrupted resumes
after the last finished one.

Each entry carries a manifest with the size and SHA-256 of each of its files and the model's
canonical hash. Reuse checks the sizes, then the contents: an entry that was damaged or
swapped is reported in one warning, set aside and recomputed, never reused as if it were the
stage's output. Entries are built in a temporary folder and renamed into place; when two
processes (or two machines sharing the folder) build the same entry, the first one wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.errors import RecipeError
from ovtune.libraries import library_versions
from ovtune.model_hash import canonical_model_hash
from ovtune.notices import warn
from ovtune.storage import atomic_directory, make_temporary_directory, sha256_file

if TYPE_CHECKING:
    import openvino as ov

MODEL_XML = "model.xml"
MODEL_BIN = "model.bin"
RECORD = "record.json"
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def default_cache_root() -> Path:
    """``$OVTUNE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ovtune``, else ``~/.cache/ovtune``."""
    explicit = os.environ.get("OVTUNE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ovtune"


def stage_key(
    *,
    input_hash: str,
    stage: str,
    options: dict[str, Any],
    plugin_version: str,
    data: dict[str, Any],
    libraries: Mapping[str, str] | None = None,
) -> str:
    """The cache key of one stage run. ``libraries`` maps each library that can change the
    output to its version: :func:`~ovtune.libraries.library_versions` of
    :meth:`~ovtune.recipe.Recipe.stage_libraries` (by default, ovtune's and OpenVINO's alone)."""
    payload = {
        "input": input_hash,
        "stage": stage,
        "options": options,
        "plugin_version": plugin_version,
        "data": data,
        "libraries": dict(library_versions() if libraries is None else libraries),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class DamagedEntryError(Exception):
    """A cache entry whose files do not match its manifest (or that has none)."""


@dataclass(frozen=True)
class CacheEntry:
    """A verified entry: its folder, its stage record and the canonical hash of its model."""

    folder: Path
    record: dict[str, Any]
    output_hash: str

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_XML


class StageCache:
    """Stage outputs by key under ``root/stages``."""

    def __init__(self, root: Path, *, origin: str = "the stage cache"):
        self.root = root
        self.origin = origin
        """Where ``root`` came from, for errors (``[output] cache_dir``, ``$OVTUNE_CACHE_DIR``)."""

    def _folder(self, key: str) -> Path:
        return self.root / "stages" / key[:2] / key

    def check_usable(self) -> None:
        """Raise a one-line error when the cache folder is a file, not writable, or cannot be made."""
        stages = self.root / "stages"
        try:
            stages.mkdir(parents=True, exist_ok=True)
            probe = make_temporary_directory(stages / "probe")
            probe.rmdir()
        except FileExistsError:
            raise RecipeError(f"{self.origin}: {_existing_file(stages)} is a file, not a folder") from None
        except NotADirectoryError:
            raise RecipeError(f"{self.origin}: {_existing_file(stages)} is a file, not a folder") from None
        except OSError as exc:
            raise RecipeError(f"{self.origin}: cannot write into {self.root}: {exc.strerror or exc}") from None

    def lookup(self, key: str) -> CacheEntry | None:
        """The verified entry for ``key``; a damaged one is set aside (one warning) and ``None``."""
        folder = self._folder(key)
        if not folder.is_dir():
            return None
        try:
            return _verified(folder)
        except DamagedEntryError as exc:
            warn(f"stage cache entry {folder} is damaged ({exc}); recomputing it")
            self._discard(folder)
            return None

    def store(self, key: str, model: ov.Model, record: dict[str, Any]) -> CacheEntry:
        """Save ``model`` as IR (weights exactly as they are: no FP16 compression) with its
        record and manifest. If another writer stored the same key meanwhile, theirs is kept."""
        import openvino as ov

        folder = self._folder(key)
        with atomic_directory(folder, keep_existing=True) as temporary:
            ov.save_model(model, str(temporary / MODEL_XML), compress_to_fp16=False)
            (temporary / RECORD).write_text(json.dumps(record, indent=2, default=str))
            manifest = {
                "version": MANIFEST_VERSION,
                "output_hash": canonical_model_hash(temporary / MODEL_XML),
                "files": {
                    name: {"size": (temporary / name).stat().st_size, "sha256": sha256_file(temporary / name)}
                    for name in (MODEL_XML, MODEL_BIN, RECORD)
                },
            }
            (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2))
        # a writer that won the race stored the same key: an equivalent model, the same hash
        return CacheEntry(folder, record, str(manifest["output_hash"]))

    def export_entry(self, key: str) -> dict[str, bytes] | None:
        """The verified files of ``key`` (manifest included), or ``None``: how an executor
        hands a stage output to a node that cannot see this cache."""
        entry = self.lookup(key)
        if entry is None:
            return None
        return {name: (entry.folder / name).read_bytes() for name in (MODEL_XML, MODEL_BIN, RECORD, MANIFEST)}

    def import_entry(self, key: str, files: Mapping[str, bytes]) -> CacheEntry | None:
        """Install an entry exported by :meth:`export_entry` on another node, when this cache
        lacks ``key``. The files are checked against their manifest before the entry appears:
        one that does not match is dropped with a warning (the stage is then built here)."""
        existing = self.lookup(key)
        if existing is not None:
            return existing
        folder = self._folder(key)
        try:
            with atomic_directory(folder, keep_existing=True) as temporary:
                for name, content in files.items():
                    if name not in {MODEL_XML, MODEL_BIN, RECORD, MANIFEST}:
                        raise DamagedEntryError(f"unexpected file {name!r}")
                    (temporary / name).write_bytes(content)
                _verified(temporary)
        except DamagedEntryError as exc:
            warn(f"stage output {key[:12]} received from another node is damaged ({exc}); building it here")
            return None
        return self.lookup(key)

    def _discard(self, folder: Path) -> None:
        """Move a damaged entry out of the way (atomically) and remove it."""
        with contextlib.suppress(OSError):
            aside = make_temporary_directory(folder)
            os.replace(folder, aside / "damaged")
            shutil.rmtree(aside, ignore_errors=True)


def _verified(folder: Path) -> CacheEntry:
    """The entry in ``folder`` if every file matches the manifest: sizes first (cheap), then contents."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
        output_hash = str(manifest["output_hash"])
        if manifest.get("version") != MANIFEST_VERSION or not {MODEL_XML, MODEL_BIN, RECORD} <= set(files):
            raise DamagedEntryError("its manifest is incomplete")
    except FileNotFoundError:
        raise DamagedEntryError("it has no manifest") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedEntryError(f"its manifest cannot be read: {exc}") from None
    try:
        for name, expected in files.items():
            size = (folder / name).stat().st_size
            if size != expected["size"]:
                raise DamagedEntryError(f"{name} has {size} bytes, the manifest says {expected['size']}")
        for name, expected in files.items():
            if sha256_file(folder / name) != expected["sha256"]:
                raise DamagedEntryError(f"the content of {name} differs from the manifest")
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DamagedEntryError(f"{Path(exc.filename or '?').name} is missing") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DamagedEntryError(str(exc)) from None
    if not isinstance(record, dict):
        raise DamagedEntryError("its record is not a JSON object")
    return CacheEntry(folder, record, output_hash)


def _existing_file(path: Path) -> Path:
    """The first part of ``path`` that exists as a file (what made ``mkdir`` fail)."""
    for candidate in [*reversed(path.parents), path]:
        if candidate.is_file():
            return candidate
    return path
