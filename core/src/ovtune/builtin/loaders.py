"""Built-in model loaders: OpenVINO IR, ONNX, TFLite and PaddlePaddle via ``Core.read_model``.

A missing file, a corrupt file and an unsupported format each get their own message; the
source file is only ever read.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ovtune import hookimpl
from ovtune.errors import ModelLoadError, runtime_reason
from ovtune.types import Loader

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.context import LoadContext
    from ovtune.options import Options

FORMAT_NAMES = {"ir": "OpenVINO IR", "onnx": "ONNX", "tflite": "TFLite", "paddle": "PaddlePaddle"}
SUFFIXES = {"ir": ".xml", "onnx": ".onnx", "tflite": ".tflite", "paddle": ".pdmodel"}
_SIDE_FILES = {".pdmodel": ".pdiparams", ".xml": ".bin"}


def read_model(source: Path | str, options: Options | None = None, *, fmt: str | None = None) -> ov.Model:
    """Read a model with OpenVINO's frontend for ``fmt`` (guessed from the suffix if None).

    The chosen frontend is asked first whether it recognises the file, so a corrupt file gets
    a clear message instead of OpenVINO trying every other frontend (whose C++ logs would
    clutter the terminal). OpenVINO picks readers by suffix, so a file whose name does not
    match its format (``format = "tflite"`` on ``model.bin2``) is read through a temporary
    link with the right suffix.
    """
    import openvino as ov

    path = Path(source)
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelLoadError(f"model path is a folder, expected a file: {path}")
    fmt = fmt or next((name for name, suffix in SUFFIXES.items() if suffix == path.suffix.lower()), None)
    name = FORMAT_NAMES.get(fmt or "", path.suffix.lstrip(".") or "model")
    with _readable_as(path, SUFFIXES.get(fmt or "", path.suffix)) as readable:
        weights = _SIDE_FILES.get(readable.suffix)
        if readable.suffix == ".xml" and weights and not readable.with_suffix(weights).exists():
            missing = path.with_suffix(weights)
            raise ModelLoadError(
                f"IR weights file not found: {missing} (an IR is a .xml and a .bin with the same name)"
            )
        if fmt and fmt != "ir" and not _frontend_recognises(fmt, readable):
            raise ModelLoadError(f"cannot read {name} model {path}: the {name} reader does not recognise the file")
        try:
            return ov.Core().read_model(str(readable))
        except Exception as exc:  # noqa: BLE001 - every frontend error is a user-facing load error
            raise ModelLoadError(f"cannot read {name} model {path}: {runtime_reason(exc)}") from None


def _frontend_recognises(fmt: str, path: Path) -> bool:
    from openvino.frontend import FrontEndManager

    try:
        return bool(FrontEndManager().load_by_framework(fmt).supported(str(path)))
    except Exception:  # noqa: BLE001 - a frontend that cannot answer is left to read_model
        return True


@contextlib.contextmanager
def _readable_as(path: Path, suffix: str) -> Iterator[Path]:
    """``path`` itself, or a temporary link to it (and its side file) named ``*{suffix}``."""
    if path.suffix.lower() == suffix:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="ovtune-load-") as folder:
        link = Path(folder) / f"model{suffix}"
        link.symlink_to(path.resolve())
        side = _SIDE_FILES.get(suffix)
        if side and path.with_suffix(side).exists():
            link.with_suffix(side).symlink_to(path.with_suffix(side).resolve())
        yield link


def _loader(fmt: str):  # type: ignore[no-untyped-def]
    def load(source: Path | str, options: Options | None = None, context: LoadContext | None = None) -> ov.Model:
        return read_model(source, options, fmt=fmt)

    load.__name__ = f"load_{fmt}"
    load.__doc__ = f"Read a {FORMAT_NAMES[fmt]} model with openvino.Core.read_model."
    return load


@hookimpl
def ovtune_register_loaders() -> list[Loader]:
    return [
        Loader(name="ir", summary="OpenVINO IR (.xml + .bin)", suffixes=(".xml",), load=_loader("ir")),
        Loader(name="onnx", summary="ONNX model (.onnx)", suffixes=(".onnx",), load=_loader("onnx")),
        Loader(name="tflite", summary="TensorFlow Lite model (.tflite)", suffixes=(".tflite",), load=_loader("tflite")),
        Loader(
            name="paddle",
            summary="PaddlePaddle inference model (.pdmodel)",
            suffixes=(".pdmodel",),
            load=_loader("paddle"),
        ),
    ]
