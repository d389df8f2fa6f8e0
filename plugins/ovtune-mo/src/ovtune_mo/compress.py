"""FP16 weights, the way Model Optimizer's default produced them, through public APIs only.

ovtune saves every stage output with ``compress_to_fp16=False`` (it must not change what a stage
made), so the stage compresses by itself: it saves the model with ``openvino.save_model(...,
compress_to_fp16=True)``, which stores f32 weights as ``Constant f16 -> Convert f32``, and reads the
result back into memory. Saving also gives the two figures the report shows: the size of the
weights file without and with compression.

This runs before the preprocessing is folded in: ``compress_to_fp16`` would otherwise also round
the mean and scale constants (58.395 becomes 58.40625 in FP16), an error Model Optimizer's users
never had.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import openvino as ov


@dataclass(frozen=True)
class Weights:
    """Size of the ``.bin`` file as saved without FP16 compression, and with it (if it was done)."""

    f32_bytes: int
    fp16_bytes: int | None


def weights_bytes(model: ov.Model, folder: Path, *, compress: bool) -> int:
    """The size of the weights file ``openvino.save_model`` writes for ``model``."""
    import openvino as ov

    xml = folder / ("fp16.xml" if compress else "f32.xml")
    ov.save_model(model, str(xml), compress_to_fp16=compress)
    return xml.with_suffix(".bin").stat().st_size


def to_fp16(model: ov.Model, folder: Path, *, compress: bool) -> tuple[ov.Model, Weights]:
    """``model`` with FP16 weights (read back from ``folder``) when ``compress``; always the sizes."""
    import openvino as ov

    folder.mkdir(parents=True, exist_ok=True)
    f32_bytes = weights_bytes(model, folder, compress=False)
    if not compress:
        return model, Weights(f32_bytes, None)
    fp16_bytes = weights_bytes(model, folder, compress=True)
    xml = (folder / "fp16.xml").read_text(encoding="utf-8")
    weights = np.fromfile(folder / "fp16.bin", dtype=np.uint8)
    # read into memory, not memory-mapped: the folder is deleted when the stage ends
    compressed = ov.Core().read_model(xml, ov.Tensor(weights))
    return compressed, Weights(f32_bytes, fp16_bytes)
