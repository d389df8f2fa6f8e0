"""``ovtune tune`` without a hand-written space: profiles, proposals, assembly, phases.

Profiles are read from real OpenVINO graphs (the demo CNN, a dynamic copy of it, and small
attention and detector graphs built with OpenVINO's opset); tunes run the real demo model with
real measurement, kept short. The tests check what is proposed, searched and written, never
which configuration is fastest.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomllib

from ovtune import hookimpl
from ovtune.manager import PluginHost
from ovtune.profiling import profile_device, profile_model
from ovtune.proposals import ProposedDeploy, ProposedVariant
from ovtune.recipe_sections.tune import TuneSection, TuneVariant
from ovtune.testing import RecipeProject, run_cli
from ovtune.tune.auto import assemble

# -- profiles of real graphs -------------------------------------------------------------


def _attention_model() -> Any:
    import openvino as ov
    import openvino.opset13 as ops

    tokens = ops.parameter([1, 16, 32], np.float32, name="tokens")
    rng = np.random.default_rng(0)
    query = ops.matmul(tokens, ops.constant(rng.standard_normal((32, 32)).astype(np.float32)), False, False)
    key = ops.matmul(tokens, ops.constant(rng.standard_normal((32, 32)).astype(np.float32)), False, False)
    scores = ops.multiply(ops.matmul(query, key, False, True), ops.constant(np.float32(0.17)))
    weights = ops.softmax(scores, -1)
    mixed = ops.matmul(weights, tokens, False, False)
    return ov.Model([ops.result(mixed)], [tokens], "attention")


def _detector_model() -> Any:
    """Two convolution branches (boxes and classes) concatenated, then decoded."""
    import openvino as ov
    import openvino.opset13 as ops

    image = ops.parameter([1, 3, 16, 16], np.float32, name="image")
    rng = np.random.default_rng(0)

    def conv(source: Any, out_channels: int, name: str) -> Any:
        kernel = ops.constant(rng.standard_normal((out_channels, 3, 3, 3)).astype(np.float32))
        node = ops.convolution(source, kernel, [1, 1], [1, 1], [1, 1], [1, 1])
        node.set_friendly_name(name)
        return node

    boxes = ops.reshape(conv(image, 4, "box_conv"), ops.constant(np.array([1, 4, -1], np.int64)), False)
    classes = ops.reshape(conv(image, 8, "class_conv"), ops.constant(np.array([1, 8, -1], np.int64)), False)
    merged = ops.concat([boxes, classes], 1)
    merged.set_friendly_name("head_concat")
    decoded = ops.sigmoid(merged)
    decoded.set_friendly_name("head_sigmoid")
    return ov.Model([ops.result(decoded)], [image], "detector")


def _demo_model() -> Any:
    import openvino as ov

    from ovtune import demo

    return ov.Core().read_model(str(demo.model_path()))


def test_profile_of_the_demo_cnn_is_static_convolutional_and_not_a_transformer() -> None:
    profile = profile_model(_demo_model())
    assert not profile.dynamic
    assert profile.inputs[0].dims == (1, 1, 32, 32)
    assert profile.attention_blocks == 0 and not profile.transformer
    assert profile.op_counts["Convolution"] >= 2
    assert profile.weight_share("Convolution") > 0.9  # a ShapeOf reading a weight does not own it
    assert not profile.low_precision
    assert profile.output_layers  # the classifier's last MatMul


def test_profile_finds_dynamic_dimensions_and_the_shapes_of_the_data(tmp_path: Path) -> None:
    import openvino as ov

    from ovtune import demo
    from ovtune.context import DataCatalog, describe_inputs
    from ovtune.manager import PluginHost
    from ovtune.recipe import build_recipe

    model = _demo_model()
    model.reshape({model.inputs[0]: ov.PartialShape([-1, 1, 32, 32])})
    recipe = build_recipe(
        {
            "schema": 1,
            "model": {"source": str(demo.model_path())},
            "data": {"v": {"kind": "npz", "path": str(demo.validation_path())}},
            "measure": {"metrics": ["size"]},
        },
        base_dir=tmp_path,
        registry=PluginHost(autoload=False).registry,
    )
    profile = profile_model(model, DataCatalog(recipe.data, describe_inputs(model), tmp_path))
    assert profile.dynamic
    assert profile.inputs[0].dims == (None, 1, 32, 32)
    assert profile.inputs[0].shape_text == "[?,1,32,32]"
    assert profile.inputs[0].data_shapes == ((1, 1, 32, 32),)


def test_profile_finds_attention_blocks() -> None:
    profile = profile_model(_attention_model())
    assert profile.attention_blocks == 1 and profile.transformer
    assert profile.weight_share("MatMul") == 1.0


def test_profile_finds_the_detection_head_after_the_concatenation_of_branches() -> None:
    profile = profile_model(_detector_model())
    assert "head_concat" in profile.detection_head and "head_sigmoid" in profile.detection_head
    assert "box_conv" not in profile.detection_head  # compute layers are not the head
    assert set(profile.output_layers) == {"box_conv", "class_conv"}
    assert not profile_model(_demo_model()).detection_head


def test_device_profile_reads_openvino() -> None:
    import openvino as ov

    device = profile_device("CPU")
    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert set(device.capabilities) == set(capabilities)
    assert "f32" in device.precisions
    assert ("bf16" in device.precisions) == ("BF16" in capabilities)
    assert 1 <= device.max_streams <= device.cores


# -- assembling proposals ----------------------------------------------------------------


def _always_valid(variant: TuneVariant) -> str | None:
    return None


STATIC = ProposedVariant(
    name="static",
    stages=({"use": "mo", "static": True},),
    choices={"1.batch": (1, 4)},
    reason="dynamic input",
    prepares=True,
)
INT8 = ProposedVariant(
    name="int8",
    stages=({"use": "pot.default"},),
    choices={"1.preset": ("performance", "mixed")},
    reason="INT8",
    phase="quantized",
)
AAQ = ProposedVariant(name="int8-aa", stages=({"use": "pot.accuracy_aware"},), reason="recover", phase="recovery")


def test_quantized_variants_are_built_on_the_prepared_model_with_their_choices_renumbered() -> None:
    space = assemble(
        TuneSection(),
        [("mo", STATIC), ("pot", INT8), ("pot", AAQ)],
        own_stages=[],
        valid=_always_valid,
    )
    by_name = {v.name: v for v in space.variants}
    assert list(by_name) == ["original", "static", "int8", "int8-aa"]
    assert [v.phase for v in space.variants] == ["float", "float", "quantized", "recovery"]
    assert [s["use"] for s in by_name["int8"].stage] == ["mo", "pot.default"]
    assert by_name["int8"].stage[0]["batch"] == 1  # calibration feeds the data's batch
    assert by_name["int8"].choices == {"2.preset": ["performance", "mixed"]}
    assert by_name["static"].choices == {"1.batch": [1, 4]}
    assert [s["use"] for s in by_name["int8-aa"].stage] == ["mo", "pot.accuracy_aware"]
    assert space.origins["int8"] == "pot" and space.origins["static"] == "mo"


def test_deploy_values_are_merged_and_the_users_list_wins(capsys: pytest.CaptureFixture[str]) -> None:
    section = TuneSection(deploy={"hint": ["latency"]})
    proposals: list[tuple[str, Any]] = [
        ("deploy", ProposedDeploy("hint", ("throughput", "latency"), "a")),
        ("deploy", ProposedDeploy("streams", (1, 2), "b")),
        ("vendor", ProposedDeploy("streams", (2, 4), "c")),
        ("vendor", ProposedDeploy("color", (1,), "not a deploy key")),
    ]
    space = assemble(section, proposals, own_stages=[], valid=_always_valid)
    assert space.deploy == {"hint": ["latency"], "streams": [1, 2, 4]}
    assert space.origins["deploy.streams"] == "deploy, vendor"
    assert "plugin 'vendor' proposed [tune.deploy] 'color', which is not searchable" in capsys.readouterr().err


def test_an_invalid_proposal_is_dropped_with_a_warning_naming_its_plugin(capsys: pytest.CaptureFixture[str]) -> None:
    def valid(variant: TuneVariant) -> str | None:
        return "stage[1].use: unknown stage 'nope'" if variant.name == "broken" else None

    broken = ProposedVariant(name="broken", stages=({"use": "nope"},), reason="?", phase="quantized")
    space = assemble(TuneSection(), [("vendor", broken), ("pot", INT8)], own_stages=[], valid=valid)
    assert [v.name for v in space.variants] == ["original", "int8"]
    assert "plugin 'vendor' proposed variant 'broken'" in capsys.readouterr().err


def test_hand_written_variants_keep_their_place_and_auto_adds_the_proposals() -> None:
    section = TuneSection(auto=True, variant=[TuneVariant(name="mine", stage=[{"use": "pot.default"}])])
    space = assemble(section, [("pot", INT8)], own_stages=[], valid=_always_valid)
    assert [(v.name, v.phase) for v in space.variants] == [("mine", "quantized"), ("int8", "quantized")]


# -- the hook, end to end ----------------------------------------------------------------


class _VendorProposals:
    """A third-party plugin: FP16 weights through ovtune-mo's stage, and one thread."""

    @hookimpl
    def ovtune_tune_candidates(self, request: Any) -> list[Any]:
        assert request.model.inputs[0].name == "image"
        return [
            ProposedVariant(
                name="vendor-fp16",
                stages=({"use": "mo", "compress_to_fp16": True},),
                reason="the vendor's favourite",
            ),
            ProposedDeploy("threads", (1,), "one thread per request"),
        ]


