"""The ``ort`` plugin: registers ONNX Runtime as the ``onnxruntime`` baseline.

ovtune imports this module for ``ovtune --help``, ``ovtune plugins`` and ``ovtune validate``, so it
holds only the registration; the options model (:mod:`ovtune_ort.options`) is imported when a
recipe uses it, onnxruntime by
:mod:`ovtune_ort.baseline`, and only when a run reaches its baseline.
"""

from __future__ import annotations

from ovtune.plugin import Baseline, hookimpl


@hookimpl
def ovtune_register_baselines() -> list[Baseline]:
    return [
        Baseline(
            name="onnxruntime",
            summary="ONNX Runtime on the original .onnx model, with the same inputs, harness and metric",
            options="ovtune_ort.options:OrtOptions",
            run="ovtune_ort.baseline:run",
            suffixes=(".onnx",),
            libraries=("onnxruntime",),
        )
    ]
