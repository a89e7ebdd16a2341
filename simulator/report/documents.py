"""The BXML documents a run executed, and which element of which document a timeline entry is.

``collect_documents`` finds every document: the reply of each webhook whose reply the call runs
(2xx with a body), and any ``bxml`` text carried in a timeline record, numbered in time order,
each pretty-printed (``pretty.py``). ``Resolver.locate(entry)`` names the document and element
of a verb's entry: C1 keys first (``document``: the URL whose reply it is; ``path``; ``col``),
then, for result.json files written before C1, the latest document the call fetched at or
before the entry, and the element on the entry's ``line`` (the k-th run of that verb on that
line is the k-th such element, for one-line documents built by an SDK).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any

from .pretty import pretty_bxml
from .values import callback_call, num

#: Webhooks whose reply is BXML that the call executes (spec/callbacks.md §1.8 table).
BXML_EVENTS = frozenset({
    "initiate", "answer", "redirect", "gather", "recordComplete", "transferAnswer",
    "transferComplete", "bridgeComplete", "bridgeTargetComplete", "conferenceCreated",
    "conferenceMemberJoin", "conferenceMemberExit", "conferenceRedirect", "referComplete"})
_EPSILON = 1e-9


def collect_documents(callbacks: list[dict], timeline: list[dict], call_ids: list) -> list[dict]:
    """Every BXML document the run executed: sync webhook replies and timeline ``bxml`` texts.

    Each is ``{number, at, callId, url, event, text, origin, callback, lines, pretty,
    anchors, warnings}``; ``pretty`` is None when the text is not well-formed (it is then shown
    as sent) or absent. A PUT bxml body is the ``bxml`` of its ``rest`` entry, under the name
    its verbs' C1 ``document`` gives (``bxmlDocument``); a document that C1's ``document``
    names but whose text result.json does not hold (files written before ``rest`` entries
    carried the body) is listed by its name, without text.
    """
    docs = []
    for i, cb in enumerate(callbacks):
        body = cb.get("responseBody")
        status = cb.get("status")
        if (cb.get("eventType") in BXML_EVENTS and isinstance(body, str) and body.strip()
                and isinstance(status, int) and 200 <= status < 300 and not _unread(cb)):
            docs.append({"at": num(cb.get("at")), "callId": callback_call(cb), "text": body,
                         "url": cb.get("url"), "event": cb.get("eventType"),
                         "origin": f"reply to {cb.get('eventType')} "
                                   f"({cb.get('method', 'POST')} {cb.get('url', '')})",
                         "callback": i})
    for rec in timeline:
        detail = rec.get("detail") if isinstance(rec.get("detail"), dict) else {}
        text = detail.get("bxml")
        if not (isinstance(text, str) and text.strip()):
            continue
        if rec.get("kind") == "rest":  # a PUT bxml body: a document once the engine read it
            name = detail.get("bxmlDocument")
            if not isinstance(name, str) or not name:
                continue  # refused before it was read (no such call, call ended)
            docs.append({"at": num(rec.get("at")), "callId": rec.get("callId"), "text": text,
                         "url": name, "event": None, "callback": None,
                         "origin": f"{name}, the body of the app's {detail.get('action')} "
                                   f"(status {detail.get('status')})"})
            continue
        docs.append({"at": num(rec.get("at")), "callId": rec.get("callId"), "text": text,
                     "url": rec.get("document"), "event": None,
                     "origin": f"{rec.get('kind')} record",
                     "callback": None})
    known = {d["url"] for d in docs}
    for rec in timeline:  # a document C1 names whose text result.json does not hold
        name = rec.get("document")
        if isinstance(name, str) and name and name not in known:
            known.add(name)
            docs.append({"at": num(rec.get("at")), "callId": rec.get("callId"), "text": "",
                         "url": name, "event": None, "callback": None, "named_only": True,
                         "origin": f"{name}; its text is not in result.json"})
    docs.sort(key=lambda d: d["at"])
    if len(call_ids) == 1:  # a single call owns every document, even one without a callId
        for d in docs:
            d["callId"] = d["callId"] or call_ids[0]
    for n, d in enumerate(docs, 1):
        d["number"] = n
        d["lines"] = d["text"].splitlines()
        d["pretty"] = pretty_bxml(d["text"])
        # the lines that have an anchor (doc-N-L<line>): where an element starts, or every
        # line of a document shown as sent
        d["anchors"] = ({ln.line for ln in d["pretty"].lines if ln.first} if d["pretty"]
                        else set(range(1, len(d["lines"]) + 1)))
        d["warnings"] = defaultdict(list)  # element index -> bxml-warning steps on it
    return docs


def _unread(cb: dict) -> bool:
    """A reply the call never ran: referComplete after a successful Refer (call gone)."""
    payload = cb.get("payload")
    return (cb.get("eventType") == "referComplete" and isinstance(payload, dict)
            and payload.get("referCallStatus") == "success")


def verb_key(doc: dict, element: Any) -> str:
    """The key that ties a verb's bars, steps and BXML pane line together (``d2-e5``)."""
    return f"d{doc['number']}-e{element.index}"


