"""What a tune leaves behind: ``best.toml``, ``deploy/``, ``tune.json`` and ``tune.md``.

``deploy/`` is what an application needs and nothing else: ``model.xml``/``model.bin`` (the
winner's model as measured, weights not recompressed) and ``config.json``, the
``compile_model`` properties in the format ``benchmark_app -load_config`` reads
(``{"CPU": {"PERFORMANCE_HINT": "THROUGHPUT", ...}}``, values as strings), so the figures can
be checked with ``benchmark_app``; ``README.md`` and ``ovtune-tune.json`` give that command.
:func:`ovtune.runtime.load` compiles it in one line.

A model with dynamic inputs (``x: [?,3,?,?]``, no static-shape stage) needs benchmark_app's
``-data_shape``: ``-load_config`` alone fails with "Input x is dynamic. Provide data shapes!".
The shape is that of the first sample of the data the figures were timed on (the metric's data,
else the first ``[data.*]`` entry, as :func:`ovtune.measure.inputs.timing_inputs` chooses), and
``ovtune-tune.json`` records it as ``"data_shape": {"x": [1, 3, 320, 320]}``. When no data
gives a dynamic input its shape, the README says so instead of printing a command that fails.
"""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from ovtune import __version__
from ovtune.context import DataCatalog, describe_inputs
from ovtune.deploy import compile_config
from ovtune.errors import OvtuneError
from ovtune.figures import FigureCatalog
from ovtune.storage import atomic_directory, atomic_write_text, model_files
from ovtune.tune.goals import DROP, PARETO_AXES

DEPLOY_DIR = "deploy"
CONFIG_NAME = "config.json"
MODEL_NAME = "model.xml"
ABOUT_NAME = "ovtune-tune.json"
README_NAME = "README.md"
CHECK_SECONDS = 10
"""The ``-t`` of the cross-check command (benchmark_app runs 60 s on CPU without one)."""


def write_best_recipe(path: Path, table: dict[str, Any], name: str, winner: dict[str, Any], reason: str) -> None:
    """The winner as a plain recipe: ``ovtune run best.toml`` reproduces its model and settings."""
    document = toml_ready({**table, "name": f"{name}-best"})
    document["description"] = f"chosen by ovtune tune: {reason}"
    if not document.get("stage"):
        document.pop("stage", None)
    atomic_write_text(path, tomli_w.dumps(document))


def write_deploy_folder(
    folder: Path, winner: dict[str, Any], recipe: Any, *, original: Any, summary: dict[str, Any]
) -> Path:
    """``deploy/``: the model as measured, its ``compile_model`` properties, and the
    benchmark_app command that cross-checks them (with ``-data_shape`` for dynamic inputs)."""
    import openvino as ov

    device = winner.get("device") or recipe.deploy.device
    properties = {key: _property_text(value) for key, value in compile_config(recipe.deploy).items()}
    with atomic_directory(folder) as temporary:
        if winner.get("model_path"):
            for path in model_files(Path(winner["model_path"])):
                shutil.copyfile(path, temporary / (Path(MODEL_NAME).stem + path.suffix))
        else:
            ov.save_model(original, str(temporary / MODEL_NAME), compress_to_fp16=False)
        (temporary / CONFIG_NAME).write_text(json.dumps({device: properties}, indent=2) + "\n", encoding="utf-8")
        check = cross_check(ov.Core().read_model(str(temporary / MODEL_NAME)), device, recipe, original)
        about = {
            "ovtune_version": __version__,
            "device": device,
            "properties": properties,
            "data_shape": check.data_shape,
            "benchmark_app": check.command,
            **summary,
        }
        (temporary / ABOUT_NAME).write_text(json.dumps(about, indent=2, default=str) + "\n", encoding="utf-8")
        (temporary / README_NAME).write_text(_readme(device, summary, check), encoding="utf-8")
    return folder


@dataclass
class CrossCheck:
    """The benchmark_app command that measures a deploy folder, run from inside it.

    ``data_shape`` is the shape of every input as the figures were measured (the model's for a
    static input, the data's for a dynamic one), or None when a dynamic input has no known
    shape; then ``command`` is None too and ``note`` says why."""

    command: str | None
    data_shape: dict[str, list[int]] | None
    dynamic: list[str] = field(default_factory=list)
    source: str | None = None
    note: str = ""


