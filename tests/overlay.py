"""A virtual environment layered on the test environment, for installing plugins with pip.

Installing a plugin into the environment that runs the tests would change what every later
test sees (``ovtune plugins``, registrations, conflicts). An overlay is a new, empty virtual
environment whose ``.pth`` file adds the test environment's site-packages *after* its own:
ovtune, OpenVINO and NNCF come from there (nothing is copied or downloaded), while pip
installs and uninstalls plugins in the overlay only. ``python -m pip`` and ``python -m ovtune``
run with the overlay's interpreter, exactly as ``ovtune install`` runs pip in ovtune's own
environment.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Overlay:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        """The overlay's own site-packages (where pip installs, and uninstalls from)."""
        return self.root / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"

    def run(
        self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "CI": "true", **(env or {})}
        environment.pop("PYTHONPATH", None)
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def ovtune(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "ovtune", *args, cwd=cwd)

    def plugins(self) -> dict[str, dict[str, Any]]:
        result = self.ovtune("plugins", "--json")
        assert result.returncode == 0, result.stderr
        return {entry["name"]: entry for entry in json.loads(result.stdout)["plugins"]}


def make_overlay(folder: Path) -> Overlay:
    venv.create(folder, with_pip=False)
    own = Overlay(folder).site_packages
    lines = [f"import site; site.addsitedir({path!r})\n" for path in site.getsitepackages()]
    (own / "_ovtune_test_environment.pth").write_text("".join(lines), encoding="utf-8")
    return Overlay(folder)