class Resolver:
    """Names the document and element of timeline entries; ``see`` every entry in timeline
    order, ``locate`` the verb-starts.

    A webhook's reply is a document only once the timeline has passed that webhook's entry:
    at one virtual instant the verbs of the old document may still run before it (a Gather
    ending at the moment its gather webhook goes out, a ResumeRecording just before it).
    """

    def __init__(self, documents: list[dict], timeline: list[dict]) -> None:
        self.documents = documents
        self._runs: dict[tuple, int] = defaultdict(int)  # (doc, line, verb) -> verb-starts seen
        self._waiting: dict[int, dict] = {}  # id(webhook entry) -> the document it brings
        entries = [e for e in timeline if e.get("kind") == "webhook"]
        taken: set[int] = set()
        for d in documents:
            if d["callback"] is None:
                continue
            matching = [e for e in entries if id(e) not in taken
                        and e.get("callId") == d["callId"] and num(e.get("at")) <= d["at"] + _EPSILON
                        and (e.get("detail") or {}).get("eventType") == d["event"]]
            if matching:
                taken.add(id(matching[-1]))
                self._waiting[id(matching[-1])] = d
        self._unseen = {id(d) for d in self._waiting.values()}
        self._by_call: dict[Any, list[dict]] = defaultdict(list)  # in time order
        self._times: dict[Any, list[float]] = defaultdict(list)
        for d in documents:
            if d.get("named_only"):
                continue  # reached only by its name (C1), never by time
            self._by_call[d["callId"]].append(d)
            self._times[d["callId"]].append(d["at"])

    def see(self, entry: dict) -> None:
        """Pass one timeline entry (in order): its webhook's document can now be current."""
        d = self._waiting.get(id(entry))
        if d is not None:
            self._unseen.discard(id(d))

    def document_of(self, entry: dict) -> dict | None:
        """C1's ``document`` (the URL whose reply it is) when given and known; else the latest
        document the entry's call fetched at or before it (and after its webhook's entry)."""
        call_id, at = entry.get("callId"), num(entry.get("at"))
        named = entry.get("document")
        if isinstance(named, str) and named:
            same = [d for d in self.documents if d["url"] == named and d["at"] <= at + _EPSILON]
            ranked = ([d for d in same if d["callId"] == call_id and id(d) not in self._unseen]
                      or [d for d in same if d["callId"] == call_id] or same)
            if ranked:
                return ranked[-1]
        mine = self._by_call.get(call_id, [])
        for d in reversed(mine[:bisect.bisect_right(self._times.get(call_id, []),
                                                    at + _EPSILON)]):
            if id(d) not in self._unseen:
                return d
        return None

    def element_of(self, entry: dict) -> tuple[dict | None, Any]:
        """(document, element or None) of any entry naming a place in a document (a
        ``bxml-warning``: ``document``, ``line``, ``col``); nothing is counted."""
        doc = self.document_of(entry)
        if doc is None or doc["pretty"] is None:
            return doc, None
        return doc, doc["pretty"].find(path=entry.get("path"), line=entry.get("line"),
                                       col=entry.get("col"), tag=entry.get("verb"))

    def locate(self, entry: dict) -> tuple[dict | None, Any]:
        """(document, pretty.Element or None) of a verb-start entry (counted for the fallback)."""
        doc = self.document_of(entry)
        if doc is None or doc["pretty"] is None:
            return doc, None
        line, verb = entry.get("line"), entry.get("verb")
        run = (doc["number"], line, verb)
        element = doc["pretty"].find(path=entry.get("path"), line=line, col=entry.get("col"),
                                     tag=verb, occurrence=self._runs[run])
        self._runs[run] += 1
        return doc, element