def cross_check(model: Any, device: str, recipe: Any, original: Any) -> CrossCheck:
    """The cross-check of ``model`` (the deployed ``openvino.Model``) compiled with
    ``config.json``: ``-data_shape`` only when an input is dynamic, from the first sample of
    the data the figures were timed on."""
    inputs = [(_input_name(port), port.get_partial_shape(), port) for port in model.inputs]
    dynamic = [name for name, shape, _ in inputs if shape.is_dynamic]
    args = ["benchmark_app", "-m", MODEL_NAME, "-d", device, "-load_config", CONFIG_NAME]
    args += _precision_args([(name, port.get_element_type().get_type_name()) for name, _, port in inputs])
    if not dynamic:
        shapes = {name: [int(d) for d in shape.to_shape()] for name, shape, _ in inputs}
        return CrossCheck(shlex.join([*args, "-t", str(CHECK_SECONDS)]), shapes)
    listed = ", ".join(f"`{name}` {shape}" for name, shape, _ in inputs if name in dynamic)
    found = _data_shapes(inputs, recipe, original)
    if found is None:
        note = (
            f"the model has dynamic inputs ({listed}) and no `[data.*]` entry of the recipe gives their shape; "
            'benchmark_app needs `-data_shape` with the shape of your data (`-data_shape "NAME[1,3,224,224]"`), '
            '`-load_config` alone fails with "Provide data shapes!"'
        )
        return CrossCheck(None, None, dynamic, note=note)
    source, sample_shapes = found
    shapes = {name: sample_shapes.get(name) or [int(d) for d in shape.to_shape()] for name, shape, _ in inputs}
    text = _data_shape_text({name: shapes[name] for name in dynamic}, single=len(inputs) == 1)
    if text is None:
        note = f"the names of the dynamic inputs ({listed}) cannot be written in `-data_shape`"
        return CrossCheck(None, shapes, dynamic, source, note)
    command = shlex.join([*args, "-data_shape", text, "-t", str(CHECK_SECONDS)])
    note = (
        f"`-data_shape` is needed because the model has dynamic inputs ({listed}); "
        f"the shape is that of the first sample of `{source}`, the data the figures were measured with"
    )
    return CrossCheck(command, shapes, dynamic, source, note)


def _precision_args(inputs: list[tuple[str, str]]) -> list[str]:
    """``-ip`` (or ``-iop`` per input): benchmark_app otherwise feeds an image-like input as u8
    through an added Convert, a slightly different model from the one ovtune timed."""
    from ovtune.measure.benchmark_app import PRECISION_FLAGS

    kinds = {kind for _, kind in inputs}
    if len(kinds) == 1 and next(iter(kinds)) in PRECISION_FLAGS:
        return ["-ip", PRECISION_FLAGS[next(iter(kinds))]]
    known = [(name, kind) for name, kind in inputs if kind in PRECISION_FLAGS]
    if not known or any("," in name or ":" in name for name, _ in known):
        return []
    return ["-iop", ",".join(f"{name}:{PRECISION_FLAGS[kind]}" for name, kind in known)]


def _input_name(port: Any) -> str:
    """An input's name as benchmark_app matches it: a tensor name, else the node's name."""
    return str(port.get_any_name()) if port.get_names() else str(port.get_node().get_friendly_name())


def _data_shapes(
    inputs: list[tuple[str, Any, Any]], recipe: Any, original: Any
) -> tuple[str, dict[str, list[int]]] | None:
    """The shapes of the first sample that feeds every dynamic input (the way timing matches
    arrays to inputs: by any of the input's names, with a compatible shape), and its source."""
    import openvino as ov

    for name, sample in _first_samples(recipe, original):
        shapes: dict[str, list[int]] = {}
        for input_name, partial, port in inputs:
            array = next((sample[n] for n in (input_name, *sorted(port.get_names())) if n in sample), None)
            shape = [int(d) for d in getattr(array, "shape", ())] if array is not None else None
            if shape is not None and partial.compatible(ov.PartialShape(shape)):
                shapes[input_name] = shape
            elif partial.is_dynamic:
                break
        else:
            return f"data.{name}", shapes
    return None


