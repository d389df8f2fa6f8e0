"""Built-in stage ``python``: run your own model transformation as a pipeline stage.

Optimization techniques ship as plugin distributions (ovtune-mo, ovtune-pot, ovtune-nncf);
the core only provides this escape hatch, cached and recorded like any other stage. Its options
and implementation live in :mod:`ovtune.builtin.python_stage`, named by string.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Stage


@hookimpl
def ovtune_register_stages() -> list[Stage]:
    return [
        Stage(
            name="python",
            summary="Your own transformation ('package.module:function')",
            options="ovtune.builtin.python_stage:PythonStageOptions",
            run="ovtune.builtin.python_stage:run_python",
        ),
    ]
