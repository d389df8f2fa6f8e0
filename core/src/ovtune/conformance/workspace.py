"""A temporary recipe project with the demo model and data, its own stage cache and run folders:
where every check builds and runs its recipes (the demo's :func:`~ovtune.demo.quick_recipe`, with
the registration under test), through the same code as ``ovtune run``."""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from ovtune.conformance.tables import without_none
from ovtune.manager import PluginHost
from ovtune.registry import Registry

if TYPE_CHECKING:
    from ovtune.pipeline import Pipeline
    from ovtune.recipe import Recipe


class Workspace:
    """A temporary folder with the demo model and data, its own stage cache and run folders."""

    def __init__(self, root: Path, host: PluginHost):
        from ovtune import demo

        self.root = root
        self.host = host
        self.files = demo.copy_files(root)
        self._runs = 0

    @property
    def registry(self) -> Registry:
        return self.host.registry

    def raw_recipe(
        self,
        *,
        source: str | Path | None = None,
        data: Mapping[str, Mapping[str, Any]] | None = None,
        metric: Mapping[str, Any] | None = None,
        stages: list[Mapping[str, Any]] | None = None,
        measure: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        from ovtune import demo

        quick = demo.quick_recipe("conformance", limit=48)
        datasets = {name: {**entry, "path": str(self.root / entry["path"])} for name, entry in quick["data"].items()}
        datasets.update({name: dict(options) for name, options in (data or {}).items()})
        raw: dict[str, Any] = {
            **quick,
            "model": {"source": str(source or self.root / quick["model"]["source"])},
            "data": datasets,
            "metric": dict(metric or quick["metric"]),
            "stage": [dict(stage) for stage in stages or []],
            "deploy": {"device": "CPU", "precision": "f32"},
            "measure": {"metrics": ["size"], "duration": 0.1, "warmup": 1, "trials": 1, **(measure or {})},
            "output": {"reports": ["json"], "cache_dir": str(self.root / "cache")},
        }
        return raw

    def build(self, raw: Mapping[str, Any]) -> Recipe:
        from ovtune.recipe import build_recipe

        return build_recipe(dict(raw), base_dir=self.root, registry=self.registry, file=self.root / "recipe.toml")

    def through_toml(self, raw: Mapping[str, Any]) -> Recipe:
        """Write ``raw`` as a TOML file and read it back as ``ovtune run`` would."""
        from ovtune.recipe import load_recipe

        path = self.root / "roundtrip.toml"
        path.write_text(tomli_w.dumps(without_none(dict(raw))), encoding="utf-8")
        return load_recipe(path, self.registry)

    def pipeline(self, recipe: Recipe) -> Pipeline:
        from ovtune.pipeline import Pipeline

        self._runs += 1
        return Pipeline(recipe, self.host, run_dir=self.root / f"run{self._runs}", cache_root=self.root / "cache")

    def run(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        with contextlib.redirect_stdout(io.StringIO()):
            report: dict[str, Any] = self.pipeline(self.build(raw)).run()
        return report


@contextlib.contextmanager
def workspace(host: PluginHost | None = None) -> Iterator[Workspace]:
    """A :class:`Workspace` in a temporary folder, removed afterwards."""
    host = host or PluginHost()
    with tempfile.TemporaryDirectory(prefix="ovtune-conformance-") as folder:
        yield Workspace(Path(folder), host)
