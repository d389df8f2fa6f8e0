"""``ovtune compare``: two real runs of the demo model, compared; ``--fail-on`` as a CI gate.

Timing on a shared 2-core machine is noise, so no test here depends on which run is faster:
the deterministic regression is accuracy (a stage that scales the classifier's weights by 0
leaves only its bias, so every digit gets the same answer), and where timings are compared the
expected outcome is computed from the two report.json files the runs wrote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ovtune.compare import parse_condition
from ovtune.errors import UsageError
from ovtune.testing import RecipeProject, error_lines, run_cli

STAGES_MODULE = '''
import numpy as np
import openvino.opset13 as ops


def scale_last_layer(model, context, scale=1.0):
    """Multiply the weights of the last MatMul (the digit classifier) by ``scale``."""
    matmul = [op for op in model.get_ordered_ops() if op.get_type_name() == "MatMul"][-1]
    weights = matmul.input_value(1).get_node().get_data()
    matmul.input(1).replace_source_output(ops.constant(weights * np.float32(scale)).output(0))
    return model
'''

SCALE_STAGE = """
[[stage]]
use = "python"
function = "compare_stages:scale_last_layer"
args = {{ scale = {scale} }}
"""

UNTIMED = 'metrics = ["size", "latency", "accuracy"]'
TIMED = 'metrics = ["size", "latency", "throughput", "accuracy"]'


def _run(
    project: RecipeProject,
    name: str,
    *,
    precision: str = "f32",
    stages: str = "",
    measure: str = UNTIMED,
    trials: int = 1,
) -> Path:
    """Run the demo recipe into ``runs/NAME``; returns the run folder."""
    recipe = project.demo_recipe(stages=stages, measure=measure, extra=f'[deploy]\nprecision = "{precision}"')
    text = recipe.read_text().replace("trials = 1", f"trials = {trials}")
    own = project.write_recipe(text, name=f"{name}.toml")
    folder = project.root / "runs" / name
    result = run_cli("run", str(own), "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def _report(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.json").read_text())  # type: ignore[no-any-return]


def _model(report: dict[str, Any], label: str) -> dict[str, Any]:
    return next(model for model in report["models"] if model["label"] == label)


def _measurement(report: dict[str, Any], label: str, name: str) -> dict[str, Any]:
    return _model(report, label)["measurements"][name]  # type: ignore[no-any-return]


def _regressions(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("regression:")]


def _metrics(comparison: dict[str, Any], label: str) -> dict[str, dict[str, Any]]:
    model = next(model for model in comparison["models"] if model["label"] == label)
    return {metric["metric"]: metric for metric in model["metrics"]}


def _compare_json(*args: str) -> tuple[int, dict[str, Any], str]:
    result = run_cli("compare", *args, "--json")
    assert not error_lines(result.stderr), result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_identical_runs_pass_and_show_the_reports_numbers(ovtune_project: RecipeProject) -> None:
    a = _run(ovtune_project, "a")
    b = _run(ovtune_project, "b")
    report_a, report_b = _report(a), _report(b)

    result = run_cli(
        "compare", str(a), str(b / "report.json"), "--fail-on", "accuracy.value<-0.05", "--fail-on", "size.mb>+0%"
    )
    assert result.exit_code == 0, result.output
    assert _regressions(result.stderr) == []
    assert error_lines(result.stderr) == []
    assert "ok: no regression (2 conditions on 1 model(s))" in result.stderr
    for text in ("original", "size.mb", "latency.median_ms", "latency.p90_ms", "accuracy.value", "same", "f32"):
        assert text in result.stdout

    code, comparison, _ = _compare_json(str(a), str(b))
    assert code == 0
    assert comparison["a"]["report"] == str(a / "report.json")
    assert comparison["only_in_a"] == comparison["only_in_b"] == []
    metrics = _metrics(comparison, "original")
    latency_a = _measurement(report_a, "original", "latency")["median_ms"]
    latency_b = _measurement(report_b, "original", "latency")["median_ms"]
    latency = metrics["latency.median_ms"]
    assert (latency["a"], latency["b"]) == (latency_a, latency_b)
    assert latency["ratio"] == pytest.approx(latency_b / latency_a)
    assert latency["change_percent"] == pytest.approx((latency_b - latency_a) / latency_a * 100)
    assert latency["better"] == "lower"
    assert metrics["accuracy.value"]["better"] == "higher"
    size = metrics["size.mb"]
    assert size["a"] == size["b"] == _measurement(report_a, "original", "size")["mb"]
    assert (size["change_percent"], size["delta"], size["verdict"]) == (0.0, 0.0, "same")
    assert comparison["conditions"] == []

    # an absolute threshold on the boundary: identical sizes meet ">= 0" but not "> 0"
    boundary = run_cli("compare", str(a), str(b), "--fail-on", "size.bytes>=0", "--fail-on", "size.bytes>0")
    assert boundary.exit_code == 1, boundary.output
    assert [line.split(" (")[0] for line in _regressions(boundary.stderr)] == [
        "regression: original size.bytes +0.0000 >= +0"
    ]
    assert error_lines(boundary.stderr) == []


def test_changes_within_the_trials_spread_are_noise(ovtune_project: RecipeProject) -> None:
    """B's report is A's with a latency 3 % and 8 % slower and trials that disagreed by 5 %:
    the timings themselves are noise here, so they are set, to test the rule exactly."""
    a = _run(ovtune_project, "a")
    report = _report(a)
    latency = _measurement(report, "original", "latency")
    verdicts = {}
    for slower in (1.03, 1.08):
        latency_b = {**latency, "median_ms": latency["median_ms"] * slower, "relative_spread": 0.05}
        _model(report, "original")["measurements"]["latency"] = latency_b
        path = ovtune_project.root / f"slower-{slower}.json"
        path.write_text(json.dumps(report))
        result = run_cli("compare", str(a), str(path), "--fail-on", "latency.median>+2%")
        assert result.exit_code == 1, result.output  # a met condition fails even within noise...
        lines = _regressions(result.stderr)
        assert len(lines) == 1 and lines[0].startswith("regression: original latency.median_ms +")
        within = "; within the runs' noise of ±5%;" in lines[0]  # ...and says so
        # one trial a run: no interval, the point figures decide, and the line says so
        assert lines[0].endswith(
            "; not enough trials to judge (1 in A, 1 in B; 4 in each needed): judged on the point figures)"
        )
        comparison = _compare_json(str(a), str(path))[1]
        figure = _metrics(comparison, "original")["latency.median_ms"]
        assert (figure["noise"], figure["within_noise"]) == (0.05, within)
        verdicts[slower] = figure["verdict"]
    assert verdicts == {1.03: "within noise", 1.08: "worse"}


def test_a_broken_model_is_a_regression(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "compare_stages.py").write_text(STAGES_MODULE)  # not "stages": test_pipeline has one
    good = _run(ovtune_project, "good", stages=SCALE_STAGE.format(scale=1.0))
    broken = _run(ovtune_project, "broken", stages=SCALE_STAGE.format(scale=0.0))
    report_good, report_broken = _report(good), _report(broken)

    def accuracy(report: dict[str, Any], label: str) -> float:
        return float(_measurement(report, label, "accuracy")["value"])

    # the premise: scale 1 keeps the model; scale 0 leaves only the bias, one answer for every digit
    assert accuracy(report_good, "01-python") == accuracy(report_good, "original") >= 0.9
    assert accuracy(report_broken, "original") == accuracy(report_good, "original")
    assert accuracy(report_broken, "01-python") < 0.5
    delta = accuracy(report_broken, "01-python") - accuracy(report_good, "01-python")

    result = run_cli("compare", str(good), str(broken), "--fail-on", "accuracy.value<-0.05")
    assert result.exit_code == 1, result.output
    lines = _regressions(result.stderr)
    assert len(lines) == 1, result.stderr  # the original did not change
    assert lines[0].startswith(f"regression: 01-python accuracy.value {delta:+.4f} < -0.05 (A ")
    assert error_lines(result.stderr) == []
    assert "FAIL" in result.stdout

    code, comparison, stderr = _compare_json(str(good), str(broken), "--fail-on", "accuracy.value<-50%")
    assert code == 1
    assert {c["model"]: c["violated"] for c in comparison["conditions"]} == {"original": False, "01-python": True}
    assert comparison["regressions"] == _regressions(stderr)
    assert _metrics(comparison, "01-python")["accuracy.value"]["verdict"] == "worse"
    assert _metrics(comparison, "01-python")["accuracy.value"]["delta"] == pytest.approx(delta)

    # the drop (against each run's own original) is lower-is-better
    drop = run_cli("compare", str(good), str(broken), "--fail-on", "accuracy.drop>+0.05", "--model", "01-python")
    assert drop.exit_code == 1, drop.output
    assert [line.split(" ")[1:3] for line in _regressions(drop.stderr)] == [["01-python", "accuracy.drop"]]

    # --model restricts the gate; the other way round, accuracy improved
    only_original = run_cli(
        "compare", str(good), str(broken), "--fail-on", "accuracy.value<-0.05", "--model", "original"
    )
    assert only_original.exit_code == 0, only_original.output
    assert "01-python" not in only_original.stdout
    reverse = run_cli("compare", str(broken), str(good), "--fail-on", "accuracy.value<-0.05")
    assert reverse.exit_code == 0, reverse.output
    assert _regressions(reverse.stderr) == []

    # a run without the stage: the model only one run has is listed, and cannot be gated
    plain = _run(ovtune_project, "plain")
    listed = run_cli("compare", str(good), str(plain))
    assert listed.exit_code == 0, listed.output
    assert "Only in A: 01-python." in listed.stdout
    comparison = _compare_json(str(good), str(plain))[1]
    assert (comparison["only_in_a"], comparison["only_in_b"]) == (["01-python"], [])
    assert [model["label"] for model in comparison["models"]] == ["original"]
    missing = run_cli("compare", str(good), str(plain), "--model", "01-python")
    assert missing.exit_code == 2
    assert error_lines(missing.stderr) == [
        f"error: --model 01-python: not in RUN_B ({plain / 'report.json'}); models in both runs: original"
    ]


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def test_different_precisions_and_noise_are_reported(ovtune_project: RecipeProject) -> None:
    f32 = _run(ovtune_project, "f32", precision="f32", measure=TIMED, trials=3)
    bf16 = _run(ovtune_project, "bf16", precision="bf16", measure=TIMED, trials=3)
    report_a, report_b = _report(f32), _report(bf16)
    precision_a = _model(report_a, "original")["runtime"]["precision"]["dominant"]
    precision_b = _model(report_b, "original")["runtime"]["precision"]["dominant"]
    assert precision_a == "f32"  # the hint forces f32 on every CPU
    if _cpu_has_bf16():
        assert precision_b == "bf16"

    code, comparison, stderr = _compare_json(str(f32), str(bf16), "--fail-on", "latency.median<-1%")
    model = next(model for model in comparison["models"] if model["label"] == "original")
    assert model["precision"] == {"a": precision_a, "b": precision_b}
    assert comparison["a"]["precision_hint"] == "f32" and comparison["b"]["precision_hint"] == "bf16"
    note = f"original: ran in {precision_a} in A and in {precision_b} in B"
    assert any(text.startswith(note) for text in comparison["notes"]) == (precision_a != precision_b)

    # whichever was faster, the verdict is the one the two reports imply
    latency_a = _measurement(report_a, "original", "latency")
    latency_b = _measurement(report_b, "original", "latency")
    change = (latency_b["median_ms"] - latency_a["median_ms"]) / latency_a["median_ms"] * 100
    assert code == (1 if change < -1 else 0)
    assert len(_regressions(stderr)) == (1 if change < -1 else 0)
    metrics = _metrics(comparison, "original")
    for name, key in (("latency", "latency.median_ms"), ("throughput", "throughput.fps")):
        result_a = _measurement(report_a, "original", name)
        result_b = _measurement(report_b, "original", name)
        noise = max(result_a["relative_spread"], result_b["relative_spread"])
        figure = metrics[key]
        assert figure["noise"] == pytest.approx(noise)
        assert figure["within_noise"] == (figure["a"] != figure["b"] and abs(figure["change_percent"]) <= noise * 100)
        if figure["within_noise"]:
            assert figure["verdict"] == "within noise"
    assert metrics["throughput.fps"]["better"] == "higher"

    table = run_cli("compare", str(f32), str(bf16))
    assert table.exit_code == 0, table.output
    if precision_a != precision_b:
        assert f"{precision_a} -> {precision_b}" in table.stdout
        assert note in table.stdout
    else:
        assert "ran in" not in table.stdout


def test_user_errors_are_one_line_and_exit_2(ovtune_project: RecipeProject) -> None:
    run = _run(ovtune_project, "one")
    root = ovtune_project.root
    (root / "empty").mkdir()
    (root / "broken.json").write_text("{not json")
    (root / "other.json").write_text('{"name": "not a report"}')
    cases = [
        ([str(root / "empty"), str(run)], ["RUN_A", "empty has no report.json"]),
        ([str(run), str(root / "missing")], ["RUN_B", "missing does not exist"]),
        ([str(run), str(root / "broken.json")], ["RUN_B", "broken.json is not JSON"]),
        ([str(run), str(root / "other.json")], ["RUN_B", "other.json is not an ovtune report"]),
        ([str(run), str(run), "--fail-on", "latency.median 5%"], ["--fail-on 'latency.median 5%'", "expected"]),
        ([str(run), str(run), "--fail-on", "latency>5%"], ["--fail-on 'latency>5%'", "MEASUREMENT.KEY OP CHANGE"]),
        ([str(run), str(run), "--fail-on", "latncy.median>5%"], ["neither run measured 'latncy'", "latency"]),
        ([str(run), str(run), "--fail-on", "latency.mediam>5%"], ["latency has no key 'mediam'", "median_ms"]),
        ([str(run), str(run), "--fail-on", "latency.inputs>5%"], ["latency.inputs is not a number"]),
        ([str(run), str(run), "--fail-on", "throughput.fps<-10%"], ["neither run measured 'throughput'"]),
        ([str(run), str(run), "--model", "01-mo"], ["--model 01-mo: not in RUN_A", "models in both runs: original"]),
    ]
    for args, expected in cases:
        result = run_cli("compare", *args)
        assert result.exit_code == 2, (args, result.output)
        lines = error_lines(result.stderr)
        assert len(lines) == 1 and result.stderr.strip() == lines[0], (args, result.stderr)
        for part in expected:
            assert part in lines[0], (args, lines[0])
        assert result.stdout == "", args


def test_compare_is_a_command() -> None:
    listing = run_cli("--help")
    assert listing.exit_code == 0
    # listed from its registration's summary (the command module is not imported for --help)
    assert re.search(r"^  compare +Compare two runs; fail on a regression$", listing.stdout, re.MULTILINE)
    usage = run_cli("compare", "--help")
    assert usage.exit_code == 0
    assert "RUN_A RUN_B" in usage.stdout and "--fail-on EXPR" in usage.stdout and "--model LABEL" in usage.stdout


@pytest.mark.parametrize(
    ("text", "metric", "op", "threshold", "relative"),
    [
        ("latency.median>+5%", "latency.median", ">", 5.0, True),
        ("throughput.fps < -10 %", "throughput.fps", "<", -10.0, True),
        ("accuracy.value<-0.01", "accuracy.value", "<", -0.01, False),
        ("size.mb>=0", "size.mb", ">=", 0.0, False),
        ("first_inference.no_cache.total<=1e3", "first_inference.no_cache.total", "<=", 1000.0, False),
    ],
)
def test_condition_grammar(text: str, metric: str, op: str, threshold: float, relative: bool) -> None:
    condition = parse_condition(text)
    assert (condition.metric_text, condition.op, condition.threshold, condition.relative) == (
        metric,
        op,
        threshold,
        relative,
    )


@pytest.mark.parametrize(
    "text", ["latency.median", "latency.median>", ">5%", "latency.median=>5%", "latency.median>5%%", "latency.>5%"]
)
def test_malformed_conditions(text: str) -> None:
    with pytest.raises(UsageError, match=r"expected MEASUREMENT\.KEY OP CHANGE"):
        parse_condition(text)
