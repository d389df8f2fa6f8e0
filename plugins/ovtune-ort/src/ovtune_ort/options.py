"""The ``onnxruntime`` baseline's options: ``[measure.onnxruntime]`` (named by string in
:mod:`ovtune_ort.plugin`, so that listing plugins imports no pydantic)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ovtune.plugin import Options


class OrtOptions(Options):
    """``[measure.onnxruntime]``: how the ``InferenceSession`` is built and driven.

    The defaults are ONNX Runtime's own defaults, so that the baseline is ONNX Runtime as most
    people run it, not a configuration tuned to lose (or win) against OpenVINO.
    """

    intra_op_threads: int = Field(
        0, ge=0, description="Threads used inside one operator; 0 = ONNX Runtime's default (one per physical core)"
    )
    inter_op_threads: int = Field(
        0,
        ge=0,
        description="Threads running independent operators at once; used only with execution_mode = 'parallel'; "
        "0 = ONNX Runtime's default",
    )
    execution_mode: Literal["sequential", "parallel"] = Field(
        "sequential", description="Run the graph's operators one by one (ONNX Runtime's default) or in parallel"
    )
    graph_optimization: Literal["all", "extended", "basic", "disabled"] = Field(
        "all", description="Graph optimization level (ORT_ENABLE_ALL, _EXTENDED, _BASIC, ORT_DISABLE_ALL)"
    )
    workers: int = Field(
        2,
        ge=1,
        description="Threads calling InferenceSession.run at once, for throughput (its run releases the GIL). "
        "2 is the smallest count that shows whether overlapping calls pays off; with the default intra-op "
        "threads the calls share one thread pool, so for the best throughput set workers to the number of "
        "cores and intra_op_threads = 1",
    )
    providers: tuple[str, ...] = Field(
        ("CPUExecutionProvider",), min_length=1, description="Execution providers, in order of preference"
    )
