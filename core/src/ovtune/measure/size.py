"""Model size on disk: the files that make up the model (.xml + .bin, or the source file).

A source with no file of its own (a ``torch:`` factory) is sized as what would be deployed:
its converted model saved as IR without FP16 compression, and the result says so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.options import Options

CONVERTED_NOTE = "the source has no model file: size of its converted model saved as IR (f32 weights)"


def measure_size(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    files = {str(path): path.stat().st_size for path in subject.source_files if path.exists()}
    if files or subject.model_path is not None:
        total = sum(files.values())
        return {"bytes": total, "mb": total / 1e6, "files": files}
    import openvino as ov

    with tempfile.TemporaryDirectory(prefix="ovtune-size-") as folder:
        path = Path(folder) / "model.xml"
        ov.save_model(subject.read(), str(path), compress_to_fp16=False)
        total = sum(file.stat().st_size for file in (path, path.with_suffix(".bin")))
    return {"bytes": total, "mb": total / 1e6, "files": {}, "note": CONVERTED_NOTE}
