"""NNCF's console output, kept out of ovtune's: for plugins whose stages call NNCF.

ovtune itself does not depend on NNCF; this module imports it only inside :func:`quiet_nncf`,
which the ``ovtune-pot`` and ``ovtune-nncf`` stages (and any third-party stage built on NNCF)
wrap around their NNCF calls.

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
from collections.abc import Iterator


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
