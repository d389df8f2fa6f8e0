"""``run.lock.toml``: everything needed to reproduce a run, and the check that a rerun matches.

The lock holds the resolved recipe (defaults filled in, paths absolute), the version of every
package that can change a figure (ovtune, OpenVINO, NumPy and the libraries that the
registrations the recipe used declare, as the report's ``environment.libraries`` lists them) and
of every plugin, the compile properties asked for and the ones each model's compiled model
reported back, hashes of the input model, the data files and every stage's output, and the
``benchmark_app`` command that cross-checks each model.
``ovtune run --lock run.lock.toml`` runs the locked recipe again, but first checks that what it
locked is still what is there: the source model and every data file or folder (by content) and
the version of every package and plugin (a different OpenVINO or NNCF can change both speed and
accuracy). Any difference stops the replay with one line naming what changed and both values,
unless ``--allow-changed`` turns them into warnings; after the replay, every stage whose output
differs from the locked hash is named too.

An input that lives inside an installed package (the demo's model and data in
``site-packages/ovtune/demo``) would vanish or change with the package: the lock reporter copies
it into the run folder (``inputs/``) and locks the copy, by the same content hash, under a path
relative to the lock file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console

from ovtune.content_hash import ContentHasher
from ovtune.errors import OvtuneError, RecipeError
from ovtune.storage import atomic_write_text, hash_files, model_files

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_FILE = "run.lock.toml"
LOCK_VERSION = 1
PACKAGES = ("ovtune", "openvino", "numpy")
"""Packages whose versions every lock records: ovtune, and what computes every figure
(OpenVINO runs every model, NumPy holds every input and output). The libraries the recipe's
registrations declare and the plugin distributions come on top."""


def package_versions(plugins: dict[str, str] | None = None, libraries: Iterable[str] = ()) -> dict[str, str]:
    """Installed versions of :data:`PACKAGES`, of ``libraries`` and of the plugins (``name:
    label`` as the report's ``environment.plugins`` lists them)."""
    versions: dict[str, str] = {}
    for name in dict.fromkeys((*PACKAGES, *libraries)):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    for label in (plugins or {}).values():
        distribution, _, version = label.partition(" ")
        if distribution and version and not version.startswith("("):
            versions.setdefault(distribution, version)
    return versions


class LockMismatchError(OvtuneError):
    """What a lock file recorded is no longer what is installed or on disk."""


def _hasher(recipe: dict[str, Any]) -> ContentHasher:
    """A content hasher sharing the stage cache's memo (data folders are not read twice)."""
    from ovtune.cache import default_cache_root

    cache_dir = recipe.get("output", {}).get("cache_dir")
    return ContentHasher(Path(cache_dir) if cache_dir else default_cache_root())


def _data_hashes(recipe: dict[str, Any], hasher: ContentHasher) -> dict[str, str]:
    """The content hash of every file or folder a ``[data.*]`` option names."""
    hashes = {}
    for name, entry in recipe.get("data", {}).items():
        for key, value in entry.items():
            if isinstance(value, str) and value and Path(value).is_absolute() and Path(value).exists():
                hashes[f"data.{name}.{key}"] = hasher.path(Path(value))
    hasher.save()
    return hashes


def _model_path(report: dict[str, Any], model: dict[str, Any]) -> str | None:
    path = model.get("path") or (report["model"]["source"] if model["label"] == "original" else None)
    return str(path) if path else None


def benchmark_app_commands(report: dict[str, Any]) -> dict[str, str]:
    """The ``benchmark_app`` command that cross-checks each OpenVINO model of a run, by label:
    the model's own command when the report records one, else the one its recipe's
    ``[deploy]`` and ``[measure]`` give (the command ``run.lock.toml`` records)."""
    from ovtune.measure.benchmark_app import benchmark_app_command
    from ovtune.recipe import DeploySection

    recipe = report.get("recipe", {})
    deploy = DeploySection.model_validate(recipe.get("deploy", {}))
    inputs = report.get("model", {}).get("inputs", [])
    input_type = inputs[0]["element_type"] if inputs else None
    measure = recipe.get("measure", {})
    seconds = float(measure.get("duration") or 3.0) * int(measure.get("trials") or 1)
    commands = {}
    for model in report.get("models", []):
        if model.get("kind") == "baseline":
            continue
        path = _model_path(report, model)
        if isinstance(model.get("benchmark_app"), str):
            commands[model["label"]] = model["benchmark_app"]
        elif path and Path(path).suffix.lower() in (".xml", ".onnx", ".tflite"):
            commands[model["label"]] = benchmark_app_command(path, deploy, seconds=seconds, input_precision=input_type)
    return commands


def lock_document(report: dict[str, Any]) -> dict[str, Any]:
    """The content of ``run.lock.toml`` for a finished run's report."""
    recipe = report["recipe"]
    commands = benchmark_app_commands(report)
    models = []
    for model in report.get("models", []):
        entry: dict[str, Any] = {"label": model["label"], "kind": model.get("kind", "openvino")}
        path = _model_path(report, model)
        if path:
            entry["path"] = path
            if Path(path).is_file():
                entry["sha256"] = hash_files(model_files(Path(path)))
        if model["label"] in commands and model.get("kind") != "baseline":
            entry["benchmark_app"] = commands[model["label"]]
        properties = model.get("runtime", {}).get("properties")
        if properties:
            entry["properties_read_back"] = {key: _toml_value(value) for key, value in properties.items()}
        precision = model.get("runtime", {}).get("precision", {}).get("dominant")
        if precision:
            entry["precision_that_ran"] = precision
        models.append(entry)
    return {
        "lock_version": LOCK_VERSION,
        "name": report.get("name", ""),
        "created": report.get("finished", ""),
        "versions": package_versions(
            report.get("environment", {}).get("plugins", {}), report.get("environment", {}).get("libraries", {})
        ),
        "machine": {
            "cpu": str(report.get("environment", {}).get("cpu", "")),
            "cores": report.get("environment", {}).get("cores", 0),
            "platform": report.get("environment", {}).get("platform", ""),
            "device": report.get("device", ""),
        },
        "compile_properties": {key: str(value) for key, value in report.get("config", {}).items()},
        "hashes": {
            **({"model.source": report["model"]["hash"]} if report.get("model", {}).get("hash") else {}),
            **_data_hashes(recipe, _hasher(recipe)),
            **{f"stage.{s['index']:02d}-{s['name']}": s["details"].get("output_hash", "") for s in report["stages"]},
        },
        "recipe": _toml_value(recipe),
        "models": models,
    }


def _toml_value(value: Any) -> Any:
    """A JSON-like value that TOML can hold: no ``None`` (dropped), tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _toml_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_value(v) for v in value if v is not None]
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def write_lock(report: dict[str, Any], out_dir: Path, console: Console) -> list[Path]:
    """The ``lock`` reporter: writes ``run.lock.toml`` into the run folder, with a copy of every
    input that lives in an installed package's folder (:func:`bundle_package_inputs`)."""
    import tomli_w

    path = out_dir / LOCK_FILE
    header = f"# ovtune {report.get('ovtune_version', '')}: reproduce with `ovtune run --lock {LOCK_FILE}`\n"
    document = lock_document(report)
    copies = bundle_package_inputs(document, out_dir)
    atomic_write_text(path, header + tomli_w.dumps(document))
    return [path, *copies]


INPUTS_FOLDER = "inputs"
"""Folder of the run folder holding the copies of inputs that lived inside installed packages."""


def package_folders() -> list[Path]:
    """Where installed packages live (site-packages of this environment and the user's, and the
    folder of the ovtune package itself): a file there is replaced or removed when the package is
    reinstalled or upgraded, so a lock cannot point at it."""
    import site
    import sysconfig

    import ovtune

    paths = sysconfig.get_paths()
    folders = [paths.get("purelib"), paths.get("platlib"), *site.getsitepackages(), site.getusersitepackages()]
    folders.append(str(Path(ovtune.__file__).parent))
    return [Path(folder).resolve() for folder in dict.fromkeys(folders) if folder]


def _inside_package(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(folder) for folder in package_folders())


def bundle_package_inputs(document: dict[str, Any], out_dir: Path) -> list[Path]:
    """Copy the source model and data files or folders the locked recipe names inside an
    installed package (the demo's files in ``site-packages/ovtune/demo``) into
    ``OUT_DIR/inputs/``, and lock those copies instead, named relative to the lock file: the
    locked hashes are of the same content, so the lock stays valid when the package is
    reinstalled, upgraded or removed. Returns the files written."""
    import shutil

    recipe = document.get("recipe", {})
    targets: list[tuple[dict[str, Any], str]] = []
    if isinstance(recipe.get("model"), dict):
        targets.append((recipe["model"], "source"))
    for entry in recipe.get("data", {}).values():
        if isinstance(entry, dict):
            targets += [(entry, key) for key, value in entry.items() if isinstance(value, str)]
    written: list[Path] = []
    moved: dict[str, str] = {}
    for table, key in targets:
        original = Path(str(table[key]))
        if not (original.is_absolute() and original.exists() and _inside_package(original)):
            continue
        if str(original) not in moved:
            folder = out_dir / INPUTS_FOLDER
            folder.mkdir(parents=True, exist_ok=True)
            if original.is_dir():
                shutil.copytree(original, folder / original.name, dirs_exist_ok=True)
                written.append(folder / original.name)
            else:
                for file in model_files(original) if key == "source" else [original]:
                    shutil.copy2(file, folder / file.name)
                    written.append(folder / file.name)
            moved[str(original)] = f"{INPUTS_FOLDER}/{original.name}"
        table[key] = moved[str(original)]
    for model in document.get("models", []):
        for old, new in moved.items():
            copy = str((out_dir / new).resolve())
            if model.get("path") == old:
                model["path"] = copy
            if isinstance(model.get("benchmark_app"), str):
                model["benchmark_app"] = model["benchmark_app"].replace(old, copy)
    return written


def _resolve_bundled(document: dict[str, Any], folder: Path) -> None:
    """Paths of the lock's ``[recipe]`` under ``inputs/`` made absolute (the lock's folder)."""
    recipe = document["recipe"]
    tables = [recipe.get("model", {}), *recipe.get("data", {}).values()]
    for table in tables:
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            if isinstance(value, str) and value.startswith(f"{INPUTS_FOLDER}/"):
                table[key] = str(folder / value)


def read_lock(path: Path) -> dict[str, Any]:
    """A lock file, checked for the keys a rerun needs."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError("lock file not found", file=path) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RecipeError(f"cannot read lock file: {exc}", file=path) from None
    if document.get("lock_version") != LOCK_VERSION or not isinstance(document.get("recipe"), dict):
        raise RecipeError(f"not an ovtune lock file (lock_version {LOCK_VERSION} with a [recipe])", file=path)
    _resolve_bundled(document, path.resolve().parent)
    return document


def version_differences(document: dict[str, Any]) -> list[str]:
    """One line per locked package whose installed version differs (or is missing)."""
    installed = package_versions()
    lines = []
    for name, locked in document.get("versions", {}).items():
        try:
            current = installed.get(name) or metadata.version(name)
        except metadata.PackageNotFoundError:
            current = None
        if current != locked:
            now = current or "not installed"
            lines.append(f"package {name}: locked {locked}, installed {now}")
    return lines


def input_changes(document: dict[str, Any]) -> list[str]:
    """One line per locked input (source model, data file or folder) whose content changed."""
    recipe = document["recipe"]
    locked = document.get("hashes", {})
    hasher = _hasher(recipe)
    lines = []
    for key, expected in locked.items():
        if key == "model.source":
            path = Path(str(recipe.get("model", {}).get("source", "")))
            current = hash_files(model_files(path)) if path.is_file() else None
        elif key.startswith("data."):
            _, name, option = key.split(".", 2)
            path = Path(str(recipe.get("data", {}).get(name, {}).get(option, "")))
            current = hasher.path(path) if path.exists() else None
        else:
            continue
        if current != expected:
            lines.append(f"{key} {path}: locked sha256 {expected}, now {current or 'missing'}")
    hasher.save()
    return lines


def check_replay(document: dict[str, Any], *, allow_changed: bool) -> list[str]:
    """Raise :class:`LockMismatchError` (one line) when a locked input or version changed;
    with ``allow_changed``, return the differences as warnings instead."""
    changes = input_changes(document) + version_differences(document)
    if changes and not allow_changed:
        raise LockMismatchError(
            f"the lock no longer matches: {'; '.join(changes)}; pass --allow-changed to replay anyway"
        )
    return changes


def output_changes(document: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """One line per stage whose output hash differs from the locked one."""
    locked = document.get("hashes", {})
    lines = []
    for stage in report.get("stages", []):
        key = f"stage.{stage['index']:02d}-{stage['name']}"
        now = stage.get("details", {}).get("output_hash")
        if key in locked and locked[key] and now != locked[key]:
            lines.append(f"{key}: the output differs from the locked one (locked {locked[key]}, now {now})")
    return lines
