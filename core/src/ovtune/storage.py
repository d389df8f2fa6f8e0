"""Atomic file output, leftovers of killed writers, and content hashes.

Every file ovtune writes appears complete or not at all: it is written under a temporary
name in the destination folder and renamed into place, then the folder itself is synced so
that the rename survives a power cut. Folders (an IR is two files) are built as a temporary
sibling folder and renamed as a whole.

A temporary name says who wrote it (``.NAME.HOST-PID.RANDOM.tmp``), so a later writer in the
same folder can tell the leftovers of a killed process from the work of a live one and
remove only the former.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

_CHUNK = 1 << 20
_NAME_LIMIT = 48
"""Characters of the target's name kept in a temporary name (long names must still fit)."""
_STALE_ELSEWHERE = 24 * 3600
"""Seconds after which a temporary written on another host (a shared folder) counts as stale."""
_TEMPORARY = re.compile(r"^\..*\.(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)\.[A-Za-z0-9_]+\.(?:tmp|old)$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:32] or "host"


def _prefix(name: str) -> str:
    return f".{name[:_NAME_LIMIT]}.{_host()}-{os.getpid()}."


def current_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that killed writers left in ``folder``.

    A temporary from this host is stale when its process no longer runs; one from another
    host (a shared cache) when it is older than a day. Returns what was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host = _host()
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or (int(match["pid"]) == os.getpid() and match["host"] == host):
            continue
        stale = False
        if match["host"] == host:
            stale = not _pid_alive(int(match["pid"]))
        else:
            with contextlib.suppress(OSError):
                stale = now - entry.stat(follow_symlinks=False).st_mtime > _STALE_ELSEWHERE
        if not stale:
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path.parent)
    handle, temporary = tempfile.mkstemp(prefix=_prefix(path.name), suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~current_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def make_temporary_directory(target: Path) -> Path:
    """An empty hidden sibling of ``target``, with the permissions a plain ``mkdir`` gives
    (``mkdtemp`` makes it 0700, which would stay after the rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(target.parent)
    temporary = Path(tempfile.mkdtemp(prefix=_prefix(target.name), suffix=".tmp", dir=target.parent))
    os.chmod(temporary, 0o777 & ~current_umask())
    return temporary


@contextlib.contextmanager
def atomic_directory(target: Path, *, keep_existing: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder; on success it replaces ``target`` as a whole.

    With ``keep_existing`` a ``target`` that appeared meanwhile (another process wrote the
    same content-addressed entry) is kept and the new folder discarded: first writer wins.
    """
    temporary = make_temporary_directory(target)
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    replace_directory(temporary, target, keep_existing=keep_existing)


def replace_directory(source: Path, target: Path, *, keep_existing: bool = False) -> bool:
    """Rename ``source`` to ``target``; an existing ``target`` is moved aside and removed
    (or, with ``keep_existing``, kept and ``source`` removed). Safe against another process
    doing the same at the same time. Returns whether ``source`` took the place."""
    for _attempt in range(8):
        if target.exists() and keep_existing:
            shutil.rmtree(source, ignore_errors=True)
            return False
        trash: Path | None = None
        if target.exists():
            trash = Path(tempfile.mkdtemp(prefix=_prefix(target.name), suffix=".old", dir=target.parent))
            with contextlib.suppress(FileNotFoundError):
                os.replace(target, trash / "old")
        try:
            os.replace(source, target)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            continue  # another writer put a folder there between our two renames
        finally:
            if trash is not None:
                shutil.rmtree(trash, ignore_errors=True)
        fsync_directory(target.parent)
        return True
    raise OSError(errno.EEXIST, f"cannot replace {target}: other writers keep replacing it")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_files(paths: Iterable[Path]) -> str:
    """SHA-256 over the names and contents of ``paths`` (in the given order)."""
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
