"""The built-in stage ``python``'s options and implementation: your own model transformation as
a pipeline stage, cached and recorded like any other. Registered by :mod:`ovtune.builtin.stages`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from ovtune.errors import StageError
from ovtune.fields import Reference
from ovtune.importing import ImportReferenceError, import_object
from ovtune.options import Options

if TYPE_CHECKING:
    import openvino as ov

    from ovtune.context import StageContext, StageResult


class PythonStageOptions(Options):
    """``function(model, context, **args)`` returns a new ``openvino.Model`` or a
    ``StageResult``. It receives a clone, so it may change the model in place."""

    function: Reference = Field(description="'package.module:function'")
    args: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments for the function")


def run_python(model: ov.Model, options: PythonStageOptions, context: StageContext) -> ov.Model | StageResult:
    try:
        function = import_object(options.function, search_path=context.recipe.base_dir)
    except ImportReferenceError as exc:
        raise StageError(f"{context.key}.function: {exc}") from None
    result = function(model.clone(), context, **options.args)
    if result is None:
        raise StageError(f"{context.key}.function: {options.function} returned None; return the model")
    return result  # type: ignore[no-any-return]
