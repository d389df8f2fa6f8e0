"""The plugin host: built-ins, entry points, soft loading, conflicts, blocking, tracing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ovtune import hookimpl
from ovtune.errors import PluginError
from ovtune.manager import BUILTIN_PLUGINS, PluginHost
from ovtune.testing import run_cli
from ovtune.types import Loader, Measurement, Metric, Stage

from distributions import STAGE_PLUGIN, make_distribution

BROKEN = """
    raise ImportError("No module named 'nncf_missing_dependency'")
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_builtins_register_through_the_plugin_path(ovtune_host: PluginHost) -> None:
    registry = ovtune_host.registry
    assert [name for name, _ in BUILTIN_PLUGINS] == [n for n in ovtune_host.plugins if n in dict(BUILTIN_PLUGINS)]
    assert {"ir", "onnx", "tflite", "paddle"} <= set(registry.names(Loader))
    assert {"top1", "topk", "top1_agreement", "cosine", "max_abs_diff", "python"} <= set(registry.names(Metric))
    assert {"size", "latency", "accuracy"} <= set(registry.names(Measurement))
    assert registry.get(Stage, "python").plugin.builtin


def test_plugins_json_lists_builtins_with_what_they_register() -> None:
    result = run_cli("plugins", "--json", env={"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_name = {entry["name"]: entry for entry in data["plugins"]}
    assert by_name["loaders"]["registers"]["loader"] == ["ir", "onnx", "tflite", "paddle"]
    assert by_name["stages"]["registers"]["stage"] == ["python"]
    assert by_name["commands"]["builtin"] is True
    assert all(entry["error"] is None for entry in data["plugins"])


def test_entry_point_plugin_is_loaded_with_its_distribution(site: Path) -> None:
    make_distribution(
        site,
        distribution="ovtune-extra",
        version="1.2.3",
        entry_point="extra",
        module="extra_plugin",
        code=STAGE_PLUGIN.format(stage="extra.scale"),
    )
    host = PluginHost(autoload=True)
    provided = host.registry.get(Stage, "extra.scale")
    assert provided.plugin.distribution == "ovtune-extra"
    assert provided.plugin.version == "1.2.3"


def test_broken_plugin_warns_once_and_the_rest_works(site: Path, ovtune_project, capsys) -> None:
    make_distribution(site, distribution="ovtune-pot", entry_point="pot", module="broken_pot", code=BROKEN)
    host = PluginHost(autoload=True)
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1
    assert "plugin 'pot' from ovtune-pot 0.1.0 failed to load: ImportError" in warning
    assert host.registry.find(Stage, "python") is not None
    recipe = ovtune_project.demo_recipe()
    ok = run_cli("validate", str(recipe))
    assert ok.exit_code == 0, ok.output
    needs_it = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "pot.default"\n')
    failed = run_cli("validate", str(needs_it))
    assert failed.exit_code == 2
    line = failed.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and "stage[1].use" in line
    assert "ovtune-pot 0.1.0" in line and "nncf_missing_dependency" in line


def test_plugins_command_reports_broken_plugin(site: Path) -> None:
    make_distribution(site, distribution="ovtune-broken", entry_point="broken", module="broken_mod", code=BROKEN)
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0
    entries = {e["name"]: e for e in json.loads(result.stdout)["plugins"]}
    assert entries["broken"]["distribution"] == "ovtune-broken"
    assert "ImportError" in entries["broken"]["error"]
    assert entries["stages"]["error"] is None


def test_same_name_from_two_distributions_is_an_error_naming_both(site: Path, ovtune_project) -> None:
    for dist, module in (("ovtune-alpha", "alpha_plugin"), ("ovtune-beta", "beta_plugin")):
        make_distribution(
            site,
            distribution=dist,
            entry_point=dist.split("-")[1],
            module=module,
            code=STAGE_PLUGIN.format(stage="shared.stage"),
        )
    host = PluginHost(autoload=True)
    with pytest.raises(PluginError) as caught:
        host.registry.check()
    assert "ovtune-alpha" in str(caught.value) and "ovtune-beta" in str(caught.value)
    result = run_cli("validate", str(ovtune_project.demo_recipe()))
    assert result.exit_code == 2
    assert "ovtune-alpha" in result.stderr and "ovtune-beta" in result.stderr
    blocked = run_cli("-p", "no:beta", "validate", str(ovtune_project.demo_recipe()))
    assert blocked.exit_code == 0, blocked.output


def test_registering_a_builtin_name_again_conflicts(ovtune_host: PluginHost, ovtune_register) -> None:
    class Duplicate:
        @hookimpl
        def ovtune_register_metrics(self):
            from ovtune.builtin.metric_accumulators import OutputOptions

            return [Metric(name="top1", summary="another top1", options=OutputOptions, create=lambda o: None)]

    ovtune_register(Duplicate(), name="dup", distribution="ovtune-dup")
    conflicts = ovtune_host.registry.conflicts
    assert len(conflicts) == 1
    assert "ovtune 0.1.0 (built-in)" in str(conflicts[0]) and "ovtune-dup" in str(conflicts[0])


def test_block_builtin_with_p_no(ovtune_project) -> None:
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "python"\nfunction = "m:f"\n')
    result = run_cli("-p", "no:stages", "validate", str(recipe), env={"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.exit_code == 2
    assert "unknown stage 'python'" in result.stderr


def test_p_module_loads_a_plugin_module(site: Path, ovtune_project) -> None:
    (site / "local_plugin.py").write_text(
        STAGE_PLUGIN.format(stage="local.noop").replace("\n    ", "\n").strip() + "\n"
    )
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "local.noop"\nfactor = 2.0\n')
    result = run_cli("-p", "local_plugin", "validate", str(recipe), env={"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert result.exit_code == 0, result.output


def test_disable_autoload_skips_entry_points(site: Path) -> None:
    make_distribution(site, distribution="ovtune-broken", entry_point="broken", module="broken_mod2", code=BROKEN)
    result = run_cli("plugins", "--json", env={"OVTUNE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert "broken" not in {e["name"] for e in json.loads(result.stdout)["plugins"]}
    assert "warning" not in result.stderr


def test_trace_prints_hook_calls(ovtune_project) -> None:
    result = run_cli("validate", str(ovtune_project.demo_recipe()), env={"OVTUNE_TRACE_PLUGINS": "1"})
    assert result.exit_code == 0, result.output
    assert "ovtune-trace: ovtune_register_stages() <- stages" in result.stderr


START_UP_LIBRARIES = ("openvino", "nncf", "torch", "onnxruntime", "numpy", "pydantic", "rich", "packaging")
"""Libraries whose import costs start-up time; which of them each quick command may import."""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        pytest.param(["--help"], (), id="help"),
        pytest.param(["run", "--help"], (), id="run-help"),
        pytest.param(["plugins"], (), id="plugins"),
        pytest.param(["plugins", "--json"], (), id="plugins-json"),
        pytest.param(["validate", "DEMO"], ("pydantic",), id="validate"),
        pytest.param(["stages", "python"], ("pydantic",), id="stages"),
        pytest.param(["schema"], ("pydantic",), id="schema"),
    ],
)
def test_quick_commands_import_only_what_they_need(ovtune_project, args: list[str], allowed: tuple[str, ...]) -> None:
    """``--help``, ``plugins`` and ``validate`` start fast because the registrations name options
    models and implementations by string: listing commands and plugins imports neither pydantic
    nor NumPy, validating imports the options models (pydantic) of what the recipe uses but no
    NumPy, and nothing quick imports OpenVINO. ``benchmarks/startup.py`` times them."""
    args = [str(ovtune_project.demo_recipe()) if arg == "DEMO" else arg for arg in args]
    code = (
        "import sys\n"
        "from ovtune.cli import main\n"
        f"rc = main({args!r})\n"
        f"loaded = sorted(m for m in {START_UP_LIBRARIES!r} if m in sys.modules)\n"
        "print('LOADED', loaded, 'RC', rc, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    line = next((line for line in done.stderr.splitlines() if line.startswith("LOADED")), done.stderr)
    assert line.endswith("RC 0"), (args, done.stderr)
    loaded = ast.literal_eval(line.removeprefix("LOADED ").rsplit(" RC", 1)[0])
    assert set(loaded) <= set(allowed), (args, loaded)


EXPLODES_IF_IMPORTED = """
    raise RuntimeError("an incompatible plugin must not be imported")
"""


def test_plugin_for_another_core_is_reported_incompatible_and_not_imported(site: Path, ovtune_project) -> None:
    make_distribution(
        site,
        distribution="ovtune-future",
        version="2.0.0",
        entry_point="future",
        module="future_plugin",
        code=EXPLODES_IF_IMPORTED,
        requires=("ovtune>=0.9,<0.10", "numpy>=1.24"),
    )
    make_distribution(
        site,
        distribution="ovtune-current",
        entry_point="current",
        module="current_plugin",
        code=STAGE_PLUGIN.format(stage="current.copy"),
        requires=("ovtune>=0.1,<0.2", "pytest; extra == 'test'"),
    )
    result = run_cli("plugins", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    entries = {entry["name"]: entry for entry in document["plugins"]}
    assert document["api_version"] == 1
    future = entries["future"]
    assert future["status"] == "incompatible"
    assert future["requires"] == "<0.10,>=0.9"
    assert "ovtune-future needs ovtune<0.10,>=0.9, but this is ovtune 0.1.0" in future["error"]
    assert entries["current"]["status"] == "ok" and entries["current"]["requires"] == "<0.2,>=0.1"
    assert "plugin 'future' from ovtune-future 2.0.0 is not loaded: ovtune-future needs" in result.stderr
    table = run_cli("plugins")
    assert "incompatible" in table.stdout and "ovtune<0.2,>=0.1" in table.stdout
    recipe = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "current.copy"\n')
    assert run_cli("run", str(recipe)).exit_code == 0
    needs_it = ovtune_project.demo_recipe(stages='[[stage]]\nuse = "future.prune"\n')
    failed = run_cli("validate", str(needs_it))
    assert failed.exit_code == 2
    assert "ovtune-future 2.0.0, which is incompatible: ovtune-future needs ovtune<0.10,>=0.9" in failed.stderr
