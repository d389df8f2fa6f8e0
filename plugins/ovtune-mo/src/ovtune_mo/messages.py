"""One-line reasons from OpenVINO and PyTorch exceptions.

Their messages start with where in the C++ sources the check failed (``Exception from
src/...``, ``Check '...' failed at ...``); a recipe author needs the line that says what was wrong,
and ovtune prints every user error as a single line.
"""

from __future__ import annotations

_NOISE = ("Exception from", "Check ", "While validating")


def first_line(exc: BaseException) -> str:
    """The line of an OpenVINO error that says what went wrong (not where in its C++ it was)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(_NOISE)]
    return (useful or lines or [type(exc).__name__])[0][:300]