def _tune(project: RecipeProject, host: PluginHost, model: Path, *options: str) -> dict[str, Any]:
    """``ovtune tune MODEL OPTIONS --out tuned``: its ``tune.json`` and its stderr."""
    result = run_cli("tune", str(model), *options, "--out", "tuned", host=host)
    assert result.exit_code in (0, 1), result.stderr
    return {"report": json.loads((project.root / "tuned" / "tune.json").read_text()), "stderr": result.stderr}


def _tune_model(project: RecipeProject, host: PluginHost) -> dict[str, Any]:
    """The demo model with its validation and calibration data, a short budget."""
    files = project.copy_demo_model()
    data = ("--data", str(files["validation"]), "--calibration", str(files["calibration"]))
    return _tune(project, host, files["model"], *data, "--budget", "45s", "--trials", "3")


@pytest.mark.parametrize("blocked", [False, True], ids=["installed", "blocked"])
def test_hook_ovtune_tune_candidates(ovtune_project: RecipeProject, blocked: bool) -> None:
    host = PluginHost(autoload=False, trace=False, blocked=["vendor"] if blocked else [], extra=["ovtune_mo.plugin"])
    from ovtune.registry import PluginInfo

    host.register(_VendorProposals(), PluginInfo("vendor", __name__, "vendor-proposals", "1.0"))
    outcome = _tune_model(ovtune_project, host)
    space = tomllib.loads((ovtune_project.root / "tuned" / "space.toml").read_text())
    names = [v["name"] for v in space["tune"]["variant"]]
    if blocked:
        assert "vendor-fp16" not in names and "threads" not in space["tune"].get("deploy", {})
        return
    assert "vendor-fp16" in names
    entry = next(v for v in space["tune"]["variant"] if v["name"] == "vendor-fp16")
    assert entry["reason"] == "the vendor's favourite [vendor]"
    assert space["tune"]["deploy"]["threads"] == [1]
    assert "vendor-fp16 (vendor): the vendor's favourite" in outcome["stderr"]
    labels = [t["label"] for t in outcome["report"]["trials"]]
    assert any("1 thread" in label for label in labels)


