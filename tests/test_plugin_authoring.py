"""Third-party plugins from the outside: scaffold, pip install, list, run, uninstall.

Each test works in an overlay environment (see ``overlay.py``), so the plugins it installs are
never seen by the other tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ovtune import demo
from ovtune.testing import run_cli

from overlay import Overlay, make_overlay

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLUGIN = ROOT / "examples" / "plugins" / "ovtune-classmetrics"

pytestmark = pytest.mark.slow


@pytest.fixture
def overlay(tmp_path: Path) -> Overlay:
    return make_overlay(tmp_path / "env")


def _demo_recipe(folder: Path, metric: str = "top1") -> Path:
    for source in (demo.model_path(), demo.validation_path()):
        shutil.copyfile(source, folder / source.name)
    recipe = folder / "recipe.toml"
    recipe.write_text(
        "schema = 1\nname = 'outside'\n[model]\nsource = 'digits_cnn.onnx'\n"
        "[data.validation]\nkind = 'npz'\npath = 'digits_val.npz'\n"
        f"[metric]\nkind = '{metric}'\n[measure]\nmetrics = ['size', 'accuracy']\n"
        f"[output]\ncache_dir = 'cache'\n"
    )
    return recipe


@pytest.mark.parametrize(("name", "kind"), [("demo-metric", "metric"), ("fix-batch", "stage")])
def test_scaffold_installs_with_pip_and_its_tests_pass(tmp_path: Path, overlay: Overlay, name: str, kind: str) -> None:
    created = run_cli("plugin", "new", name, "--dir", str(tmp_path))
    assert created.exit_code == 0, created.stderr
    folder = tmp_path / f"ovtune-{name}"
    assert f"({kind} '{name.replace('-', '_')}'" in created.stdout
    assert {p.name for p in folder.rglob("*") if p.is_file()} == {
        "pyproject.toml",
        "README.md",
        "__init__.py",
        "plugin.py",
        "options.py",
        f"{kind}.py",
        "test_plugin.py",
    }
    install = overlay.run("-m", "pip", "install", "--quiet", "-e", str(folder))
    assert install.returncode == 0, install.stderr
    plugin = overlay.plugins()[name.replace("-", "_")]
    assert plugin["status"] == "ok" and plugin["distribution"] == f"ovtune-{name}"
    assert plugin["requires"] == "<0.2,>=0.1"
    assert plugin["registers"] == {kind: [name.replace("-", "_")]}
    tests = overlay.run("-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=folder)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout


def test_scaffold_refuses_bad_names_and_existing_folders(tmp_path: Path) -> None:
    bad = run_cli("plugin", "new", "Demo Metric", "--dir", str(tmp_path))
    assert bad.exit_code == 2
    assert "error: plugin name 'Demo Metric': use lower-case words separated by '-'" in bad.stderr
    assert run_cli("plugin", "new", "twice", "--dir", str(tmp_path)).exit_code == 0
    again = run_cli("plugin", "new", "twice", "--dir", str(tmp_path))
    assert again.exit_code == 2 and "already exists and is not empty" in again.stderr


def test_example_plugin_from_outside_installs_runs_passes_and_uninstalls(tmp_path: Path, overlay: Overlay) -> None:
    """examples/plugins/ovtune-classmetrics uses only ovtune's public API."""
    before = overlay.plugins()
    assert "classmetrics" not in before
    install = overlay.ovtune("install", str(EXAMPLE_PLUGIN))
    assert install.returncode == 0, install.stderr
    assert "Successfully installed ovtune-classmetrics-0.1.0" in install.stdout
    assert (
        "plugin 'classmetrics' from ovtune-classmetrics 0.1.0: metric: classmetrics.macro_f1, "
        "classmetrics.worst_recall" in install.stdout
    )
    assert overlay.plugins()["classmetrics"]["status"] == "ok"
    recipe = _demo_recipe(tmp_path, metric="classmetrics.macro_f1")
    run = overlay.ovtune("run", str(recipe), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    accuracy = json.loads((tmp_path / "runs" / "outside" / "report.json").read_text())["models"][0]["measurements"]
    assert accuracy["accuracy"]["metric"] == "classmetrics.macro_f1" and accuracy["accuracy"]["value"] > 0.95
    # the plugin's own test suite: known values, the conformance kit, recipe runs
    tests = overlay.run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE_PLUGIN / "tests"), cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout[-3000:]
    uninstall = overlay.ovtune("uninstall", "ovtune-classmetrics")
    assert uninstall.returncode == 0, uninstall.stderr
    assert "removed plugin 'classmetrics' (ovtune-classmetrics 0.1.0)" in uninstall.stdout
    assert "classmetrics" not in overlay.plugins()
    gone = overlay.ovtune("run", str(recipe), cwd=tmp_path)
    assert gone.returncode == 2
    assert "metric.kind: unknown metric 'classmetrics.macro_f1'" in gone.stderr


