"""What a tune leaves behind: ``best.toml``, ``deploy/``, ``tune.json`` and ``tune.md``.

``deploy/`` is what an application needs and nothing else: ``model.xml``/``model.bin`` (the
winner's model as measured, weights not recompressed) and ``config.json``, the
``compile_model`` properties in the format ``benchmark_app -load_config`` reads
(``{"CPU": {"PERFORMANCE_HINT": "THROUGHPUT", ...}}``, values as strings), so the figures can
be checked with ``benchmark_app -m deploy/model.xml -load_config deploy/config.json``.
:func:`ovtune.runtime.load` compiles it in one line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import tomli_w

from ovtune import __version__
from ovtune.deploy import compile_config
from ovtune.figures import FigureCatalog
from ovtune.storage import atomic_directory, atomic_write_text, model_files
from ovtune.tune.goals import DROP, PARETO_AXES

DEPLOY_DIR = "deploy"
CONFIG_NAME = "config.json"
MODEL_NAME = "model.xml"
ABOUT_NAME = "ovtune-tune.json"


def write_best_recipe(path: Path, table: dict[str, Any], name: str, winner: dict[str, Any], reason: str) -> None:
    """The winner as a plain recipe: ``ovtune run best.toml`` reproduces its model and settings."""
    document = _toml_ready({**table, "name": f"{name}-best"})
    document["description"] = f"chosen by ovtune tune: {reason}"
    if not document.get("stage"):
        document.pop("stage", None)
    atomic_write_text(path, tomli_w.dumps(document))


def write_deploy_folder(
    folder: Path, winner: dict[str, Any], recipe: Any, *, original: Any, summary: dict[str, Any]
) -> Path:
    """``deploy/``: the model as measured and its ``compile_model`` properties."""
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
        about = {"ovtune_version": __version__, "device": device, "properties": properties, **summary}
        (temporary / ABOUT_NAME).write_text(json.dumps(about, indent=2, default=str) + "\n", encoding="utf-8")
    return folder


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
    lines += [f"Objective: **{report['objective']}**. {report['stopped_by']}.", ""]
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
    for title, path in images:
        lines += [f"![{title}](charts/{path.name})", ""]
    return "\n".join(lines)


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


def _toml_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_ready(v) for v in value if v is not None]
    if isinstance(value, Path):
        return str(value)
    return value
