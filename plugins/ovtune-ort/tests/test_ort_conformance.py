"""ovtune-ort passes ovtune's plugin conformance kit (ovtune.testing.check_*)."""

from __future__ import annotations

from ovtune.testing import check_baseline, check_distribution


def test_distribution_conforms() -> None:
    check_distribution("ovtune-ort")


def test_onnxruntime_baseline_conforms() -> None:
    check_baseline("onnxruntime", {"intra_op_threads": 1})
