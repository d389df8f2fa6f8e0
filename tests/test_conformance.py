"""The conformance kit: the built-in registrations pass it, and it catches each broken contract.

The kit runs the real OpenVINO on the bundled demo CNN; the broken plugins below are real
plugins registered on a plugin host, each breaking exactly one contract.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import BaseModel, Field

from ovtune import demo, hookimpl
from ovtune.conformance import ConformanceError
from ovtune.errors import StageError
from ovtune.manager import PluginHost
from ovtune.options import Options
from ovtune.testing import (
    check_dataset_kind,
    check_distribution,
    check_loader,
    check_measurement,
    check_metric,
    check_stage,
)
from ovtune.types import Dataset, DatasetKind, Loader, Metric, MetricAccumulator, Sample, Stage

from distributions import make_distribution

# --------------------------------------------------------------------------------------
# Built-in registrations pass
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("top1", {}),
        ("topk", {"k": 3}),
        ("top1_agreement", {}),
        ("cosine", {}),
        ("max_abs_diff", {}),
    ],
)
def test_builtin_metrics_conform(name: str, options: dict[str, Any]) -> None:
    report = check_metric(name, options)
    assert report.passed and len(report.checks) >= 8


def test_builtin_loaders_conform(tmp_path: Path) -> None:
    import openvino as ov

    check_loader("onnx", demo.model_path())
    ir = tmp_path / "model.xml"
    ov.save_model(ov.Core().read_model(str(demo.model_path())), str(ir))
    check_loader("ir", ir)


def test_builtin_dataset_kinds_conform(tmp_path: Path) -> None:
    check_dataset_kind("npz", {"path": str(demo.validation_path()), "limit": 16})
    check_dataset_kind("random", {"count": 4})
    digits = np.load(demo.validation_path())
    for index in range(12):
        folder = tmp_path / "images" / str(int(digits["label"][index]))
        folder.mkdir(parents=True, exist_ok=True)
        pixels = (digits["image"][index, 0] * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{index}.png")
    check_dataset_kind("images", {"path": str(tmp_path / "images"), "color": "GRAY", "scale": [255.0]})


@pytest.mark.parametrize("name", ["size", "latency", "throughput", "memory", "accuracy"])
def test_builtin_measurements_conform(name: str) -> None:
    check_measurement(name)


def test_builtin_python_stage_conforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "conformance_stage_functions.py").write_text(
        textwrap.dedent(
            """
            def negate(model, context, factor=1.0):
                import numpy as np
                from openvino import opset13 as ops

                result = model.get_results()[0]
                scaled = ops.multiply(result.input_value(0), ops.constant(np.float32(factor)))
                result.set_argument(0, scaled.output(0))
                return model
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    check_stage(
        "python",
        {"function": "conformance_stage_functions:negate"},
        other_options={"args": {"factor": 2.0}},
    )


# --------------------------------------------------------------------------------------
# Broken registrations fail, naming the contract
# --------------------------------------------------------------------------------------


class ScaleOptions(Options):
    factor: float = Field(1.0, description="Multiplier")


def _mutating_run(model: Any, options: ScaleOptions, context: Any) -> Any:
    model.set_friendly_name("changed-in-place")
    return model


def _clean_run(model: Any, options: ScaleOptions, context: Any) -> Any:
    return model.clone()


class LooseOptions(BaseModel):
    factor: float = 1.0


def _failures(error: pytest.ExceptionInfo[ConformanceError]) -> list[str]:
    return [line.strip() for line in str(error.value).splitlines() if line.strip().startswith("FAIL")]


