"""The shape of a result.json as its readers rely on it: checked once, where a file comes in.

``problem(result) -> str | None`` says what is wrong with a damaged or hand-edited
result.json (``$.timeline[14].detail: expected an object, got 5``), or None. It checks the
types of the fields of docs/result-format.md that the report reads: a key may be absent (older
files) and unknown keys and kinds are tolerated, but a key that is there has its documented
type. ``failures`` entries, and the C1 keys (``col``, ``path``, ``document``) as long as they
are scalars, are left to the report's tolerant readers (odd values are shown as they are).

``unreadable(result) -> str | None`` is what no reader can work with: a number that is not
finite (``NaN``, ``Infinity``) or a string that is not text (a lone surrogate from a
``\\ud800`` escape). ``check_result`` refuses both kinds of damage, naming the JSON path.
"""

from __future__ import annotations

import math
from typing import Any

STR, INT, NUM, BOOL, OBJ = "a string", "an integer", "a number", "true or false", "an object"
SCALAR = "a string, number or boolean"
_TYPES = {STR: (str,), INT: (int,), NUM: (int, float), BOOL: (bool,), OBJ: (dict,),
          SCALAR: (str, int, float, bool)}

#: key -> (type, may be null), per list of objects; a list value is a list of such objects.
_SEGMENT = {"startAt": (NUM, False), "endAt": (NUM, True)}
_SHAPES: dict[str, dict[str, tuple]] = {
    "calls": {"callId": (STR, False), "parentCallId": (STR, True), "direction": (STR, True),
              "from": (STR, True), "to": (STR, True), "startTime": (STR, True),
              "answerTime": (STR, True), "endTime": (STR, True),
              "disconnectCause": (STR, True), "errorMessage": (STR, True)},
    "callbacks": {"at": (NUM, False), "eventType": (STR, True), "url": (STR, True),
                  "method": (STR, True), "attempt": (INT, True), "fallback": (BOOL, True),
                  "status": (INT, True), "responseBody": (STR, True), "error": (STR, True),
                  "callId": (STR, True), "payload": ({"callId": (STR, True)}, True)},
    "recordings": {"recordingId": (STR, False), "callId": (STR, True), "verb": (STR, True),
                   "file": (STR, True), "fileFormat": (STR, True), "channels": (INT, True),
                   "sampleRate": (INT, True), "duration": (NUM, True), "startAt": (NUM, True),
                   "endAt": (NUM, True), "segments": ([_SEGMENT], True),
                   "endReason": (STR, True), "transcription": (OBJ, True)},
    "timeline": {"at": (NUM, False), "callId": (STR, True), "kind": (STR, False),
                 "verb": (STR, True), "line": (INT, True), "detail": (OBJ, True),
                 "col": (SCALAR, True), "path": (SCALAR, True), "document": (SCALAR, True)},
}
#: detail keys the report and the narration read, with the type every writer gives them
_DETAIL = {key: (STR, True) for key in (
    "text", "digit", "digits", "file", "eventType", "url", "method", "recordingId", "reason",
    "cause", "name", "tag", "message", "errorMessage", "endReason", "error", "note", "mode",
    "value", "target", "conferenceId", "action", "direction", "from", "to")}
_DETAIL.update({key: (NUM, True) for key in ("seconds", "duration", "limit")})
_DETAIL.update({key: (BOOL, True) for key in ("ok", "sync", "fallback", "nested")})
_DETAIL.update({"attempts": (INT, True)})

_TOP = {"scenario": (OBJ, False), "seed": (INT, True), "passed": (BOOL, True)}
_SCENARIO = {"name": (STR, True), "file": (STR, True)}


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _wrong(where: str, kind: Any, value: Any) -> str:
    expected = "a list of objects" if isinstance(kind, list) else kind
    return f"{where}: expected {expected}, got {_show(value)}"


def _of_type(value: Any, kind: str) -> bool:
    if kind in (INT, NUM) and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def _fields(obj: dict, shape: dict[str, tuple], where: str) -> str | None:
    for key, (kind, nullable) in shape.items():
        if key not in obj or (obj[key] is None and nullable):
            continue
        value = obj[key]
        if isinstance(kind, dict):   # an object whose own keys are checked
            if not isinstance(value, dict):
                return _wrong(f"{where}.{key}", OBJ, value)
            found = _fields(value, kind, f"{where}.{key}")
            if found:
                return found
        elif isinstance(kind, list):
            if not isinstance(value, list):
                return _wrong(f"{where}.{key}", kind, value)
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    return _wrong(f"{where}.{key}[{index}]", OBJ, item)
                found = _fields(item, kind[0], f"{where}.{key}[{index}]")
                if found:
                    return found
        elif not _of_type(value, kind):
            return _wrong(f"{where}.{key}", kind, value)
    return None


def _text(value: Any, where: str) -> str | None:
    """The first lone surrogate or non-finite number at any depth."""
    stack = [(value, where)]
    while stack:
        item, place = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return f"{place}: a string holds a lone surrogate (\\ud800-\\udfff): not text"
        elif isinstance(item, float) and not math.isfinite(item):
            return f"{place}: expected a finite number, got {item}"
        elif isinstance(item, dict):
            stack += [(v, f"{place}.{k}") for k, v in item.items()]
        elif isinstance(item, list):
            stack += [(v, f"{place}[{i}]") for i, v in enumerate(item)]
    return None


def problem(result: dict) -> str | None:
    """What is wrong with the result.json object ``result`` (a dict), or None."""
    found = _fields(result, _TOP, "$")
    if found:
        return found
    if isinstance(result.get("scenario"), dict):
        found = _fields(result["scenario"], _SCENARIO, "$.scenario")
        if found:
            return found
    for section, shape in _SHAPES.items():
        items = result.get(section, [])
        if not isinstance(items, list):
            return _wrong(f"$.{section}", [shape], items)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                return _wrong(f"$.{section}[{index}]", OBJ, item)
            found = _fields(item, shape, f"$.{section}[{index}]")
            if not found and section == "timeline" and isinstance(item.get("detail"), dict):
                found = _fields(item["detail"], _DETAIL, f"$.timeline[{index}].detail")
            if found:
                return found
    return None


def unreadable(result: Any) -> str | None:
    """The first non-finite number or lone surrogate of ``result``, at its JSON path."""
    return _text(result, "$")
