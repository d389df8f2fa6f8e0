"""Built-in model loaders: OpenVINO IR, ONNX, TFLite and PaddlePaddle via ``Core.read_model``.

A missing file, a corrupt file and an unsupported format each get their own message; the
source file is only ever read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ovtune import hookimpl
from ovtune.errors import ModelLoadError
from ovtune.types import Loader, Options

if TYPE_CHECKING:
    import openvino as ov

FORMAT_NAMES = {"ir": "OpenVINO IR", "onnx": "ONNX", "tflite": "TFLite", "paddle": "PaddlePaddle"}


def read_model(source: Path | str, options: Options | None = None, *, fmt: str | None = None) -> ov.Model:
    """Read any format OpenVINO's frontends understand, with clear errors."""
    import openvino as ov

    path = Path(source)
    if not path.exists():
        raise ModelLoadError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelLoadError(f"model path is a folder, expected a file: {path}")
    if path.suffix.lower() == ".xml":
        weights = path.with_suffix(".bin")
        if not weights.exists():
            raise ModelLoadError(
                f"IR weights file not found: {weights} (an IR is a .xml and a .bin with the same name)"
            )
    name = FORMAT_NAMES.get(fmt or "", fmt or path.suffix.lstrip(".") or "model")
    try:
        return ov.Core().read_model(str(path))
    except Exception as exc:  # noqa: BLE001 - every frontend error is a user-facing load error
        raise ModelLoadError(f"cannot read {name} model {path}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(("Exception from", "Check ", "Traceback"))]
    reason = (useful or lines or [type(exc).__name__])[0]
    return reason[:300]


def _loader(fmt: str):  # type: ignore[no-untyped-def]
    def load(source: Path | str, options: Options | None = None) -> ov.Model:
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
