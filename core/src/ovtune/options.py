"""The base classes of every options model: what a recipe table becomes once validated.

Kept apart from :mod:`ovtune.types` (the registrations) because these import pydantic, and the
registrations must not: ``ovtune --help`` and ``ovtune plugins`` read every registration but
need no options model. A registration names its model as a class or as a ``"module:Class"``
string (:data:`ovtune.types.OptionsModel`); this module is imported when a recipe is resolved,
or ``ovtune stages`` or ``ovtune schema`` lists the options.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Options(BaseModel):
    """Base class of every options model: unknown keys are errors, values are immutable.

    A plugin's options model is both its part of the recipe schema and its documentation:
    give every field a ``description``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoOptions(Options):
    """For registrations that take no options."""
