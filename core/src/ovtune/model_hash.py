"""The content hash of a model, independent of the names OpenVINO invents.

OpenVINO names unnamed operations from per-process counters (``Constant_471``,
``FakeQuantize_1092``), so the same stage on the same input, run in a fresh process after a
kill or in a long-lived one, saves IR that differs only in those names. A hash of the raw
files would then call two identical models different, and every stage after a resume would
miss the cache. The canonical form replaces every layer name, and every tensor name taken
from one, with its position (the IR serializer numbers layers in topological order) and
leaves out the lists of fused names kept for debugging; tensor names, shapes, element
types, attributes and every weight byte still count.
"""

from __future__ import annotations

import hashlib
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from ovtune.storage import hash_files, model_files

if TYPE_CHECKING:
    import openvino as ov

_CHUNK = 1 << 20
_DEBUG_ATTRIBUTES = ("fused_names", "originalLayersNames")
_NAME_LISTS = ("names", "output_names")
"""Attributes listing tensor names: a name OpenVINO derived from an invented layer name
(an unnamed output takes its Result's name) is replaced like the layer name itself."""


def canonical_model_hash(path: Path) -> str:
    """The canonical hash of a model file: IR in canonical form; any other format as its bytes."""
    if path.suffix.lower() != ".xml":
        return hash_files(model_files(path))
    digest = hashlib.sha256()
    digest.update(_canonical_xml(path))
    weights = path.with_suffix(".bin")
    if weights.exists():
        digest.update(b"\0bin\0")
        with weights.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def hash_model(model: ov.Model) -> str:
    """The canonical hash of an in-memory model (saved as IR first, weights as they are)."""
    import openvino as ov

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.xml"
        ov.save_model(model, str(path), compress_to_fp16=False)
        return canonical_model_hash(path)


def _canonical_xml(path: Path) -> bytes:
    root = ET.parse(path).getroot()
    root.set("name", "model")
    canonical: dict[str, str] = {}
    for layer in root.iter("layer"):
        canonical[layer.get("name", "")] = name = f"op{layer.get('id', '')}"
        layer.set("name", name)
    for element in root.iter():
        for attribute in _NAME_LISTS:
            value = element.get(attribute)
            if value:
                element.set(attribute, ",".join(canonical.get(n, n) for n in value.split(",")))
    for parent in root.iter():
        for child in list(parent):
            if child.tag == "attribute" and child.get("name", "").startswith(_DEBUG_ATTRIBUTES):
                parent.remove(child)
    return ET.tostring(root, encoding="utf-8")
