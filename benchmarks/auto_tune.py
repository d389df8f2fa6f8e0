"""Is ``ovtune tune`` with no hand-written space as good as one written by hand, and than ONNX Runtime?

Why: "auto" tuning (a ``[tune]`` section with no ``[[tune.variant]]`` and no ``[tune.deploy]``
choices, where the installed plugins propose the search space) is only worth having if what it
finds holds up against what a user would otherwise do: run the model in ONNX Runtime, take one
of benchmark_app's presets, or write the space by hand. This script measures all of them side
by side, on three models whose inputs differ in kind, under one accuracy bound each:

- ``ppocr-det``: PP-OCRv5's text detector (vision, CNN, f32 images);
- ``minilm``: all-MiniLM-L6-v2 (text, BERT encoder, int64 token ids);
- ``magika``: Magika's file-type classifier (bytes, int32 [?, 2048], dynamic batch).

For each model, five contenders, each in fresh processes, interleaved for N rounds with the
order rotated every round (``benchmarks/sidebyside.py``), in the currency of the recipe's
objective (throughput: FPS; latency: median ms):

1. ONNX Runtime on the original ``.onnx`` in f32, its default session options;
2. benchmark_app ``-hint latency`` on the original model;
3. benchmark_app ``-hint tput`` on the original model;
4. ``ovtune tune examples/tune/NAME.toml``: the hand-written space, with the recipe's budget;
5. ``ovtune tune`` on the same recipe with its ``[[tune.variant]]`` and ``[tune.deploy]``
   removed (written to a temporary file beside it, ``--budget``, 10 minutes by default).

The tuned results run as their deploy folder says (the ``benchmark_app`` command of the deploy
folder or of ``tune.json``, else ``-m deploy/model.xml -load_config deploy/config.json``); a
deploy model that still has dynamic inputs gets ``-data_shape`` from the data. The original
model runs at the data's shape (``-shape``), as a user of benchmark_app would run it.

**One accuracy bound.** The recipe's ``max_drop`` is measured by each tune on held-out data
against the original model in f32. This script measures the same drop (the recipe's ``cosine``
or ``top1_agreement`` on its validation data) for ONNX Runtime and for OpenVINO's default
precision, which benchmark_app's presets use. When the default precision (bf16 on CPUs with
AVX-512 BF16) breaks the bound, the presets run with ``-infer_precision f32`` and the report
says so: a preset that changes the answers is not a contender.

Usage::

    CI=true python benchmarks/auto_tune.py                              # 3 models, ~45 min on 2 cores
    CI=true python benchmarks/auto_tune.py --models magika --rounds 1 --seconds 2 --budget 1m  # smoke
    CI=true python benchmarks/auto_tune.py --skip-tune                  # reuse the tune folders of a run
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sidebyside import (
    REPO,
    Currency,
    Log,
    MeasureError,
    Ratio,
    Results,
    best_per_round,
    geometric_mean,
    interleave,
    load_tune,
    log_line,
    ratio,
    run_benchmark_app,
    run_ort,
    run_tune,
    winner_of,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Model:
    name: str
    title: str
    domain: str
    recipe: Path
    prepare: Path
    onnx: Path | None
    """The original ``.onnx`` for ONNX Runtime (None: there is none)."""
    float_input: bool
    """Image-like f32 input: benchmark_app needs ``-ip f32`` (it would feed u8)."""


MODELS = {
    model.name: model
    for model in (
        Model(
            "ppocr-det",
            "PP-OCRv5 det",
            "vision: text detector",
            REPO / "examples/tune/ppocr-det.toml",
            REPO / "examples/pot/prepare.py",
            REPO / "examples/pot/models/det.onnx",
            True,
        ),
        Model(
            "minilm",
            "all-MiniLM-L6-v2",
            "text: sentence encoder",
            REPO / "examples/tune/minilm.toml",
            REPO / "examples/nncf/prepare_minilm.py",
            REPO / "examples/nncf/models/minilm.onnx",
            False,
        ),
        Model(
            "magika",
            "Magika",
            "bytes: file-type classifier",
            REPO / "examples/tune/magika.toml",
            REPO / "examples/magika/prepare.py",
            REPO / "examples/magika/models/magika.onnx",
            False,
        ),
    )
}

ORT = "ONNX Runtime f32"
LATENCY = "latency preset"
THROUGHPUT = "throughput preset"
HAND = "tune, hand-written"
AUTO = "tune, auto"


# --------------------------------------------------------------------------------------
# The recipe and its data
# --------------------------------------------------------------------------------------


@dataclass
class Recipe:
    """What this script needs from a tune recipe."""

    path: Path
    table: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> Recipe:
        return cls(path, tomllib.loads(path.read_text(encoding="utf-8")))

    def resolve(self, value: str) -> Path:
        candidate = Path(value)
        return candidate if candidate.is_absolute() else (self.path.parent / candidate).resolve()

    @property
    def source(self) -> Path:
        return self.resolve(self.table["model"]["source"])

    @property
    def objective(self) -> str:
        return str(self.table["tune"].get("objective", "throughput"))

    @property
    def max_drop(self) -> float | None:
        value = self.table["tune"].get("constraints", {}).get("max_drop")
        return None if value is None else float(value)

    @property
    def metric(self) -> dict[str, Any]:
        return dict(self.table.get("metric", {}))

    def data(self, name: str) -> dict[str, Any]:
        return dict(self.table.get("data", {}).get(name, {}))

    def validation_npz(self) -> Path | None:
        entry = self.data(str(self.metric.get("data", "validation")))
        return self.resolve(entry["path"]) if entry.get("kind") == "npz" and entry.get("path") else None

    def auto(self, budget: str, trials: int | None) -> dict[str, Any]:
        """The same recipe with no hand-written space: no ``[[tune.variant]]``, no ``[tune.deploy]``,
        paths absolute, the auto budget, and the tuner's own trial budget unless ``trials``."""
        table = json.loads(json.dumps(self.table))  # a deep copy of plain TOML values
        tune = table["tune"]
        tune.pop("variant", None)
        tune.pop("deploy", None)
        tune["budget"] = budget
        if trials is None:
            tune.pop("trials", None)
        else:
            tune["trials"] = trials
        table["name"] = f"{table['name']}-auto"
        return table


