"""Who provides what: installed metadata first, then the shipped catalog; no plugin is imported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ovtune.providers import Providers, installed_providers, known_providers
from ovtune.registry import Registry
from ovtune.types import Stage

from distributions import STAGE_PLUGIN, make_distribution


def test_the_catalog_names_first_party_distributions_that_are_not_installed() -> None:
    known = known_providers()
    assert known["pot"] == "ovtune-pot"
    assert known["onnxruntime"] == "ovtune-ort"
    assert Providers({}, known).distribution_for("pot.default") == "ovtune-pot"
    assert Providers({}, known).distribution_for("nope.default") is None


def test_an_installed_distribution_provides_its_entry_point_names_without_being_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    make_distribution(
        tmp_path,
        distribution="ovtune-zebra",
        entry_point="stripes",
        module="zebra_plugin",
        code=STAGE_PLUGIN.format(stage="stripes.wide"),
    )
    found = installed_providers()
    assert found["stripes"] == "ovtune-zebra"
    assert found["zebra"] == "ovtune-zebra"
    assert "zebra_plugin" not in sys.modules
    message = Registry([], Providers.discover()).describe_missing(Stage, "stripes.wide")
    assert message.endswith("it is provided by the distribution ovtune-zebra: pip install ovtune-zebra")
