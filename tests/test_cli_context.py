"""A command reaches the plugin host through click's context (``ctx.obj``), not a module global."""

from __future__ import annotations

from collections.abc import Callable

import click
import pytest

from ovtune import hookimpl
from ovtune.cli import AppState, current_host, main
from ovtune.manager import PluginHost
from ovtune.registry import PluginInfo
from ovtune.testing import CliResult
from ovtune.types import Command, Stage


@click.command()
def which_host() -> None:
    """Print the stages of the host this invocation uses, found both documented ways."""
    state = click.get_current_context().obj
    assert isinstance(state, AppState)
    assert state.host() is current_host()
    click.echo(",".join(current_host().registry.names(Stage)))


class _Plugin:
    @hookimpl
    def ovtune_register_commands(self) -> list[Command]:
        return [Command(name="which_host", summary="prints the host's stages", command=which_host)]


def test_a_plugin_command_sees_the_host_of_its_invocation(
    ovtune_register: Callable[..., None], ovtune_cli: Callable[..., CliResult]
) -> None:
    ovtune_register(_Plugin())
    assert ovtune_cli("which_host").stdout == "python\n"


def test_each_invocation_has_its_own_host(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """``-p`` of one invocation does not leak into the next one in the same process."""
    monkeypatch.setenv("OVTUNE_DISABLE_PLUGIN_AUTOLOAD", "1")
    blocked, plain = AppState(), AppState()
    assert main(["-p", "no:stages", "-p", "tests.test_cli_context", "which_host"], state=blocked) == 0
    assert main(["-p", "tests.test_cli_context", "which_host"], state=plain) == 0
    assert capsys.readouterr().out == "\npython\n"
    assert blocked.host() is not plain.host()


def test_main_uses_the_state_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    host = PluginHost(autoload=False, trace=False)
    host.register(_Plugin(), _info())
    assert main(["which_host"], state=AppState(0, (), host)) == 0
    assert capsys.readouterr().out == "python\n"


def test_current_host_outside_a_command_says_so() -> None:
    with (
        pytest.raises(RuntimeError, match="only available while an ovtune command runs"),
        click.Context(click.Command("x")),
    ):
        current_host()


def _info() -> PluginInfo:
    return PluginInfo("which_host", "tests", "test-distribution", "0")


ovtune_register_commands = _Plugin().ovtune_register_commands
"""This module is also a plugin module for ``-p tests.test_cli_context``."""
