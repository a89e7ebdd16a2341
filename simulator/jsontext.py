"""Indented JSON text: :func:`dumps_indented` gives, byte for byte, what
``json.dumps(value, indent=2, ensure_ascii=False)`` gives, at about three times its speed.

result.json is written by every run (simulator/result.py); the standard library formats
indented output in Python, a generator per container and per item, while this walks the tree
once, the strings escaped by the standard library's own C function. Same rules: insertion order,
``NaN``/``Infinity`` for non-finite floats, keys that are str, int, float, bool or None
(anything else a TypeError), a ValueError for a container that contains itself.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

_INDENT = "  "
_CONSTANTS = {True: "true", False: "false", None: "null"}
_INFINITY = float("inf")


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``: the same text."""
    out: list[str] = []
    _value(value, out, "\n", set())
    return "".join(out)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return encode_basestring(key)
    if key is True or key is False or key is None:
        return '"' + _CONSTANTS[key] + '"'
    if isinstance(key, float):
        return '"' + _float(key) + '"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _value(value: Any, out: list[str], newline: str, active: set[int]) -> None:
    """Append the text of ``value``; ``newline`` is a newline and the current indentation."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(_float(value))
    elif value is None or kind is bool:
        out.append(_CONSTANTS[value])
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, int):         # int subclasses (IntEnum): their int value
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        _mapping(value, out, newline, active)
    elif isinstance(value, (list, tuple)):
        _sequence(value, out, newline, active)
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _enter(value: Any, active: set[int]) -> int:
    marker = id(value)
    if marker in active:
        raise ValueError("Circular reference detected")
    active.add(marker)
    return marker


def _mapping(value: dict, out: list[str], newline: str, active: set[int]) -> None:
    if not value:
        out.append("{}")
        return
    marker = _enter(value, active)
    inner = newline + _INDENT
    separator = "{" + inner
    append = out.append
    for key, item in value.items():
        append(f"{separator}{encode_basestring(key) if type(key) is str else _key(key)}: ")
        kind = type(item)   # the common scalars inline: most of result.json
        if kind is str:
            append(encode_basestring(item))
        elif kind is int:
            append(int.__repr__(item))
        elif kind is float:
            append(_float(item))
        elif item is None or kind is bool:
            append(_CONSTANTS[item])
        else:
            _value(item, out, inner, active)
        separator = "," + inner
    append(newline + "}")
    active.discard(marker)


def _sequence(value: list | tuple, out: list[str], newline: str, active: set[int]) -> None:
    if not value:
        out.append("[]")
        return
    marker = _enter(value, active)
    inner = newline + _INDENT
    separator = "[" + inner
    append = out.append
    for item in value:
        append(separator)
        kind = type(item)
        if kind is str:
            append(encode_basestring(item))
        elif kind is int:
            append(int.__repr__(item))
        elif kind is float:
            append(_float(item))
        elif item is None or kind is bool:
            append(_CONSTANTS[item])
        else:
            _value(item, out, inner, active)
        separator = "," + inner
    append(newline + "]")
    active.discard(marker)
