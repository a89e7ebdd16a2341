"""What a run executed, document by document: read from a result.json object, nothing else.

``trace(result)`` attributes every verb the timeline shows to the BXML document it belongs to:
the reply of the synchronous webhook (initiate, answer, gather, redirect, ...) that last gave
the call a document, with that reply's body from ``callbacks`` (the final attempt of each
webhook; a fallback's reply when the fallback answered). With the C1 timeline keys (``col``,
``path``, ``document``, once the engine writes them) those are used as they are; without them
the position is found in the document's outline from the entry's ``line`` and verb name (two
verbs of that name on one line are told apart by their order). A Gather whose verb-end does not
carry its digits (its gather webhook failed) gets those the webhook sent (and its transcript,
``speechResult.text``, as ``speech``). A verb whose document cannot be known (a REST PUT bxml
body, which no result.json holds) has ``document`` None.

Coverage and explore both read runs through this module; neither reaches into the engine.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from typing import Any

import attrs

from simulator.coverage.outline import Outline, outline


@attrs.frozen
class Document:
    """A BXML document a call ran: the reply of ``url`` (``event`` webhook) with this body."""

    url: str | None
    body: str | None  # None: not in result.json (e.g. a PUT bxml body)
    event: str | None = None

    @property
    def digest(self) -> str:
        """A short hash of the body (tells apart what one URL returned at different times)."""
        return hashlib.sha1((self.body or "").encode()).hexdigest()[:10]

    @property
    def key(self) -> str:
        return f"{self.url} #{self.digest}"

    @property
    def outline(self) -> Outline:
        return outline_of(self.body) if self.body is not None else Outline()


@functools.lru_cache(maxsize=4096)
def outline_of(body: str) -> Outline:
    """``outline`` memoised: explore sees the same replies thousands of times."""
    return outline(body)


@attrs.frozen
class Executed:
    """One verb that ran: its verb-start entry, and its verb-end entry once it ended."""

    index: int  # position of the verb-start entry in the timeline
    call_id: str
    verb: str
    line: int | None
    col: int | None
    path: str | None
    document: Document | None
    start: float
    end: float | None = None
    end_detail: dict[str, Any] | None = None
    nested: bool = False

    @property
    def reason(self) -> str | None:
        return None if self.end_detail is None else self.end_detail.get("reason")


@attrs.frozen
class Request:
    """One webhook as delivered (all its attempts): the final attempt's URL, status, reply."""

    index: int  # timeline position of the webhook entry
    call_id: str
    event: str
    url: str
    method: str
    sync: bool
    ok: bool
    status: int | None
    error: str | None
    body: str | None
    attempts: tuple[dict[str, Any], ...]  # the callbacks entries, in order

    @property
    def app_error(self) -> dict[str, Any] | None:
        """The C2 ``appError`` of the first attempt whose in-process app raised, if any."""
        return next((a["appError"] for a in self.attempts if a.get("appError")), None)


@attrs.frozen
class Trace:
    executed: tuple[Executed, ...]
    requests: tuple[Request, ...]
    documents: tuple[Document, ...]  # every document a call was given, in order (deduplicated)


def requests(result: dict[str, Any]) -> Iterator[Request]:
    """The webhook timeline entries with their callbacks attempts (consecutive, in order)."""
    callbacks = result.get("callbacks") or []
    position = 0
    for index, entry in enumerate(result.get("timeline") or []):
        if entry.get("kind") != "webhook":
            continue
        detail = entry.get("detail") or {}
        count = int(detail.get("attempts") or 0)
        attempts = tuple(callbacks[position:position + count])
        position += count
        final = attempts[-1] if attempts else {}
        yield Request(index, entry.get("callId", ""), detail.get("eventType", ""),
                      final.get("url") or detail.get("url", ""), detail.get("method", "POST"),
                      bool(detail.get("sync")), bool(detail.get("ok")), detail.get("status"),
                      detail.get("error"), final.get("responseBody"), attempts)


