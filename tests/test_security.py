"""What a recipe is: ``ovtune validate`` executes none of the code a recipe names, and the
reports show recipe and plugin text as text, never as HTML (docs/security.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from pydantic import Field

from ovtune import hookimpl
from ovtune.context import StageResult
from ovtune.options import Options
from ovtune.report.document import html, markdown
from ovtune.testing import CliResult, RecipeProject, run_cli
from ovtune.types import Stage

MARKER_MODULE = """\
import pathlib

pathlib.Path(__file__).with_name("imported-" + __name__).write_text("this module ran")


def make(context):
    return []


def create(options):
    return None


def load():
    return None


def transform(sample):
    return sample.inputs
"""


def test_validate_imports_none_of_the_modules_a_recipe_names(ovtune_project: RecipeProject) -> None:
    """Every kind of reference a recipe can hold, to a module that writes a marker file when it
    is imported: validate checks them all and runs none."""
    (ovtune_project.root / "marker_mod.py").write_text(MARKER_MODULE)
    ovtune_project.copy_demo_model()
    recipe = ovtune_project.write_recipe(
        "schema = 1\n"
        '[model]\nsource = "digits_cnn.onnx"\n'
        '[data.validation]\nkind = "python:marker_mod:make"\n'
        '[data.calibration]\nkind = "python"\nfunction = "marker_mod:make"\n'
        '[metric]\nkind = "python:marker_mod:create"\n'
        '[measure]\nmetrics = ["size", "accuracy"]\n'
        + '[[stage]]\nuse = "pot.default"\ncalibration = "calibration"\ntransform = "marker_mod:transform"\n'
    )
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 0, result.stderr
    assert "marker_mod" not in sys.modules
    assert not list(ovtune_project.root.glob("imported-*"))


def test_validate_does_not_import_a_torch_factory(ovtune_project: RecipeProject) -> None:
    (ovtune_project.root / "marker_torch.py").write_text(MARKER_MODULE)
    recipe = ovtune_project.write_recipe(
        'schema = 1\n[model]\nsource = "torch:marker_torch:load"\n[measure]\nmetrics = ["size"]\n'
    )
    result = run_cli("validate", str(recipe))
    assert result.exit_code == 0, result.stderr
    assert "marker_torch" not in sys.modules
    assert not list(ovtune_project.root.glob("imported-*"))


# --------------------------------------------------------------------------------------
# reports escape raw HTML
# --------------------------------------------------------------------------------------

HOSTILE_NOTE = "calibrated <img src=x onerror=alert(1)> on <script>alert(2)</script> & more"


class NoteOptions(Options):
    """Options of the test stage."""

    note: str = Field("", description="A note the stage records")


def _noting_run(model: Any, options: NoteOptions, context: Any) -> StageResult:
    return StageResult(model.clone(), notes=[options.note, "line one\n<b>line two</b>"])


class NotingPlugin:
    @hookimpl
    def ovtune_register_stages(self) -> list[Stage]:
        return [Stage(name="html.noting", summary="records a note", options=NoteOptions, run=_noting_run)]


def test_report_md_escapes_raw_html_from_stage_notes_and_names(
    ovtune_project: RecipeProject,
    ovtune_register: Callable[..., None],
    ovtune_cli: Callable[..., CliResult],
) -> None:
    ovtune_register(NotingPlugin(), name="noting")
    stages = f'[[stage]]\nuse = "html.noting"\nnote = {json.dumps(HOSTILE_NOTE)}\n'
    recipe = ovtune_project.demo_recipe(stages=stages, measure='metrics = ["size"]')
    result = ovtune_cli("run", str(recipe))
    assert result.exit_code == 0, result.stderr
    run_dir = ovtune_project.root / "runs" / "test"
    text = (run_dir / "report.md").read_text()
    assert "calibrated &lt;img src=x onerror=alert(1)> on &lt;script>alert(2)&lt;/script> & more" in text
    assert "- line one &lt;b>line two&lt;/b>" in text
    assert "<img" not in text and "<script" not in text and "<b>" not in text

    # a name (recipe names and model labels reach the title, the summary and the table)
    report = json.loads((run_dir / "report.json").read_text())
    report["name"] = "<script>alert(3)</script>"
    rendered = markdown(report, {})
    assert rendered.startswith("# ovtune report: &lt;script>alert(3)&lt;/script>\n")
    assert "<script" not in rendered
    assert "<script" not in html(report, []).split("<body>", 1)[1]


def test_markdown_keeps_ordinary_text_readable() -> None:
    """Escaping touches only what could start HTML: comparisons and ampersands stay as written."""
    from ovtune.report.document import md_text

    assert md_text("set [measure] trials >= 2 & rerun") == "set [measure] trials >= 2 & rerun"
    assert md_text("&lt;b&gt; is an entity") == "&amp;lt;b&amp;gt; is an entity"
