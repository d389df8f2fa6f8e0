"""One-line reasons from OpenVINO and PyTorch exceptions.

Their messages start with where in the C++ sources the check failed (``Exception from
src/...``, ``Check '...' failed at ...``); a recipe author needs the line that says what was wrong,
and ovtune prints every user error as a single line.
"""

from __future__ import annotations

from ovtune.plugin import runtime_reason

_NOISE = ("Exception from", "Check ", "While validating")


def first_line(exc: BaseException) -> str:
    """The line of an OpenVINO error that says what went wrong (not where in its C++ it was):
    the first line that is not about where or in which node it failed."""
    return runtime_reason(exc, noise=_NOISE, first=True)
