"""Atomic file output and content hashes.

Every file ovtune writes appears complete or not at all: it is written under a temporary
name in the destination folder and renamed into place. Folders (an IR is two files) are
built as a temporary sibling folder and renamed as a whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

_CHUNK = 1 << 20


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``target`` as a whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    replace_directory(temporary, target)


def replace_directory(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, moving an existing ``target`` out of the way first."""
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.replace(target, trash / "old")
        os.replace(source, target)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(source, target)


def hash_files(paths: Iterable[Path]) -> str:
    """SHA-256 over the contents of ``paths`` (in the given order)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def model_files(path: Path) -> list[Path]:
    """The files that make up a model: ``.xml`` + ``.bin`` for IR, else the file itself."""
    if path.suffix.lower() == ".xml":
        weights = path.with_suffix(".bin")
        return [path, weights] if weights.exists() else [path]
    if path.suffix.lower() == ".pdmodel":
        params = path.with_suffix(".pdiparams")
        return [path, params] if params.exists() else [path]
    return [path]
