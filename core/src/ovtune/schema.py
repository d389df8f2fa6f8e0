"""JSON Schema of the recipe format, including every installed plugin's options.

Editors use it to validate TOML recipes (e.g. Taplo / Even Better TOML:
``#:schema ./ovtune.schema.json`` at the top of a recipe). Plugin-owned tables become a choice
(``anyOf``) between the registered options models, discriminated by ``use`` or ``kind``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ovtune import __version__
from ovtune.recipe import SCHEMA_VERSION, RecipeDocument
from ovtune.registry import Registry
from ovtune.types import DatasetKind, Loader, Metric, Stage


def recipe_schema(registry: Registry) -> dict[str, Any]:
    schema = RecipeDocument.model_json_schema(by_alias=True)
    definitions = schema.setdefault("$defs", {})

    def variants(items: list[Any], key: str, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = []
        for provided in items:
            options: type[BaseModel] = provided.item.options_model()
            sub = options.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
            for name, definition in sub.pop("$defs", {}).items():
                definitions.setdefault(name, definition)
            sub.setdefault("properties", {})
            sub["properties"] = {
                key: {"const": provided.item.name, "description": provided.item.summary},
                **(extra or {}),
                **sub["properties"],
            }
            sub["required"] = [key, *sub.get("required", [])]
            sub["additionalProperties"] = False
            sub["title"] = f"{key} = {provided.item.name}"
            result.append(sub)
        return result

    definitions["StageSection"] = {"anyOf": variants(registry.all(Stage), "use")}
    definitions["DataSection"] = {"anyOf": variants(registry.all(DatasetKind), "kind")}
    definitions["MetricSection"] = {
        "anyOf": variants(registry.all(Metric), "kind", {"data": {"type": "string", "default": "validation"}})
    }
    model_definition = definitions.get("ModelSection", {})
    model_properties = model_definition.get("properties", {})
    model_properties["format"] = {
        "anyOf": [{"enum": [p.item.name for p in registry.all(Loader)]}, {"type": "null"}],
        "default": None,
        "description": "Loader name",
    }
    model_definition["additionalProperties"] = True
    schema["properties"]["schema"] = {"const": SCHEMA_VERSION, "description": "Recipe format version"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"ovtune recipe (ovtune {__version__})"
    return schema
