"""Numbers as the comparison reads and prints them, shared by the JSON, the table and the
``regression:`` lines so that all three agree: what counts as a number in a report, what JSON
can hold, and how a value, a difference and a percentage are written.
"""

from __future__ import annotations

import math
from typing import Any


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(value: float | None) -> float | None:
    """JSON has no infinity: a change from 0 has no ratio or percentage."""
    return value if value is not None and math.isfinite(value) else None


def format_number(value: float) -> str:
    if value.is_integer() and abs(value) >= 1000:
        return f"{value:.0f}"
    magnitude = abs(value)
    return f"{value:.1f}" if magnitude >= 1000 else f"{value:.3f}" if magnitude >= 1 else f"{value:.4f}"


def format_signed(value: float) -> str:
    text = format_number(value)
    return text if text.startswith("-") else f"+{text}"


def format_percent(value: float) -> str:
    """``+12.3%``; a change too small for one decimal keeps two significant digits, so that a
    real change never reads as ``+0.0%``."""
    if not math.isfinite(value):
        return f"{'+' if value > 0 else '-'}inf%"
    return f"{value:+.2g}%" if 0 < abs(value) < 0.05 else f"{value:+.1f}%"
