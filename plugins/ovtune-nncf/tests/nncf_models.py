"""Real models for the ``nncf`` tests, trained here on real data (scikit-learn's digits)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def digits_split() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 8x8 digits as 64 floats in [0, 1]; train / calibration / validation splits (seed 0)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=360, random_state=0, stratify=y)
    return {"train": (x_train, y_train), "calibration": (x_train[:200], y_train[:200]), "validation": (x_val, y_val)}


def write_digits_mlp(folder: Path) -> Path:
    """An MLP (64 -> 256 -> 256 -> 10, MatMul layers) trained on the digits, as ONNX, and its
    data as ``train.npz``, ``calibration.npz`` and ``validation.npz`` (``x``, ``label``)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from sklearn.neural_network import MLPClassifier

    splits = digits_split()
    x_train, y_train = splits["train"]
    mlp = MLPClassifier(hidden_layer_sizes=(256, 256), max_iter=60, random_state=0).fit(x_train, y_train)
    nodes, initializers, current = [], [], "x"
    for index, (weight, bias) in enumerate(zip(mlp.coefs_, mlp.intercepts_, strict=True)):
        initializers += [
            numpy_helper.from_array(weight.astype(np.float32), f"w{index}"),
            numpy_helper.from_array(bias.astype(np.float32), f"b{index}"),
        ]
        nodes += [
            helper.make_node("MatMul", [current, f"w{index}"], [f"m{index}"], name=f"fc{index}"),
            helper.make_node("Add", [f"m{index}", f"b{index}"], [f"a{index}"], name=f"fc{index}_bias"),
        ]
        current = f"a{index}"
        if index < len(mlp.coefs_) - 1:
            nodes.append(helper.make_node("Relu", [current], [f"r{index}"], name=f"relu{index}"))
            current = f"r{index}"
    nodes.append(helper.make_node("Identity", [current], ["logits"]))
    graph = helper.make_graph(
        nodes,
        "digits_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = folder / "mlp.onnx"
    onnx.save(model, str(path))
    for name, (x, y) in splits.items():
        np.savez(folder / f"{name}.npz", x=x, label=y)
    return path
