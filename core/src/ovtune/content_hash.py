"""Content hashes of data files and folders, memoized by file identity.

A stage's cache key names its data by content, not by path or modification time: identical
calibration data in another folder (a fresh CI clone) reuses the cached stage, and data
rewritten in place, even with the same size and time, never does. Hashing gigabytes on every
run would be slow, so each file's hash is remembered under its path with its size, inode,
modification and change times; the change time (``st_ctime_ns``) is set by the kernel on
every write and every ``utime``, so a file that was touched in any way is hashed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ovtune.storage import atomic_write_text, sha256_file

MEMO_FILE = "content-hashes.json"
_MEMO_VERSION = 1
_MEMO_LIMIT = 100_000
"""Entries kept in the memo (the oldest are dropped first)."""


def _identity(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns]


class ContentHasher:
    """SHA-256 of files and folders, with a memo kept in ``memo_dir`` (the cache root)."""

    def __init__(self, memo_dir: Path | None = None):
        self.memo_path = memo_dir / MEMO_FILE if memo_dir is not None else None
        self._memo: dict[str, dict[str, Any]] = self._load()
        self._changed = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.memo_path is None:
            return {}
        try:
            document = json.loads(self.memo_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a missing or damaged memo only costs time
        if not isinstance(document, dict) or document.get("version") != _MEMO_VERSION:
            return {}
        files = document.get("files")
        return files if isinstance(files, dict) else {}

    def file(self, path: Path) -> str:
        """The SHA-256 of one file's content."""
        key = str(path.resolve())
        stat = path.stat()
        known = self._memo.get(key)
        if isinstance(known, dict) and known.get("identity") == _identity(stat):
            return str(known["sha256"])
        digest = sha256_file(path)
        if _identity(path.stat()) == _identity(stat):  # not written while we read it
            self._memo.pop(key, None)
            self._memo[key] = {"identity": _identity(stat), "sha256": digest}
            self._changed = True
        return digest

    def path(self, path: Path) -> str:
        """The content hash of a file, or of a folder: every file's relative path and content."""
        if not path.is_dir():
            return self.file(path)
        digest = hashlib.sha256(b"folder\0")
        for child in sorted(path.rglob("*")):
            if child.is_file():
                digest.update(child.relative_to(path).as_posix().encode() + b"\0")
                digest.update(self.file(child).encode() + b"\0")
        return digest.hexdigest()

    def save(self) -> None:
        """Write the memo back (atomically; a failure to write it only costs time later)."""
        if self.memo_path is None or not self._changed:
            return
        entries = list(self._memo.items())[-_MEMO_LIMIT:]
        with contextlib.suppress(OSError):
            atomic_write_text(self.memo_path, json.dumps({"version": _MEMO_VERSION, "files": dict(entries)}))
        self._changed = False


def content_keyed(value: Any, hasher: ContentHasher) -> Any:
    """``value`` with every existing path replaced by ``{"sha256": ...}`` of its content, so
    that a cache key holding it says what the data is, not where it lies."""
    if isinstance(value, Path):
        return {"sha256": hasher.path(value)} if value.exists() else str(value)
    if isinstance(value, dict):
        return {str(key): content_keyed(item, hasher) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [content_keyed(item, hasher) for item in value]
    return value
