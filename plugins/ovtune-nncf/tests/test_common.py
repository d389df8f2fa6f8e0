"""ovtune_nncf.common, the public module every stage built on NNCF uses (ovtune-pot's too)."""

from __future__ import annotations

import logging

import nncf
import pytest
from nncf.common.logging import nncf_logger
from ovtune_nncf.common import IgnoredScope, nncf_reason, quiet_nncf


def test_nncf_reason_is_one_line_naming_the_exception() -> None:
    error = ValueError("Ignored nodes were not found:\n  conv_7\n  conv_8\n")
    assert nncf_reason(error) == "NNCF failed: ValueError: Ignored nodes were not found"
    assert nncf_reason(RuntimeError("")) == "NNCF failed: RuntimeError"


def test_ignored_scope_becomes_nncf_s_own() -> None:
    assert IgnoredScope().empty
    scope = IgnoredScope(names=["conv_1"], types=["MatMul"], patterns=["head.*"], validate_names=False)
    assert not scope.empty
    converted = scope.to_nncf()
    assert isinstance(converted, nncf.IgnoredScope)
    assert (converted.names, converted.types, converted.patterns, converted.validate) == (
        ["conv_1"],
        ["MatMul"],
        ["head.*"],
        False,
    )


def test_quiet_nncf_keeps_stdout_clean_and_forwards_warnings(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    handlers = list(nncf_logger.handlers)
    log = logging.getLogger("ovtune.stage.test")
    with caplog.at_level(logging.WARNING, logger=log.name), quiet_nncf(log) as records:
        print("a progress bar")
        nncf_logger.info("reverted 2 operations")
        nncf_logger.warning("the drop was not met")
    assert capsys.readouterr().out == ""
    assert [record.getMessage() for record in records] == ["reverted 2 operations", "the drop was not met"]
    assert [record.getMessage() for record in caplog.records] == ["NNCF: the drop was not met"]
    assert nncf_logger.handlers == handlers
