"""The ``ray`` plugin: answers the ``ovtune_executor`` hook for ``--executor ray``.

ovtune imports this module for ``ovtune --help`` and ``ovtune plugins``, so it holds only the
registration: Ray (a large import that starts nothing by itself, but takes a second) is imported
by :mod:`ovtune_ray.executor` when a command opens the executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ovtune.plugin import hookimpl

if TYPE_CHECKING:
    from ovtune.plugin import Executor

NAME = "ray"


@hookimpl
def ovtune_executor(name: str, address: str | None) -> Executor | None:
    if name != NAME:
        return None
    from ovtune_ray.executor import RayExecutor

    return RayExecutor(address)
