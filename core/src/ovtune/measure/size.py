"""Model size on disk: the files that make up the model (.xml + .bin, or the source file)."""

from __future__ import annotations

from typing import Any

from ovtune.context import MeasureContext, MeasureSubject
from ovtune.types import Options


def measure_size(subject: MeasureSubject, options: Options, context: MeasureContext) -> dict[str, Any]:
    files = {str(path): path.stat().st_size for path in subject.source_files if path.exists()}
    total = sum(files.values())
    return {"bytes": total, "mb": total / 1e6, "files": files}