def test_the_written_space_is_a_recipe_that_validates_and_reruns(ovtune_project: RecipeProject) -> None:
    host = PluginHost(autoload=False, trace=False)
    outcome = _tune_model(ovtune_project, host)
    report = outcome["report"]
    space_file = ovtune_project.root / "tuned" / "space.toml"
    assert report["files"]["space"] == str(space_file)
    assert report["space"]["proposed"] and report["space"]["device"]["name"] == "CPU"
    assert report["phases"] and all("phase" in t for t in report["trials"])
    assert run_cli("validate", str(space_file), host=host).exit_code == 0
    started = time.perf_counter()
    rerun = run_cli("tune", str(space_file), "--budget", "20s", "--trials", "2", "--out", "again", host=host)
    assert rerun.exit_code in (0, 1), rerun.stderr
    assert "proposed space" not in rerun.stderr  # the written space is searched as written
    assert time.perf_counter() - started < 300


def test_a_model_needs_data(ovtune_project: RecipeProject) -> None:
    files = ovtune_project.copy_demo_model()
    result = run_cli("tune", str(files["model"]))
    assert result.exit_code == 2
    assert "needs --data PATH" in result.stderr
    wrong = run_cli("tune", str(files["model"]), "--data", "nowhere.npz")
    assert wrong.exit_code == 2 and "--data nowhere.npz: no such file or folder" in wrong.stderr
    bogus = run_cli(
        "tune", str(files["model"]), "--data", str(files["validation"]), "--objective", "bogus", "--out", "tuned"
    )
    assert bogus.exit_code == 2
    assert "error: --objective: 'bogus' is not a figure of an installed measurement" in bogus.stderr
    assert not (ovtune_project.root / "tuned").exists()  # checked before the folder is made


