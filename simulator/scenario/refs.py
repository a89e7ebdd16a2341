"""Call-id references in canned bodies: ``{{calls.NAME.callId}}``.

An app learns the id of a call it creates from createCall's response; a canned route body
cannot, so it names the call instead and the simulator substitutes the id before the run
(ids are drawn up front, so they are known). ``NAME`` is a key of the scenario's ``calls:``
or ``main`` (the scenario's own call). Spaces inside the braces are allowed. Only canned
bodies are rewritten: ``app.bxml``, inline route bodies, route files with a text suffix, and
REST ``put_bxml`` / ``put_conference_bxml`` bodies; a WSGI/ASGI app's replies are its own
business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from simulator.scenario import model

#: ``{{calls.agent.callId}}``; group 1 is the call's name.
CALL_REF = re.compile(r"\{\{\s*calls\.([A-Za-z0-9_-]+)\.callId\s*\}\}")
#: Anything that starts like a reference, to catch misspellings (``{{calls.agent.id}}``).
REF_START = re.compile(r"\{\{\s*calls\.[^}]*\}\}")
#: Route files whose text is searched for references (as transports.py reads them as text).
TEXT_SUFFIXES = (".xml", ".bxml", ".txt")


def bad_refs(text: str | None, names) -> list[str]:
    """The references in ``text`` that are malformed or name no call of ``names``."""
    if not text or "{{" not in text:
        return []
    bad = []
    for match in REF_START.finditer(text):
        ref = CALL_REF.fullmatch(match.group(0))
        if ref is None or (ref.group(1) not in names and ref.group(1) != "main"):
            bad.append(match.group(0))
    return bad


def substitute(text: str, call_ids: Mapping[str, str]) -> str:
    """``text`` with every ``{{calls.NAME.callId}}`` replaced by that call's id."""
    if "{{" not in text:
        return text
    return CALL_REF.sub(lambda m: call_ids.get(m.group(1), m.group(0)), text)


def resolve_app(app: model.AppSettings, call_ids: Mapping[str, str]) -> model.AppSettings:
    """``app`` with the call ids substituted in every canned body (files read as text)."""
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
                text = route.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):  # transports.py reports unreadable files
                text = ""
            if CALL_REF.search(text):
                changes.update(bxml=substitute(text, call_ids), file=None)
        routes[key] = attrs.evolve(route, **changes) if changes else route
    bxml = substitute(app.bxml, call_ids) if app.bxml is not None else None
    return attrs.evolve(app, routes=routes, bxml=bxml)
