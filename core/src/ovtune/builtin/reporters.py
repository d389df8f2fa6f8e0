"""Built-in reporters: ``console`` (a rich table) and ``json`` (``report.json``)."""

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
        ),
    ]
