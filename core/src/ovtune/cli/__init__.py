"""The ``ovtune`` command line: a click group (:mod:`ovtune.cli.app`) and one module per command.

- :mod:`ovtune.cli.app`: the group, its ``-v`` / ``-p`` options, :class:`AppState` on click's
  context (``ctx.obj``, holding the plugin host), :func:`main` and its exit codes;
- :mod:`ovtune.cli.run`: ``run`` and ``demo``; :mod:`ovtune.cli.validate`: ``validate``;
- :mod:`ovtune.cli.tune`: ``tune``; :mod:`ovtune.cli.bench`: ``bench``;
- :mod:`ovtune.cli.plugins`: ``plugins``; :mod:`ovtune.cli.install`: ``install``, ``uninstall``;
  :mod:`ovtune.cli.scaffold`: ``plugin new``;
- :mod:`ovtune.cli.stages`: ``stages``; :mod:`ovtune.cli.schema`: ``schema``.

Commands are registered through the ``ovtune_register_commands`` hook
(:mod:`ovtune.builtin.commands`), like a plugin's, and imported only when click needs them. The
libraries they call (:mod:`ovtune.tune`, :mod:`ovtune.installer`, :mod:`ovtune.scaffold`, ...)
import no click. A plugin's command reaches the plugin host with :func:`current_host`.
"""

from ovtune.cli.app import AppState, cli, current_host, entry_point, main

__all__ = ["AppState", "cli", "current_host", "entry_point", "main"]