# -- what the installed first-party plugins propose, end to end ----------------------------


def _first_party_host() -> PluginHost:
    return PluginHost(autoload=False, trace=False, extra=["ovtune_mo.plugin", "ovtune_pot.plugin"])


def test_a_dynamic_model_gets_a_static_shape_candidate_that_is_measured(ovtune_project: RecipeProject) -> None:
    import openvino as ov

    files = ovtune_project.copy_demo_model()
    model = ov.Core().read_model(str(files["model"]))
    model.reshape({model.inputs[0]: ov.PartialShape([-1, 1, 32, 32])})
    dynamic = ovtune_project.root / "dynamic.xml"
    ov.save_model(model, str(dynamic))
    outcome = _tune(
        ovtune_project,
        _first_party_host(),
        dynamic,
        *("--data", str(files["validation"]), "--objective", "latency", "--budget", "40s", "--trials", "4"),
    )
    assert "image is [?,1,32,32]" in outcome["stderr"]
    report = outcome["report"]
    static = [t for t in report["trials"] if t["config"]["variant"] == "static"]
    assert static and static[0]["state"] == "complete", static
    assert report["space"]["model"]["inputs"][0]["shape"] == "[?,1,32,32]"


def test_a_transformer_is_quantized_with_the_transformer_scheme() -> None:
    from ovtune.profiling import profile_device
    from ovtune.proposals import TuneRequest
    from ovtune.tune.auto import collect

    request = TuneRequest(
        model=profile_model(_attention_model()),
        device=profile_device("CPU"),
        objective="latency",
        throughput=False,
        data=("calibration",),
        calibration="calibration",
        metric=True,
        max_drop=0.01,
    )
    proposals = [p for _, p in collect(_first_party_host(), request) if isinstance(p, ProposedVariant)]
    quantized = [p for p in proposals if p.phase == "quantized" and p.stages[0]["use"] == "pot.default"]
    assert quantized and all(p.stages[0].get("model_type") == "transformer" for p in quantized)
    assert "attention" in quantized[0].reason


def test_when_plain_int8_breaks_the_bound_the_recovery_phase_runs_within_the_budget(
    ovtune_project: RecipeProject,
) -> None:
    files = ovtune_project.copy_demo_model()
    budget = 60.0
    data = ("--data", str(files["validation"]), "--calibration", str(files["calibration"]))
    outcome = _tune(
        ovtune_project,
        _first_party_host(),
        files["model"],
        *data,
        *("--max-drop", "0.000001", "--objective", "latency", "--budget", f"{budget:g}s", "--trials", "5"),
    )
    report = outcome["report"]
    phases = {p["name"]: p for p in report["phases"]}
    assert list(phases) == ["float", "quantized", "recovery"]
    assert phases["recovery"]["why"].startswith("every quantized candidate breaks max_drop")
    assert phases["recovery"]["trials"] >= 1
    assert any(t["phase"] == "recovery" for t in report["trials"])
    assert "recovery phase ran: every quantized candidate breaks max_drop" in report["decision"]["notes"]
    assert "phase recovery: recovery variants (every quantized candidate breaks max_drop)" in outcome["stderr"]
    # the budget is a promise: the search, the confirmation and the outputs end within it
    # plus one measurement round (generous here: a shared 2-core runner)
    assert report["session_seconds"] < budget + 30
