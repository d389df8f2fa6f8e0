"""User-facing errors.

Every mistake a user can make (a malformed recipe, a missing file, an unknown stage, an
unavailable device) raises a subclass of :class:`OvtuneError`. The command line prints it
as one ``error: ...`` line and exits with status 2; a traceback is shown only with ``-v``.
Anything else is a bug and keeps its traceback, except in a plugin's code: there it becomes
the user error of the registration's kind, naming the plugin's distribution (see
:mod:`ovtune.faults`).
"""

from __future__ import annotations

from pathlib import Path


class OvtuneError(Exception):
    """Base class of errors caused by the user's input, not by a bug in ovtune."""

    exit_code = 2
    plugin_exception: BaseException | None = None
    """The exception a plugin's code raised, when this error reports it (:mod:`ovtune.faults`)."""


class UsageError(OvtuneError):
    """A command-line argument or option is wrong."""


class RecipeError(OvtuneError):
    """A recipe is malformed or invalid; names the file and the key path.

    ``key`` uses the recipe's own spelling: ``stage[2].preset``, ``data.calibration.path``.
    """

    def __init__(self, message: str, *, file: Path | str | None = None, key: str | None = None):
        self.file = Path(file) if file is not None else None
        self.key = key
        self.reason = message
        where = ": ".join(str(part) for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)


class PluginError(OvtuneError):
    """A plugin is missing, failed to load, or conflicts with another plugin."""


class ModelLoadError(OvtuneError):
    """A model file is missing, corrupt, or in a format no loader understands."""


class DataError(OvtuneError):
    """A dataset cannot be read or does not fit the model's inputs."""


class StageError(OvtuneError):
    """A stage failed because of its input or options (not because of a bug)."""

    def __init__(self, message: str, *, stage: str | None = None):
        self.stage = stage
        super().__init__(f"stage {stage}: {message}" if stage else message)


class DeviceError(OvtuneError):
    """A device is unavailable or rejected a property."""


class MeasurementError(OvtuneError):
    """A measurement cannot run with the given model, data or settings."""


RUNTIME_NOISE = ("Exception from", "Check ", "Traceback", "FrontEnd API failed")
"""How the lines of an OpenVINO error that say where it failed (not what was wrong) start."""


def runtime_reason(
    exc: BaseException, limit: int | None = 300, *, noise: tuple[str, ...] = RUNTIME_NOISE, first: bool = False
) -> str:
    """The telling line of an exception's message, for a one-line error. OpenVINO's messages are
    multi-line, starting with source locations (``Exception from src/...``) that mean nothing to
    users: of the stripped, non-empty lines that do not start with ``noise``, the last (the
    first with ``first=True``); else of all the lines; else the exception's type name. Cut to
    ``limit`` characters (``None``: not cut). ``noise=(), first=True, limit=None`` is the plain
    first line of the message."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not line.startswith(noise)] or lines or [type(exc).__name__]
    return (useful[0] if first else useful[-1])[:limit]


def exception_line(
    exc: BaseException, limit: int | None = 300, *, noise: tuple[str, ...] = RUNTIME_NOISE, first: bool = False
) -> str:
    """``RuntimeError: reason``: an exception as one line for an error or warning message, its
    reason as :func:`runtime_reason` picks it (``RuntimeError`` alone for an empty message)."""
    reason = runtime_reason(exc, limit, noise=noise, first=first) if str(exc).strip() else ""
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
