"""``python -m ovtune``: the same as the ``ovtune`` command."""

from ovtune.cli import entry_point

entry_point()
