"""Plain recipe tables as the kit edits them: deep copies, and ``None`` left out for TOML."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def copy_table(raw: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(raw, default=str))  # type: ignore[no-any-return]


def without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value if v is not None]
    return value
