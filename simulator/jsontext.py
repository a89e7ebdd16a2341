"""Indented JSON text: :func:`dumps_indented` gives, byte for byte, what
``json.dumps(value, indent=2, ensure_ascii=False)`` gives, in about 40% of its time.

result.json is written by every run (simulator/result.py); the standard library formats
indented output in Python, a generator per container and per item, each string escaped anew.
This walks the tree once with plain functions (no generators, no bound methods), appending
to one list, and formats what repeats once: the texts of a depth (its newlines, brackets and
``,\n    "callId": `` for each key: the same few dozen keys in every result) are kept across
calls in a table indexed by the depth, the escaped text of a string value within a call (a
result names the same call ids, URLs and times dozens of times). Strings are escaped by the
standard library's own C function. Values of exactly the JSON types take the short way;
anything else (an IntEnum, an OrderedDict, a tuple, an object json refuses) goes through
:func:`_other`, which follows json's rules. Same rules: insertion order, ``NaN``/``Infinity``
for non-finite floats, keys that are str, int, float, bool or None (anything else a
TypeError), a ValueError for a container that contains itself (checked from the 32nd level
down: a loop nests without end, so it is found there).

Measured on the bundled scenarios' results (CPU, 15 KB a result, alternated in one process):
0.113 ms a result, against 0.121 ms for the walker that formatted a depth's newline in each
container and looked its key texts up by it, and 0.29 ms for ``json.dumps(indent=2)``. The
standard library's C encoder is no help here: its per-call cost (1-2 us) exceeds what it saves
on a record of ten scalars (a per-depth C encoder for the records without containers was 10%
slower than this walker), its compact text alone takes 0.075 ms, and it does not indent.
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

_INDENT = "  "
_CONSTANTS = {True: "true", False: "false", None: "null"}
_INFINITY = float("inf")

#: Per depth, the texts that depth's containers are made of, kept across calls: its inner
#: newline, ``{str key: ``,<inner newline>"key": ``}``, the closing brace, the opening and
#: separator of a list's items, the closing bracket (found by an index, not by formatting a
#: newline and looking it up, as each container did).
_LEVELS: list[tuple[str, dict[str, str], str, str, str, str]] = []
_KEY_TEXTS_MAX = 4096   # keys per depth kept; past that (odd data) a key is formatted each time
#: Containers are checked for loops only from this depth down: a container that contains
#: itself nests without end, so its loop is found there all the same, and the shallow levels,
#: where all of result.json is, pay nothing for the check.
_DEEP = 32


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``: the same text."""
    out: list[str] = []
    _other(value, out, 0, set(), {})
    return "".join(out)


def _level(depth: int) -> tuple[str, dict[str, str], str, str, str, str]:
    """The texts of ``depth`` (and of any depth above it not made yet)."""
    while len(_LEVELS) <= depth:
        newline = "\n" + _INDENT * len(_LEVELS)
        inner = newline + _INDENT
        _LEVELS.append((inner, {}, newline + "}", "[" + inner, "," + inner, newline + "]"))
    return _LEVELS[depth]


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


def _other(value: Any, out: list[str], depth: int, active: set[int],
           strings: dict[str, str]) -> None:
    """Append the text of any value (the way json.dumps treats subclasses: an IntEnum is its
    int, an OrderedDict a dict, a tuple a list)."""
    if value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (dict, list, tuple)):
        if not value:
            out.append("{}" if isinstance(value, dict) else "[]")
        else:
            _container(value, out, depth, active, strings)
    else:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def _container(value: dict | list | tuple, out: list[str], depth: int, active: set[int],
               strings: dict[str, str], _levels: list = _LEVELS,
               _encode: Callable[[str], str] = encode_basestring,
               _float_text: Callable[[float], str] = float.__repr__,
               _int_text: Callable[[int], str] = int.__repr__) -> None:
    """Append a non-empty container at ``depth``; ``strings`` holds the texts of the string
    values met so far in this call. (The keyword defaults are the module's names bound as
    locals: read once a call, not looked up once an item.)"""
    if depth >= _DEEP:
        marker = id(value)
        if marker in active:
            raise ValueError("Circular reference detected")
        active.add(marker)
    try:
        inner, keys, closing, opening, separator, list_closing = _levels[depth]
    except IndexError:
        inner, keys, closing, opening, separator, list_closing = _level(depth)
    append = out.append
    below = depth + 1
    if isinstance(value, dict):   # the loop below is most of the time: kept inline
        key_text, string_text = keys.get, strings.get
        first = len(out)
        for key, item in value.items():
            if type(key) is str:
                text = key_text(key)
                if text is None:
                    text = f",{inner}{_encode(key)}: "
                    if len(keys) < _KEY_TEXTS_MAX:
                        keys[key] = text
            else:
                text = f",{inner}{_key(key)}: "
            append(text)
            kind = type(item)
            if kind is str:
                text = string_text(item)
                if text is None:
                    text = strings[item] = _encode(item)
                append(text)
            elif item is None:
                append("null")
            elif kind is dict or kind is list:
                if item:
                    _container(item, out, below, active, strings)
                else:
                    append("{}" if kind is dict else "[]")
            elif kind is float:   # finite (x - x is NaN for infinities and NaN)
                append(_float_text(item) if item - item == 0.0 else _float(item))
            elif kind is bool:
                append("true" if item else "false")
            elif kind is int:
                append(_int_text(item))
            else:
                _other(item, out, below, active, strings)
        out[first] = "{" + out[first][1:]   # the first key's "," becomes the opening brace
        append(closing)
    else:
        for item in value:   # lists are few in result.json (their items: records)
            append(opening)
            opening = separator
            if type(item) is dict and item:
                _container(item, out, below, active, strings)
            else:
                _other(item, out, below, active, strings)
        append(list_closing)
    if depth >= _DEEP:
        active.discard(marker)