def samples(recipe: Recipe, input_names: list[str], limit_default: int | None = None) -> list[dict[str, np.ndarray]]:
    """The metric's data as one feed per sample (row ``i`` of each array, batch of one)."""
    path = recipe.validation_npz()
    if path is None:
        return []
    entry = recipe.data(str(recipe.metric.get("data", "validation")))
    limit = entry.get("limit", limit_default)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files if key not in ("label", "labels", "y")}
    count = min(len(array) for array in arrays.values())
    if limit:
        count = min(count, int(limit))
    feeds = []
    for row in range(count):
        feed = {}
        for name in input_names:
            array = arrays[name] if name in arrays else next(iter(arrays.values()))
            feed[name] = np.ascontiguousarray(array[row : row + 1])
        feeds.append(feed)
    return feeds


def shape_argument(model_path: Path, recipe: Recipe) -> str | None:
    """``name[dims],...`` of one sample of the data for each input, when ``model_path`` has
    dynamic inputs; None when it is static (or there is no data to take a shape from)."""
    import openvino as ov

    model = ov.Core().read_model(str(model_path))
    if not model.is_dynamic():
        return None
    names = [port.get_any_name() for port in model.inputs]
    feeds = samples(recipe, names, limit_default=1)
    if not feeds:
        return None
    parts = []
    for port in model.inputs:
        name = port.get_any_name()
        shape = list(feeds[0][name].shape)
        if port.get_partial_shape().rank.is_static and port.get_partial_shape().rank.get_length() == len(shape) - 1:
            shape = shape[1:]
        parts.append(f"{name}[{','.join(map(str, shape))}]")
    return ",".join(parts)


