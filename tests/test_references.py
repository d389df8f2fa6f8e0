"""``package.module:function`` references to user code: modules beside the recipe resolve, but
never shadow installed packages, and a module that fails to import is one error line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ovtune.testing import RecipeProject, error_lines, run_cli

RECIPE_HELPERS = """
def identity(model, context):
    return model
"""

FAKE_NNCF = """
raise RuntimeError("the nncf.py beside the recipe was imported instead of NNCF")
"""


def test_an_nncf_py_beside_a_recipe_does_not_replace_nncf(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "recipe_helpers.py").write_text(RECIPE_HELPERS)
    (ovtune_project.root / "nncf.py").write_text(FAKE_NNCF)
    stages = (
        '[[stage]]\nuse = "python"\nfunction = "recipe_helpers:identity"\n'
        '[[stage]]\nuse = "pot.default"\ncalibration = "validation"\nsubset_size = 8\nspeed_check = 0\n'
    )
    recipe = ovtune_project.demo_recipe(stages=stages, measure='metrics = ["size"]')
    elsewhere = ovtune_project.root / "elsewhere"
    elsewhere.mkdir()
    # A fresh interpreter (this one may have imported NNCF already), not started in the recipe's
    # folder (python -m puts the working directory first on sys.path).
    done = subprocess.run(
        [sys.executable, "-m", "ovtune", "run", str(recipe)],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((ovtune_project.root / "runs" / "test" / "report.json").read_text())
    assert [stage["name"] for stage in report["stages"]] == ["python", "pot.default"]


def test_a_recipe_module_named_like_an_installed_one_is_not_used_and_the_error_says_why(
    ovtune_project: RecipeProject,
) -> None:
    (ovtune_project.root / "json.py").write_text(RECIPE_HELPERS)
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "python"\nfunction = "json:identity"\n')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    [line] = error_lines(result.stderr)
    assert "stage[1].function: module 'json' has no attribute 'identity'" in line
    assert "the installed module 'json'" in line and "rename it" in line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("def transform(model, context)\n    return model\n", "SyntaxError: "),
        ("raise RuntimeError('licence server unreachable')\n", "RuntimeError: licence server unreachable"),
        ("import sys\nsys.exit('no licence')\n", "SystemExit: no licence"),
    ],
    ids=["syntax-error", "runtime-error", "sys-exit"],
)
def test_a_module_that_fails_to_import_is_one_error_line_naming_the_reference(
    ovtune_project: RecipeProject, code: str, reason: str, request: pytest.FixtureRequest
) -> None:
    module = f"broken_{request.node.callspec.id.replace('-', '_')}"
    (ovtune_project.root / f"{module}.py").write_text(code)
    recipe = ovtune_project.demo_recipe(stages=f'[[stage]]\nuse = "python"\nfunction = "{module}:transform"\n')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2, result.output
    [line] = error_lines(result.stderr)
    assert f"stage[1].function: {module}:transform: importing '{module}' raised {reason}" in line
    assert "Traceback" not in result.stderr
    verbose = run_cli("-v", "run", str(recipe))
    assert verbose.exit_code == 2 and "Traceback" in verbose.stderr


SCORED_MODULE = """
def score(outputs, sample, reference):
    return {value}
"""


def test_each_recipe_gets_its_own_module_when_one_process_runs_several(tmp_path, monkeypatch) -> None:
    """A sweep, or an executor's worker, runs recipes from several folders in one process: each
    must import the ``helpers.py`` beside it, not the first one the process met. The metric's
    own code is found beside its recipe although the process runs elsewhere."""
    monkeypatch.chdir(tmp_path)
    scores = {}
    for folder, value in (("first", "0.25"), ("second", "0.75")):
        project = RecipeProject(tmp_path / folder)
        project.root.mkdir()
        (project.root / "helpers.py").write_text(SCORED_MODULE.format(value=value))
        recipe = project.demo_recipe(measure='metrics = ["accuracy"]')
        text = recipe.read_text()
        assert 'kind = "top1"' in text
        recipe.write_text(text.replace('kind = "top1"', 'kind = "python:helpers:score"'))
        result = run_cli("run", str(recipe), "--no-cache")
        assert result.exit_code == 0, result.stderr
        scores[folder] = project.report("test")["models"][-1]["measurements"]["accuracy"]["value"]
    assert scores == {"first": 0.25, "second": 0.75}
