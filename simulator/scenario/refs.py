"""Templates in scenario strings: ``{{calls.NAME.callId}}``, the id of a call.

An app learns the id of a call it creates from createCall's response; a scenario cannot, so it
names the call instead: ``NAME`` is a key of the scenario's ``calls:`` or ``main`` (the
scenario's own call); spaces inside the braces are allowed. The ids are drawn from the seed
before the run, so a reference is expanded in **every** scenario string: canned bodies
(``app.bxml``, inline routes, route files with a text suffix, ``put_bxml``,
``put_conference_bxml``), URLs, tags, numbers, caller text and every value of ``expect``. A
WSGI/ASGI app's replies are its own business and never rewritten.

A template never passes through silently. At load time every ``{{`` in the file is checked
(:func:`check`): an unknown call, a field other than ``callId``, a misspelling, a ``{{`` never
closed, or a reference in a value read before the ids exist (the scenario's ``name``, files,
folders, app modules) is a problem at its ``file:line`` with "did you mean". At run time
:func:`expand` substitutes the ids in the typed scenario, expectations included.
"""

from __future__ import annotations

import difflib
import functools
import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from simulator.scenario import model

#: ``{{calls.agent.callId}}``; group 1 is the call's name.
CALL_REF = re.compile(r"\{\{\s*calls\.([A-Za-z0-9_-]+)\.callId\s*\}\}")
#: Route files whose text is searched for references (as transports.py reads them as text).
TEXT_SUFFIXES = (".xml", ".bxml", ".txt")
#: YAML keys whose value is used while the file loads, before call ids are drawn.
NOT_EXPANDED = ("file", "play", "static", "wsgi", "asgi")
EXPECTED = "{{calls.NAME.callId}} with NAME main or a key of `calls:`"


def references(text: str) -> Iterator[str]:
    """Every ``{{...}}`` in ``text``; a ``{{`` never closed runs to the end of the text."""
    start = text.find("{{")
    while start != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            yield text[start:]
            return
        yield text[start:end + 2]
        start = text.find("{{", end + 2)


def problems(text: str | None, names) -> list[tuple[str, str | None]]:
    """The references of ``text`` that name no call of ``names`` (plus ``main``), each with
    the closest valid reference (or None)."""
    if not text or "{{" not in text:
        return []
    calls = ["main", *sorted(names)]
    bad = []
    for ref in references(text):
        match = CALL_REF.fullmatch(ref)
        if match is None or match.group(1) not in calls:
            bad.append((ref, _closest(ref[2:].removesuffix("}}").strip(), calls)))
    return bad


def _closest(inner: str, calls: list[str]) -> str | None:
    """The valid reference a broken one most likely meant: its call name kept when it is
    one (``calls.agent.id``), else the closest name (``calls.agnet.callId``)."""
    parts = inner.split(".")
    if len(parts) == 3 and parts[0] == "calls":
        name = parts[1] if parts[1] in calls else next(
            iter(difflib.get_close_matches(parts[1], calls, n=1)), None)
        return "{{calls." + name + ".callId}}" if name else None
    known = [f"calls.{name}.callId" for name in calls]
    close = difflib.get_close_matches(inner, known, n=1)
    return "{{" + close[0] + "}}" if close else None


def route_text(path: Path) -> str | None:
    """The text of a route file, as ``read_text(encoding="utf-8")`` reads it (universal
    newlines), when it may hold a reference; None when its bytes hold no ``{{`` (then no
    decoding). Raises what opening and reading it raise (and UnicodeDecodeError)."""
    with open(path, "rb", buffering=0) as handle:  # a route file is read whole, once
        data = handle.readall()
    if b"{{" not in data:  # UTF-8: a "{" byte is only ever the character "{"
        return None
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def expected(names) -> str:
    """What a reference should be, naming the calls there are."""
    return f"{EXPECTED} ({', '.join(['main', *sorted(names)])})"


def check(doc: Any, names, report: Callable[..., None], path: tuple = ()) -> bool:
    """Check every string of a scenario's YAML ``doc`` (keys too): ``report(path, message,
    expected, got, hint)`` for each reference that cannot be expanded. True when some string
    holds a ``{{``."""
    found = False
    if isinstance(doc, dict):
        for key, value in doc.items():
            if isinstance(key, str) and "{{" in key:
                found = True
                _check_text(key, path + (key,), names, report, expandable=True)
            found = check(value, names, report, path + (key,)) or found
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            found = check(item, names, report, path + (index,)) or found
    elif isinstance(doc, str) and "{{" in doc:
        found = True
        last = next((part for part in reversed(path) if isinstance(part, str)), None)
        fixed = path == ("name",) or (last in NOT_EXPANDED and path[:1] != ("expect",))
        _check_text(doc, path, names, report, expandable=not fixed)
    return found


