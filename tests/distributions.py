"""Real installed-looking distributions for plugin-host tests.

``make_distribution`` writes a module and a ``.dist-info`` folder with an ``entry_points.txt``
into a folder that the test puts on ``sys.path`` (or ``PYTHONPATH``): ``importlib.metadata``
then finds it exactly as it finds a pip-installed plugin. Its ``RECORD`` lists the files, so
that pip can uninstall it from an environment's site-packages (``overlay.py``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    site: Path,
    *,
    distribution: str,
    version: str = "0.1.0",
    entry_point: str,
    module: str,
    code: str,
    requires: tuple[str, ...] = (),
) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
    info = site / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    lines = ["Metadata-Version: 2.1", f"Name: {distribution}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "entry_points.txt").write_text(f"[ovtune]\n{entry_point} = {module}\n")
    files = [f"{module}.py", *(f"{info.name}/{name}" for name in ("METADATA", "entry_points.txt", "RECORD"))]
    (info / "RECORD").write_text("".join(f"{name},,\n" for name in files))
    return site


STAGE_PLUGIN = """
    from ovtune.plugin import Options, Stage, hookimpl


    class Opts(Options):
        factor: float = 1.0


    def run(model, options, context):
        return model.clone()


    @hookimpl
    def ovtune_register_stages():
        return [Stage(name="{stage}", summary="test stage", options=Opts, run=run)]
"""
