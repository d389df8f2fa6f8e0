"""The plugin host reads the ovtune range plugins declare without importing packaging, for the
plain forms plugins write; every answer must be packaging's own (the fallback for the rest)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from ovtune.compatibility import requirement_from_lines

LINES = [
    "ovtune>=0.1,<0.2",
    "ovtune <0.2, >=0.1",
    "ovtune (>=0.1,<0.2)",
    "ovtune==0.1",
    "ovtune==0.1.0",
    "ovtune!=0.1.0",
    "ovtune>0.1",
    "ovtune<=0.1.0.0",
    "ovtune>=1",
    "ovtune",
    "Ovtune_>=0.1",  # not the name ovtune after all: packaging decides
    "OVTUNE>=0.1,<0.2",
    "ovtune~=0.1.0",
    "ovtune>=0.1rc1,<0.2",
    "ovtune>=0.1; python_version >= '3'",
    "ovtune>=0.9; extra == 'dev'",
    "ovtune[testing]>=0.1,<0.2",
]
VERSIONS = ["0.1.0", "0.1", "0.2.0", "0.0.9", "1.0", "0.1.1", "0.2.0rc1", "0.1.0+local"]


def packaging_answer(line: str, version: str) -> tuple[str | None, bool]:
    requirement = Requirement(line)
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        return None, True
    if requirement.name.lower().replace("_", "-") != "ovtune":
        return None, True
    specifier = str(requirement.specifier) or None
    return specifier, specifier is None or requirement.specifier.contains(Version(version), prereleases=True)


@pytest.mark.parametrize(("line", "version"), list(itertools.product(LINES, VERSIONS)))
def test_the_range_and_the_verdict_are_packagings(line: str, version: str) -> None:
    found = requirement_from_lines("ovtune-x", [line])
    assert (found.specifier, found.accepts(version)) == packaging_answer(line, version)


def test_checking_a_plain_range_imports_no_packaging() -> None:
    code = (
        "import sys\n"
        "from ovtune.compatibility import requirement_from_lines\n"
        "found = requirement_from_lines('ovtune-x', ['numpy>=1', 'ovtune>=0.1,<0.2'])\n"
        "print(found.specifier, found.accepts('0.1.0'), found.accepts('0.2.0'), 'packaging' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["<0.2,>=0.1", "True", "False", "False"]
