"""Checks on ``openvino.Model`` objects: their exact bytes, and a CPU inference with finite outputs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ovtune.conformance.report import require

if TYPE_CHECKING:
    import numpy as np
    import openvino as ov


def serialized(model: ov.Model) -> bytes:
    """The model's IR bytes: any change to graph, names, weights or rt_info shows."""
    import openvino as ov

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.xml"
        ov.save_model(model, str(path), compress_to_fp16=False)
        return path.read_bytes() + path.with_suffix(".bin").read_bytes()


def infer_finite(model: ov.Model, catalog: Any) -> None:
    import numpy as np
    import openvino as ov

    compiled = ov.Core().compile_model(model, "CPU")
    result = compiled(_inputs_for(compiled, catalog))
    arrays = [np.asarray(result[index]) for index in range(len(compiled.outputs))]
    require(arrays, "the model has no outputs")
    for index, array in enumerate(arrays):
        if np.issubdtype(array.dtype, np.floating):
            require(np.isfinite(array).all(), f"output {index} has NaN or inf")


def _inputs_for(compiled: Any, catalog: Any) -> list[np.ndarray]:
    """The first validation sample when it fits the model, else seeded random inputs; in the
    order of the model's inputs (converted models may have inputs without names)."""
    import numpy as np

    ports = list(compiled.inputs)
    if catalog is not None and "validation" in catalog:
        sample = catalog.get("validation")[0]
        names = [next(iter(sorted(port.get_names())), None) for port in ports]
        if all(name in sample.inputs for name in names):
            arrays = [np.asarray(sample.inputs[name]) for name in names if name is not None]
            if all(_fits(a.shape, port.partial_shape) for a, port in zip(arrays, ports, strict=True)):
                return arrays
    rng = np.random.default_rng(0)
    inputs = []
    for port in ports:
        shape = [d.get_length() if d.is_static else 1 for d in port.partial_shape]
        dtype = port.element_type.to_dtype()
        if np.issubdtype(dtype, np.floating):
            inputs.append(rng.random(shape, dtype=np.float32).astype(dtype))
        else:
            inputs.append(rng.integers(0, 2, size=shape).astype(dtype))
    return inputs


def _fits(shape: tuple[int, ...], partial: Any) -> bool:
    if len(shape) != len(partial):
        return False
    return all(not d.is_static or d.get_length() == s for s, d in zip(shape, partial, strict=True))