def test_install_refuses_a_plugin_written_for_another_core(tmp_path: Path, overlay: Overlay) -> None:
    assert run_cli("plugin", "new", "future-stage", "--dir", str(tmp_path)).exit_code == 0
    pyproject = tmp_path / "ovtune-future-stage" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"ovtune>=0.1,<0.2"', '"ovtune>=0.9,<0.10"'))
    refused = overlay.ovtune("install", str(pyproject.parent))
    assert refused.returncode == 2
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {pyproject.parent}: ovtune-future-stage needs ovtune<0.10,>=0.9, but this is ovtune 0.1.0; "
        "install a release of ovtune-future-stage written for ovtune 0.1.0, or an ovtune that it supports; "
        "nothing was installed"
    ]
    # the same plugin as a wheel, and as a name pip resolves from an index (a local one here)
    wheels = tmp_path / "wheels"
    built = overlay.run("-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(pyproject.parent))
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("*.whl")
    from_wheel = overlay.ovtune("install", str(wheel))
    assert from_wheel.returncode == 2
    assert f"error: {wheel}: ovtune-future-stage needs ovtune<0.10,>=0.9" in from_wheel.stderr
    index = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    from_index = overlay.run("-m", "ovtune", "install", "ovtune-future-stage", env=index)
    assert from_index.returncode == 2
    assert [line for line in from_index.stderr.splitlines() if line.startswith("error:")] == [
        "error: ovtune-future-stage 0.1.0 needs ovtune<0.10,>=0.9, but this is ovtune 0.1.0; "
        "nothing was installed (install a release written for this ovtune)"
    ]
    assert "future_stage" not in overlay.plugins()
    listed = overlay.run("-m", "pip", "list", "--format=freeze")
    assert "ovtune-future-stage" not in listed.stdout


def test_broken_plugin_is_listed_with_its_error_and_other_recipes_run(tmp_path: Path, overlay: Overlay) -> None:
    assert run_cli("plugin", "new", "vendor-stage", "--dir", str(tmp_path)).exit_code == 0
    plugin_module = tmp_path / "ovtune-vendor-stage" / "src" / "ovtune_vendor_stage" / "plugin.py"
    plugin_module.write_text(
        plugin_module.read_text() + "\nraise ImportError(\"No module named 'vendor_sdk'\")\n", encoding="utf-8"
    )
    install = overlay.ovtune("install", "-e", str(plugin_module.parents[2]))
    assert install.returncode == 2
    assert (
        "error: installed, but not usable: plugin 'vendor_stage' from ovtune-vendor-stage 0.1.0 is broken: "
        "ImportError: No module named 'vendor_sdk'; 'ovtune uninstall ovtune-vendor-stage' removes it"
    ) in install.stderr
    entry = overlay.plugins()["vendor_stage"]
    assert entry["status"] == "broken" and entry["error"] == "ImportError: No module named 'vendor_sdk'"
    run = overlay.ovtune("run", str(_demo_recipe(tmp_path)), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "plugin 'vendor_stage' from ovtune-vendor-stage 0.1.0 failed to load: ImportError" in run.stderr
    assert overlay.ovtune("uninstall", "ovtune-vendor-stage").returncode == 0
    assert "vendor_stage" not in overlay.plugins()


def test_uninstall_refuses_the_core_and_unknown_distributions(overlay: Overlay) -> None:
    core = overlay.ovtune("uninstall", "ovtune")
    assert core.returncode == 2 and "ovtune cannot uninstall itself" in core.stderr
    unknown = overlay.ovtune("uninstall", "ovtune-nothing")
    assert unknown.returncode == 2
    assert "ovtune-nothing: not installed (installed plugin distributions: ovtune-mo, ovtune-nncf" in unknown.stderr
