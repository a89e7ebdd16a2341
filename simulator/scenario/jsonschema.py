"""``bxmlsim schema``: the JSON Schema (draft 2020-12) of the scenario file format.

Derived, not written: every mapping of the format is read from the attrs classes the loader
structures (``schema.ScenarioDoc`` and what it holds: field names, YAML renames, types,
defaults, required keys, ``NOT_KEYS``), and the ``expect`` block from the key tables of
``expect.py`` and the matcher operators of ``match.py``. So a key added to the format is in the
schema the moment the loader accepts it. Editors read it to autocomplete and check scenario
files (docs/scenarios.md, "Editor support"); ``tests/scenario/test_jsonschema.py`` validates every
bundled scenario against it.

The schema checks shape (keys, types, the kind of each caller step, exactly one REST action);
value rules that need the scenario as a whole (files that exist, URLs, DTMF digits, call names
referred to) stay with the loader, whose errors name file:line.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

import attrs

from simulator.scenario import expect, match, schema

SCHEMA_ID = "https://bxml-simulator.invalid/schema/scenario.json"

#: Short descriptions shown by editors, by (class, YAML key); the keys must exist (tested).
DESCRIPTIONS: dict[tuple[type, str], str] = {
    (schema.ScenarioDoc, "name"): "Names the scenario and its output folder (required).",
    (schema.ScenarioDoc, "seed"): "Same seed, byte-identical result.json and audio.",
    (schema.ScenarioDoc, "epoch"): "Payload time zero (ISO 8601 with a zone).",
    (schema.ScenarioDoc, "tts"): "Who speaks SpeakSentence and `say` text: model or espeak.",
    (schema.ScenarioDoc, "call"): "The scenario's call: direction, numbers, answer URL.",
    (schema.ScenarioDoc, "app"): "Where the BXML comes from: bxml, routes, static, wsgi/asgi.",
    (schema.ScenarioDoc, "caller"): "The remote party's steps, in order.",
    (schema.ScenarioDoc, "parties"): "Numbers reachable by Transfer/Bridge/Forward.",
    (schema.ScenarioDoc, "calls"): "Calls the app creates (REST createCall), by name.",
    (schema.ScenarioDoc, "rest"): "REST requests of the app at virtual times.",
    (schema.ScenarioDoc, "expect"): "What must come out (docs/scenarios.md, Expectations).",
    (schema.ScenarioDoc, "strict"): "BXML warnings fail the scenario too.",
    (schema.ScenarioDoc, "skip"): "Do not run: true, a reason, or {reason, tts}.",
    (schema.ScenarioDoc, "xfail"): "Expected to fail: true, a reason, or {reason, tts, strict}.",
    (schema.ScenarioDoc, "markers"): "pytest marker names for the scenario's test item.",
    (schema.AppDoc, "wsgi"): "An in-process WSGI app or app factory, \"module:attribute\".",
    (schema.AppDoc, "asgi"): "An in-process ASGI app or app factory, \"module:attribute\".",
    (schema.AppDoc, "routes"): "Canned replies by path or absolute URL.",
}


def _type_schema(type_: Any) -> dict[str, Any]:
    """The schema of a value of ``type_`` (a field type of a structured class)."""
    if type_ is Any:
        return {}
    simple = {str: {"type": "string"}, int: {"type": "integer"},
              float: {"type": "number"}, bool: {"type": "boolean"}}
    if type_ in simple:
        return dict(simple[type_])
    if type_ is type(None):
        return {"type": "null"}
    origin, args = typing.get_origin(type_), typing.get_args(type_)
    if origin in (Union, types.UnionType):
        return _union(args)
    if origin is list or (origin is tuple and args[1:] == (Ellipsis,)):
        return {"type": "array", "items": _type_schema(args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1])}
    if attrs.has(type_):
        return {"$ref": f"#/$defs/{type_.__name__}"}
    raise TypeError(f"no JSON Schema rule for {type_!r}")  # pragma: no cover - schema bug


def _union(args: tuple) -> dict[str, Any]:
    options = [arg for arg in args if arg is not type(None)]
    nullable = len(options) < len(args)
    if set(options) == set(typing.get_args(schema.StepDoc)):
        out: dict[str, Any] = {"oneOf": [_type_schema(step) for step in options]}
    else:
        parts = [_type_schema(option) for option in options]
        out = parts[0] if len(parts) == 1 else {"anyOf": parts}
    if nullable:
        out = {"anyOf": [out, {"type": "null"}]} if out else {}
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return None  # an attrs default (a nested section): its own schema has the defaults


def _object(cls: type) -> dict[str, Any]:
    """The schema of a mapping structured as ``cls``: its YAML keys, no others."""
    hints = typing.get_type_hints(cls)
    skipped = schema.NOT_KEYS.get(cls, ())
    properties: dict[str, Any] = {}
    required = []
    for field in attrs.fields(cls):
        if field.name in skipped:
            continue
        key = schema.RENAMES.get(field.name, field.name)
        if cls is schema.ScenarioDoc and key == "expect":
            prop = {"$ref": "#/$defs/Expect"}
        else:
            prop = _type_schema(hints[field.name])
        if field.default is attrs.NOTHING:
            required.append(key)
        elif _json_default(field.default) is not None:
            prop = {**prop, "default": field.default}
        description = DESCRIPTIONS.get((cls, key))
        if description:
            prop = {**prop, "description": description}
        properties[key] = prop
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "additionalProperties": False}
    if required:
        out["required"] = required
    if cls is schema.RestDoc:  # exactly one action
        out["oneOf"] = [{"required": [key]} for key in schema.REST_ACTIONS]
    return out


def _classes(root: type) -> list[type]:
    """Every attrs class reachable from ``root``'s field types, ``root`` first."""
    found: list[type] = []

    def visit(type_: Any) -> None:
        if attrs.has(type_) and isinstance(type_, type):
            if type_ in found:
                return
            found.append(type_)
            hints = typing.get_type_hints(type_)
            for field in attrs.fields(type_):
                if field.name not in schema.NOT_KEYS.get(type_, ()):
                    visit(hints[field.name])
            return
        for arg in typing.get_args(type_):
            visit(arg)

    visit(root)
    return found