# --------------------------------------------------------------------------------------
# Accuracy under the recipe's bound
# --------------------------------------------------------------------------------------


@dataclass
class Accuracy:
    """Drops against the original model in f32, as the tune measures them."""

    metric: str
    samples: int = 0
    default_precision: str = "?"
    drop_default: float | None = None
    """OpenVINO's default precision (what benchmark_app's presets run)."""
    drop_ort: float | None = None
    note: str = ""


def _score(kind: str, output: np.ndarray, reference: np.ndarray) -> float:
    a, b = np.asarray(output, np.float64).reshape(-1), np.asarray(reference, np.float64).reshape(-1)
    if kind == "top1_agreement":
        return float(np.argmax(a) == np.argmax(b))
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denominator) if denominator else float(np.array_equal(a, b))


def measure_accuracy(model: Model, recipe: Recipe) -> Accuracy:
    """The recipe's metric for OpenVINO's default precision and for ONNX Runtime, on the metric's
    data (the built-in agreement metrics ``cosine`` and ``top1_agreement`` only)."""
    import openvino as ov

    kind = str(recipe.metric.get("kind", ""))
    result = Accuracy(kind)
    if kind not in ("cosine", "top1_agreement"):
        result.note = f"metric {kind!r} is not re-measured here (only cosine and top1_agreement)"
        return result
    core = ov.Core()
    result.default_precision = core.get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
    original = core.read_model(str(recipe.source))
    names = [port.get_any_name() for port in original.inputs]
    feeds = samples(recipe, names)
    if not feeds:
        result.note = "the metric's data is not an npz file: not re-measured"
        return result
    result.samples = len(feeds)
    index = int(recipe.metric.get("output", 0))
    reference_model = core.compile_model(original, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    default_model = core.compile_model(original, "CPU")
    reference = [reference_model(feed)[index] for feed in feeds]
    default = [default_model(feed)[index] for feed in feeds]
    result.drop_default = 1.0 - float(np.mean([_score(kind, o, r) for o, r in zip(default, reference, strict=True)]))
    if model.onnx is not None and model.onnx.is_file():
        import onnxruntime as ort

        settings = ort.SessionOptions()
        settings.log_severity_level = 3
        session = ort.InferenceSession(str(model.onnx), sess_options=settings, providers=["CPUExecutionProvider"])
        types = {"tensor(float)": np.float32, "tensor(int64)": np.int64, "tensor(int32)": np.int32}
        outputs = []
        for feed in feeds:
            values = list(feed.values())
            ort_feed = {
                item.name: (feed.get(item.name, values[0])).astype(types.get(item.type, values[0].dtype), copy=False)
                for item in session.get_inputs()
            }
            outputs.append(session.run(None, ort_feed)[index])
        result.drop_ort = 1.0 - float(np.mean([_score(kind, o, r) for o, r in zip(outputs, reference, strict=True)]))
    return result


# --------------------------------------------------------------------------------------
# The tuned folders
# --------------------------------------------------------------------------------------


@dataclass
class Tuned:
    """One ``ovtune tune`` result: its report, winner and benchmark_app arguments, or why not."""

    label: str
    folder: Path
    report: dict[str, Any] | None = None
    winner: dict[str, Any] | None = None
    arguments: list[str] = field(default_factory=list)
    command_from: str = ""
    error: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.winner is not None and bool(self.arguments)

    @property
    def drop(self) -> float | None:
        value = (self.winner or {}).get("values", {}).get("drop")
        return None if value is None else float(value)

    def breaks(self, bound: float | None) -> bool:
        """Whether the winner breaks the accuracy bound (a tune that met nothing returns one anyway)."""
        return self.drop is not None and bound is not None and self.drop > bound

    @property
    def phase(self) -> str:
        return str((self.winner or {}).get("phase") or "n/a")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _command_line(text: str) -> str | None:
    """The benchmark_app command in a line of text (a README line, a JSON string), if any."""
    start = text.find("benchmark_app ")
    if start < 0:
        return None
    line = text[start:].splitlines()[0].strip().rstrip("`").strip()
    return line if " -m " in f" {line} " else None


def _found_command(folder: Path, report: dict[str, Any]) -> tuple[str, str]:
    """The benchmark_app command line for the tune's winner and where it was found: the deploy
    folder's own text files (its README), its ``ovtune-tune.json``, ``tune.json`` outside the
    trials, the winner's trial; else ``-m deploy/model.xml -load_config deploy/config.json``."""
    deploy = folder / "deploy"
    texts: list[tuple[str, list[str]]] = []
    if deploy.is_dir():
        for path in sorted(deploy.iterdir()):
            if path.is_file() and path.suffix.lower() in (".md", ".txt", ".sh", ""):
                texts.append((f"deploy/{path.name}", path.read_text(encoding="utf-8", errors="replace").splitlines()))
    about = deploy / "ovtune-tune.json"
    if about.is_file():
        texts.append(("deploy/ovtune-tune.json", list(_strings(json.loads(about.read_text(encoding="utf-8"))))))
    texts.append(("tune.json", list(_strings({k: v for k, v in report.items() if k != "trials"}))))
    number = report.get("decision", {}).get("winner")
    trials: list[dict[str, Any]] = report.get("trials", [])
    winner = next((trial for trial in trials if trial.get("number") == number), {})
    texts.append((f"tune.json trial {number}", list(_strings(winner))))
    for where, lines in texts:
        line = next((command for command in map(_command_line, lines) if command), None)
        if line:
            return line, where
    return f"benchmark_app -m {deploy / 'model.xml'} -load_config {deploy / 'config.json'}", "default"


def deploy_command(folder: Path, report: dict[str, Any]) -> tuple[list[str], str]:
    """benchmark_app's arguments for a tune folder's result (program name and ``-t``/``-niter``
    left out, paths absolute), and where they were found."""
    found = _found_command(folder, report)
    line, where = found
    tokens = shlex.split(line)[1:]
    arguments: list[str] = []
    skip = False
    for index, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        if token in ("-t", "-niter"):
            skip = True
            continue
        previous = tokens[index - 1] if index else ""
        is_path = previous in ("-m", "-load_config", "-i", "-dump_config", "-report_folder")
        arguments.append(str(_locate(token, folder)) if is_path and not Path(token).is_absolute() else token)
    return arguments, where


def _locate(token: str, folder: Path) -> Path:
    """A relative path from a deploy command: beside the deploy folder, the tune folder, the
    working directory, or by its name in the deploy folder."""
    for base in (folder / "deploy", folder, Path.cwd()):
        if (base / token).exists():
            return (base / token).resolve()
    return (folder / "deploy" / Path(token).name).resolve()


def _argument(arguments: list[str], flag: str) -> str | None:
    return arguments[arguments.index(flag) + 1] if flag in arguments[:-1] else None


def prepare_tuned(tuned: Tuned, model: Model, recipe: Recipe) -> None:
    """Fill in the winner and the benchmark_app arguments of a tune report."""
    assert tuned.report is not None
    try:
        tuned.winner = winner_of(tuned.report)
    except MeasureError as exc:
        tuned.error = str(exc)
        return
    arguments, tuned.command_from = deploy_command(tuned.folder, tuned.report)
    model_path = Path(_argument(arguments, "-m") or tuned.folder / "deploy" / "model.xml")
    if not model_path.is_file():
        tuned.error = f"no model at {model_path} (from the {tuned.command_from} command)"
        return
    if "-shape" not in arguments and "-data_shape" not in arguments:
        shapes = shape_argument(model_path, recipe)
        if shapes:
            arguments += ["-data_shape", shapes]
            tuned.notes.append(f"the deploy model has dynamic inputs: ran with -data_shape {shapes}")
    if model.float_input and "-ip" not in arguments:
        arguments += ["-ip", "f32"]
    tuned.arguments = arguments


def tune_both(model: Model, recipe: Recipe, work: Path, args: argparse.Namespace, log: Log) -> tuple[Tuned, Tuned]:
    """The hand-written tune and the auto tune (or their earlier folders with ``--skip-tune``)."""
    hand = Tuned(HAND, work / "hand")
    auto = Tuned(AUTO, work / "auto")
    for tuned in (hand, auto):
        try:
            if args.skip_tune:
                tuned.report = load_tune(tuned.folder)
            elif tuned is hand:
                tuned.report = run_tune(recipe.path, tuned.folder, log, label=f"{model.name} hand-written space")
            else:
                tuned.report = _run_auto(model, recipe, tuned.folder, args, log)
        except MeasureError as exc:
            tuned.error = str(exc)
            continue
        prepare_tuned(tuned, model, recipe)
    if auto.report is not None and not (auto.folder / "space.toml").is_file():
        auto.notes.append(
            "no space.toml in the tune folder: this ovtune has no auto tuning yet, so the run searched only "
            "the recipe's own configuration (its figures are not an auto result)"
        )
    for tuned in (hand, auto):
        if tuned.error:
            log(f"{model.name}: {tuned.label}: FAILED, left out: {tuned.error}")
        for note in tuned.notes:
            log(f"{model.name}: {tuned.label}: note: {note}")
    return hand, auto


def _run_auto(model: Model, recipe: Recipe, out: Path, args: argparse.Namespace, log: Log) -> dict[str, Any]:
    import tomli_w

    table = recipe.auto(args.budget, args.trials)
    handle, name = tempfile.mkstemp(prefix=f".{recipe.path.stem}-auto-", suffix=".toml", dir=recipe.path.parent)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(f"# {recipe.path.name} without its hand-written space (benchmarks/auto_tune.py)\n")
            stream.write(tomli_w.dumps(table))
        return run_tune(path, out, log, label=f"{model.name} auto ({args.budget})")
    finally:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------
# One model
# --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    model: Model
    recipe: Recipe
    currency: Currency
    accuracy: Accuracy
    hand: Tuned
    auto: Tuned
    presets_precision: str
    results: Results
    skipped: dict[str, str]

    def best(self, name: str) -> float | None:
        return self.currency.best(self.results.get(name, []))

    def ratio(self, a: str, b: str) -> Ratio | None:
        if a not in self.results or b not in self.results:
            return None
        return ratio(self.results[a], self.results[b], self.currency)

    def versus_presets(self, name: str) -> Ratio | None:
        if not {name, LATENCY, THROUGHPUT} <= set(self.results):
            return None
        presets = best_per_round(self.results[LATENCY], self.results[THROUGHPUT], currency=self.currency)
        return ratio(self.results[name], presets, self.currency)


def ensure_prepared(model: Model, recipe: Recipe, log: Log) -> None:
    needed = [recipe.source, *([model.onnx] if model.onnx else []), *filter(None, [recipe.validation_npz()])]
    missing = [path for path in needed if not path.exists()]
    if missing:
        log(f"{model.name}: preparing ({', '.join(p.name for p in missing)} missing) with {model.prepare.name}")
        subprocess.run([sys.executable, str(model.prepare)], check=True, env={**os.environ, "CI": "true"})


def run_model(model: Model, args: argparse.Namespace, log: Log) -> Outcome:
    recipe = Recipe.read(model.recipe)
    ensure_prepared(model, recipe, log)
    currency = Currency.for_objective(recipe.objective)
    hand, auto = tune_both(model, recipe, args.work / model.name, args, log)

    accuracy = measure_accuracy(model, recipe)
    bound = recipe.max_drop
    original = ["-m", str(recipe.source), "-d", "CPU"]
    shapes = shape_argument(recipe.source, recipe)
    if shapes:
        original += ["-shape", shapes]
    if model.float_input:
        original += ["-ip", "f32"]
    presets_precision = accuracy.default_precision
    if bound is not None and accuracy.drop_default is not None and accuracy.drop_default > bound:
        original += ["-infer_precision", "f32"]
        presets_precision = "f32"
        log(
            f"{model.name}: OpenVINO's default precision ({accuracy.default_precision}) loses "
            f"{accuracy.drop_default:.4g} {accuracy.metric} > max_drop {bound}: "
            "the presets run with -infer_precision f32"
        )
    if accuracy.note:
        log(f"{model.name}: accuracy: {accuracy.note}")

    skipped: dict[str, str] = {}
    contenders: dict[str, Callable[[], float]] = {}
    data = recipe.validation_npz()
    if model.onnx is None or not model.onnx.is_file():
        skipped[ORT] = f"no ONNX model ({model.onnx}); rerun {model.prepare.name}"
    elif data is None:
        skipped[ORT] = "the metric's data is not an npz file to feed ONNX Runtime"
    elif bound is not None and accuracy.drop_ort is not None and accuracy.drop_ort > bound:
        skipped[ORT] = f"ONNX Runtime loses {accuracy.drop_ort:.4g} > max_drop {bound}"
    else:
        onnx, mode = model.onnx, "throughput" if currency.higher else "latency"
        contenders[ORT] = lambda: run_ort(onnx, data, mode=mode, seconds=args.seconds)[currency.key]
    contenders[LATENCY] = _benchmark_app([*original, "-hint", "latency"], args.seconds, currency)
    contenders[THROUGHPUT] = _benchmark_app([*original, "-hint", "tput"], args.seconds, currency)
    for tuned in (hand, auto):
        if tuned.ok:
            contenders[tuned.label] = _benchmark_app(tuned.arguments, args.seconds, currency)
        else:
            skipped[tuned.label] = tuned.error or "no result"
    for name, reason in skipped.items():
        log(f"{model.name}: {name}: skipped: {reason}")
    log(f"{model.name}: {args.rounds} round(s) of {args.seconds:g} s, {currency.unit}")
    results = interleave(contenders, rounds=args.rounds, currency=currency, log=log)
    return Outcome(model, recipe, currency, accuracy, hand, auto, presets_precision, results, skipped)


def _benchmark_app(arguments: list[str], seconds: float, currency: Currency) -> Callable[[], float]:
    return lambda: run_benchmark_app(arguments, seconds)[currency.key]


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def _figure(value: float | None, currency: Currency) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.1f} {currency.unit}" if currency.higher else f"{value:.3g} ms"


