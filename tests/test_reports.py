"""The reports of a real run: report.json against its published schema, report.md and its charts,
report.html rendered in a real headless Chromium, run.lock.toml and ``ovtune run --lock``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import jsonschema
import pytest

from ovtune.recipe import tomllib
from ovtune.testing import RecipeProject, run_cli

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "docs" / "report.schema.json"
METRICS = (
    'metrics = ["size", "latency", "throughput", "first_inference", "memory", "accuracy"]\nbaseline = "onnxruntime"'
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real run of the demo model with INT8 quantization, every measurement and ONNX Runtime."""
    project = RecipeProject(tmp_path_factory.mktemp("reports"))
    stage = '[[stage]]\nuse = "pot.default"\nsubset_size = 32\nspeed_check = 0\n'
    extra = '[data.calibration]\nkind = "npz"\npath = "digits_calib.npz"\nlimit = 32\n'
    extra += "[measure.first_inference]\nruns = 1\n"
    recipe = project.demo_recipe(stages=stage, measure=METRICS.replace("\n", "\ntrials = 2\n", 1), extra=extra)
    recipe.write_text(recipe.read_text().replace("trials = 1\n", ""))
    result = run_cli("run", str(recipe), env={"OVTUNE_CACHE_DIR": str(project.root / "cache")})
    assert result.exit_code == 0, result.output
    return project.root / "runs" / "test"


