"""The sections of report.html and report.md that say what ran: the device AUTO picked, each
stage's options, the benchmark_app commands and the resolved recipe, from a report built here
(the real run's are checked in a browser by tests/test_reports.py)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

from ovtune.recipe import tomllib
from ovtune.report.charts import charts
from ovtune.report.document import html, inline_value, markdown, recipe_toml
from ovtune.testing import RecipeProject, run_cli


def openvino_model(label: str, path: str, devices: list[str]) -> dict[str, Any]:
    return {
        "label": label,
        "kind": "openvino",
        "path": path,
        "runtime": {
            "properties": {
                "EXECUTION_DEVICES": devices,
                "PERFORMANCE_HINT": "THROUGHPUT",
                "NUM_STREAMS": 2,
                "INFERENCE_PRECISION_HINT": "f32",
            },
            "precision": {"dominant": "f32"},
        },
        "measurements": {},
    }


def auto_report() -> dict[str, Any]:
    return {
        "name": "R&D <net>",
        "device": "AUTO",
        "device_info": {"AUTO": {"FULL_DEVICE_NAME": "Auto device"}},
        "recipe": {
            "schema": 1,
            "name": "R&D <net>",
            "model": {"source": "/models/a&b.onnx", "format": "onnx"},
            "stage": [{"use": "pot.default", "preset": None, "subset_size": 300}],
            "deploy": {"device": "AUTO", "hint": "throughput", "precision": None, "properties": {}},
            "measure": {"metrics": ["latency"], "duration": 2.0, "trials": 1},
        },
        "model": {"source": "/models/a&b.onnx", "inputs": [{"name": "x", "shape": [1, 3], "element_type": "f32"}]},
        "stages": [
            {
                "index": 1,
                "name": "pot.default",
                "options": {
                    "preset": None,
                    "subset_size": 300,
                    "ignored_scope": {"names": ["a<b"], "validate_names": True},
                },
                "cached": True,
                "plugin": "ovtune-pot 0.1.0",
                "notes": ["quantized"],
            }
        ],
        "models": [
            openvino_model("original", "/models/a&b.onnx", ["CPU"]),
            openvino_model("01-pot.default", "/runs/x/stages/01-pot.default/model.xml", ["CPU"]),
            {"label": "onnxruntime", "kind": "baseline", "measurements": {}},
        ],
    }


def test_html_says_which_device_auto_picked_and_what_each_stage_ran_with() -> None:
    report = auto_report()
    page = html(report, charts(report))
    assert "<dd>AUTO: Auto device (ran on CPU)</dd>" in page
    devices = page.split('id="devices"', 1)[1].split("<h2", 1)[0]
    assert "<td>01-pot.default</td><td>AUTO</td><td>CPU</td><td>THROUGHPUT</td><td>2</td><td>f32</td>" in devices
    assert "onnxruntime" not in devices
    options = page.split('id="stage-1-options"', 1)[1].split("</table>", 1)[0]
    assert "<code>preset</code></td><td><code>(not set)</code>" in options
    assert "{ names = [&quot;a&lt;b&quot;], validate_names = true }" in options  # escaped, never markup
    commands = re.findall(r"<pre><code>(benchmark_app [^<]*)</code></pre>", page)
    assert [unescape(c) for c in commands] == [
        "benchmark_app -m '/models/a&b.onnx' -d AUTO -hint tput -ip f32 -t 2",
        "benchmark_app -m /runs/x/stages/01-pot.default/model.xml -d AUTO -hint tput -ip f32 -t 2",
    ]
    recipe = page.split('id="recipe"', 1)[1].split("<pre><code>", 1)[1].split("</code></pre>", 1)[0]
    parsed = tomllib.loads(unescape(recipe))
    assert parsed["name"] == "R&D <net>" and parsed["stage"] == [{"use": "pot.default", "subset_size": 300}]
    assert "<net>" not in page.replace("&lt;net&gt;", "")  # every text escaped


def test_a_command_the_report_records_is_shown_as_recorded() -> None:
    report = auto_report()
    report["models"][1]["benchmark_app"] = "benchmark_app -m recorded.xml -d CPU"
    page = html(report, [])
    assert "<pre><code>benchmark_app -m recorded.xml -d CPU</code></pre>" in page


def test_markdown_lists_the_options_devices_and_commands() -> None:
    text = markdown(auto_report(), {})
    assert "Options: `preset = (not set)`, `subset_size = 300`" in text
    assert "| 01-pot.default | AUTO | CPU | THROUGHPUT | 2 | f32 |" in text
    assert "## Cross-check with benchmark_app" in text and "- 01-pot.default: `benchmark_app -m /runs/x" in text
    assert "a&lt;b" in text and "a<b" not in text


def test_a_device_that_ran_as_asked_is_not_repeated() -> None:
    report = auto_report()
    report["device"] = "CPU"
    report["device_info"] = {"CPU": {"FULL_DEVICE_NAME": "Xeon"}}
    assert "<dd>CPU: Xeon</dd>" in html(report, [])


def test_inline_values_read_as_recipe_values() -> None:
    assert inline_value(True) == "true" and inline_value(0.5) == "0.5" and inline_value("a") == '"a"'
    assert inline_value({"a": [1, "b"], "c": {}}) == '{ a = [1, "b"], c = {} }'
    assert inline_value(None) == "(not set)"
    assert tomllib.loads(recipe_toml({"recipe": {"a": None, "b": [None, 1], "c": {"d": None}}})) == {"b": [1], "c": {}}


def test_a_real_run_on_auto_says_which_device_ran(tmp_path: Path) -> None:
    project = RecipeProject(tmp_path)
    recipe = project.demo_recipe(measure='metrics = ["latency"]', extra='[deploy]\ndevice = "AUTO"\n')
    result = run_cli("run", str(recipe), env={"OVTUNE_CACHE_DIR": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "runs" / "test"
    report = json.loads((run_dir / "report.json").read_text())
    ran = report["models"][0]["runtime"]["properties"]["EXECUTION_DEVICES"]
    assert report["device"] == "AUTO" and ran and "AUTO" not in ran
    page = (run_dir / "report.html").read_text()
    assert f"(ran on {', '.join(ran)})</dd>" in page
    assert f"<td>original</td><td>AUTO</td><td>{', '.join(ran)}</td>" in page
    assert "-d AUTO" in page.split('id="benchmark-app"', 1)[1]