def _ratio_text(value: Ratio | None) -> str:
    return "n/a" if value is None else f"{value.best_of_n:.2f}x ({value.median_of_rounds:.2f}x)"


def _drop(value: float | None, bound: float | None = None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" + (" (breaks the bound)" if bound is not None and value > bound else "")


def _winner_text(tuned: Tuned) -> str:
    if not tuned.winner:
        return f"failed: {tuned.error}" if tuned.error else "n/a"
    winner = tuned.winner
    return f"trial {winner['number']}: {winner['label']} (ran in {winner.get('precision', '?')})"


def summary_lines(outcome: Outcome, rounds: int) -> list[str]:
    model, currency, accuracy = outcome.model, outcome.currency, outcome.accuracy
    bound = outcome.recipe.max_drop
    direction = "higher" if currency.higher else "lower"
    lines = [
        f"{model.name} ({model.domain}): objective {outcome.recipe.objective} ({currency.unit}, {direction} is "
        f"better, best of {rounds}); bound max_drop {bound} of {accuracy.metric} on {accuracy.samples} "
        f"held-out samples"
    ]
    drops = {
        ORT: accuracy.drop_ort,
        LATENCY: accuracy.drop_default if outcome.presets_precision != "f32" else 0.0,
        THROUGHPUT: accuracy.drop_default if outcome.presets_precision != "f32" else 0.0,
        HAND: outcome.hand.drop,
        AUTO: outcome.auto.drop,
    }
    for name in (ORT, LATENCY, THROUGHPUT, HAND, AUTO):
        extra = ""
        if name in (LATENCY, THROUGHPUT):
            extra = f", {outcome.presets_precision}"
        figure = _figure(outcome.best(name), currency) if name in outcome.results else "skipped"
        reason = f" ({outcome.skipped[name]})" if name in outcome.skipped else ""
        lines.append(f"  {name:<20} {figure:>12}  drop {_drop(drops[name], bound)}{extra}{reason}")
    lines += [
        f"  auto / best preset:   {_ratio_text(outcome.versus_presets(AUTO))} best-of-N (median of rounds)",
        f"  auto / hand-written:  {_ratio_text(outcome.ratio(AUTO, HAND))}",
        f"  auto / ONNX Runtime:  {_ratio_text(outcome.ratio(AUTO, ORT))}",
        f"  hand / best preset:   {_ratio_text(outcome.versus_presets(HAND))}",
        f"  hand-written winner:  {_winner_text(outcome.hand)}",
        f"  auto winner:          {_winner_text(outcome.auto)}, found in phase {outcome.auto.phase}",
    ]
    for tuned in (outcome.hand, outcome.auto):
        if tuned.command_from:
            command = shlex.join(tuned.arguments)
            lines.append(f"  {tuned.label} measured with the {tuned.command_from} command: {command}")
        lines += [f"  {tuned.label}: {note}" for note in tuned.notes]
    return lines


def markdown_table(outcomes: list[Outcome], rounds: int, seconds: float) -> list[str]:
    lines = [
        f"Figures: best of {rounds} interleaved round(s) of {seconds:g} s in fresh processes; ratios: best-of-N "
        "(median of per-round ratios), above 1 means auto is better. ONNX Runtime is timed by the wall clock "
        "around InferenceSession.run (the Python call included, which benchmark_app's request latency excludes); "
        "a preset marked (f32) ran with -infer_precision f32 because OpenVINO's default precision breaks the bound.",
        "",
        f"| model (input) | objective, bound | {ORT} | {LATENCY} | {THROUGHPUT} | {HAND} | {AUTO} "
        "| auto / best preset | auto / hand-written | auto / ORT | drop hand / auto | auto winner (phase) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        currency = outcome.currency

        def cell(name: str, current: Outcome = outcome) -> str:
            if name not in current.results:
                return "skipped"
            tuned = {HAND: current.hand, AUTO: current.auto}.get(name)
            mark = " (breaks the bound)" if tuned is not None and tuned.breaks(current.recipe.max_drop) else ""
            return _figure(current.best(name), current.currency) + mark

        presets = "" if outcome.presets_precision == outcome.accuracy.default_precision else " (f32)"
        winner = outcome.auto.winner
        winner_text = f"{winner['label']} ({outcome.auto.phase})" if winner else "n/a"
        bound = f"{outcome.accuracy.metric} drop <= {outcome.recipe.max_drop}"
        drops = (
            f"{_drop(outcome.hand.drop, outcome.recipe.max_drop)} / {_drop(outcome.auto.drop, outcome.recipe.max_drop)}"
        )
        lines.append(
            f"| {outcome.model.title} ({outcome.model.domain}) "
            f"| {outcome.recipe.objective} ({currency.unit}), {bound} "
            f"| {cell(ORT)} | {cell(LATENCY)}{presets} | {cell(THROUGHPUT)}{presets} | {cell(HAND)} | {cell(AUTO)} "
            f"| {_ratio_text(outcome.versus_presets(AUTO))} | {_ratio_text(outcome.ratio(AUTO, HAND))} "
            f"| {_ratio_text(outcome.ratio(AUTO, ORT))} "
            f"| {drops} | {winner_text} |"
        )
    return lines


def geometric_mean_lines(outcomes: list[Outcome]) -> list[str]:
    """The geometric mean of auto / ONNX Runtime over the models where both ran and the auto
    winner meets the bound (a faster answer that breaks the bound is no win)."""
    present: dict[str, Ratio] = {}
    missing: list[str] = []
    for outcome in outcomes:
        value = outcome.ratio(AUTO, ORT)
        if value is None:
            missing.append(f"{outcome.model.name}: not both measured")
        elif outcome.auto.breaks(outcome.recipe.max_drop):
            missing.append(f"{outcome.model.name}: the auto winner breaks the bound")
        else:
            present[outcome.model.name] = value
    if not present:
        return [f"geometric mean of auto / ONNX Runtime f32 speed: n/a ({'; '.join(missing) or 'no model'})"]
    best = geometric_mean([value.best_of_n for value in present.values()])
    median = geometric_mean([value.median_of_rounds for value in present.values()])
    return [
        f"geometric mean of auto / ONNX Runtime f32 speed over {', '.join(present)}: "
        f"{best:.2f}x best-of-N, {median:.2f}x median of rounds"
        + (f" (left out: {'; '.join(missing)})" if missing else "")
    ]


def machine() -> str:
    import openvino as ov

    return (
        f"{datetime.date.today().isoformat()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical cores, OpenVINO {ov.get_version().split('-')[0]}, Python {platform.python_version()}"
    )


def to_json(outcome: Outcome) -> dict[str, Any]:
    def tuned(value: Tuned) -> dict[str, Any]:
        return {
            "folder": str(value.folder),
            "winner": (value.winner or {}).get("number"),
            "label": (value.winner or {}).get("label"),
            "phase": value.phase,
            "drop": value.drop,
            "arguments": value.arguments,
            "command_from": value.command_from,
            "error": value.error,
            "notes": value.notes,
        }

    def ratio_json(value: Ratio | None) -> dict[str, Any] | None:
        return None if value is None else {"best_of_n": value.best_of_n, "median_of_rounds": value.median_of_rounds}

    return {
        "objective": outcome.recipe.objective,
        "unit": outcome.currency.unit,
        "max_drop": outcome.recipe.max_drop,
        "accuracy": vars(outcome.accuracy),
        "presets_precision": outcome.presets_precision,
        "results": outcome.results,
        "skipped": outcome.skipped,
        "hand": tuned(outcome.hand),
        "auto": tuned(outcome.auto),
        "auto_vs_presets": ratio_json(outcome.versus_presets(AUTO)),
        "auto_vs_hand": ratio_json(outcome.ratio(AUTO, HAND)),
        "auto_vs_ort": ratio_json(outcome.ratio(AUTO, ORT)),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=list(MODELS))
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds (default 3)")
    parser.add_argument("--seconds", type=float, default=5.0, help="Seconds per benchmark_app run (default 5)")
    parser.add_argument("--budget", default="10m", help="Time budget of the auto tune (default 10m)")
    parser.add_argument("--trials", type=int, help="Trial budget of the auto tune (default: the tuner's)")
    parser.add_argument("--skip-tune", action="store_true", help="Reuse the tune folders of an earlier run")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "ovtune-auto-tune-bench")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work = args.work.resolve()
    outcomes: list[Outcome] = []
    for name in args.models:
        try:
            outcomes.append(run_model(MODELS[name], args, log_line))
        except (MeasureError, subprocess.CalledProcessError, OSError, KeyError) as exc:
            log_line(f"{name}: FAILED: {type(exc).__name__}: {exc}")
    print()
    print(f"machine: {machine()}")
    for outcome in outcomes:
        print("\n".join(summary_lines(outcome, args.rounds)))
    print()
    print("\n".join(markdown_table(outcomes, args.rounds, args.seconds)))
    print()
    print("\n".join(geometric_mean_lines(outcomes)))
    args.work.mkdir(parents=True, exist_ok=True)
    results = args.work / "auto_tune.json"
    document = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    document["models"] = {o.model.name: to_json(o) for o in outcomes}
    results.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nall figures: {results}")
    return 0 if len(outcomes) == len(args.models) else 1


if __name__ == "__main__":
    sys.exit(main())
