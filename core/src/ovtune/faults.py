"""Calling what plugins registered: a plugin's crash becomes one user error naming it.

Stages, loaders, dataset kinds, metrics and measurements are third-party code running inside
ovtune. A bare traceback from a module the user never heard of tells them neither which part of
their recipe failed nor which distribution to update, report or uninstall. So every call of a
registration's implementation goes through :func:`call` (or :func:`attributed` when the plugin's
code runs over several calls, as a metric accumulator does), which turns any exception that is
not already an :class:`~ovtune.errors.OvtuneError` into the user error of the registration's
kind, naming the registration, its distribution and the reason::

    error: stage 'vendor.prune': ovtune-vendor 1.2.0 failed: RuntimeError: out of budget

The original exception is chained (``ovtune -v`` prints its traceback) and kept as
:attr:`~ovtune.errors.OvtuneError.plugin_exception`, so the conformance kit can still tell a
plugin that reports user errors from one that crashes (:func:`plugin_crash`).
``KeyboardInterrupt`` and the other exceptions that do not derive from ``Exception`` pass
through unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ovtune.errors import (
    DataError,
    MeasurementError,
    ModelLoadError,
    OvtuneError,
    PluginError,
    StageError,
    exception_line,
)
from ovtune.types import Baseline, DatasetKind, Loader, Measurement, Metric, Registration, Stage, implementation

if TYPE_CHECKING:
    from ovtune.registry import Provided

ERROR_TYPES: dict[type[Registration], type[OvtuneError]] = {
    Loader: ModelLoadError,
    Stage: StageError,
    DatasetKind: DataError,
    Metric: MeasurementError,
    Measurement: MeasurementError,
    Baseline: MeasurementError,
}
"""The user error a crash of each kind of registration becomes (others: :class:`PluginError`)."""


def call(provided: Provided[Any], attribute: str, /, *args: Any, **kwargs: Any) -> Any:
    """Import (if named lazily) and call ``provided.item.<attribute>`` as :func:`attributed` code."""
    with attributed(provided):
        return implementation(provided.item, attribute)(*args, **kwargs)


@contextlib.contextmanager
def attributed(provided: Provided[Any]) -> Iterator[None]:
    """Run the block as the code of ``provided``: an exception that is not an ovtune user
    error becomes one (see :func:`plugin_failure`)."""
    try:
        yield
    except OvtuneError:
        raise
    except Exception as exc:
        raise plugin_failure(provided, exc) from exc


def plugin_failure(provided: Provided[Any], exc: Exception) -> OvtuneError:
    """``stage 'x.y': ovtune-x 0.1.0 failed: RuntimeError: reason`` as the error type of the
    registration's kind."""
    item = provided.item
    message = f"{provided.plugin.label} failed: {exception_line(exc)}"
    error_type = ERROR_TYPES.get(type(item), PluginError)
    if error_type is StageError:
        error: OvtuneError = StageError(message, stage=repr(item.name))
    else:
        error = error_type(f"{item.kind} {item.name!r}: {message}")
    error.plugin_exception = exc
    return error


def plugin_crash(error: BaseException) -> BaseException | None:
    """The plugin exception behind ``error``, also when a caller re-raised it with more
    context (``raise ModelLoadError(f"{where}: {exc}") from exc``); ``None`` for user errors."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, OvtuneError) and current.plugin_exception is not None:
            return current.plugin_exception
        current = current.__cause__
    return None
