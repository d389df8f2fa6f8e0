"""Options models of the built-in measurements that take options (named by string in
:mod:`ovtune.builtin.measurements`, so that listing plugins imports no pydantic)."""

from __future__ import annotations

from pydantic import Field

from ovtune.options import Options


class FirstInferenceOptions(Options):
    """``[measure.first_inference]``: cold starts in fresh processes."""

    runs: int = Field(3, ge=1, description="Cold starts per situation (the median is reported)")
    timeout: float = Field(300.0, gt=0, description="Seconds allowed per child process")
