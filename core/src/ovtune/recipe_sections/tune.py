"""The ``[tune]`` table of a recipe: what ``ovtune tune`` searches, optimizes and spends.

The recipe validates every table it parses, this one included, so ``ovtune validate`` and
``ovtune schema`` know its keys without importing the tuner; :mod:`ovtune.tune` reads the
validated section and checks the search space it defines once the recipe is built.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ovtune.fields import Duration

DEPLOY_CHOICES = ("hint", "streams", "requests", "threads", "precision", "pinning")
"""``[deploy]`` keys that ``[tune.deploy]`` can search over."""

_FIGURE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

CHOICE_KEY = re.compile(r"^(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$")
"""A variant's choice key: ``N.option`` (stage N of the variant, counted from 1)."""


def stages_with(stages: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A copy of ``stages`` with each ``"N.option"`` of ``values`` set on stage N (from 1): a
    variant's stage list at one choice of its options. A key that names no stage is a
    ``ValueError``."""
    result = [copy.deepcopy(dict(stage)) for stage in stages]
    for key, value in values.items():
        match = CHOICE_KEY.match(key)
        if match is None or not 1 <= int(match.group(1)) <= len(result):
            raise ValueError(f"choice {key!r} names no stage of the variant ({len(result)} stage(s))")
        result[int(match.group(1)) - 1][match.group(2)] = copy.deepcopy(value)
    return result


_VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TuneConstraints(_Strict):
    """Bounds a configuration must meet to be chosen."""

    max_drop: float | None = Field(
        None,
        ge=0,
        description="Largest accepted drop of the recipe's [metric] against the original model in f32, "
        "measured on the metric's data (keep it apart from the calibration data)",
    )
    max_latency_ms: float | None = Field(None, gt=0, description="Largest accepted median latency, ms")
    max_size_mb: float | None = Field(None, gt=0, description="Largest accepted model size on disk, MB")
    max: dict[str, float] = Field(
        default_factory=dict,
        description="Figure -> largest accepted value, for any declared figure ('\"energy.joules\" = 0.5')",
    )
    min: dict[str, float] = Field(
        default_factory=dict, description="Figure -> smallest accepted value ('\"throughput.fps\" = 500')"
    )

    @field_validator("max", "min")
    @classmethod
    def _figure_names(cls, value: dict[str, float]) -> dict[str, float]:
        for name, limit in value.items():
            if not _FIGURE_NAME.match(name):
                raise ValueError(f"{name!r}: name a figure as MEASUREMENT.KEY, e.g. 'latency.p90_ms'")
            if not math.isfinite(limit):
                raise ValueError(f"{name!r}: the bound must be a finite number")
        return value


class TuneVariant(_Strict):
    """One way to build the model: its stages, and the options to search for them."""

    name: str = Field(description="Name shown in the trials table (e.g. float, int8)")
    stage: list[dict[str, Any]] = Field(default_factory=list, description="Stage tables, as [[stage]] in a recipe")
    choices: dict[str, list[Any]] = Field(
        default_factory=dict,
        description="'N.option' (N: position in stage, from 1) -> the values to try for that option",
    )
    phase: Literal["float", "quantized", "recovery"] | None = Field(
        None,
        description="When to try it: float variants first, then quantized ones, then recovery ones only if every "
        "quantized candidate breaks a bound; default: one search over every variant",
    )
    reason: str = Field("", description="Why it is worth trying (written by the plugin that proposed it)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _VARIANT_NAME.match(value):
            raise ValueError(f"variant name {value!r}: use letters, digits and _ . + -")
        return value

    @field_validator("choices")
    @classmethod
    def _choice_keys(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if not CHOICE_KEY.match(key):
                raise ValueError(f"choice {key!r}: write 'N.option', e.g. '1.preset' for the first stage's preset")
            if not values:
                raise ValueError(f"choice {key!r}: list at least one value")
        return value


class TuneSection(_Strict):
    """What ``ovtune tune`` searches, what it optimizes, and within which budget."""

    objective: str = Field(
        "throughput",
        description="The figure to optimize: throughput (maximize FPS), latency / latency.p90 (minimize "
        "median / p90 ms), first_inference (minimize cold start with the model cache), size (minimize MB), "
        "or any figure a measurement declares (MEASUREMENT or MEASUREMENT.KEY)",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
    )
    budget: Duration = Field(600.0, gt=0, description="Time budget for the search ('5m', '90s')")
    trials: int = Field(24, ge=1, le=10_000, description="Trial budget: configurations measured at most")
    sampler: Literal["tpe", "random"] = Field("tpe", description="Optuna sampler after the default configurations")
    seed: int = Field(0, description="Seed of the sampler, for repeatable searches")
    finalists: int = Field(3, ge=1, le=100, description="Best feasible configurations measured again, interleaved")
    confirm: int = Field(
        3, ge=0, le=100, description="Interleaved rounds of the finalists (0: trust the search figures)"
    )
    constraints: TuneConstraints = Field(default_factory=TuneConstraints)  # type: ignore[arg-type]
    auto: bool | None = Field(
        None,
        description="Add the search space the installed plugins propose for this model and device; default: "
        "only when no [[tune.variant]] is listed",
    )
    variant: list[TuneVariant] = Field(
        default_factory=list,
        description="Ways to build the model; default: 'original' (no stage), plus 'recipe' (the [[stage]] list)",
    )
    deploy: dict[str, list[Any]] = Field(
        default_factory=dict, description="[deploy] key -> values to try (hint, streams, requests, threads, precision)"
    )

    @field_validator("deploy")
    @classmethod
    def _deploy_keys(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in value.items():
            if key not in DEPLOY_CHOICES:
                raise ValueError(f"deploy choice {key!r}: choose among {', '.join(DEPLOY_CHOICES)}")
            if not values:
                raise ValueError(f"deploy choice {key!r}: list at least one value")
        return value
