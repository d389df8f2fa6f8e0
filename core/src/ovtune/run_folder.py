"""Run folders: ovtune writes only into folders it owns, one process at a time.

A run folder carries a marker file (``.ovtune-run``). A folder that is not empty and has no
marker is someone else's, and ovtune refuses to write into it unless told ``--force``: it never
overwrites or deletes files it did not write. While a run (or a tune) writes into a folder it
holds an advisory lock on ``.ovtune-lock``; a second process aiming at the same folder fails
at once with one line naming the first one's pid, instead of both writing the same files.
The lock is released by the kernel when the process ends, however it ends, so a killed run
never leaves a folder locked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import socket
import time
from pathlib import Path
from types import TracebackType

from ovtune import __version__
from ovtune.errors import OvtuneError
from ovtune.storage import atomic_write_text, clean_stale_temporaries

MARKER = ".ovtune-run"
LOCK = ".ovtune-lock"
LEGACY_MARKERS = ("run.lock.toml", "journal.jsonl")
"""Files that show a folder was written by an ovtune from before the marker existed."""
_OWN_PREFIX = ".ovtune-"
_HOLDER_BYTES = 160


NAME_LIMIT = 100
"""Characters allowed in a run name (file systems allow 255 bytes; ``-tune`` and temporaries add to it)."""
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def check_run_name(name: str) -> str:
    """``name`` if it is one safe folder name, else ``ValueError`` saying why: a run name becomes
    ``runs/NAME``, so a slash, ``..`` or an absolute path would write outside ``runs/``."""
    if not name.strip():
        raise ValueError("the run name is empty")
    if name in (".", "..") or name.startswith("."):
        raise ValueError(f"{name!r} is not a folder name: a run name cannot start with '.'")
    bad = _UNSAFE.search(name)
    if bad:
        raise ValueError(
            f"{name!r} contains {bad.group()!r}: a run name is one folder name "
            "(letters, digits, '-', '_', '.', spaces), not a path"
        )
    if len(name.encode()) > NAME_LIMIT:
        raise ValueError(f"the run name is {len(name.encode())} bytes long; at most {NAME_LIMIT}")
    return name


def slug_run_name(text: str) -> str:
    """A safe run name made from ``text`` (a recipe file's stem): unsafe characters become '-'."""
    slug = _UNSAFE.sub("-", text).strip(" .-")[:NAME_LIMIT].strip(" .-")
    return slug or "recipe"


class OutputError(OvtuneError):
    """The output folder cannot be used: not a folder, not writable, someone else's, or busy."""


def private_name(label: str) -> str:
    """``label`` made private to this process (scratch folders two processes must not share)."""
    host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:32]
    return f"{label}.{host}-{os.getpid()}"


class RunFolder:
    """Claim ``path`` for one run: check ownership, mark it, lock it (a context manager)."""

    def __init__(self, path: Path, *, force: bool = False, option: str = "--out", kind: str = "run"):
        self.path = path
        self.force = force
        self.option = option
        self.kind = kind
        self._lock_handle: int | None = None

    def __enter__(self) -> RunFolder:
        self.claim()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()

    def claim(self) -> None:
        self._create()
        self._check_ownership()
        self._lock()
        try:
            if not (self.path / MARKER).exists():
                marker = {"tool": "ovtune", "version": __version__, "kind": self.kind, "created": _now()}
                atomic_write_text(self.path / MARKER, json.dumps(marker, indent=2) + "\n")
        except OSError as exc:
            self.release()
            raise self._error(f"cannot write into {self.path}", exc) from None
        clean_stale_temporaries(self.path)

    def release(self) -> None:
        if self._lock_handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_handle, fcntl.LOCK_UN)
            os.close(self._lock_handle)
            self._lock_handle = None

    def _create(self) -> None:
        try:
            if self.path.exists() and not self.path.is_dir():
                raise OutputError(f"{self.option} {self.path}: is a file, not a folder")
            self.path.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(f"{self.option} {self.path}: a part of the path is a file, not a folder") from None
        except OSError as exc:
            raise self._error(f"cannot create {self.path}", exc) from None

    def _check_ownership(self) -> None:
        if self.force or (self.path / MARKER).exists():
            return
        try:
            entries = {entry.name for entry in os.scandir(self.path)}
        except OSError as exc:
            raise self._error(f"cannot read {self.path}", exc) from None
        foreign = {name for name in entries if not name.startswith(_OWN_PREFIX)}  # marker and lock, being written
        if not foreign or entries & set(LEGACY_MARKERS):
            return
        raise OutputError(
            f"{self.option} {self.path}: the folder is not empty and is not an ovtune {self.kind} folder "
            f"(no {MARKER}); ovtune does not write into folders it did not create: choose another folder "
            "or pass --force"
        )

    def _lock(self) -> None:
        try:
            handle = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise self._error(f"cannot write into {self.path}", exc) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            os.close(handle)
            raise OutputError(
                f"{self.option} {self.path}: another ovtune {self.kind} is writing into this folder "
                f"({holder}); wait for it to finish or choose another folder"
            ) from None
        me = f"pid {os.getpid()} on {socket.gethostname()}".encode()
        os.pwrite(handle, me.ljust(_HOLDER_BYTES), 0)  # one write: a reader sees all of it or none
        self._lock_handle = handle

    def _error(self, what: str, exc: OSError) -> OutputError:
        reasons = {
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.EROFS: "the file system is read-only",
            errno.ENAMETOOLONG: "a name in the path is too long for the file system",
            errno.ENOSPC: "no space left on the device",
        }
        reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
        return OutputError(f"{self.option}: {what}: {reason}")


def _holder(handle: int) -> str:
    """Who holds the lock, as it wrote itself into the lock file (it may be writing it now)."""
    for _attempt in range(40):
        text = os.pread(handle, _HOLDER_BYTES, 0).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "pid unknown"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
