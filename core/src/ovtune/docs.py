"""Human-readable descriptions of options models.

Used by ``ovtune stages NAME`` and by the documentation generator, so the recipe reference
in ``docs/`` is produced from (and checked against) the code.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


@dataclass(frozen=True)
class OptionRow:
    name: str
    type: str
    default: str
    required: bool
    description: str


def type_name(annotation: Any) -> str:
    """``int | None`` -> ``int?``; ``Literal['a','b']`` -> ``"a" | "b"``; paths -> ``path``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is Literal:
        return " | ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        text = " | ".join(names)
        return f"{text}?" if type(None) in args else text
    if origin in (list, tuple, set):
        inner = ", ".join(type_name(a) for a in args if a is not Ellipsis)
        return f"[{inner}]" if origin is list else f"({inner})"
    if origin is dict:
        return "{" + ": ".join(type_name(a) for a in args) + "}"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "table"
        if issubclass(annotation, Path):
            return "path"
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation).replace("typing.", "")


def options_rows(model: type[BaseModel]) -> list[OptionRow]:
    """One row per field of an options model, in declaration order."""
    rows = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        if info.default is PydanticUndefined and info.default_factory is None:
            default, required = "", True
        else:
            value = info.get_default(call_default_factory=True)
            default, required = _toml(value), False
        description = info.description or ""
        bounds = bounds_text(info.metadata)
        if bounds:
            description = f"{description} ({bounds})" if description else bounds
        rows.append(OptionRow(key, type_name(info.annotation), default, required, description))
    return rows


def bounds_text(metadata: list[Any]) -> str:
    """``> 0, ≤ 24 h`` from a field's constraints (``gt``/``ge``/``lt``/``le``, the ones of its
    type included), so that the reference and ``ovtune stages NAME`` state what validation
    enforces. Durations show their upper bound in hours."""
    import annotated_types

    from ovtune.fields import parse_duration

    duration = any(getattr(item, "func", None) is parse_duration for item in metadata)
    lower: tuple[str, Any] | None = None
    upper: tuple[str, Any] | None = None
    for item in metadata:
        if isinstance(item, annotated_types.Gt):
            lower = _stricter(lower, (">", item.gt), low=True)
        elif isinstance(item, annotated_types.Ge):
            lower = _stricter(lower, ("≥", item.ge), low=True)
        elif isinstance(item, annotated_types.Lt):
            upper = _stricter(upper, ("<", item.lt), low=False)
        elif isinstance(item, annotated_types.Le):
            upper = _stricter(upper, ("≤", item.le), low=False)
    parts = []
    if lower is not None:
        parts.append(f"{lower[0]} {_number(lower[1])}")
    if upper is not None:
        value = f"{_number(upper[1] / 3600)} h" if duration else _number(upper[1])
        parts.append(f"{upper[0]} {value}")
    return ", ".join(parts)


def _stricter(current: tuple[str, Any] | None, new: tuple[str, Any], *, low: bool) -> tuple[str, Any]:
    """The tighter of two bounds on the same side (``> 0`` over ``≥ 0``)."""
    if current is None:
        return new
    if current[1] == new[1]:
        return new if new[0] in "<>" else current
    tighter = new[1] > current[1] if low else new[1] < current[1]
    return new if tighter else current


def _number(value: Any) -> str:
    """``1_000_000`` -> ``1000000``; ``24.0`` -> ``24``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _toml(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, BaseModel):
        return "{...}"
    return str(value)


# --------------------------------------------------------------------------------------
# The recipe reference (docs/recipes.md)
# --------------------------------------------------------------------------------------

RECIPE_INTRO = """\
# Recipe reference

<!-- Generated by `python -m ovtune.docs > docs/recipes.md` from the code; a test fails when
     this file and the code disagree. Edit the options models, not this file. -->

A recipe is a TOML file. `schema = 1` is required. Relative paths are resolved against the
recipe's folder. Errors name the file and the key path, counting list items from 1:
`recipe.toml: stage[2].preset: ...`. `ovtune schema` prints the JSON Schema of this format,
including every installed plugin's options, for editors.

Tables owned by plugins (`[model]` options, `[data.NAME]`, `[metric]`, `[[stage]]`) are checked
against the options model the plugin registered; `ovtune stages NAME` shows a stage's options.

Bounds are given in parentheses after a key's description and checked by `ovtune validate`.
Every duration (`"500ms"`, `"10s"`, `"2m"`, `"1h"` or a number of seconds) is finite, not
negative and at most 24 h, so that `inf`, `nan` or `"100000000m"` cannot start a run that never
ends. A path may start with `~` (your home folder) or `~user`; a user who does not exist, a NUL
character or a file name longer than the file system allows is an error at the key that holds
it. Running a recipe runs the code it names: see `docs/security.md`.

Your own code is named `'package.module:function'` (`function = ...`, `kind = "python:..."`,
`torch:...` sources). The module may sit in the recipe's folder, but it never shadows an
installed package: the folder is searched after the installed packages, so an `nncf.py` next
to the recipe is not imported in place of NNCF (and a `json.py` there is not used: rename it).
A module that fails to import (a `SyntaxError`, an exception at its top level) is one error
naming the reference and the error.