def _first_samples(recipe: Any, original: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The first sample of each ``[data.*]`` entry, the one timing uses first (the metric's
    data, else the first entry); an entry that cannot be read is left out."""
    names = list(recipe.data)
    metric = getattr(recipe, "metric", None)
    if metric is not None and metric.data in names:
        names.remove(metric.data)
        names.insert(0, metric.data)
    if not names:
        return
    catalog = DataCatalog(recipe.data, describe_inputs(original), recipe.base_dir)
    for name in names:
        try:
            sample = catalog.get(name)[0]
        except OvtuneError:
            continue
        yield name, sample.inputs


def _data_shape_text(shapes: dict[str, list[int]], *, single: bool) -> str | None:
    """``x[1,3,320,320]`` or ``x[1,3,320,320],y[1,5]``; ``[1,3,320,320]`` for the only input of
    a model whose name benchmark_app could not parse; None when no form can say it."""

    def dims(shape: list[int]) -> str:
        return "[" + ",".join(str(d) for d in shape) + "]"

    if all(name and not any(char in "[]," for char in name) for name in shapes):
        return ",".join(f"{name}{dims(shape)}" for name, shape in shapes.items())
    if single:
        return dims(next(iter(shapes.values())))
    return None


def _readme(device: str, summary: dict[str, Any], check: CrossCheck) -> str:
    lines = [f"# Chosen by ovtune tune: {summary.get('configuration') or 'the winner'}", ""]
    if summary.get("reason"):
        lines += [f"{summary['reason']}.", ""]
    lines += [
        f"- `{MODEL_NAME}`, `model.bin`: the model as measured",
        f"- `{CONFIG_NAME}`: its `compile_model` properties for {device}, as `benchmark_app -load_config` reads them",
        f"- `{ABOUT_NAME}`: objective, figures, precision, data shape and this command, for tools",
        "",
        "Load it:",
        "",
        "```python",
        "import ovtune.runtime",
        "",
        'compiled = ovtune.runtime.load("path/to/this/folder")   # only OpenVINO needed',
        "```",
        "",
        "Cross-check the figures with OpenVINO's own tool, from this folder:",
        "",
    ]
    if check.command:
        lines += ["```bash", check.command, "```", ""]
        if check.dynamic:
            lines += [f"{check.note}.", ""]
    else:
        lines += [f"No command is given: {check.note}.", ""]
    return "\n".join(lines)


def write_report(folder: Path, report: dict[str, Any]) -> list[Path]:
    """``tune.json`` (everything) and ``tune.md`` (tables and the charts of every trial)."""
    from ovtune.report.charts import charts

    atomic_write_text(folder / "tune.json", json.dumps(report, indent=2, default=str) + "\n")
    chart_dir = folder / "charts"
    chart_dir.mkdir(exist_ok=True)
    pseudo = {
        "figures": report.get("figures", []),
        "models": [_as_model(trial) for trial in report["trials"] if trial.get("state") == "complete"],
    }
    written = [folder / "tune.json"]
    images = []
    for chart in charts(pseudo):
        path = chart_dir / f"tune-{chart.name}.svg"
        atomic_write_text(path, chart.svg)
        images.append((chart.title, path))
        written.append(path)
    atomic_write_text(folder / "tune.md", _markdown(report, images))
    written.append(folder / "tune.md")
    return written


def _as_model(trial: dict[str, Any]) -> dict[str, Any]:
    """A trial in the shape the run report's charts draw (one "model" per trial)."""
    return {
        "label": f"#{trial['number']} {trial['label']}",
        "kind": "openvino",
        "measurements": {k: v for k, v in (trial.get("measurements") or {}).items() if k != "accuracy"}
        | ({"accuracy": trial["accuracy"]} if trial.get("accuracy") else {}),
    }


def _markdown(report: dict[str, Any], images: list[tuple[str, Path]]) -> str:
    decision = report["decision"]
    lines = [f"# ovtune tune: {report['name']}", ""]
    stopped = f" {report['stopped_by'][:1].upper()}{report['stopped_by'][1:]}." if report["stopped_by"] else ""
    lines += [f"Objective: **{report['objective']}**.{stopped}", ""]
    if decision.get("reason"):
        lines += [f"**Chosen:** {decision['reason']}.", ""]
    lines += [f"- {note}" for note in decision.get("notes", [])]
    if decision.get("notes"):
        lines.append("")
    catalog = FigureCatalog.from_report(report)
    keys = _shown(report)
    headers = [_header(catalog, key) for key in keys]
    lines += ["| # | configuration | precision | " + " | ".join(headers) + " | feasible | Pareto |"]
    lines += ["|" + "---|" * (len(headers) + 5)]
    front = set(report.get("pareto_front", []))
    for trial in report["trials"]:
        values = trial.get("values") or {}
        if trial.get("state") != "complete":
            error = f"failed: {trial.get('error', '')}"
            lines.append(f"| {trial['number']} | {trial['label']} | {error} |" + " |" * (len(keys) + 2))
            continue
        cells = [str(trial["number"]), trial["label"], str(trial.get("precision", "?"))]
        cells += [_fmt(values.get(key)) for key in keys]
        cells += ["yes" if trial.get("feasible") else "no", "*" if trial["number"] in front else ""]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += _winner_section(report)
    for title, path in images:
        lines += [f"![{title}](charts/{path.name})", ""]
    return "\n".join(lines)


def _winner_section(report: dict[str, Any]) -> list[str]:
    """What was chosen, in the words a deployment needs: the device it ran on (what AUTO
    picked), the compile properties read back, the recipe that rebuilds it (every stage with
    its options) and the benchmark_app command that cross-checks the deploy folder."""
    number = report["decision"].get("winner")
    trial = next((t for t in report["trials"] if t["number"] == number), None)
    if trial is None:
        return []
    properties = trial.get("properties") or {}
    ran = properties.get("EXECUTION_DEVICES")
    ran_text = ", ".join(map(str, ran)) if isinstance(ran, list) else str(ran or "")
    lines = [f"## The chosen configuration: #{number} {trial['label']}", ""]
    device = f"Device asked: {trial.get('device') or '?'}" + (f"; ran on {ran_text}" if ran_text else "")
    lines += [f"{device}; precision that ran: {trial.get('precision', '?')}.", ""]
    shown = {key: value for key, value in properties.items() if key != "EXECUTION_DEVICES"}
    if shown:
        lines += ["| property | value |", "|---|---|"]
        lines += [f"| {key} | {_property_text(value)} |" for key, value in sorted(shown.items())]
        lines.append("")
    best = report.get("files", {}).get("best_recipe")
    if best and Path(best).is_file():
        lines += [f"`{Path(best).name}` rebuilds it (every stage with its options, and `[deploy]`):", ""]
        lines += ["```toml", Path(best).read_text(encoding="utf-8").rstrip(), "```", ""]
    deploy = report.get("files", {}).get("deploy")
    about = Path(deploy) / ABOUT_NAME if deploy else None
    if about is not None and about.is_file():
        command = json.loads(about.read_text(encoding="utf-8")).get("benchmark_app")
        if command:
            lines += [f"Cross-check with benchmark_app, from inside `{Path(deploy).name}/`:", ""]
            lines += ["```bash", command, "```", ""]
    return lines


def _shown(report: dict[str, Any]) -> list[str]:
    """The trial values the table shows: the Pareto axes and the objective's figure."""
    goal = (report.get("objective_figure") or {}).get("id")
    return [*PARETO_AXES, *([goal] if goal and goal not in PARETO_AXES else [])]


def _header(catalog: FigureCatalog, key: str) -> str:
    figure = catalog.get(key)
    return "drop" if key == DROP else figure.label if figure else key


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"


def _property_text(value: Any) -> str:
    if isinstance(value, bool):
        return "YES" if value else "NO"
    return str(value)


def toml_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [toml_ready(v) for v in value if v is not None]
    if isinstance(value, Path):
        return str(value)
    return value
