"""``ovtune compare --fail-on "latency.median>+10%"`` on real runs of the demo model and of a
really slower model (the same network computed twice, outputs summed: twice the work, measured
1.3-1.5x slower on the loaded development machine; not a sleep): the gate's interval and verdict
on real trials. Whether a given run is called a regression is a timing, which benchmarks measure.

The timings are real and this machine is shared: each run measures 12 trials of 0.3 s, enough
for the interval to be narrow where the machine is steady and wide where it is not. The gate
judges each run's trials, not the load *between* runs: with the machine oversubscribed 3-5x by
other jobs (load average 5-9 on 2 cores), 7 of 17 runs of this test (in three settings of
copies and duration) failed one way or the other: a slowdown not proven (5), or a load burst
between two identical runs proven as one (2); ``benchmarks/gate_trials.py`` measures
those rates (docs/compare.md, "How many trials"). A failure message carries the load average.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ovtune.testing import RecipeProject, run_cli

STAGES_MODULE = '''
import numpy as np
import openvino as ov
import openvino.opset13 as ops


def repeat(model, context, copies=1):
    """The network computed ``copies`` times on the same input, outputs summed. Copy k sees the
    input times 1 + k/1024, so that OpenVINO cannot merge the copies into one."""
    parameter = model.get_parameters()[0]
    total = model.get_results()[0].input_value(0)
    for index in range(1, copies):
        clone = model.clone()
        scale = ops.constant(np.float32(1 + index / 1024), name=f"repeat_scale_{index}")
        scaled = ops.multiply(parameter, scale, name=f"repeat_input_{index}")
        for target in list(clone.get_parameters()[0].output(0).get_target_inputs()):
            target.replace_source_output(scaled.output(0))
        total = ops.add(total, clone.get_results()[0].input_value(0), name=f"repeat_sum_{index}").output(0)
    return ov.Model([ops.result(total, name="repeat_result")], [parameter], f"repeat{copies}")
'''

REPEAT_STAGE = """
[[stage]]
use = "python"
function = "gate_stages:repeat"
args = {{ copies = {copies} }}
"""

TRIALS = 12
GATE = ("--model", "01-python", "--fail-on", "latency.median>+10%")


def _run(project: RecipeProject, name: str, copies: int) -> Path:
    recipe = project.demo_recipe(
        stages=REPEAT_STAGE.format(copies=copies),
        measure='metrics = ["latency"]',
        extra='[deploy]\nprecision = "f32"',
    )
    text = (
        recipe.read_text().replace("trials = 1", f"trials = {TRIALS}").replace('duration = "0.2s"', 'duration = "0.3s"')
    )
    own = project.write_recipe(text, name=f"{name}.toml")
    folder = project.root / "runs" / name
    result = run_cli("run", str(own), "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def _judged(first: Path, second: Path) -> tuple[dict, object]:
    result = run_cli("compare", str(first), str(second), *GATE, "--json")
    (condition,) = json.loads(result.stdout)["conditions"]
    return condition, result


def test_the_gate_judges_real_runs_by_the_interval_of_their_trials(ovtune_project: RecipeProject) -> None:
    """Real runs, real trials: the interval comes from each run's 12 trials by the bootstrap, and
    the verdict and exit status follow the documented rule (a regression exactly when the whole
    interval is beyond +10 %). Whether this machine, at this moment, calls two identical runs
    equal and twice the work slower is a timing, shown by ``benchmarks/gate_trials.py`` (its
    rates are in docs/compare.md), never asserted by a test on a shared machine."""
    (ovtune_project.root / "gate_stages.py").write_text(STAGES_MODULE)
    first = _run(ovtune_project, "first", copies=1)
    slower = _run(ovtune_project, "slower", copies=2)
    for condition, result in (_judged(first, first), _judged(first, slower)):
        trials = condition["trials"]
        assert trials["trials_a"] == TRIALS and trials["trials_b"] == TRIALS, condition
        assert trials["interval"]["method"] == "bootstrap", condition
        low, high = condition["observed_interval"]
        assert low <= high, condition
        regression = low > 10
        assert (condition["judgement"] == "regression") == regression, (condition, os.getloadavg())
        assert result.exit_code == (1 if regression else 0), result.stderr  # type: ignore[attr-defined]
        if regression:
            (line,) = [line for line in result.stderr.splitlines() if line.startswith("regression:")]  # type: ignore[attr-defined]
            assert line.startswith("regression: 01-python latency.median_ms +")
            assert line.endswith(f" from {TRIALS} and {TRIALS} trials)")
    same, _ = _judged(first, first)
    assert same["observed_interval"][0] <= 0 <= same["observed_interval"][1], "a run against itself is no change"

    # run sets: two real runs a side, judged by resampling the runs, then their trials
    sets = {name: ovtune_project.root / "sets" / name for name in ("first", "slower")}
    for name, copies in (("first", 1), ("slower", 2)):
        shutil.copytree(first if copies == 1 else slower, sets[name] / "1")
        shutil.copytree(_run(ovtune_project, f"{name}-again", copies=copies), sets[name] / "2")
    for condition, result in (_judged(sets["first"], sets["first"]), _judged(sets["first"], sets["slower"])):
        trials = condition["trials"]
        assert (trials["runs_a"], trials["runs_b"]) == (2, 2), condition
        assert trials["trials_a"] == 2 * TRIALS and trials["interval"]["method"] == "run bootstrap", condition
        regression = condition["observed_interval"][0] > 10
        assert (condition["judgement"] == "regression") == regression, (condition, os.getloadavg())
        assert result.exit_code == (1 if regression else 0), result.stderr  # type: ignore[attr-defined]
