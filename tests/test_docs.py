"""Documentation that cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

from ovtune.docs import recipe_reference
from ovtune.manager import PluginHost

ROOT = Path(__file__).resolve().parents[1]


def test_recipe_reference_is_generated_from_the_code() -> None:
    expected = recipe_reference(PluginHost(autoload=False, trace=False).registry)
    actual = (ROOT / "docs" / "recipes.md").read_text()
    assert actual == expected, "docs/recipes.md is stale: run `python -m ovtune.docs > docs/recipes.md`"


def test_readme_commands_match_the_makefile_and_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make demo" in readme and "make test" in readme
    assert re.search(r"^demo: install\n\t\$\(BIN\)/ovtune demo$", makefile, re.M)
    assert re.search(r"^test: install-dev browser\n\t\$\(BIN\)/python -m pytest$", makefile, re.M)
    assert "make test" in ci


def test_docs_that_readme_links_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"`(docs/[\w./-]+\.md)`", readme):
        assert (ROOT / link).exists(), link
