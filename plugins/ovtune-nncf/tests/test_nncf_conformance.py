"""ovtune-nncf passes ovtune's plugin conformance kit (ovtune.testing.check_*)."""

from __future__ import annotations

from ovtune.testing import check_distribution, check_stage

TORCH_DEMO = "torch:ovtune_mo.demo:load"
TRAINING = {"train_data": "calibration", "epochs": 1, "batch_size": 16}


def test_distribution_conforms() -> None:
    check_distribution("ovtune-nncf")


def test_compress_weights_conforms() -> None:
    check_stage("nncf.compress_weights", {"mode": "int8_sym"})


def test_qat_conforms() -> None:
    check_stage("nncf.qat", {**TRAINING, "subset_size": 32}, source=TORCH_DEMO)


def test_prune_conforms() -> None:
    check_stage("nncf.prune", {**TRAINING, "ratio": 0.3}, source=TORCH_DEMO)