def trace(result: dict[str, Any]) -> Trace:
    """Attribute every verb of ``result``'s timeline to its document (see the module doc)."""
    timeline = result.get("timeline") or []
    by_index = {r.index: r for r in requests(result)}
    current: dict[str, Document | None] = {}  # call -> the document it runs
    latest: dict[tuple[str, str], Document] = {}  # (call, url) -> its last reply (for C1)
    started: dict[tuple, int] = {}  # (call, doc key, line, verb) -> the candidate last taken
    open_verbs: dict[str, list[Executed]] = {}
    executed: list[Executed] = []
    documents: dict[str, Document] = {}
    for index, entry in enumerate(timeline):
        kind = entry.get("kind")
        call = entry.get("callId", "")
        if kind == "webhook":
            request = by_index[index]
            if request.sync:
                document = (Document(request.url, request.body or "", request.event)
                            if request.ok else None)
                current[call] = document
                if document is not None:
                    latest[(call, document.url)] = document
                    documents.setdefault(document.key, document)
                    for key in [k for k in started if k[:2] == (call, document.key)]:
                        del started[key]  # the document starts again from its top
        elif kind == "rest" and (entry.get("detail") or {}).get("action") == "put_bxml":
            current[call] = Document(None, None, "put_bxml")  # its body is not in result.json
        elif kind == "verb-start":
            document = _document_of(entry, call, current, latest)
            parent = next((run.path for run in reversed(open_verbs.get(call, []))
                           if run.document == document), None)
            line, col, path = _position(entry, document, started, parent)
            run = Executed(index, call, entry.get("verb") or "", line, col, path, document,
                           float(entry.get("at") or 0.0),
                           nested=bool((entry.get("detail") or {}).get("nested")))
            executed.append(run)
            open_verbs.setdefault(call, []).append(run)
        elif kind == "verb-end":
            stack = open_verbs.get(call, [])
            for position in range(len(stack) - 1, -1, -1):
                run = stack[position]
                if run.verb == entry.get("verb") and run.line == entry.get("line"):
                    del stack[position]
                    detail = dict(entry.get("detail") or {})
                    if run.verb == "Gather" and "digits" not in detail:
                        detail.update(_sent_digits(by_index, run.index, index, call))
                    executed[executed.index(run)] = attrs.evolve(
                        run, end=float(entry.get("at") or 0.0), end_detail=detail)
                    break
    return Trace(tuple(executed), tuple(by_index.values()), tuple(documents.values()))


def _sent_digits(by_index: dict[int, Request], start: int, end: int, call: str) -> dict:
    """The digits a Gather sent in its gather webhook, for a verb-end that does not say them
    (a gather webhook that failed ends the Gather with the delivery's reason)."""
    for index in range(start + 1, end):
        request = by_index.get(index)
        if request is not None and request.call_id == call and request.event == "gather" \
                and request.attempts:
            payload = request.attempts[0].get("payload") or {}
            sent = {"digits": payload.get("digits", ""),
                    "terminatingDigit": payload.get("terminatingDigit", "")}
            speech = speech_sent(payload)
            if speech is not None:
                sent["speech"] = speech
            return sent
    return {}


def speech_sent(payload: dict[str, Any]) -> str | None:
    """The transcript a gather webhook's payload carries (``speechResult.text``), or None when
    its Gather takes no speech (then it has no ``speechResult`` object)."""
    result = payload.get("speechResult")
    return result.get("text", "") if isinstance(result, dict) else None


def _document_of(entry: dict[str, Any], call: str, current: dict[str, Document | None],
                 latest: dict[tuple[str, str], Document]) -> Document | None:
    """C1's ``document`` when the entry has one, else the call's current document."""
    named = entry.get("document")
    if named:
        known = latest.get((call, named))
        return known if known is not None else Document(named, None)
    return current.get(call)


def _position(entry: dict[str, Any], document: Document | None, started: dict[tuple, int],
              parent: str | None) -> tuple[int | None, int | None, str | None]:
    """(line, col, path) of a verb-start entry: C1's keys, else found in the outline (a
    nested prompt among the children of the verb still running, ``parent``; any other verb
    among the document's top-level verbs)."""
    line = entry.get("line")
    if entry.get("path"):
        return line, entry.get("col"), entry["path"]
    if document is None or document.body is None:
        return line, entry.get("col"), None
    candidates = document.outline.at(line, entry.get("verb"))
    nested = bool((entry.get("detail") or {}).get("nested"))
    narrowed = [v for v in candidates
                if (nested and parent is not None and v.path.startswith(parent + "/"))
                or (not nested and v.path.count("/") == 2)]
    candidates = narrowed or candidates
    if not candidates:
        return line, entry.get("col"), None
    # several verbs of that name on one line: they run in document order, so take the one
    # after the last taken (cyclically: a Gather's prompts play again on a repeat)
    key = (entry.get("callId", ""), document.key, line, entry.get("verb"))
    taken = started.get(key, -1)
    choice = (taken + 1) % len(candidates)
    started[key] = choice
    verb = candidates[choice]
    return line, verb.col, verb.path
