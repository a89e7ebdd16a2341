"""Indented JSON text: :func:`dumps_indented` gives, byte for byte, what
``json.dumps(value, indent=2, ensure_ascii=False)`` gives, in about 60% of its time.

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


#: Text of a value of exactly these types (subclasses go through :func:`_value`).
_SCALARS: dict[type, Any] = {str: encode_basestring, int: int.__repr__, float: _float,
                             bool: _CONSTANTS.__getitem__, type(None): _CONSTANTS.__getitem__}


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
    text = _SCALARS.get(type(value))
    if text is not None:
        out.append(text(value))
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, int):         # int subclasses (IntEnum): their int value
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (dict, list, tuple)):
        _container(value, out, newline, active)
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _enter(value: Any, active: set[int]) -> int:
    marker = id(value)
    if marker in active:
        raise ValueError("Circular reference detected")
    active.add(marker)
    return marker


def _container(value: dict | list | tuple, out: list[str], newline: str,
               active: set[int]) -> None:
    mapping = isinstance(value, dict)
    if not value:
        out.append("{}" if mapping else "[]")
        return
    marker = _enter(value, active)
    inner = newline + _INDENT
    separator = ("{" if mapping else "[") + inner
    append = out.append
    for entry in (value.items() if mapping else value):
        if mapping:
            key, item = entry
            append(f"{separator}{encode_basestring(key) if type(key) is str else _key(key)}: ")
        else:
            item = entry
            append(separator)
        text = _SCALARS.get(type(item))   # the common scalars: most of result.json
        if text is not None:
            append(text(item))
        else:
            _value(item, out, inner, active)
        separator = "," + inner
    append(newline + ("}" if mapping else "]"))
    active.discard(marker)
