"""NNCF as ovtune's stages use it: console output kept out of ovtune's, errors as one line,
recipe datasets as NNCF datasets that report progress, the ``ignored_scope`` options table, and
the keyword arguments of an NNCF call built from a stage's options.

This is ovtune-nncf's public module (its names are in ``__all__``): the ``ovtune-pot`` stages
and any third-party stage built on NNCF use it around their NNCF calls, and depend on
ovtune-nncf for it. ovtune itself knows no technique and does not depend on NNCF. NNCF is
imported only inside the functions, so options models can use :class:`IgnoredScope` and stay
light.

NNCF logs to stdout through its own handler and draws rich progress bars on stdout, which would
garble ovtune's progress display and tables. While a quantization runs, stdout is redirected
(the bars draw into a buffer nobody reads; log-level settings do not reach them) and NNCF's
logger writes into a list instead: the stage keeps what NNCF said about its decisions (which
operations it reverted, whether the drop was met) and forwards its warnings to ovtune's log.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ovtune.plugin import Options, exception_line

if TYPE_CHECKING:
    from ovtune.plugin import Dataset, Sample, StageContext

__all__ = ["IgnoredScope", "nncf_arguments", "nncf_reason", "progress_dataset", "quiet_nncf"]


class IgnoredScope(Options):
    """Operations an NNCF algorithm leaves alone (NNCF's ``IgnoredScope``; POT's ``ignored``):
    the ``ignored_scope`` table of the stages built on NNCF."""

    names: list[str] = Field(default_factory=list, description="Exact operation names")
    types: list[str] = Field(default_factory=list, description="Operation types, e.g. 'Multiply' or 'MatMul'")
    patterns: list[str] = Field(default_factory=list, description="Regular expressions matched against names")
    validate_names: bool = Field(
        True, description="Fail when a name, type or pattern matches nothing in the model (NNCF's 'validate')"
    )

    @property
    def empty(self) -> bool:
        return not (self.names or self.types or self.patterns)

    def to_nncf(self) -> Any:
        """The ``nncf.IgnoredScope`` for these options."""
        import nncf

        return nncf.IgnoredScope(
            names=self.names, types=self.types, patterns=self.patterns, validate=self.validate_names
        )


def nncf_arguments(options: Options, plain: Iterable[str] = (), **converted: Callable[[Any], Any]) -> dict[str, Any]:
    """Keyword arguments of an NNCF call from a stage's options: each option named in ``plain``
    (passed as it is) or in ``converted`` (through its converter, ``preset=nncf.QuantizationPreset``)
    that is set (not ``None``), and the options' ``ignored_scope`` (an :class:`IgnoredScope`) when
    it names anything. Options left unset are left out, so that NNCF's defaults apply."""
    arguments: dict[str, Any] = {}
    for key in (*plain, *converted):
        value = getattr(options, key)
        if value is not None:
            arguments[key] = converted[key](value) if key in converted else value
    scope = getattr(options, "ignored_scope", None)
    if isinstance(scope, IgnoredScope) and not scope.empty:
        arguments["ignored_scope"] = scope.to_nncf()
    return arguments


class _Collect(logging.Handler):
    def __init__(self, messages: list[logging.LogRecord]):
        super().__init__(logging.DEBUG)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record)


@contextlib.contextmanager
def quiet_nncf(log: logging.Logger) -> Iterator[list[logging.LogRecord]]:
    """Run NNCF silently; yields the list its log records (INFO and above) are collected into.
    Warnings and errors go on to ``log`` (shown with ``-v``), once NNCF is done."""
    from nncf.common.logging import nncf_logger

    records: list[logging.LogRecord] = []
    handlers, level, propagate = list(nncf_logger.handlers), nncf_logger.level, nncf_logger.propagate
    nncf_logger.handlers = [_Collect(records)]
    nncf_logger.setLevel(logging.INFO)
    nncf_logger.propagate = False
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield records
    finally:
        nncf_logger.handlers = handlers
        nncf_logger.setLevel(level)
        nncf_logger.propagate = propagate
        for record in records:
            if record.levelno >= logging.WARNING:
                log.warning("NNCF: %s", record.getMessage())


def nncf_reason(exc: BaseException) -> str:
    """An NNCF exception as one line for a :class:`~ovtune.errors.StageError` (its messages can
    span many lines)."""
    return f"NNCF failed: {exception_line(exc, None, noise=(), first=True)}".rstrip(": ")


def progress_dataset(
    dataset: Dataset,
    transform: Callable[[Sample], Any],
    context: StageContext,
    *,
    total: int,
    message: str,
    indices: Iterable[int] | None = None,
) -> Any:
    """An ``nncf.Dataset`` over ``dataset`` whose items are sample indices turned into model
    inputs by ``transform``; each item NNCF takes advances the stage's progress (``message``,
    up to ``total``, the samples NNCF will use). ``indices`` replaces ``range(len(dataset))``:
    an iterable with no length, such as one that ends at the stage's deadline, makes NNCF take
    what it yields."""
    import nncf

    seen = 0

    def to_inputs(index: int) -> Any:
        nonlocal seen
        seen += 1
        context.progress(min(seen, total), total, message)
        return transform(dataset[index])

    return nncf.Dataset(range(len(dataset)) if indices is None else indices, to_inputs)
