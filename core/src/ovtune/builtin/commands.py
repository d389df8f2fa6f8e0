"""Built-in commands: run, validate, plugins, stages, schema, bench, demo, compare, install,
uninstall, plugin, sweep.

Registered through the same hook that plugins use to add commands; the click commands live in
:mod:`ovtune.cli` and are imported when the
command line is built.
"""

from __future__ import annotations

from ovtune import hookimpl
from ovtune.types import Command


@hookimpl
def ovtune_register_commands() -> list[Command]:
    return [
        Command(name="run", summary="Run a recipe", command="ovtune.cli.run:run_command"),
        Command(
            name="validate", summary="Check a recipe without running it", command="ovtune.cli.validate:validate_command"
        ),
        Command(name="plugins", summary="List installed plugins", command="ovtune.cli.plugins:plugins_command"),
        Command(name="stages", summary="List stages and their options", command="ovtune.cli.stages:stages_command"),
        Command(name="schema", summary="JSON Schema of the recipe format", command="ovtune.cli.schema:schema_command"),
        Command(name="bench", summary="Measure one model like benchmark_app", command="ovtune.cli.bench:bench_command"),
        Command(name="demo", summary="Run the bundled demo", command="ovtune.cli.run:demo_command"),
        Command(
            name="compare",
            summary="Compare two runs; fail on a regression",
            command="ovtune.cli.compare:compare_command",
        ),
        Command(
            name="tune",
            summary="Search stages and runtime settings for the best model",
            command="ovtune.cli.tune:tune_command",
        ),
        Command(
            name="sweep",
            summary="Run models x recipes as jobs; the best recipe per model",
            command="ovtune.cli.sweep:sweep_command",
        ),
        Command(name="install", summary="Install plugins with pip", command="ovtune.cli.install:install_command"),
        Command(name="uninstall", summary="Uninstall plugins with pip", command="ovtune.cli.install:uninstall_command"),
        Command(name="plugin", summary="Write a new plugin distribution", command="ovtune.cli.scaffold:plugin_group"),
    ]