def test_kit_catches_a_stage_that_changes_its_input(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_stages(self) -> list[Stage]:
            return [Stage(name="broken.mutates", summary="changes its input", options=ScaleOptions, run=_mutating_run)]

    ovtune_register(Plugin(), name="broken")
    with pytest.raises(ConformanceError) as error:
        check_stage("broken.mutates", host=ovtune_host)
    assert _failures(error) == [
        "FAIL the input model is not modified: the model passed to the stage changed; clone it first"
    ]


def test_kit_catches_options_that_allow_unknown_keys(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_stages(self) -> list[Stage]:
            return [Stage(name="broken.loose", summary="loose options", options=LooseOptions, run=_clean_run)]  # type: ignore[arg-type]

    ovtune_register(Plugin(), name="broken")
    with pytest.raises(ConformanceError) as error:
        check_stage("broken.loose", host=ovtune_host)
    failures = "\n".join(_failures(error))
    assert "the options model forbids unknown keys" in failures
    assert "every option has a description" in failures
    assert "an unknown option is a recipe error naming stage[1].not_an_option_of_this_plugin" in failures


def test_kit_passes_a_clean_stage_and_reports_every_contract(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_stages(self) -> list[Stage]:
            return [Stage(name="clean.copy", summary="a copy", options=ScaleOptions, run=_clean_run)]

    ovtune_register(Plugin(), name="clean")
    report = check_stage("clean.copy", host=ovtune_host)
    contracts = [check.contract for check in report.checks]
    assert "changing an option changes the cache key" in contracts
    assert "the stage runs in a recipe, and a second run comes from the stage cache" in contracts
    assert str(report).startswith(f"stage 'clean.copy': {len(contracts)}/{len(contracts)} contracts hold")


def test_kit_catches_a_stage_error_without_user_error_type(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    def crashes(model: Any, options: ScaleOptions, context: Any) -> Any:
        raise StageError("refuses every model")

    class Plugin:
        @hookimpl
        def ovtune_register_stages(self) -> list[Stage]:
            return [Stage(name="broken.refuses", summary="refuses", options=ScaleOptions, run=crashes)]

    ovtune_register(Plugin(), name="broken")
    with pytest.raises(ConformanceError) as error:
        check_stage("broken.refuses", host=ovtune_host)
    assert "StageError: stage 'broken.refuses' at stage[1]: refuses every model" in str(error.value)


def _raising_loader(source: Any, options: Any, context: Any) -> Any:
    import openvino as ov

    if not Path(source).exists() or Path(source).read_bytes().startswith(b"this is not"):
        raise ValueError("cannot parse")  # a bug: should be ovtune.errors.ModelLoadError
    return ov.Core().read_model(str(source))


def test_kit_catches_a_loader_whose_errors_are_not_user_errors(
    ovtune_host: PluginHost, ovtune_register: Any, tmp_path: Path
) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_loaders(self) -> list[Loader]:
            return [Loader(name="broken_onnx", summary="ONNX, badly", suffixes=(".onnx2",), load=_raising_loader)]

    ovtune_register(Plugin(), name="broken")
    source = tmp_path / "model.onnx2"
    source.write_bytes(demo.model_path().read_bytes())
    with pytest.raises(ConformanceError) as error:
        check_loader("broken_onnx", source, host=ovtune_host)
    assert _failures(error) == ["FAIL a corrupt or missing source is a user error: ValueError: cannot parse"]


class EndlessDataset(Dataset):
    """Never raises IndexError (wraps around), and its items change on every read."""

    def __init__(self) -> None:
        self.reads = 0

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> Sample:
        self.reads += 1
        return Sample({"image": np.full((1, 1, 32, 32), self.reads % 7, dtype=np.float32)})


class NoOptionsAtAll(Options):
    pass


def test_kit_catches_dataset_contract_breaks(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_dataset_kinds(self) -> list[DatasetKind]:
            return [
                DatasetKind(
                    name="broken_data", summary="endless", options=NoOptionsAtAll, open=lambda o, c: EndlessDataset()
                )
            ]

    ovtune_register(Plugin(), name="broken")
    with pytest.raises(ConformanceError) as error:
        check_dataset_kind("broken_data", {}, host=ovtune_host)
    failures = "\n".join(_failures(error))
    assert "reading an item twice gives the same arrays" in failures
    assert "dataset[4] did not raise IndexError" in failures


class SharedState(MetricAccumulator):
    """Keeps its count on the class: a second accumulator starts where the first stopped."""

    seen: list[int] = []  # noqa: RUF012 - the bug under test

    def __init__(self, options: Any) -> None:
        pass

    def update(self, outputs: list[np.ndarray], sample: Sample, reference: list[np.ndarray] | None) -> None:
        SharedState.seen.append(1)

    def result(self) -> float:
        return float(len(SharedState.seen))


def test_kit_catches_a_metric_with_shared_state(ovtune_host: PluginHost, ovtune_register: Any) -> None:
    class Plugin:
        @hookimpl
        def ovtune_register_metrics(self) -> list[Metric]:
            return [Metric(name="broken_count", summary="counts", options=NoOptionsAtAll, create=SharedState)]

    ovtune_register(Plugin(), name="broken")
    with pytest.raises(ConformanceError) as error:
        check_metric("broken_count", host=ovtune_host)
    assert "two accumulators over the same outputs gave [32.0, 64.0]" in str(error.value)


HEAVY_PLUGIN = """
    import openvino  # imported at module level: slows down ovtune --help

    from ovtune import hookimpl
    from ovtune.options import Options
    from ovtune.types import Stage


    class Opts(Options):
        pass


    @hookimpl
    def ovtune_register_stages():
        return [Stage(name="heavy.copy", summary="copies", options=Opts, run="heavy_plugin_module:missing")]
"""


def test_kit_catches_distribution_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_distribution(
        tmp_path / "site",
        distribution="ovtune-heavy",
        entry_point="heavy",
        module="heavy_plugin_module",
        code=HEAVY_PLUGIN,
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    with pytest.raises(ConformanceError) as error:
        check_distribution("ovtune-heavy", host=PluginHost(autoload=True))
    failures = "\n".join(_failures(error))
    assert "FAIL it declares the ovtune versions it supports" in failures
    assert "it imports openvino; import them inside the functions that need them" in failures
    assert "it imports pydantic, numpy; name options models as 'package.module:Class' strings" in failures
    assert "stage 'heavy.copy': run can be imported" in failures