def _check_text(text: str, path: tuple, names, report, *, expandable: bool) -> None:
    if not expandable:
        report(path, "reference where none can be expanded", "a literal value (the scenario's "
               "name, files, folders and app modules are read when the file loads, before "
               "call ids are drawn)", next(references(text)), None)
        return
    for ref, hint in problems(text, names):
        if not ref.endswith("}}"):
            message = "unterminated reference"
        elif ref[2:-2].strip().startswith("calls."):
            message = "unknown call reference"
        else:
            message = "unknown reference"
        report(path, message, expected(names), ref, hint)


def stand_in(text: str) -> str:
    """``text`` with each reference replaced by an id-shaped stand-in, for the value checks
    that look at a string before its ids exist (a URL with a reference is still a URL)."""
    return "".join(_stand_ins(text)) if "{{" in text else text


def _stand_ins(text: str) -> Iterator[str]:
    position = 0
    for ref in references(text):
        start = text.index(ref, position)
        yield text[position:start] + "c-id"
        position = start + len(ref)
    yield text[position:]


def substitute(text: str, call_ids: Mapping[str, str]) -> str:
    """``text`` with every ``{{calls.NAME.callId}}`` replaced by that call's id."""
    if "{{" not in text:
        return text
    return CALL_REF.sub(lambda m: call_ids.get(m.group(1), m.group(0)), text)


#: Objects the loader built from a document without a ``{{`` (a scenario, its expectations):
#: id -> weak reference. :func:`expand` returns them as they are instead of walking them (a
#: few hundred nodes a scenario); an object made from one (``attrs.evolve``) is not listed.
_PLAIN: dict[int, weakref.ref] = {}


def mark_plain(*values: Any) -> None:
    """Record that ``values`` hold no reference (the loader's :func:`check` found no ``{{``
    in the document they were built from), so expanding them is a no-op."""
    for value in values:
        if value is not None:
            key = id(value)
            _PLAIN[key] = weakref.ref(value, lambda _, key=key: _PLAIN.pop(key, None))


def _plain(value: Any) -> bool:
    ref = _PLAIN.get(id(value))
    return ref is not None and ref() is value


#: Values that hold no string: returned as they are without a look inside.
_LEAVES = (int, float, type(None), Path, re.Pattern)


@functools.lru_cache(maxsize=None)
def _init_fields(cls: type) -> tuple[tuple[str, str], ...] | None:
    """(name, alias) of the init fields of an attrs class; None for any other class."""
    if not attrs.has(cls):
        return None
    return tuple((f.name, f.alias) for f in attrs.fields(cls) if f.init)


def expand(value: Any, call_ids: Mapping[str, str]) -> Any:
    """``value`` (a scenario, its expectations, any attrs tree of them) with every reference
    in its strings substituted; the very same object when nothing changes."""
    if _plain(value):
        return value
    if isinstance(value, str):
        return substitute(value, call_ids)
    if isinstance(value, _LEAVES):
        return value
    if isinstance(value, (list, tuple)):
        items = [expand(item, call_ids) for item in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        pairs = [(expand(k, call_ids), expand(v, call_ids)) for k, v in value.items()]
        if all(k is old_k and v is old_v for (k, v), (old_k, old_v) in zip(pairs, value.items())):
            return value
        return type(value)(pairs)
    fields = _init_fields(type(value))
    if fields is not None:
        changes = {}
        for name, alias in fields:
            old = getattr(value, name)
            new = expand(old, call_ids)
            if new is not old:
                changes[alias] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


def resolve_app(app: model.AppSettings, call_ids: Mapping[str, str]) -> model.AppSettings:
    """``app`` with the call ids substituted in every canned body, route files read as text
    included (inline strings: :func:`expand`)."""
    routes = {}
    for key, route in app.routes.items():
        changes = {}
        for field in ("bxml", "body"):
            value = getattr(route, field)
            if value is not None and substitute(value, call_ids) != value:
                changes[field] = substitute(value, call_ids)
        if route.file is not None and route.file.suffix.lower() in TEXT_SUFFIXES \
                and route.bxml is None and route.body is None:
            try:
                text = route_text(route.file) or ""
            except (OSError, UnicodeDecodeError):  # transports.py reports unreadable files
                text = ""
            if CALL_REF.search(text):
                changes.update(bxml=substitute(text, call_ids), file=None)
        routes[key] = attrs.evolve(route, **changes) if changes else route
    bxml = substitute(app.bxml, call_ids) if app.bxml is not None else None
    return attrs.evolve(app, routes=routes, bxml=bxml)
