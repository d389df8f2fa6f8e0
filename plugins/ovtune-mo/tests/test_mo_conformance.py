"""ovtune-mo passes ovtune's plugin conformance kit (ovtune.testing.check_*)."""

from __future__ import annotations

from ovtune.plugin import demo_validation_path
from ovtune.testing import check_baseline, check_distribution, check_loader, check_stage

TORCH_DEMO = "torch:ovtune_mo.demo:load"


def test_distribution_conforms() -> None:
    check_distribution("ovtune-mo")


def test_mo_stage_conforms() -> None:
    check_stage("mo", {"compress_to_fp16": True, "mean_values": [0.5], "scale_values": [0.25]})


def test_torch_loader_conforms() -> None:
    check_loader("torch", TORCH_DEMO, data={"kind": "npz", "path": str(demo_validation_path()), "limit": 8})


def test_torch_baseline_conforms() -> None:
    check_baseline("torch", source=TORCH_DEMO)
