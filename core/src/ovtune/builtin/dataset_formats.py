"""The built-in dataset kinds' options and openers: NumPy files, image folders, random inputs
shaped from the model, and ``python:pkg.mod:fn``.

Registered by :mod:`ovtune.builtin.datasets`, which names everything here by string so that
listing plugins imports neither NumPy nor pydantic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ovtune.builtin.dataset_options import (
    LABEL_KEYS,
    ImagesOptions,
    NpyOptions,
    NpzOptions,
    PythonOptions,
    RandomOptions,
)
from ovtune.context import DataContext, InputSpec
from ovtune.errors import DataError
from ovtune.importing import ImportReferenceError, import_object
from ovtune.types import Dataset, Sample

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")

_NUMPY_TYPES = {
    "f32": np.float32,
    "f16": np.float16,
    "f64": np.float64,
    "i64": np.int64,
    "i32": np.int32,
    "u8": np.uint8,
    "i8": np.int8,
    "boolean": np.bool_,
}


class ListDataset(Dataset):
    """A dataset held in memory."""

    def __init__(self, samples: Sequence[Sample]):
        self._samples = list(samples)

    def __len__(self) -> int:
        return len(self._samples)

    def __getitem__(self, index: int) -> Sample:
        return self._samples[index]


class ArrayDataset(Dataset):
    """Rows of stacked arrays (one array per model input), sliced on access."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        labels: np.ndarray | None,
        inputs: Sequence[InputSpec],
        limit: int | None = None,
    ):
        counts = {len(a) for a in arrays.values()} | ({len(labels)} if labels is not None else set())
        if len(counts) != 1:
            raise DataError(f"arrays have different numbers of rows: {sorted(counts)}")
        self._arrays = dict(arrays)
        self._labels = labels
        self._specs = {spec.name: spec for spec in inputs}
        self._length = min(counts.pop(), limit) if limit else counts.pop()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Sample:
        if not 0 <= index < self._length:
            raise IndexError(index)
        inputs = {name: _fit(array, index, self._specs.get(name)) for name, array in self._arrays.items()}
        label = None if self._labels is None else self._labels[index]
        return Sample(inputs, label.item() if isinstance(label, np.ndarray) and label.ndim == 0 else label)


def _fit(array: np.ndarray, index: int, spec: InputSpec | None) -> np.ndarray:
    """Row ``index`` of ``array`` shaped and typed as the model input wants."""
    row = array[index : index + 1]
    if spec is not None and len(spec.shape) == array.ndim - 1:
        row = row[0]
    if spec is not None and spec.element_type in _NUMPY_TYPES:
        row = row.astype(_NUMPY_TYPES[spec.element_type], copy=False)
    return np.ascontiguousarray(row)


def _assign(
    keys: Sequence[str], mapping: Sequence[str] | Mapping[str, str] | None, inputs: Sequence[InputSpec], where: str
) -> dict[str, str]:
    """Model input name -> array key (every array by its own name when no model is known yet)."""
    names = [spec.name for spec in inputs]
    if not inputs and mapping is None:
        return {key: key for key in keys}
    if isinstance(mapping, Mapping):
        unknown = [name for name in mapping if name not in names]
        if unknown:
            raise DataError(f"{where}.inputs: the model has no input {unknown[0]!r} (inputs: {', '.join(names)})")
        assigned = dict(mapping)
    elif mapping is not None:
        if len(mapping) != len(names):
            raise DataError(f"{where}.inputs: {len(mapping)} arrays for {len(names)} model inputs ({', '.join(names)})")
        assigned = dict(zip(names, mapping, strict=True))
    elif all(name in keys for name in names):
        assigned = {name: name for name in names}
    elif len(names) == 1 and len(keys) == 1:
        assigned = {names[0]: keys[0]}
    else:
        raise DataError(
            f"{where}: cannot tell which arrays feed the model inputs ({', '.join(names)}); "
            f"arrays in the file: {', '.join(keys)}; set 'inputs'"
        )
    missing = [key for key in assigned.values() if key not in keys]
    if missing:
        raise DataError(f"{where}: no array {missing[0]!r} in the file (arrays: {', '.join(keys)})")
    return assigned


# --------------------------------------------------------------------------------------
# npz / npy
# --------------------------------------------------------------------------------------


def open_npz(options: NpzOptions, context: DataContext) -> Dataset:
    try:
        with np.load(options.path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{context.key}.path: cannot read {options.path}: {exc}") from None
    label_key = options.label or next((key for key in LABEL_KEYS if key in arrays), None)
    if options.label and options.label not in arrays:
        raise DataError(f"{context.key}.label: no array {options.label!r} in {options.path}")
    candidates = [key for key in arrays if key != label_key]
    assigned = _assign(candidates, options.inputs, context.model_inputs, context.key)
    labels = arrays[label_key] if label_key else None
    return ArrayDataset(
        {name: arrays[key] for name, key in assigned.items()}, labels, context.model_inputs, options.limit
    )


def open_npy(options: NpyOptions, context: DataContext) -> Dataset:
    if len(context.model_inputs) != 1:
        raise DataError(
            f"{context.key}: kind 'npy' feeds one input; the model has {len(context.model_inputs)} (use kind 'npz')"
        )
    try:
        array = np.load(options.path, allow_pickle=False)
        labels = np.load(options.labels, allow_pickle=False) if options.labels else None
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"{context.key}: cannot read .npy file: {exc}") from None
    return ArrayDataset({context.model_inputs[0].name: array}, labels, context.model_inputs, options.limit)


# --------------------------------------------------------------------------------------
# images
# --------------------------------------------------------------------------------------


