"""Small readers of result.json values shared by the report's modules (and its jinja filters).

result.json comes from disk and may be hand-edited: these never raise for a missing or oddly
typed value, they fall back to something drawable.
"""

from __future__ import annotations

import json
from typing import Any


#: Timeline kinds of the remote party (simulator/timeline.py); their ``seconds`` is how long
#: the step lasts on the call's axis.
CALLER_KINDS = frozenset({"speech", "silence", "digit", "audio", "play"})


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


def run_length(result: dict) -> float:
    """Virtual seconds from the start of the simulation to the last thing that happened (the
    end of a caller step, a webhook, a recording's end); 0 for an empty run."""
    timeline = [r for r in result.get("timeline") or [] if isinstance(r, dict)]
    return max([num(r.get("at")) + (duration(r) if r.get("kind") in CALLER_KINDS else 0.0)
                for r in timeline]
               + [num(c.get("at")) for c in result.get("callbacks") or [] if isinstance(c, dict)]
               + [num(r.get("endAt")) for r in result.get("recordings") or []
                  if isinstance(r, dict)] + [0.0])


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