def test_report_json_validates_against_the_published_schema(run_dir: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads((run_dir / "report.json").read_text())
    errors = [f"{e.json_path}: {e.message}" for e in jsonschema.Draft202012Validator(schema).iter_errors(report)]
    assert errors == []
    assert report["schema_version"] == schema["properties"]["schema_version"]["const"]
    # and the schema is not vacuous: a report missing what every report has is refused
    broken = {**report, "models": [{k: v for k, v in report["models"][0].items() if k != "runtime"}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_markdown_report_has_the_table_notes_and_existing_charts(run_dir: Path) -> None:
    text = (run_dir / "report.md").read_text()
    assert "| model | size MB | latency ms median |" in text
    for label in ("original", "01-pot.default", "onnxruntime (baseline)"):
        assert f"| {label} |" in text or f"| **{label}** |" in text
    assert "## What the numbers mean" in text and "## Stage 01-pot.default" in text
    # ovtune's LATENCY-hint throughput is a one-request queue; benchmark_app's is its sync loop
    assert "original: throughput with 1 request in flight (LATENCY hint); benchmark_app -hint latency" in text
    assert "which is latency.sync_fps here (" in text
    links = re.findall(r"!\[[^\]]*\]\((charts/[^)]+\.svg)\)", text)
    assert sorted(Path(link).name for link in links) == [
        "accuracy-latency.svg",
        "first-inference.svg",
        "latency.svg",
        "throughput.svg",
    ]
    for link in links:
        assert (run_dir / link).read_text().startswith("<svg ")


def section(page: str, anchor: str) -> str:
    """The part of a rendered page from the element with ``anchor`` to the next heading."""
    assert anchor in page, f"{anchor} is not in the rendered page"
    return page.split(anchor, 1)[1].split("<h2", 1)[0]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed: apt-get install chromium (.ci/run and `make test` install it)"
    return found


def test_html_report_renders_in_headless_chromium(run_dir: Path, tmp_path: Path) -> None:
    page = (run_dir / "report.html").as_uri()
    profile = tmp_path / "profile"
    common = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*common, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert rendered.count('class="ovtune-chart"') == 4
    for chart in ("latency", "throughput", "accuracy-latency", "first-inference"):
        assert f'id="chart-{chart}"' in rendered
    assert rendered.count('class="box"') == 3  # one latency box per model: original, INT8, ONNX Runtime
    assert 'class="pareto"' in rendered and 'class="point front"' in rendered
    assert len(re.findall(r"<tr>", rendered.split('id="results"', 1)[1].split("</table>", 1)[0])) == 4
    assert rendered.count('width="100%"') >= 4  # every chart fills the column
    text = unescape(rendered)
    # what ran: each stage's options, the devices, the benchmark_app commands, the recipe as TOML
    options = section(text, 'id="stage-1-options"')
    assert "<code>subset_size</code></td><td><code>32</code>" in options
    assert '<code>target_device</code></td><td><code>"any"</code>' in options
    devices = section(text, 'id="devices"')
    assert "<td>01-pot.default</td><td>CPU</td><td>CPU</td>" in devices and "<td>original</td>" in devices
    assert "onnxruntime" not in devices  # a baseline runs outside OpenVINO
    commands = section(text, 'id="benchmark-app"')
    assert commands.count("<pre><code>benchmark_app -m ") == 2 and "01-pot.default/model.xml -d CPU" in commands
    recipe = tomllib.loads(section(text, 'id="recipe"').split("<code>", 1)[1].split("</code>", 1)[0])
    assert recipe["stage"][0]["use"] == "pot.default" and recipe["measure"]["baseline"] == "onnxruntime"
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console_errors == []
    assert "http://" not in (run_dir / "report.html").read_text().replace("http://www.w3.org/2000/svg", "")
    shot = tmp_path / "report.png"
    taken = subprocess.run(
        [*common, "--window-size=1200,2600", f"--screenshot={shot}", page],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert taken.returncode == 0 and shot.stat().st_size > 50_000, taken.stderr[-2000:]


def test_console_marks_the_best_values_and_the_speedup_against_the_native_framework(run_dir: Path) -> None:
    from ovtune.report.console import render_table
    from ovtune.report.table import grid

    report = json.loads((run_dir / "report.json").read_text())
    headers, cells = grid(report)
    assert "speedup (latency)" in headers and "vs onnxruntime (latency)" in headers
    size = headers.index("size MB")
    assert [line[size].best for line in cells] == [False, True, False]  # INT8 is the smallest file
    assert render_table(report).row_count == 3


def test_lock_refuses_a_changed_version_and_replays_with_allow_changed(run_dir: Path, tmp_path: Path) -> None:
    import tomllib

    lock = tomllib.loads((run_dir / "run.lock.toml").read_text())
    assert lock["versions"]["openvino"] and lock["versions"]["ovtune-pot"]
    assert lock["hashes"]["stage.01-pot.default"]
    original = lock["models"][0]
    assert original["benchmark_app"].startswith("benchmark_app -m ") and "-ip f32" in original["benchmark_app"]
    assert original["properties_read_back"]["PERFORMANCE_HINT"] == "LATENCY"
    edited = tmp_path / "run.lock.toml"
    text = (run_dir / "run.lock.toml").read_text()
    edited.write_text(text.replace(f'openvino = "{lock["versions"]["openvino"]}"', 'openvino = "2020.1"', 1))
    refused = run_cli("run", "--lock", str(edited), "--out", str(tmp_path / "rerun"))
    assert refused.exit_code == 2, refused.output
    change = f"package openvino: locked 2020.1, installed {lock['versions']['openvino']}"
    assert change in refused.stderr and "--allow-changed" in refused.stderr
    result = run_cli("run", "--lock", str(edited), "--allow-changed", "--out", str(tmp_path / "rerun"))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [f"warning: {change}"]
    rerun = json.loads((tmp_path / "rerun" / "report.json").read_text())
    assert rerun["stages"][0]["details"]["output_hash"] == lock["hashes"]["stage.01-pot.default"]
    assert [m["label"] for m in rerun["models"]] == [m["label"] for m in lock["models"]]


def test_a_file_that_is_not_a_lock_is_one_error_line(tmp_path: Path) -> None:
    bogus = tmp_path / "run.lock.toml"
    bogus.write_text('name = "x"\n')
    result = run_cli("run", "--lock", str(bogus))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("not an ovtune lock file (lock_version 1 with a [recipe])")
