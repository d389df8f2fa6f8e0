"""The report charts: well-formed SVG whatever the labels, a legend wherever colours or marks mean
something, a width that fills the column, a readable axis when every value is equal; and every
chart a real ``ovtune run`` and ``ovtune tune`` write, as files and inline in report.html, parsed
as XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_tune import write_tune_recipe

from ovtune.report.charts import Chart, charts, padded_range, range_ticks
from ovtune.testing import RecipeProject, run_cli

SVG = "{http://www.w3.org/2000/svg}"
INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def latency(median: float) -> dict[str, float]:
    return {
        f"{key}_ms": median * factor
        for key, factor in (
            ("min", 0.8),
            ("p25", 0.9),
            ("median", 1.0),
            ("mean", 1.05),
            ("p75", 1.1),
            ("p90", 1.2),
            ("p99", 1.5),
            ("max", 2.0),
        )
    }


def model(label: str, kind: str, median: float, accuracy: float) -> dict[str, Any]:
    return {
        "label": label,
        "kind": kind,
        "measurements": {
            "latency": latency(median),
            "throughput": {"fps": 1000 / median},
            "accuracy": {"value": accuracy, "metric": "top1 & <co>", "higher_is_better": True},
            "first_inference": {"cold_ms": 90.0, "cached_ms": 30.0},
        },
    }


def report(models: list[dict[str, Any]]) -> dict[str, Any]:
    figures = [
        {
            "id": "throughput.fps",
            "measurement": "throughput",
            "key": "fps",
            "label": "throughput FPS",
            "unit": "FPS",
            "better": "higher",
            "headline": True,
            "format": ".1f",
        }
    ]
    return {"models": models, "figures": figures}


def parsed(chart: Chart) -> ET.Element:
    """The chart's SVG as XML: expat refuses a duplicated attribute, an unescaped ``&`` or ``<``
    and a control character, so a chart that parses is well-formed."""
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def legend_labels(root: ET.Element) -> list[str]:
    legends = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    return [text for g in legends for text in texts(g)]


NASTY = ['R&D "fast" <int8> model', "a<b & c>d\x01", "plain"]


def test_labels_with_markup_characters_are_escaped_and_every_chart_parses() -> None:
    made = charts(
        report(
            [
                model("original", "openvino", 2.0, 0.9),
                model(NASTY[0], "openvino", 1.0, 0.85),
                model(NASTY[1], "baseline", 3.0, 0.8),
            ]
        )
    )
    assert [chart.name for chart in made] == ["latency", "throughput", "accuracy-latency", "first-inference"]
    for chart in made:
        root = parsed(chart)
        shown = " ".join(texts(root))
        assert NASTY[0] in shown or "R&D" in shown  # escaped on the way in, read back as written
        assert "\x01" not in chart.svg


def test_charts_are_a_pure_function_of_the_report() -> None:
    def make() -> list[str]:
        return [c.svg for c in charts(report([model("original", "openvino", 2.0, 0.9), model("b", "baseline", 1, 1)]))]

    assert make() == make()


def test_a_retitled_chart_says_its_new_title_everywhere() -> None:
    chart = charts(report([model("original", "openvino", 2.0, 0.9)]))[0]
    moved = chart.retitled("latency-x86", "Latency per inference on <x86> & co")
    root = parsed(moved)
    assert moved.name == "latency-x86" and root.get("aria-label") == moved.title
    assert root.findtext(f"{SVG}title") == moved.title and moved.title in texts(root)
    assert chart.title not in texts(root)


def test_every_chart_fills_its_column_and_says_what_it_shows() -> None:
    for chart in charts(report([model("original", "openvino", 2.0, 0.9), model("01-x", "openvino", 1.0, 0.8)])):
        root = parsed(chart)
        assert root.get("width") == "100%" and root.get("height") is None
        assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))
        assert root.get("role") == "img" and root.get("aria-label") == chart.title
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text == chart.title
        assert desc is not None and "01-x" in (desc.text or "")


def test_a_legend_on_every_chart_whose_colours_or_marks_mean_something() -> None:
    mixed = {
        chart.name: legend_labels(parsed(chart))
        for chart in charts(
            report(
                [
                    model("original", "openvino", 2.0, 0.9),
                    model("01-pot.default", "openvino", 1.0, 0.85),
                    model("onnxruntime", "baseline", 3.0, 0.9),
                ]
            )
        )
    }
    kinds = ["original model", "optimized (OpenVINO)", "native framework"]
    assert mixed["latency"] == ["p25-p75", "min-p99", "median", "mean", *kinds]
    assert mixed["throughput"] == kinds
    assert mixed["accuracy-latency"][:3] == kinds and "on the Pareto front" in mixed["accuracy-latency"]
    assert mixed["first-inference"] == ["cold (no cache)", "cached (warm CACHE_DIR)"]
    # one colour means nothing to explain: a bar chart of trials of one kind has no legend
    same = {
        chart.name: legend_labels(parsed(chart))
        for chart in charts(report([model("#0 a", "openvino", 2.0, 0.9), model("#1 b", "openvino", 1.0, 0.9)]))
    }
    assert same["throughput"] == []
    assert same["latency"] == ["p25-p75", "min-p99", "median", "mean"]
    assert "on the Pareto front" in same["accuracy-latency"]


@pytest.mark.parametrize("value", [1.0, 0.0, 0.5, -3.0, 1234.5])
def test_equal_values_get_a_padded_axis_with_distinct_ticks(value: float) -> None:
    low, high = padded_range([value, value, value])
    assert low < value < high
    ticks = range_ticks(low, high)
    assert len(ticks) >= 2 and len({f"{tick:.4g}" for tick in ticks}) == len(ticks)
    assert all(low - 1e-9 <= tick <= high + 1e-9 for tick in ticks)


def test_a_chart_of_equal_accuracies_places_its_points_inside_the_plot() -> None:
    made = {
        chart.name: chart
        for chart in charts(
            report([model(f"m{i}", "openvino", 1.0 + i, 1.0) for i in range(3)] + [model("z", "baseline", 1.0, 1.0)])
        )
    }
    root = parsed(made["accuracy-latency"])
    height = float(root.get("viewBox", "").split()[3])
    points = [c for c in root.iter(f"{SVG}circle") if (c.get("class") or "").startswith("point")]
    assert len(points) == 4
    assert {c.get("cy") for c in points} == {points[0].get("cy")}  # one accuracy: one height
    assert 0 < float(points[0].get("cy", "nan")) < height
    y_ticks = [
        t.text or ""
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "end" and re.fullmatch(r"[0-9.]+", t.text or "")
    ]
    assert y_ticks == ["0.95", "0.975", "1", "1.025", "1.05"]


def test_point_labels_do_not_overlap_when_many_models_tie() -> None:
    labels = [f"#{i} int8 preset=mixed / throughput, bf16" for i in range(8)]
    made = charts(report([model(label, "openvino", 1.0 + 0.02 * i, 1.0) for i, label in enumerate(labels)]))
    root = parsed(next(chart for chart in made if chart.name == "accuracy-latency"))
    written = [t for t in root.iter(f"{SVG}text") if t.get("class") == "point-label"]
    assert sorted(t.text or "" for t in written) == labels
    boxes = [
        (
            float(t.get("x", 0)),
            float(t.get("y", 0)) - 11,
            float(t.get("x", 0)) + 7.0 * len(t.text or ""),
            float(t.get("y", 0)) + 3,
        )
        for t in written
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_long_labels_are_cut_with_the_full_text_kept_as_a_tooltip() -> None:
    label = "#12 int8 preset=performance fast_bias_correction=false / throughput, bf16, 4 streams"
    chart = charts(report([model(label, "openvino", 1.0, 0.9), model("short", "openvino", 2.0, 0.9)]))[0]
    root = parsed(chart)
    cut = [t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    assert cut and cut[0].findtext(f"{SVG}title") == label
    assert float(cut[0].get("x", "0")) > 0


# --------------------------------------------------------------------------------------
# Every chart of a real run and a real tune
# --------------------------------------------------------------------------------------


def every_svg(folder: Path) -> dict[str, ET.Element]:
    """Every ``.svg`` file under ``folder`` and every inline ``<svg>`` of every ``.html`` file
    there, parsed."""
    found = {str(path.relative_to(folder)): ET.fromstring(path.read_text()) for path in folder.rglob("*.svg")}
    for page in folder.rglob("*.html"):
        for index, svg in enumerate(INLINE_SVG.findall(page.read_text())):
            found[f"{page.relative_to(folder)}#{index}"] = ET.fromstring(svg)
    return found


def test_every_chart_of_a_real_run_and_tune_is_well_formed_with_its_legend(tmp_path: Path) -> None:
    run_project = RecipeProject(tmp_path / "run")
    run_project.root.mkdir()
    stage = '[[stage]]\nuse = "pot.default"\nsubset_size = 32\nspeed_check = 0\n'
    extra = '[data.calibration]\nkind = "npz"\npath = "digits_calib.npz"\nlimit = 32\n'
    extra += "[measure.first_inference]\nruns = 1\n"
    metrics = 'metrics = ["size", "latency", "throughput", "first_inference", "accuracy"]\nbaseline = "onnxruntime"'
    recipe = run_project.demo_recipe(stages=stage, measure=metrics, extra=extra)
    env = {"OVTUNE_CACHE_DIR": str(tmp_path / "cache")}
    result = run_cli("run", str(recipe), env=env)
    assert result.exit_code == 0, result.output
    run_dir = run_project.root / "runs" / "test"
    found = every_svg(run_dir)
    files = sorted(name for name in found if name.endswith(".svg"))
    assert files == [
        "charts/accuracy-latency.svg",
        "charts/first-inference.svg",
        "charts/latency.svg",
        "charts/throughput.svg",
    ]
    assert len(found) == 2 * len(files)  # the same four inline in report.html
    for name, root in found.items():
        assert root.tag == f"{SVG}svg" and root.get("width") == "100%", name
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None, name
        assert legend_labels(root), f"{name} has no legend"  # every chart of this run has several kinds
    assert "native framework" in legend_labels(found["charts/throughput.svg"])
    assert "cached (warm CACHE_DIR)" in legend_labels(found["charts/first-inference.svg"])

    tune_project = RecipeProject(tmp_path / "tune")
    tune_project.root.mkdir()
    tune_recipe = write_tune_recipe(tune_project, trials=2)
    result = run_cli("tune", str(tune_recipe), env=env)
    assert result.exit_code == 0, result.output
    tune_dir = tune_project.root / "runs" / "digits-tune"
    found = every_svg(tune_dir)
    assert sorted(found) == [
        "charts/tune-accuracy-latency.svg",
        "charts/tune-latency.svg",
        "charts/tune-throughput.svg",
    ]
    for name, root in found.items():
        assert root.tag == f"{SVG}svg" and root.get("width") == "100%", name
    assert "on the Pareto front" in legend_labels(found["charts/tune-accuracy-latency.svg"])
    assert "median" in legend_labels(found["charts/tune-latency.svg"])
