"""``sweep.json``: what a sweep found, job by job, and the best recipe of each model on each
hardware class.

Shaped so that ``ovtune compare`` reads it as it reads a run's ``report.json``: a ``models`` list
(one entry per finished job, labelled ``MODEL/RECIPE``, with the measurements of the job's final
model) and the ``figures`` the measurements declare. Every job carries the hardware class of the
node that measured it, and the best recipe is chosen within a class: figures measured on different
hardware are never ranked against each other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SWEEP_FILE = "sweep.json"
SWEEP_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Objective:
    """What the best recipe of a model is chosen for: one figure of the final model."""

    name: str
    measurement: str
    key: str
    better: str
    label: str
    column: str
    """Its key in :func:`model_figures`."""


OBJECTIVES = {
    "latency": Objective("latency", "latency", "median_ms", "lower", "latency median (ms)", "latency_median_ms"),
    "throughput": Objective("throughput", "throughput", "fps", "higher", "throughput (FPS)", "throughput_fps"),
    "size": Objective("size", "size", "mb", "lower", "size (MB)", "size_mb"),
}


def final_model(report: dict[str, Any]) -> dict[str, Any] | None:
    """The last OpenVINO model of a run's report: what the recipe made of the model."""
    models = [m for m in report.get("models", []) if m.get("kind", "openvino") == "openvino"]
    return models[-1] if models else None


def model_figures(model: dict[str, Any] | None) -> dict[str, Any] | None:
    """The figures of one model of a run's report, flat, as the report has them."""
    if model is None:
        return None
    measurements = model.get("measurements", {})

    def get(measurement: str, key: str) -> Any:
        result = measurements.get(measurement)
        return result.get(key) if isinstance(result, dict) else None

    return {
        "label": model.get("label"),
        "precision": model.get("runtime", {}).get("precision", {}).get("dominant"),
        "latency_median_ms": get("latency", "median_ms"),
        "throughput_fps": get("throughput", "fps"),
        "first_inference_ms": get("first_inference", "cold_ms"),
        "size_mb": get("size", "mb"),
        "accuracy": get("accuracy", "value"),
        "accuracy_metric": get("accuracy", "metric"),
        "higher_is_better": get("accuracy", "higher_is_better"),
    }


def job_entry(job: dict[str, Any], record: dict[str, Any] | None, report: dict[str, Any] | None) -> dict[str, Any]:
    """One job of ``sweep.json``. ``job`` names it (``id``, ``model``, ``recipe``, ``name``,
    ``folder``, ``recipe_fingerprint``, ``deploy``); ``record`` is its journal line (``None``:
    not run); ``report`` its run's report (``None``: it failed or did not run)."""
    result = (record or {}).get("result", {})
    node = result.get("node") or {}
    hardware = node.get("hardware") or {}
    stages = (report or {}).get("stages", result.get("stages", []))
    return {
        **job,
        "state": result.get("state", "not run"),
        "error": result.get("error"),
        "exit_code": result.get("exit_code"),
        "node": node.get("id"),
        "host": node.get("host"),
        "hardware_class": hardware.get("class"),
        "hardware_label": hardware.get("label"),
        "started": result.get("started"),
        "finished": result.get("finished"),
        "seconds": result.get("seconds"),
        "attempts": result.get("attempts"),
        "stages": [
            {
                "index": stage.get("index"),
                "name": stage.get("name"),
                "output_hash": (stage.get("details") or {}).get("output_hash"),
                "cached": stage.get("cached"),
                "seconds": stage.get("seconds"),
            }
            for stage in stages
        ],
        "original": model_figures((report or {}).get("models", [None])[0]) if report else None,
        "final": model_figures(final_model(report)) if report else None,
    }