def _matcher() -> dict[str, Any]:
    """An expected value (match.py): a literal, ``"~4.2"``, an operator mapping, fields, a
    list of items."""
    operators = {name: {} for name in sorted(match.OPERATORS)}
    return {"anyOf": [
        {"type": ["string", "number", "boolean", "null"]},
        {"type": "array", "items": {"$ref": "#/$defs/Matcher"}},
        {"type": "object", "properties": operators, "additionalProperties": False,
         "minProperties": 1},
        {"type": "object", "additionalProperties": {"$ref": "#/$defs/Matcher"}},
    ]}


def _fields(keys: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "properties": {key: {"$ref": "#/$defs/Matcher"} for key in keys}}


def _sequence(item: str) -> dict[str, Any]:
    items = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"$ref": item}]}}
    return {"anyOf": [items, {"type": "object", "additionalProperties": False,
                              "properties": {"exact": {"type": "boolean"}, "events": items}}]}


def _listed(item: str) -> dict[str, Any]:
    return {"anyOf": [{"type": "integer", "minimum": 0},
                      {"type": "array", "items": {"$ref": item}}]}


def _expect() -> dict[str, Any]:
    sections = {
        "callbacks": _sequence("#/$defs/ExpectCallback"),
        "timeline": _sequence("#/$defs/ExpectTimelineEntry"),
        "no_callbacks": {"type": "array", "items": {"anyOf": [
            {"type": "string"}, {"$ref": "#/$defs/ExpectCallback"}]}},
        "recordings": _listed("#/$defs/ExpectRecording"),
        "calls": _listed("#/$defs/ExpectCall"),
        "disconnect_cause": {"$ref": "#/$defs/Matcher"},
        "digits": {"$ref": "#/$defs/Matcher"},
    }
    unknown = set(sections) ^ set(expect.TOP_KEYS)
    if unknown:  # pragma: no cover - a new expect section needs its shape here
        raise TypeError(f"expect sections without a JSON Schema shape: {sorted(unknown)}")
    return {"type": "object", "additionalProperties": False,
            "properties": {key: sections[key] for key in expect.TOP_KEYS}}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file: one scenario, or several under ``scenarios:``."""
    defs = {cls.__name__: _object(cls) for cls in _classes(schema.ScenarioDoc)}
    defs.update({
        "Expect": _expect(),
        "Matcher": _matcher(),
        "ExpectCallback": _fields(expect.CALLBACK_KEYS),
        "ExpectTimelineEntry": _fields(expect.TIMELINE_KEYS),
        "ExpectRecording": _fields(expect.RECORDING_KEYS),
        "ExpectCall": _fields(expect.CALL_KEYS),
    })
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "bxml-simulator scenario file",
        "description": "One scenario (a mapping with `name`), or several under `scenarios:` "
                       "(docs/scenarios.md).",
        "if": {"type": "object", "required": ["scenarios"]},
        "then": {"type": "object", "additionalProperties": False,
                 "properties": {"scenarios": {"type": "array", "minItems": 1,
                                              "items": {"$ref": "#/$defs/ScenarioDoc"}}}},
        "else": {"$ref": "#/$defs/ScenarioDoc"},
        "$defs": defs,
    }


__all__ = ["DESCRIPTIONS", "scenario_schema"]
