"""ovtune-pot passes ovtune's plugin conformance kit (ovtune.testing.check_*).

The kit found that both stages handed the model they were given to NNCF, which writes rt_info
into it; they now quantize a clone.
"""

from __future__ import annotations

from ovtune.testing import check_distribution, check_stage

FAST = {"subset_size": 32, "speed_check": 0}


def test_distribution_conforms() -> None:
    check_distribution("ovtune-pot")


def test_default_quantization_conforms() -> None:
    check_stage("pot.default", FAST)


def test_accuracy_aware_quantization_conforms() -> None:
    check_stage("pot.accuracy_aware", {**FAST, "max_drop": 0.05, "holdout": 0.5})