class ImageFolderDataset(Dataset):
    def __init__(
        self,
        files: list[Path],
        labels: list[int] | None,
        options: ImagesOptions,
        *,
        spec: InputSpec,
        layout: str,
        size: tuple[int, int],
        key: str = "data",
    ):
        self._files, self._labels, self._options = files, labels, options
        self._spec, self._layout, self._size = spec, layout, size
        self._key = key

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, index: int) -> Sample:
        from PIL import Image, UnidentifiedImageError

        options = self._options
        path = self._files[index]
        mode = "L" if options.color == "GRAY" else "RGB"
        try:
            with Image.open(path) as image:
                picture = image.convert(mode).resize((self._size[1], self._size[0]), Image.Resampling.BILINEAR)
                pixels: np.ndarray = np.asarray(picture, dtype=np.float32)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            # Pillow's errors for a file that is not an image, a truncated one, or a bomb; SyntaxError
            # is what some of its decoders raise for a corrupt header
            reason = "not an image Pillow can read" if isinstance(exc, UnidentifiedImageError) else str(exc)
            raise DataError(f"{self._key}.path: cannot read image {path}: {reason}") from None
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        if options.color == "BGR":
            pixels = pixels[:, :, ::-1]
        if options.mean is not None:
            pixels = pixels - np.asarray(options.mean, dtype=np.float32)
        if options.scale is not None:
            pixels = pixels / np.asarray(options.scale, dtype=np.float32)
        if self._layout == "NCHW":
            pixels = pixels.transpose(2, 0, 1)
        batch = pixels[None]
        dtype = _NUMPY_TYPES.get(self._spec.element_type, np.float32)
        label = self._labels[index] if self._labels is not None else None
        return Sample(
            {self._spec.name: np.ascontiguousarray(batch.astype(dtype))}, label, {"file": str(self._files[index])}
        )


def open_images(options: ImagesOptions, context: DataContext) -> Dataset:
    if len(context.model_inputs) != 1:
        raise DataError(f"{context.key}: kind 'images' feeds one input; the model has {len(context.model_inputs)}")
    spec = context.model_inputs[0]
    if len(spec.shape) != 4:
        raise DataError(f"{context.key}: kind 'images' needs a 4-D model input, got shape {list(spec.shape)}")
    layout = options.layout or ("NCHW" if spec.shape[1] in (1, 3) else "NHWC")
    spatial = spec.shape[2:4] if layout == "NCHW" else spec.shape[1:3]
    size = options.size or (tuple(spatial) if all(d > 0 for d in spatial) else None)
    if size is None:
        raise DataError(f"{context.key}.size: the model input's size is dynamic; set size = [height, width]")
    files = sorted(p for p in options.path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{context.key}.path: no images ({', '.join(IMAGE_SUFFIXES)}) in {options.path}")
    files = files[: options.limit] if options.limit else files
    classes = sorted({p.parent.relative_to(options.path).as_posix() for p in files})
    labels = None
    if classes != ["."]:
        index = {name: i for i, name in enumerate(classes)}
        labels = [index[p.parent.relative_to(options.path).as_posix()] for p in files]
    return ImageFolderDataset(
        files, labels, options, spec=spec, layout=layout, size=(int(size[0]), int(size[1])), key=context.key
    )


# --------------------------------------------------------------------------------------
# random
# --------------------------------------------------------------------------------------


def open_random(options: RandomOptions, context: DataContext) -> Dataset:
    rng = np.random.default_rng(options.seed)
    shapes: dict[str, tuple[int, ...]] = {}
    for spec in context.model_inputs:
        override = options.shape.get(spec.name) if isinstance(options.shape, dict) else options.shape
        shape = tuple(override) if override else spec.shape
        if any(dim < 0 for dim in shape):
            raise DataError(
                f"{context.key}.shape: input {spec.name!r} has dynamic shape {list(spec.shape)}; give a static one"
            )
        shapes[spec.name] = shape
    samples = []
    for _ in range(options.count):
        inputs: dict[str, np.ndarray] = {}
        for spec in context.model_inputs:
            dtype = _NUMPY_TYPES.get(spec.element_type, np.float32)
            values: np.ndarray
            if np.issubdtype(dtype, np.integer):
                values = rng.integers(
                    int(options.low),
                    max(int(options.high), int(options.low) + 1),
                    size=shapes[spec.name],
                    endpoint=True,
                )
            else:
                values = rng.uniform(options.low, options.high, size=shapes[spec.name])
            inputs[spec.name] = values.astype(dtype)
        samples.append(Sample(inputs))
    return ListDataset(samples)


# --------------------------------------------------------------------------------------
# python
# --------------------------------------------------------------------------------------


def open_python(options: PythonOptions, context: DataContext) -> Dataset:
    try:
        function = import_object(options.function, search_path=context.base_dir)
    except ImportReferenceError as exc:
        raise DataError(f"{context.key}.function: {exc}") from None
    result = function(context, **options.args)
    if isinstance(result, Dataset):
        return result
    names = [spec.name for spec in context.model_inputs]
    samples = [_as_sample(item, names, context) for item in result]
    return ListDataset(samples[: options.limit] if options.limit else samples)


def _as_sample(item: Any, names: list[str], context: DataContext) -> Sample:
    label = None
    if isinstance(item, Sample):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        item, label = item
    if isinstance(item, np.ndarray):
        if len(names) != 1:
            raise DataError(f"{context.key}: the function returned bare arrays for a model with {len(names)} inputs")
        item = {names[0]: item}
    if isinstance(item, Mapping):
        return Sample({str(k): np.asarray(v) for k, v in item.items()}, label)
    if isinstance(item, list | tuple):
        return Sample({name: np.asarray(v) for name, v in zip(names, item, strict=True)}, label)
    raise DataError(f"{context.key}: the function returned an item of type {type(item).__name__}")
