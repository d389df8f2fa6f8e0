"""Built-in reporters: ``console`` (a rich table), ``json`` (``report.json``), ``markdown``
(``report.md`` and ``charts/*.svg``), ``html`` (a self-contained ``report.html``) and ``lock``
(``run.lock.toml``, to reproduce the run)."""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Reporter


@hookimpl
def ovtune_register_reporters() -> list[Reporter]:
    return [
        Reporter(
            name="console",
            summary="Comparison table on the terminal",
            write="ovtune.report.console:write_console",
            default=True,
        ),
        Reporter(
            name="json",
            summary="report.json with every figure and the environment",
            write="ovtune.report.json_report:write_json",
            default=True,
            document=True,
        ),
        Reporter(
            name="markdown",
            summary="report.md with the table, notes and charts (charts/*.svg)",
            write="ovtune.report.document:write_markdown",
            default=True,
        ),
        Reporter(
            name="html",
            summary="report.html: table, notes and charts in one self-contained file",
            write="ovtune.report.document:write_html",
            default=True,
        ),
        Reporter(
            name="lock",
            summary="run.lock.toml: resolved recipe, versions, properties, hashes (ovtune run --lock)",
            write="ovtune.report.lock:write_lock",
            default=True,
        ),
    ]
