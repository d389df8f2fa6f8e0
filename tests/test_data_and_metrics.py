"""Built-in dataset kinds and metrics, on the demo model with its real held-out digits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from ovtune.testing import RecipeProject, run_cli

RECIPE = """
schema = 1
name = "t"

[model]
source = "digits_cnn.onnx"

{data}

[metric]
{metric}

[measure]
metrics = ["accuracy"]

[output]
reports = ["json"]
"""

NPZ = '[data.validation]\nkind = "npz"\npath = "digits_val.npz"\nlimit = 100'


def _accuracy(project: RecipeProject, data: str, metric: str) -> dict:
    project.copy_demo_model()
    recipe = project.write_recipe(RECIPE.format(data=data, metric=metric))
    result = run_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    report = json.loads((project.root / "runs" / "t" / "report.json").read_text())
    return report["models"][0]["measurements"]["accuracy"]


def test_npz_with_labels(ovtune_project: RecipeProject) -> None:
    accuracy = _accuracy(ovtune_project, NPZ, 'kind = "top1"')
    assert accuracy["samples"] == 100
    assert accuracy["value"] >= 0.95


def test_npy_with_labels_file(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    with np.load(ovtune_project.root / "digits_val.npz") as archive:
        np.save(ovtune_project.root / "x.npy", archive["image"][:50])
        np.save(ovtune_project.root / "y.npy", archive["label"][:50])
    data = '[data.validation]\nkind = "npy"\npath = "x.npy"\nlabels = "y.npy"'
    assert _accuracy(ovtune_project, data, 'kind = "top1"')["value"] >= 0.95


def test_image_folder_with_class_subfolders(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    with np.load(ovtune_project.root / "digits_val.npz") as archive:
        images, labels = archive["image"][:60], archive["label"][:60]
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = ovtune_project.root / "images" / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        pixels = np.clip(image[0] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").save(folder / f"{index}.png")
    data = '[data.validation]\nkind = "images"\npath = "images"\ncolor = "GRAY"\nscale = [255.0]'
    accuracy = _accuracy(ovtune_project, data, 'kind = "top1"')
    assert accuracy["samples"] == 60
    assert accuracy["value"] >= 0.95


def test_random_data_with_agreement_metrics(ovtune_project: RecipeProject) -> None:
    data = '[data.validation]\nkind = "random"\ncount = 8\nseed = 3'
    agreement = _accuracy(ovtune_project, data, 'kind = "top1_agreement"')
    assert agreement["value"] == pytest.approx(1.0)
    cosine = _accuracy(ovtune_project, data, 'kind = "cosine"')
    assert 0.999 < cosine["value"] <= 1.0 + 1e-9
    diff = _accuracy(ovtune_project, data, 'kind = "max_abs_diff"')
    assert diff["higher_is_better"] is False
    assert 0.0 <= diff["value"] < 0.5


def test_topk_is_at_least_top1(ovtune_project: RecipeProject) -> None:
    top1 = _accuracy(ovtune_project, NPZ, 'kind = "top1"')["value"]
    top3 = _accuracy(ovtune_project, NPZ, 'kind = "topk"\nk = 3')["value"]
    assert top3 >= top1


def test_python_dataset_and_metric(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "custom.py").write_text(
        "import numpy as np\n"
        "def load(context, count=10):\n"
        "    with np.load(context.base_dir / 'digits_val.npz') as a:\n"
        "        return [(a['image'][i:i + 1], int(a['label'][i])) for i in range(count)]\n"
        "def correct(outputs, sample, reference):\n"
        "    return float(int(np.argmax(outputs[0])) == sample.label)\n"
    )
    data = '[data.validation]\nkind = "python:custom:load"\nargs = { count = 12 }'
    accuracy = _accuracy(ovtune_project, data, 'kind = "python:custom:correct"')
    assert accuracy["samples"] == 12
    assert accuracy["value"] >= 0.9


def test_labels_required_by_top1(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    recipe = ovtune_project.write_recipe(
        RECIPE.format(data='[data.validation]\nkind = "random"\ncount = 2', metric='kind = "top1"')
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    assert "metric.kind: 'top1' needs labels, and data.validation has none" in result.stderr


def test_npz_that_does_not_fit_the_model(ovtune_project: RecipeProject) -> None:
    ovtune_project.copy_demo_model()
    np.savez(ovtune_project.root / "two.npz", a=np.zeros((3, 1, 32, 32), np.float32), b=np.zeros((3, 4)))
    recipe = ovtune_project.write_recipe(
        RECIPE.format(data='[data.validation]\nkind = "npz"\npath = "two.npz"', metric='kind = "top1_agreement"')
    )
    result = run_cli("run", str(recipe))
    assert result.exit_code == 2
    assert "data.validation: cannot tell which arrays feed the model inputs (image)" in result.stderr
