"""Users install wheels, not checkouts: build every distribution's wheel, install them into a
fresh virtual environment, and run the demo and a recipe from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _distributions() -> list[Path]:
    return [ROOT / "core", *sorted(p for p in (ROOT / "plugins").glob("ovtune-*") if (p / "pyproject.toml").exists())]


@pytest.mark.slow
def test_wheels_install_and_run_in_a_fresh_environment(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    for distribution in _distributions():
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--outdir", str(wheels), str(distribution)],
            check=True,
            capture_output=True,
            text=True,
        )
    built = sorted(wheels.glob("*.whl"))
    assert any(w.name.startswith("ovtune-") for w in built)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *map(str, built)], capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, install.stderr[-3000:]
    env = {**os.environ, "OVTUNE_CACHE_DIR": str(tmp_path / "cache"), "CI": "true"}
    env.pop("PYTHONPATH", None)
    ovtune = environment / "bin" / "ovtune"
    work = tmp_path / "work"
    work.mkdir()
    demo = subprocess.run([str(ovtune), "demo"], cwd=work, env=env, capture_output=True, text=True, check=False)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "original" in demo.stdout and "accuracy" in demo.stdout
    report = json.loads((work / "ovtune-demo" / "report.json").read_text())
    assert report["models"][0]["measurements"]["accuracy"]["value"] >= 0.95
    # the package data (model, data, recipe) came from the wheel, not from this checkout
    assert str(environment) in report["recipe_path"]
    plugins = subprocess.run([str(ovtune), "plugins", "--json"], env=env, capture_output=True, text=True, check=True)
    names = {entry["name"] for entry in json.loads(plugins.stdout)["plugins"]}
    assert {"loaders", "stages", "measurements"} <= names
    recipe = work / "recipe.toml"
    recipe.write_text(
        "schema = 1\nname = 'wheel'\n[model]\nsource = '{}'\n[data.validation]\nkind = 'random'\ncount = 4\n"
        "[metric]\nkind = 'top1_agreement'\n[measure]\nmetrics = ['size', 'latency', 'accuracy']\n"
        "duration = '0.2s'\ntrials = 1\n".format(report["recipe"]["model"]["source"])
    )
    run = subprocess.run(
        [str(ovtune), "run", str(recipe)], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (work / "runs" / "wheel" / "report.json").exists()
    # the plugin templates are package data of the core wheel
    scaffold = subprocess.run(
        [str(ovtune), "plugin", "new", "wheel-metric", "--dir", str(work)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert scaffold.returncode == 0, scaffold.stderr
    assert (work / "ovtune-wheel-metric" / "src" / "ovtune_wheel_metric" / "metric.py").is_file()
    _plugin_comes_and_goes_with_its_distribution(python, ovtune, wheels, work, env)


def _plugin_comes_and_goes_with_its_distribution(
    python: Path, ovtune: Path, wheels: Path, work: Path, env: dict[str, str]
) -> None:
    """Uninstalling ovtune-mo removes its stage, and a recipe using it says what to install;
    installing that one wheel alone brings it back."""

    def stages() -> str:
        return subprocess.run([str(ovtune), "stages"], env=env, capture_output=True, text=True, check=True).stdout

    recipe = work / "mo.toml"
    recipe.write_text(
        "schema = 1\nname = 'mo'\n[model]\nsource = 'model.onnx'\n[measure]\nmetrics = ['size']\n"
        "[[stage]]\nuse = 'mo'\ninput_shape = [1, 1, 32, 32]\n"
    )
    (work / "model.onnx").write_bytes(b"")  # validation does not read the model
    assert "ovtune-mo" in stages()
    pip = [str(python), "-m", "pip", "--quiet"]
    subprocess.run([*pip, "uninstall", "--yes", "ovtune-mo"], check=True, capture_output=True)
    assert "ovtune-mo" not in stages()
    refused = subprocess.run(
        [str(ovtune), "validate", str(recipe)], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert "stage[1].use" in refused.stderr and "pip install ovtune-mo" in refused.stderr, refused.stderr
    [wheel] = wheels.glob("ovtune_mo-*.whl")
    subprocess.run([*pip, "install", "--no-deps", str(wheel)], check=True, capture_output=True)
    assert "ovtune-mo" in stages()
    valid = subprocess.run([str(ovtune), "validate", str(recipe)], env=env, capture_output=True, check=False)
    assert valid.returncode == 0, valid.stderr
