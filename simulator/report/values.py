"""Small readers of result.json values shared by the report's modules (and its jinja filters).

result.json comes from disk and may be hand-edited: these never raise for a missing or oddly
typed value, they fall back to something drawable.
"""

from __future__ import annotations

import json
from typing import Any


def num(value: Any) -> float:
    """A number as float; anything else (missing, bool, text) as 0."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def duration(record: dict) -> float:
    """Seconds a record lasts when it says so (``seconds``/``duration`` in it or its detail)."""
    detail = record.get("detail") if isinstance(record.get("detail"), dict) else record
    for key in ("seconds", "duration"):
        if isinstance(detail.get(key), (int, float)) and not isinstance(detail.get(key), bool):
            return float(detail[key])
    return 0.0


def callback_call(cb: dict) -> Any:
    """The callId a webhook attempt belongs to (from its payload), or None."""
    payload = cb.get("payload")
    return payload.get("callId") if isinstance(payload, dict) else None


def secs(value: Any) -> str:
    """Seconds to the millisecond (jinja filter ``secs``)."""
    return f"{num(value):.3f}"


def value_text(value: Any) -> str:
    """A detail value as text: floats to the millisecond, other non-strings as JSON (filter
    ``value``)."""
    if isinstance(value, float):
        return f"{round(value, 3):g}"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
