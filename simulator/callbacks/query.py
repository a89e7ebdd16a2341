"""GET delivery: a payload as query-string parameters (spec README #9).

Bandwidth does not document how nested objects travel in a GET query string. We send
scalars as plain parameters (strings as-is, booleans ``true``/``false``, numbers in plain
decimal notation) and nested objects/lists as compact JSON under their key, which is
lossless and trivially parsed by the receiving app.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Mapping


def _scalar(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest round-tripping form; Decimal removes exponents (1e-05).
        text = format(Decimal(repr(value)), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def query_params(payload: Mapping[str, Any]) -> dict[str, str]:
    """The parameters a GET webhook carries, in payload order; ``None`` values are left out."""
    params: dict[str, str] = {}
    for key, value in payload.items():
        if value is None:
            continue
        if isinstance(value, (Mapping, list, tuple)):
            params[key] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        else:
            params[key] = _scalar(value)
    return params
