"""A registration's declared libraries reach its stage cache key, the report and the lock.

ovtune cannot guess which library a third-party stage computes with; the stage says so
(``libraries=("numpy",)`` here, as ``("nncf",)`` for NNCF's stages), and a different installed
version of that library must recompute that stage, and only it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import metadata
from typing import Any

import pytest

from ovtune import libraries
from ovtune.cache import stage_key
from ovtune.plugin import NoOptions, Stage, hookimpl
from ovtune.testing import CliResult, RecipeProject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def keep(model: Any, options: NoOptions, context: Any) -> Any:
    """A stage whose output is its input (a copy)."""
    return model.clone()


class ThirdPartyStages:
    """A third-party plugin whose stages compute with NumPy or Pillow, and say so."""

    @hookimpl
    def ovtune_register_stages(self) -> list[Stage]:
        return [
            Stage(
                name="thirdparty.numpy",
                summary="Computes with NumPy",
                options=NoOptions,
                run=keep,
                libraries=("numpy",),
            ),
            Stage(
                name="thirdparty.pillow",
                summary="Computes with Pillow",
                options=NoOptions,
                run=keep,
                libraries=("pillow",),
            ),
            Stage(name="thirdparty.plain", summary="Declares no library", options=NoOptions, run=keep),
        ]


def test_versions_are_ovtune_openvino_and_the_declared_libraries() -> None:
    versions = libraries.library_versions(("numpy", "no-such-distribution-ovtune-test", "numpy"))
    assert list(versions) == ["ovtune", "openvino", "numpy"]
    assert versions["numpy"] == metadata.version("numpy")
    assert list(libraries.library_versions()) == ["ovtune", "openvino"]


def test_the_stage_key_holds_the_declared_library_versions() -> None:
    def key(versions: dict[str, str] | None) -> str:
        return stage_key(input_hash="in", stage="s", options={}, plugin_version="1", data={}, libraries=versions)

    assert key({"ovtune": "1", "numpy": "2.0.0"}) != key({"ovtune": "1", "numpy": "2.0.1"})
    assert key({"ovtune": "1"}) != key({"ovtune": "1", "numpy": "2.0.0"})
    assert key(None) == key(libraries.library_versions())


def test_registration_libraries_are_a_tuple_of_names() -> None:
    with pytest.raises(ValueError, match="libraries is a tuple of distribution names"):
        Stage(name="x", summary="x", options=NoOptions, run=keep, libraries="nncf")  # type: ignore[arg-type]


def test_a_new_version_of_a_declared_library_recomputes_that_stage_only(
    ovtune_project: RecipeProject,
    ovtune_register: Callable[..., None],
    ovtune_cli: Callable[..., CliResult],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ovtune_register(ThirdPartyStages(), name="thirdparty", distribution="ovtune-thirdparty")
    stages = '[[stage]]\nuse = "thirdparty.plain"\n\n[[stage]]\nuse = "thirdparty.numpy"\n'
    recipe = str(ovtune_project.demo_recipe(stages=stages, measure='metrics = ["size"]'))

    first = ovtune_cli("run", recipe)
    assert first.exit_code == 0, first.output
    report = ovtune_project.report("test")
    assert [s["cached"] for s in report["stages"]] == [False, False]
    installed = metadata.version("numpy")
    assert report["environment"]["libraries"]["numpy"] == installed
    lock = tomllib.loads((ovtune_project.root / "runs" / "test" / "run.lock.toml").read_text())
    assert lock["versions"]["numpy"] == installed and "nncf" not in lock["versions"]

    real = libraries.installed_version
    monkeypatch.setattr(libraries, "installed_version", lambda name: "0.0.1" if name == "numpy" else real(name))
    second = ovtune_cli("run", recipe)
    assert second.exit_code == 0, second.output
    assert [s["cached"] for s in ovtune_project.report("test")["stages"]] == [True, False]


@pytest.mark.parametrize(("stage", "declared"), [("thirdparty.pillow", ["pillow"]), ("thirdparty.plain", [])])
def test_the_lock_lists_the_libraries_the_recipe_s_registrations_declare(
    stage: str,
    declared: list[str],
    ovtune_project: RecipeProject,
    ovtune_register: Callable[..., None],
    ovtune_cli: Callable[..., CliResult],
) -> None:
    ovtune_register(ThirdPartyStages(), name="thirdparty", distribution="ovtune-thirdparty")
    recipe = ovtune_project.demo_recipe(stages=f'[[stage]]\nuse = "{stage}"\n', measure='metrics = ["size"]')
    result = ovtune_cli("run", str(recipe))
    assert result.exit_code == 0, result.output
    assert list(ovtune_project.report("test")["environment"]["libraries"]) == ["ovtune", "openvino", *declared]
    lock = tomllib.loads((ovtune_project.root / "runs" / "test" / "run.lock.toml").read_text())
    assert set(lock["versions"]) == {"ovtune", "openvino", "numpy", "ovtune-thirdparty", *declared}
