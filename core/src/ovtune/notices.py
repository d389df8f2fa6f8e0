"""One-line warnings for the user, on stderr.

Warnings that change what a user should believe about a result (a damaged cache entry that
was rebuilt, a locked input that changed) must be seen even without ``-v``, so they are not
log records: they print as ``warning: ...`` like the command line's other notices.
"""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)
