"""Reading scenario YAML: bytes or text -> plain Python data with the line of every key and item.

This is the reading layer only; what the data means is checked by ``load.py``. The events come
from libyaml (PyYAML's C parser) when PyYAML was built with it, else from PyYAML's pure-Python
parser (the same events, several times slower); one iterative pass turns them into
``YamlMapping``/``YamlSequence`` (a ``dict``/``list`` that also keeps 1-based lines: ``line``
of the collection, ``key_lines[key]``, ``item_lines[i]``) and plain scalars.

Scalars are read as YAML 1.2, the way ruamel.yaml (the reader before this one) resolves them,
so a scenario means what it meant: ``no``/``yes``/``on``/``off`` stay strings, ``0123`` is the
integer 123 (``0o17``, ``0x1F``, ``0b101`` and ``1_000`` are integers too), ``1e3`` is a number,
``12:30`` a string, ``true``/``false``, ``null``/``~``/nothing, ``.inf``/``.nan``. A document
that declares ``%YAML 1.1`` is read with 1.1's rules (``no`` false, ``0123`` octal 83,
``1:30`` sexagesimal 90), as before. Where ruamel gave an object nothing could use or crashed,
this reader says plainly what it reads (docs/scenarios.md "How YAML is read"): timestamps and
a plain ``=`` or ``<<`` value are strings, the standard tags ``!!str``/``!!int``/``!!float``/
``!!bool``/``!!null``/``!!map``/``!!seq`` are honoured, any other tag is refused.

Syntax errors are reported as ``file:line: invalid YAML: ...`` in the words of PyYAML's
pure-Python parser (those of ruamel's, which it forked): on a libyaml error the text is parsed
again by the pure-Python parser, whose message is the one shown (and whose events are used if
it accepts the text). Duplicate keys are errors. The limits (docs/limits.md) are checked while
reading, each a ``file:line`` error: ``MAX_BYTES`` of text, ``MAX_DEPTH`` levels of nesting,
``MAX_ALIAS_NODES`` nodes repeated through aliases (an alias bomb is refused, never expanded),
no recursive alias, scalar keys only, printable characters only, integers of 64 bits,
text that is UTF-8 encodable (no lone surrogate from a ``"\\ud800"`` escape).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentEndEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)

from simulator.errors import ScenarioError
from simulator.scenario.source import format_path

try:  # libyaml, when PyYAML was built with it
    from yaml._yaml import CParser as _FastParser
except ImportError:  # pragma: no cover - exercised by forcing the fallback in the tests
    _FastParser = None

#: Largest scenario file (UTF-8 bytes).
MAX_BYTES = 10 * 2**20
#: Deepest nesting of mappings and lists (a scenario needs about 8).
MAX_DEPTH = 100
#: Most nodes that aliases may repeat, all aliases together (each counts its whole subtree).
MAX_ALIAS_NODES = 100_000
#: Integers are 64-bit: from -2**63 to 2**64 - 1.
INT_RANGE = (-2**63, 2**64 - 1)


class YamlMapping(dict):
    """A mapping read from YAML; ``key_lines[key]`` is the 1-based line of each key.

    The document's own mapping (the root) also says whether a string of the document may
    hold ``{{`` (``braces``): False when its text has neither ``{{`` nor a backslash (an
    escape of a double-quoted string could write one), so no string has."""

    __slots__ = ("line", "key_lines", "braces")


class YamlSequence(list):
    """A list read from YAML; ``item_lines[i]`` is the 1-based line of item i."""

    __slots__ = ("line", "item_lines")


def read_file(path: Path, what: str = "scenario file") -> Any:
    """The data of one YAML file; ScenarioError (file:line) if it cannot be read or used."""
    try:
        with open(path, "rb", buffering=0) as handle:
            data = _read_at_most(handle, MAX_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ScenarioError(f"cannot read {what}", where=str(path),
                            got=getattr(exc, "strerror", None) or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise ScenarioError("file too large", where=f"{path}:1", expected=_size_expected(),
                            got=f"more than {MAX_BYTES:,} bytes") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError("not UTF-8 text", where=f"{path}:{line}",
                            expected="a UTF-8 encoded YAML file",
                            got=f"byte {data[exc.start]:#04x} at offset {exc.start}") from None
    return read_yaml(text, str(path))


def _read_at_most(handle: Any, limit: int) -> bytes:
    """The bytes of an unbuffered file, at most ``limit``: as many as its size says and one
    more (a read into a buffer of ``limit`` bytes costs more than a small file's read), then
    on while it has more (it grew, or its size is not known: a pipe says 0)."""
    size = os.fstat(handle.fileno()).st_size
    chunks, got = [], 0
    while got < limit:
        chunk = handle.read(min(size - got + 1 if size > got else _CHUNK, limit - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


_CHUNK = 1 << 16  # the read size past a file's size (a pipe's, or one that grew)


def read_yaml(text: str, label: str) -> Any:
    """The data of one YAML document (None for an empty one); ``label`` names it in errors."""
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError("text too large", where=f"{label}:1", expected=_size_expected(),
                            got=f"{len(text.encode('utf-8', 'surrogatepass')):,} bytes")
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        _refuse_character(text, bad.start(), label)
    if _FastParser is not None:
        try:
            return _with_braces(_Composer(_FastParser(text), label).document(), text)
        except yaml.YAMLError as exc:  # the pure-Python parser says what is wrong, in its
            if getattr(exc, "problem", None) == "exceeded maximum nesting depth":  # (and
                mark = exc.problem_mark or exc.context_mark  # ruamel's) words; this, we say
                raise ScenarioError("nested too deeply", where=f"{label}:{mark.line + 1}",
                                    expected=_DEPTH_EXPECTED, got=f"more than {MAX_DEPTH}"
                                    ) from None
    try:
        return _with_braces(_Composer(_PurePythonParser(text), label).document(), text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = " ".join(str(part).strip() for part in (exc.context, exc.problem) if part)
        expected = "spaces for indentation (YAML forbids tabs)" if "'\\t'" in what else None
        raise ScenarioError(f"invalid YAML: {what}", where=f"{label}:{line}",
                            expected=expected) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"invalid YAML: {exc}", where=label) from None


def _with_braces(root: Any, text: str) -> Any:
    """``root`` with its ``braces`` set (YamlMapping), when it is a mapping."""
    if type(root) is YamlMapping:
        root.braces = "{{" in text or "\\" in text
    return root


def uses_libyaml() -> bool:
    """True when the C parser does the reading (False: the pure-Python fallback)."""
    return _FastParser is not None


_DEPTH_EXPECTED = f"at most {MAX_DEPTH} levels of mappings and lists"


def _size_expected() -> str:
    return f"at most {MAX_BYTES // 2**20} MiB ({MAX_BYTES:,} bytes)"


class _PurePythonParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python event parser (no composer, no constructor)."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


# ---- characters


#: What YAML allows in a stream (YAML 1.2 §5.1); a lone surrogate is not text either.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab",
                  0x0C: "form feed", 0x1B: "ESC", 0x7F: "DEL"}
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _describe_character(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (a lone surrogate, which no UTF-8 file can hold)"
    name = _CONTROL_NAMES.get(code)
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X} (a control character)"


def _refuse_character(text: str, at: int, label: str) -> None:
    line = len(_LINE_BREAK.findall(text, 0, at)) + 1
    starts = [m.end() for m in _LINE_BREAK.finditer(text, 0, at)]
    column = at - (starts[-1] if starts else 0) + 1
    raise ScenarioError("character not allowed in YAML", where=f"{label}:{line}",
                        expected="printable text (write a control character as an escape in "
                                 'a double-quoted string, e.g. "\\t")',
                        got=f"{_describe_character(text[at])} at column {column}")


# ---- scalars


class _Refused(Exception):
    """A scalar this reader does not accept: what, expected, got (the composer adds where)."""

    def __init__(self, what: str, expected: str, got: str) -> None:
        super().__init__(what)
        self.what, self.expected, self.got = what, expected, got


_MERGE = object()  # a plain `<<` key: merge the mapping(s) given as its value
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS_12 = {"true": True, "True": True, "TRUE": True,
             "false": False, "False": False, "FALSE": False}
_BOOLS_11 = {**_BOOLS_12, **{word: value for words, value in (
    ("y Y yes Yes YES on On ON", True), ("n N no No NO off Off OFF", False))
    for word in words.split()}}
_BOOL_WORDS = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False,
               "on": True, "off": False}  # an explicit !!bool (lower-cased), as before
_NUMBER_START = frozenset("-+0123456789.")
_NAN = float("nan")  # one object, as before: `.nan` twice is a duplicate key
# ruamel.yaml's implicit resolvers, verbatim: (1, 2) and (1, 1).
_FLOAT_12 = re.compile(r"""
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)""", re.X)
_INT_12 = re.compile(r"""
     [-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+""", re.X)
_FLOAT_11 = re.compile(r"""
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)""", re.X)
_INT_11 = re.compile(r"""
     [-+]?0b[0-1_]+
    |[-+]?0?[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+""", re.X)
#: Significant digits of the largest 64-bit integer, per base.
_MAX_DIGITS = {2: 64, 8: 22, 10: 20, 16: 16}
_INT_EXPECTED = "an integer from -2**63 to 2**64-1 (64 bits)"


def _sign(text: str) -> tuple[int, str]:
    if text[:1] in ("-", "+"):
        return (-1 if text[0] == "-" else 1), text[1:]
    return 1, text


def _to_int(text: str, version: tuple) -> int | str:
    """An integer literal (already matched by the version's int pattern); the text itself
    when nothing numeric is left of it (``-_``: ruamel crashed there)."""
    sign, body = _sign(text.replace("_", ""))
    prefix = body[:2]
    if prefix in ("0b", "0x", "0o"):
        base, digits = {"0b": 2, "0x": 16, "0o": 8}[prefix], body[2:]
    elif version < (1, 2) and ":" in body:
        parts = body.split(":")
        if len(parts[0].lstrip("0")) > _MAX_DIGITS[10]:
            raise _Refused("integer out of range", _INT_EXPECTED, f"{text[:40]}...")
        value = 0
        for part in parts:
            value = value * 60 + int(part)
        return _in_range(sign * value, text)
    elif version < (1, 2) and len(body) > 1 and body[0] == "0":
        base, digits = 8, body
    else:
        base, digits = 10, body
    if not digits:
        return text
    if len(digits.lstrip("0")) > _MAX_DIGITS[base]:
        raise _Refused("integer out of range", _INT_EXPECTED,
                       f"{len(digits.lstrip('0')):,} digits")
    try:
        return _in_range(sign * int(digits, base), text)
    except ValueError:
        return text


def _in_range(value: int, text: str) -> int:
    if not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise _Refused("integer out of range", _INT_EXPECTED,
                       text if len(text) <= 40 else f"{len(text):,} characters")
    return value


def _to_float(text: str, version: tuple) -> float | str:
    sign, body = _sign(text.replace("_", "").lower())
    if body == ".inf":
        return sign * float("inf")
    if body == ".nan":
        return _NAN
    try:
        if version < (1, 2) and ":" in body:
            value = 0.0
            for part in body.split(":"):
                value = value * 60 + float(part)
            return sign * value
        return sign * float(body)
    except ValueError:  # e.g. "._": ruamel crashed there
        return text


#: Scalars up to this many characters are memoised (at most 4096 of them a YAML version: a
#: few hundred KB): a key, a name, a number (most of them, and the same ones in every file)
#: is resolved once a process.
_SHORT = 48
_MEMO_SIZE = 4096
_RESOLVED: dict[tuple, dict[str, Any]] = {}  # version -> text -> value


def _memo(version: tuple) -> dict[str, Any]:
    """The resolved short scalars of a YAML version (a dict a document looks up directly)."""
    return _RESOLVED.setdefault(version, {})


def _resolve_text(text: str, version: tuple) -> Any:
    """The value of a plain scalar (ruamel.yaml's implicit resolvers, timestamps excepted)."""
    if not text:
        return None
    first = text[0]
    if first in _NUMBER_START:
        floats, ints = (_FLOAT_12, _INT_12) if version >= (1, 2) else (_FLOAT_11, _INT_11)
        if floats.fullmatch(text):
            return _to_float(text, version)
        if ints.fullmatch(text):
            return _to_int(text, version)
        return text
    if text in _NULLS:
        return None
    bools = _BOOLS_12 if version >= (1, 2) else _BOOLS_11
    if text in bools:
        return bools[text]
    if text == "<<":
        return _MERGE
    return text


_TAG = "tag:yaml.org,2002:"


def _tagged(tag: str, text: str, version: tuple) -> Any:
    """A scalar with an explicit tag: the standard ones, else refused."""
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        if text.lower() in _BOOL_WORDS:
            return _BOOL_WORDS[text.lower()]
    elif tag == _TAG + "int":
        if _INT_12.fullmatch(text) or _INT_11.fullmatch(text):
            value = _to_int(text, version)
            if not isinstance(value, str):
                return value
    elif tag == _TAG + "float":
        if _FLOAT_12.fullmatch(text) or _INT_12.fullmatch(text) or _FLOAT_11.fullmatch(text):
            value = _to_float(text, version)
            if not isinstance(value, str):
                return value
    else:
        raise _Refused("unsupported tag", _TAGS_EXPECTED, _show_tag(tag))
    raise _Refused(f"not a valid {_show_tag(tag)} value", f"text that reads as {_show_tag(tag)}",
                   repr(text))


_TAGS_EXPECTED = "no tag, or one of !!str !!int !!float !!bool !!null !!map !!seq"


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


# ---- the composer


class _Open:
    """An anchor whose collection is still being read (an alias to it would be recursive)."""


_OPEN = _Open()
_NO_KEY = object()


class _Frame:
    """A collection being read: its node, the key awaiting its value, where it started."""

    __slots__ = ("node", "is_map", "key", "key_line", "merges", "anchor", "start", "height")

    def __init__(self, node, is_map: bool, anchor: str | None, start: int) -> None:
        self.node, self.is_map, self.anchor = node, is_map, anchor
        self.key, self.key_line, self.merges = _NO_KEY, 0, None
        # the nodes read before it (its size: those read by its end, less these); the
        # collection levels below it
        self.start, self.height = start, 0


class _Composer:
    """Events -> data, in one pass with an explicit stack (no recursion, whatever the depth)."""

    def __init__(self, parser, label: str) -> None:
        self.next_event = parser.get_event
        self.label = label
        self.anchors: dict[str, Any] = {}  # name -> (value, size, height) or _OPEN
        self.stack: list[_Frame] = []
        self.repeated = 0  # nodes repeated through aliases so far

    def fail(self, line: int, what: str, expected: str | None = None,
             got: str | None = None) -> None:
        path = self.path()
        if len(path) > 120:  # the path of a node nested very deeply
            path = path[:100] + "..."
        raise ScenarioError(f"{path}: {what}" if path != "$" else what,
                            where=f"{self.label}:{line}", expected=expected, got=got)

    def path(self) -> str:
        """The key path of the node being read (``$`` at the top)."""
        parts = []
        for frame in self.stack:
            if frame.is_map:
                if frame.key is _NO_KEY:
                    break
                parts.append(frame.key if isinstance(frame.key, (str, int)) else str(frame.key))
            else:
                parts.append(len(frame.node))
        return format_path(parts)

    def document(self) -> Any:
        next_event = self.next_event
        next_event()  # StreamStart
        event = next_event()
        if type(event) is StreamEndEvent:
            return None
        version = tuple(event.version) if event.version else (1, 2)
        root = self.node(version)
        event = next_event()  # DocumentEnd
        event = next_event()
        if type(event) is not StreamEndEvent:
            raise ScenarioError("invalid YAML: expected a single document in the stream but "
                                "found another document",
                                where=f"{self.label}:{event.start_mark.line + 1}")
        return root

    def node(self, version: tuple) -> Any:
        """Read events until the document's root node is complete; return it.

        One loop for every node of the file, so the common cases are written out in it (a
        plain scalar, a new key of a mapping) rather than in calls of their own."""
        next_event, stack, anchors = self.next_event, self.stack, self.anchors
        memo = _memo(version)
        count = 0  # nodes read so far, aliases expanded (an anchored collection's size)
        while True:
            event = next_event()
            kind = type(event)
            if kind is ScalarEvent:
                line = event.start_mark.line + 1
                text = event.value
                if event.style == '"' and _SURROGATE.search(text):
                    text = self.paired(text, line)
                tag = event.tag
                try:
                    if tag is not None and tag != "!":
                        value = _tagged(tag, text, version)
                    elif not event.implicit[0]:
                        value = text
                    elif len(text) > _SHORT:
                        value = _resolve_text(text, version)
                    else:
                        value = memo.get(text, _NO_KEY)
                        if value is _NO_KEY:
                            value = _resolve_text(text, version)
                            if len(memo) < _MEMO_SIZE:
                                memo[text] = value
                except _Refused as refused:
                    self.fail(line, refused.what, refused.expected, refused.got)
                count += 1
                height = 0
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1, 0)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                line = event.start_mark.line + 1
                is_map = kind is MappingStartEvent
                if event.tag not in (None, "!", _TAG + ("map" if is_map else "seq")):
                    self.fail(line, "unsupported tag", _TAGS_EXPECTED, _show_tag(event.tag))
                if stack and stack[-1].is_map and stack[-1].key is _NO_KEY:
                    self.complex_key(line, "a mapping" if is_map else "a list")
                if len(stack) >= MAX_DEPTH:
                    self.fail(line, "nested too deeply", _DEPTH_EXPECTED, f"more than {MAX_DEPTH}")
                if is_map:
                    node = YamlMapping()
                    node.key_lines = {}
                else:
                    node = YamlSequence()
                    node.item_lines = []
                node.line = line
                stack.append(_Frame(node, is_map, event.anchor, count))
                count += 1
                if event.anchor is not None:
                    anchors[event.anchor] = _OPEN
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                if frame.merges:
                    self.merge(frame)
                value = frame.node
                line = value.line
                height = frame.height + 1
                if frame.anchor is not None:
                    anchors[frame.anchor] = (value, count - frame.start, height)
            elif kind is AliasEvent:
                line = event.start_mark.line + 1
                entry = anchors.get(event.anchor)
                if entry is None:
                    raise ScenarioError(f"invalid YAML: found undefined alias {event.anchor!r}",
                                        where=f"{self.label}:{line}")
                if entry is _OPEN:
                    self.fail(line, "recursive alias", "an alias to a node defined before it, "
                              "not one that contains the alias", f"*{event.anchor}")
                value, size, height = entry
                self.repeated += size
                if self.repeated > MAX_ALIAS_NODES:
                    self.fail(line, "aliases repeat too much", f"at most {MAX_ALIAS_NODES:,} "
                              "nodes repeated through aliases in one file",
                              f"more with *{event.anchor} ({size:,} nodes)")
                if len(stack) + height > MAX_DEPTH:
                    self.fail(line, "nested too deeply", f"{_DEPTH_EXPECTED} (*{event.anchor} "
                              "included)", f"{len(stack) + height}")
                if isinstance(value, (dict, list)) and stack and stack[-1].is_map \
                        and stack[-1].key is _NO_KEY:
                    self.complex_key(line, "a mapping" if isinstance(value, dict) else "a list")
                count += size
            else:  # pragma: no cover - the parsers emit no other event inside a document
                raise ScenarioError(f"invalid YAML: unexpected {kind.__name__}",
                                    where=f"{self.label}:{event.start_mark.line + 1}")
            if not stack:
                return "<<" if value is _MERGE else value
            parent = stack[-1]
            if height > parent.height:
                parent.height = height
            if not parent.is_map:
                parent.node.append("<<" if value is _MERGE else value)
                parent.node.item_lines.append(line)
                continue
            key = parent.key
            if key is _NO_KEY:
                parent.key, parent.key_line = value, line
                continue
            node = parent.node
            if key is _MERGE or key in node:
                self.add(parent, "<<" if value is _MERGE else value, line)
                continue
            node[key] = "<<" if value is _MERGE else value
            node.key_lines[key] = parent.key_line
            parent.key = _NO_KEY

    def add(self, frame: _Frame, value: Any, line: int) -> None:
        """A mapping's value that is not simply a new key's: a merge (``<<``), a duplicate."""
        key, node = frame.key, frame.node
        frame.key = _NO_KEY
        if key is _MERGE:
            if frame.merges is not None:
                raise ScenarioError('invalid YAML: while constructing a mapping found duplicate '
                                    'merge key "<<"', where=f"{self.label}:{frame.key_line}")
            if isinstance(value, dict):
                frame.merges = [value]
            elif isinstance(value, list) and all(isinstance(item, dict) for item in value):
                frame.merges = list(value)
            else:
                found = "a list with other items than mappings" if isinstance(value, list) \
                    else "scalar"
                raise ScenarioError("invalid YAML: while constructing a mapping expected a "
                                    "mapping or list of mappings for merging, but found "
                                    f"{found}", where=f"{self.label}:{line}")
            return
        if key in node:
            raise ScenarioError(f'invalid YAML: while constructing a mapping found duplicate key '
                                f'"{key}" with value "{value}" (original value: "{node[key]}")',
                                where=f"{self.label}:{frame.key_line}")
        node[key] = value
        node.key_lines[key] = frame.key_line

    def merge(self, frame: _Frame) -> None:
        """``<<``: keys of the merged mappings that the mapping does not set, after its own,
        the first mapping listed winning; each keeps the line where it is written."""
        node = frame.node
        for source in frame.merges:
            lines = getattr(source, "key_lines", {})
            for key, value in source.items():
                if key not in node:
                    node[key] = value
                    node.key_lines[key] = lines.get(key, node.line)

    def paired(self, text: str, line: int) -> str:
        """A double-quoted text with ``\\ud83d\\ude00`` escapes: each pair becomes its character
        (PyYAML leaves the two halves); a half left alone cannot be written, so it is refused."""
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        lone = _SURROGATE.search(text)
        if lone is not None:
            self.fail(line, "text that cannot be written as UTF-8",
                      expected="text without lone surrogates (\\ud800-\\udfff escapes only "
                               "in pairs)", got=_describe_character(lone.group()))
        return text

    def complex_key(self, line: int, got: str) -> None:
        self.fail(line, "mapping key that is not a scalar", "text, a number, true/false or "
                  "null as a key", got)
