"""Figures are declared by measurements: a plugin's headline figure is a table column, a
``compare --fail-on`` gate and a ``[tune]`` objective without a line of core code."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_tune import tune_report, write_tune_recipe

from ovtune.figures import FigureCatalog, builtin_catalog
from ovtune.plugin import Figure, Measurement, hookimpl
from ovtune.report.model import report_schema
from ovtune.testing import CliResult, RecipeProject

ROOT = Path(__file__).resolve().parents[1]
Cli = Callable[..., CliResult]


def _weight_bytes(subject: Any, options: Any, context: Any) -> dict[str, Any]:
    """A real figure of the model (bytes of its constants), scaled by $JOULES_PER_BYTE to stand
    for an energy estimate that differs between two runs."""
    model = subject.read()
    constants = sum(op.get_byte_size() for op in model.get_ops() if op.get_type_name() == "Constant")
    return {"joules": constants * float(os.environ.get("JOULES_PER_BYTE", "1e-6")), "constants_bytes": constants}


ENERGY = Figure(key="joules", label="energy J", unit="J", better="lower", headline=True, format=".5f")


class EnergyPlugin:
    @hookimpl
    def ovtune_register_measurements(self) -> list[Measurement]:
        return [
            Measurement(
                name="energy",
                summary="Estimated energy per inference",
                run=_weight_bytes,
                figures=(ENERGY,),
            )
        ]


def test_a_plugin_figure_is_a_column_and_a_gate(
    ovtune_project: RecipeProject, ovtune_register: Callable[..., None], ovtune_cli: Cli
) -> None:
    ovtune_register(EnergyPlugin(), name="energy")
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size", "energy"]')
    first = ovtune_cli("run", str(recipe), "--out", str(ovtune_project.root / "a"))
    assert first.exit_code == 0, first.stderr
    assert "energy J" in first.stdout  # the console table
    report = json.loads((ovtune_project.root / "a" / "report.json").read_text())
    assert {"id": "energy.joules", "measurement": "energy", "label": "energy J"}.items() <= next(
        f for f in report["figures"] if f["id"] == "energy.joules"
    ).items()
    markdown = (ovtune_project.root / "a" / "report.md").read_text()
    assert "| model | size MB | energy J |" in markdown
    assert "charts/energy-joules.svg" in markdown  # a bar chart of the figure, labelled by its declaration
    chart = (ovtune_project.root / "a" / "charts" / "energy-joules.svg").read_text()
    assert "energy J (lower is better)" in chart
    second = ovtune_cli("run", str(recipe), "--out", str(ovtune_project.root / "b"), env={"JOULES_PER_BYTE": "2e-6"})
    assert second.exit_code == 0, second.stderr
    a, b = str(ovtune_project.root / "a"), str(ovtune_project.root / "b")
    gate = ovtune_cli("compare", a, b, "--fail-on", "energy.joules>+5%")
    assert gate.exit_code == 1, gate.stderr
    assert "regression" in gate.stdout + gate.stderr
    compared = json.loads(ovtune_cli("compare", a, b, "--json").stdout)
    changes = [c for m in compared["models"] for c in m["metrics"] if c["metric"] == "energy.joules"]
    assert changes and all(c["better"] == "lower" and c["verdict"] == "worse" for c in changes)


def test_report_json_lists_every_file_and_equals_what_the_finish_hook_receives(
    ovtune_project: RecipeProject, ovtune_register: Callable[..., None], ovtune_cli: Cli
) -> None:
    received: list[dict[str, Any]] = []

    class Listener:
        @hookimpl
        def ovtune_pipeline_finish(self, run: Any, report: dict[str, Any]) -> None:
            received.append(json.loads(json.dumps(report, default=str)))

    ovtune_register(Listener(), name="listener")
    recipe = ovtune_project.demo_recipe(measure='metrics = ["size"]')
    assert ovtune_cli("run", str(recipe)).exit_code == 0
    run_dir = ovtune_project.root / "runs" / "test"
    written = json.loads((run_dir / "report.json").read_text())
    assert written == received[0]
    assert str(run_dir / "report.json") in written["files"] and str(run_dir / "report.md") in written["files"]


def test_the_published_report_schema_is_generated_from_the_model() -> None:
    published = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    assert published == report_schema(), (
        "docs/report.schema.json is stale: run `python -m ovtune.report.model > docs/report.schema.json`"
    )


@pytest.mark.parametrize(
    ("text", "figure_id"),
    [
        ("latency", "latency.median_ms"),
        ("latency.p90", "latency.p90_ms"),
        ("throughput", "throughput.fps"),
        ("first_inference", "first_inference.cached_ms"),
        ("size", "size.mb"),
        ("accuracy.drop", "accuracy.drop"),
    ],
)
def test_figures_resolve_from_short_names(text: str, figure_id: str) -> None:
    found = builtin_catalog().resolve(text)
    assert found is not None and found.id == figure_id


def test_a_report_without_declarations_falls_back_to_the_builtin_figures() -> None:
    catalog = FigureCatalog.from_report({"models": []})
    assert catalog.get("latency.median_ms") is not None and catalog.get("energy.joules") is None


def test_a_bad_figure_declaration_fails_at_registration() -> None:
    with pytest.raises(ValueError, match="figure key"):
        Figure(key="a b", label="x")
    with pytest.raises(ValueError, match="format"):
        Figure(key="x", label="x", format="q")


def _constant_bytes(model_path: Path) -> int:
    import openvino as ov

    model = ov.Core().read_model(str(model_path))
    return sum(op.get_byte_size() for op in model.get_ops() if op.get_type_name() == "Constant")


def test_a_plugin_figure_is_a_tune_objective_and_bound(
    ovtune_project: RecipeProject, ovtune_register: Callable[..., None], ovtune_cli: Cli
) -> None:
    """INT8 weights take fewer bytes: with energy (J per weight byte) as the objective and a
    bound the float model breaks, the tuner must choose the quantized model."""
    import ovtune_pot.plugin

    ovtune_register(EnergyPlugin(), name="energy")
    ovtune_register(ovtune_pot.plugin, name="pot", distribution="ovtune-pot")
    recipe = write_tune_recipe(ovtune_project, objective="energy", trials=2, max_drop=0.05, precisions='["f32"]')
    float_joules = _constant_bytes(ovtune_project.root / "digits_cnn.onnx") * 1e-6
    bound = f'max = {{ "energy.joules" = {float_joules * 0.9} }}\n'
    text = recipe.read_text().replace("[tune.constraints]\n", "[tune.constraints]\n" + bound)
    recipe.write_text(text.replace('hint = ["latency", "throughput"]', 'hint = ["latency"]'))
    result = ovtune_cli("tune", str(recipe))
    assert result.exit_code == 0, result.stderr
    report = tune_report(ovtune_project)
    assert report["objective_figure"]["id"] == "energy.joules"
    by_variant = {t["label"].split()[0]: t for t in report["trials"]}
    assert by_variant["float"]["violations"] == {'max."energy.joules"': pytest.approx(float_joules * 0.1, rel=1e-3)}
    winner = next(t for t in report["trials"] if t["number"] == report["decision"]["winner"])
    assert winner["label"].startswith("int8") and winner["values"]["energy.joules"] < float_joules * 0.9
    assert "has the lowest energy J" in report["decision"]["reason"]
    tune_md = (ovtune_project.root / "runs" / "digits-tune" / "tune.md").read_text()
    assert "| energy J |" in tune_md


def test_an_unknown_tune_objective_is_one_error_at_its_key(ovtune_project: RecipeProject, ovtune_cli: Cli) -> None:
    recipe = write_tune_recipe(ovtune_project, objective="energy")
    result = ovtune_cli("validate", str(recipe))
    assert result.exit_code == 2, result.stderr
    assert "tune.objective: 'energy' is not a figure of an installed measurement; choose among: first_inference" in (
        result.stderr
    )


def test_a_report_that_breaks_its_schema_is_one_warning_not_a_lost_run(capsys: pytest.CaptureFixture[str]) -> None:
    from ovtune.pipeline import _check_schema

    _check_schema({"schema_version": 1, "name": "x"})
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: report.json does not match docs/report.schema.json at ")