def sweep_models(entries: Sequence[dict[str, Any]], reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``models`` list of ``sweep.json`` (what ``ovtune compare`` reads): each finished job's
    final model, labelled ``MODEL/RECIPE``, with the hardware class it was measured on."""
    models = []
    for entry in entries:
        report = reports.get(entry["id"])
        final = final_model(report) if report else None
        if final is None or entry["state"] != "complete":
            continue
        models.append({**final, "label": entry["id"], "job": entry["name"], "hardware_class": entry["hardware_class"]})
    return models


def declared_figures(reports: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The figures the jobs' reports declare, each once (the first declaration wins)."""
    seen: dict[str, dict[str, Any]] = {}
    for report in reports:
        for figure in report.get("figures", []):
            seen.setdefault(figure["id"], figure)
    return list(seen.values())


def accuracy_drop(figures: dict[str, Any] | None, reference: dict[str, Any] | None) -> float | None:
    """How much worse the accuracy is than the reference's (positive = worse), whatever the
    metric's direction; ``None`` when either has none."""
    if not figures or not reference:
        return None
    value, base = figures.get("accuracy"), reference.get("accuracy")
    if not isinstance(value, int | float) or not isinstance(base, int | float):
        return None
    higher = figures.get("higher_is_better")
    return float(base - value) if higher is not False else float(value - base)


def f32_reference(entries: Sequence[dict[str, Any]], model: str, hardware_class: str | None) -> dict[str, Any] | None:
    """The model's original as measured in f32 (its accuracy is what drops are measured from):
    from a job on the same hardware class when there is one."""
    found = [
        entry
        for entry in entries
        if entry["model"] == model
        and entry["state"] == "complete"
        and (entry.get("original") or {}).get("precision") == "f32"
        and (entry.get("original") or {}).get("accuracy") is not None
    ]
    same_class = [entry for entry in found if entry["hardware_class"] == hardware_class]
    chosen = same_class or found
    return dict(chosen[0]["original"]) if chosen else None


def best_per_model(
    entries: Sequence[dict[str, Any]], objective: Objective, max_drop: float | None
) -> list[dict[str, Any]]:
    """For each model and hardware class, in file order: the finished job best for the objective
    among those within ``max_drop`` of the model's f32 original (a job without a drop to check is
    eligible; the first in file order wins a tie). ``recipe`` is ``None`` when no job qualifies,
    with the reason."""
    rows = []
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault((entry["model"], entry["hardware_class"]), []).append(entry)
    for (model, hardware_class), jobs in groups.items():
        reference = f32_reference(entries, model, hardware_class)
        candidates = []
        for entry in jobs:
            if entry["state"] != "complete" or not entry.get("final"):
                continue
            value = entry["final"].get(objective.column)
            drop = accuracy_drop(entry["final"], reference)
            if not isinstance(value, int | float) or not math.isfinite(value):
                continue
            if max_drop is not None and drop is not None and drop > max_drop:
                continue
            candidates.append((value, entry, drop))
        row: dict[str, Any] = {
            "model": model,
            "hardware_class": hardware_class,
            "hardware_label": jobs[0].get("hardware_label"),
            "objective": objective.name,
            "recipe": None,
            "value": None,
            "figures": None,
            "accuracy_drop": None,
            "reason": None,
        }
        if not candidates:
            finished = [entry for entry in jobs if entry["state"] == "complete"]
            row["reason"] = (
                "no job finished"
                if not finished
                else f"no finished job has a {objective.name} figure"
                + (f" within max_drop {max_drop:g}" if max_drop is not None else "")
            )
        else:
            pick = min if objective.better == "lower" else max
            value, entry, drop = pick(candidates, key=lambda item: item[0])
            row.update(recipe=entry["recipe"], job=entry["id"], value=value, figures=entry["final"], accuracy_drop=drop)
        rows.append(row)
    return rows


def hardware_classes(nodes: Iterable[dict[str, Any]], entries: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Hardware class -> its readable label, for every node the executor offers and every node a
    job ran on."""
    classes: dict[str, str] = {}
    for node in nodes:
        hardware = node.get("hardware") or {}
        if hardware.get("class"):
            classes.setdefault(str(hardware["class"]), str(hardware.get("label", "")))
    for entry in entries:
        if entry.get("hardware_class"):
            classes.setdefault(str(entry["hardware_class"]), str(entry.get("hardware_label") or ""))
    return classes
