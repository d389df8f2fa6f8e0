"""``report.json`` as a typed model, and the published schema generated from it.

The pipeline builds the report and validates it against :class:`RunReport` before any
reporter sees it, so what ``report.json`` holds, what ``ovtune_pipeline_finish`` receives and
what ``docs/report.schema.json`` promises cannot drift apart. The schema is generated
(``python -m ovtune.report.model > docs/report.schema.json``) and a test compares it with the
published file, as for ``docs/recipes.md``. Plugin measurements are open: ``measurements``
accepts any further name with an object as its value, and a plugin's figures are declared in
``figures``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict

from ovtune.results import (
    AccuracyResult,
    FirstInferenceResult,
    LatencyResult,
    MemoryResult,
    SizeResult,
    ThroughputResult,
)

REPORT_SCHEMA_VERSION = 1
_DATE_TIME: JsonDict = {"format": "date-time"}


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class InputReport(_Part):
    name: str
    shape: list[int]
    element_type: str


class SourceReport(_Part):
    """The recipe's model as read."""

    source: str
    hash: str | None = None
    inputs: list[InputReport]


class EnvironmentReport(_Part):
    """What a reader needs to reproduce the figures."""

    python: str
    platform: str
    cpu: str
    cpu_flags: list[str]
    cores: int
    libraries: dict[str, str]
    plugins: dict[str, str]


class StageDetails(_Part):
    """What the stage recorded (plugin-specific) and the hash of its output."""

    output_hash: str


class StageReport(_Part):
    index: int = Field(ge=1)
    name: str
    options: dict[str, Any]
    cache_key: str
    model_path: str
    seconds: float
    cached: bool
    plugin: str
    notes: list[str]
    details: StageDetails


class PrecisionReport(_Part):
    """The precision the compute layers ran in, read from the runtime graph."""

    dominant: str
    compute_layers: dict[str, int] | None = None
    all_layers: dict[str, int] | None = None
    integer_compute_share: float | None = None
    float_compute_layers: list[str] | None = None


class RuntimeReport(_Part):
    properties: dict[str, Any] | None = Field(None, description="Compiled model properties read back")
    precision: PrecisionReport


class MeasurementsReport(_Part):
    """One entry per [measure] metrics name; plugins may add their own."""

    model_config = ConfigDict(
        frozen=True, extra="allow", json_schema_extra={"additionalProperties": {"type": "object"}}
    )

    latency: LatencyResult | None = None
    throughput: ThroughputResult | None = None
    first_inference: FirstInferenceResult | None = None
    memory: MemoryResult | None = None
    size: SizeResult | None = None
    accuracy: AccuracyResult | None = None


class ModelReport(_Part):
    """One measured OpenVINO model: the original, or a stage's output."""

    label: str = Field(description="'original', a stage label '01-NAME', or a baseline name")
    kind: Literal["openvino"]
    path: str | None = None
    compile_seconds: float | None = None
    notes: list[str] | None = None
    runtime: RuntimeReport
    measurements: MeasurementsReport


class BaselineReport(_Part):
    """The source model run by its native framework. A baseline plugin returns what its
    framework can measure, with the keys of the OpenVINO measurement of each name."""

    label: str = Field(description="The baseline's name")
    kind: Literal["baseline"]
    path: str | None = None
    framework: str | None = None
    plugin: str | None = None
    notes: list[str] | None = None
    runtime: RuntimeReport
    measurements: dict[str, dict[str, Any]]


class FigureReport(_Part):
    """A figure a measurement declares (:class:`ovtune.types.Figure`), with its id."""

    id: str
    measurement: str
    key: str
    label: str
    unit: str = ""
    better: Literal["lower", "higher"] | None = None
    better_from: str | None = None
    headline: bool = False
    main: bool = False
    format: str = ".4g"


class RunReport(_Part):
    """What `ovtune run` writes to RUN_DIR/report.json. Versioned by schema_version; fields are
    only ever added within a version."""

    schema_version: Literal[1]
    ovtune_version: str
    name: str
    recipe_path: str | None = None
    run_dir: str | None = None
    started: str = Field(json_schema_extra=_DATE_TIME)
    finished: str = Field(json_schema_extra=_DATE_TIME)
    recipe: dict[str, Any] = Field(description="The resolved recipe: defaults filled in, paths absolute")
    model: SourceReport
    environment: EnvironmentReport
    stages: list[StageReport]
    figures: list[FigureReport] = Field(
        default_factory=list, description="The figures the run's measurements declare (table columns, gates)"
    )
    device: str
    device_info: dict[str, Any]
    config: dict[str, str]
    models: list[Annotated[ModelReport | BaselineReport, Field(discriminator="kind")]] = Field(min_length=1)
    files: list[str] = Field(default_factory=list, description="Files the reporters wrote")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``report.json``."""
    schema = RunReport.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://ovtune.invalid/report.schema.json",
        **schema,
        "title": f"ovtune report.json, schema_version {REPORT_SCHEMA_VERSION}",
    }


def main() -> None:
    print(json.dumps(report_schema(), indent=2))


if __name__ == "__main__":
    main()
