"""ovtune finds ``ovtune-mo`` through its entry point, lists what it provides, and tells a recipe
author which distribution to install when the plugin is missing or blocked."""

from __future__ import annotations

import json
from collections.abc import Callable

from ovtune_mo.options import MoOptions, TorchOptions

from ovtune.testing import RecipeProject, run_cli


def test_plugin_is_listed_from_its_distribution() -> None:
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.output
    plugins = {entry["name"]: entry for entry in json.loads(result.stdout)["plugins"]}
    assert "mo" in plugins, "ovtune-mo is not installed: pip install -e plugins/ovtune-mo"
    assert plugins["mo"]["distribution"] == "ovtune-mo"
    assert plugins["mo"]["error"] is None
    assert plugins["mo"]["registers"] == {
        "loader": ["torch"],
        "stage": ["mo"],
        "baseline": ["torch"],
        "hook": ["ovtune_tune_candidates"],
    }


def test_stages_lists_mo_from_ovtune_mo() -> None:
    result = run_cli("stages")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("mo "))
    assert line.rstrip().endswith("[ovtune-mo 0.1.0]")


def test_every_option_is_described() -> None:
    result = run_cli("stages", "mo")
    assert result.exit_code == 0, result.output
    for name, field in {**MoOptions.model_fields, **TorchOptions.model_fields}.items():
        assert field.description, name
    for name in MoOptions.model_fields:
        assert f"  {name}: " in result.stdout, name


def test_a_blocked_plugin_names_the_distribution_that_provides_the_stage(
    ovtune_project: RecipeProject, errors: Callable[[str], list[str]]
) -> None:
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "mo"\n')
    assert run_cli("validate", str(recipe)).exit_code == 0
    result = run_cli("-p", "no:mo", "validate", str(recipe))
    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert "stage[1].use: unknown stage 'mo'" in line
    assert "it is provided by the distribution ovtune-mo: pip install ovtune-mo" in line


def test_validate_does_not_import_openvino_or_torch(ovtune_project: RecipeProject) -> None:
    import subprocess
    import sys

    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "mo"\nlayout = "NCHW"\nscale_values = 255\n')
    code = (
        "import sys\nfrom ovtune.cli import main\n"
        f"assert main(['validate', {str(recipe)!r}]) == 0\n"
        "heavy = [name for name in ('openvino', 'torch') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