A recipe needs only `schema = 1` and `[model] source`: without `[measure] metrics`, ovtune
measures size, latency and throughput, and accuracy too when the recipe has a `[metric]`.

## Editor set-up

`ovtune schema -o ovtune.schema.json` writes the JSON Schema of recipes, with the options of
every installed plugin (write it again after installing or removing a plugin). A TOML language
server that reads JSON Schemas (taplo: the Even Better TOML extension of VS Code, and Neovim,
Helix or Zed with `taplo lsp`) then completes keys, shows their descriptions and marks wrong
values as you type. Point it at the schema in one of two ways:

- one recipe: make `#:schema ./ovtune.schema.json` its first line (a path relative to the
  recipe, or a URL); TOML reads it as a comment, so ovtune ignores it;
- every recipe of a project: a `.taplo.toml` at the project's root, with a path relative to it:

```toml
[[rule]]
include = ["**/recipe*.toml", "recipes/**/*.toml"]

[rule.schema]
path = "./ovtune.schema.json"
```

The schema checks what a schema can (key names, types, bounds, the options of the stage a
`use` names); `ovtune validate` checks the rest (files, data names, measurements).

## Commands that print JSON

With `--json`, a command prints one JSON document on stdout and nothing else; its table,
progress and notes go to stderr. Errors still print `error: ...` on stderr with exit status 2.

- `ovtune run RECIPE --json`: `report.json` as written, schema `docs/report.schema.json`.
- `ovtune tune RECIPE --json`: `tune.json` (`docs/tune.md`); exit status 1 when nothing meets
  the bounds, after the document is printed.
- `ovtune validate RECIPE --json`: for a valid recipe, `{"ok": true, "recipe": path, "name",
  "model": {"source", "format"}, "stages": [{"index", "use", "plugin"}], "data": {name: kind},
  "metric": kind or null, "measurements": [names], "baseline": name or null, "reporters":
  [names], "tune": null or {"objective", "configurations", "proposed"}, "resolved": the recipe
  with every default filled in (as in report.json's `recipe`)}`; for an invalid one (exit status
  2), `{"ok": false, "recipe": path, "errors": [{"file", "key", "message"}]}` with every problem
  found, `key` the key path (`stage[2].preset`) or null.
- `ovtune stages --json`: `{"stages": [{"name", "summary", "plugin", "distribution",
  "version"}]}`; `ovtune stages NAME --json`: one such entry plus `"doc"`, `"options"`
  (`[{"name", "type", "default", "required", "description"}]`, `default` as written in TOML,
  null when required) and `"schema"` (the JSON Schema of the stage's options).
"""


def options_table(model: Any) -> str:
    lines = ["| key | type | default | description |", "|---|---|---|---|"]
    for row in options_rows(model):
        default = "required" if row.required else f"`{row.default}`"
        kind = row.type.replace("|", "\\|")
        lines.append(f"| `{row.name}` | {kind} | {default.replace('|', chr(92) + '|')} | {row.description} |")
    return "\n".join(lines)


def recipe_reference(registry: Any) -> str:
    """The Markdown recipe reference for the given registry (built-ins: autoload off)."""
    from ovtune import recipe
    from ovtune.recipe_sections.tune import TuneConstraints, TuneSection
    from ovtune.types import DatasetKind, Loader, Measurement, Metric, Reporter, Stage

    def doc(obj: Any) -> str:
        return " ".join((obj.__doc__ or "").split())

    parts = [RECIPE_INTRO]
    parts.append("## Top level\n\n" + options_table(recipe.RecipeDocument))
    sections = [
        ("[model]", recipe.ModelSection),
        ("[data.NAME]", recipe.DataSection),
        ("[metric]", recipe.MetricSection),
        ("[[stage]]", recipe.StageSection),
        ("[deploy]", recipe.DeploySection),
        ("[measure]", recipe.MeasureSection),
        ("[output]", recipe.OutputSection),
        ("[tune]", TuneSection),
        ("[tune.constraints]", TuneConstraints),
    ]
    for title, model in sections:
        parts.append(f"## `{title}`\n\n{doc(model)}\n\n{options_table(model)}")
    groups = [
        ("Loaders (`[model] format`)", Loader, None),
        ("Dataset kinds (`[data.NAME] kind`)", DatasetKind, "options"),
        ("Metrics (`[metric] kind`)", Metric, "options"),
        ("Stages (`[[stage]] use`)", Stage, "options"),
        ("Measurements (`[measure] metrics`)", Measurement, None),
        ("Reporters (`[output] reports`)", Reporter, None),
    ]
    for title, cls, options_attribute in groups:
        body = [f"## {title}"]
        for provided in registry.all(cls):
            item = provided.item
            suffixes = f" Suffixes: {', '.join(item.suffixes)}." if isinstance(item, Loader) and item.suffixes else ""
            body.append(f"### `{item.name}`\n\n{item.summary}.{suffixes}")
            if options_attribute:
                options = item.options_model()
                text = doc(options)
                body.append((f"{text}\n\n" if text else "") + options_table(options))
        parts.append("\n\n".join(body))
    return "\n\n".join(parts) + "\n"


def main() -> None:
    """Print the recipe reference for the built-in plugins."""
    from ovtune.manager import PluginHost

    print(recipe_reference(PluginHost(autoload=False, trace=False).registry), end="")


if __name__ == "__main__":
    main()
