"""The timeline: an append-only list of everything observable that happened in a run.

It is the single source for the CLI narration, the HTML report, the expectations and golden
files; none of them reaches into engine internals. Each :class:`Entry` is
``{at, callId, kind, verb, line, detail, col, path, document}``; ``at`` is virtual seconds
since the simulation started.

Where a verb of a BXML document is concerned (contract C1), ``line``/``col`` are its position
in the document's text, ``path`` its element path (``/Response/Gather[1]/SpeakSentence[2]``:
each element's position among its same-name siblings, from 1) and ``document`` which document
it is (the absolute URL whose reply it is; ``PUT /calls/<callId>/bxml#<n>`` and
``PUT /conferences/<conferenceId>/bxml#<n>`` for the n-th PUT bxml of that call or
conference; docs/result-format.md). The engine computes them in one place
(engine/context.py ``Context.position``); otherwise they are null (a caller step's ``line`` is
its line in the scenario file). Every float in a ``detail`` is virtual seconds too (``seconds``, ``duration``): the
engine records raw values and :meth:`Entry.to_json` rounds ``at`` and every such float to the
millisecond, here and nowhere else.

Every kind the engine writes is in :data:`KINDS` (kind -> what it means [``detail`` keys]);
``tests/test_timeline.py`` checks the engine writes no other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs


#: kind -> what it means [its ``detail`` keys]. ``verb``/``line``/``col``/``path``/``document``
#: name the BXML verb and where it is when there is one (a caller step's ``line`` is its line
#: in the scenario file).
KINDS: dict[str, str] = {
    "call-start": "a call leg exists [direction, from, to]",
    "answer": "the leg was answered (``verb``: the verb that answered it)",
    "verb-start": "a verb began [nested: true for Gather prompts; conference: the room, for "
                  "conference BXML run on the creating call]",
    "verb-end": "a verb finished [reason: completed, timeout, terminating-digit, max-digits, "
                "inter-digit-timeout, max-duration, silence-timeout, hangup, barge-in, "
                "redirected, ...; nested; the verb's own keys: digits, recordingId, callId, ...]",
    "webhook": "a webhook was handed to delivery [eventType, url, method, sync]; its outcome is "
               "added when delivered, at the same virtual instant [ok, status and error of the "
               "final attempt, attempts (count), fallback (was it used), note (the simulator's "
               "remark on the final reply, e.g. the empty 'no app' reply of a bare FLOW.xml), "
               "appError (C2: the first exception an in-process app raised handling it, as "
               "'Type: message'; the object with its traceback is on the attempt's callbacks "
               "entry)]",
    "bxml-warning": "a BXML document the call runs has a parser warning [code, message]; "
                    "``line``/``col`` are its place in that document, ``document`` names it "
                    "(no ``path``)",
    "digit": "the remote party pressed a key [digit]; also when nothing listens (then the key "
             "is discarded: DTMF is never buffered)",
    "speech": "the remote party spoke [text, seconds]",
    "audio": "the remote party played a file [file, seconds]",
    "remote-hangup": "the remote party hung up",
    "unmet-wait-for": "the call ended while the remote party's script was at a ``wait_for`` "
                      "step whose verb never started: the steps after it never ran (``verb``: "
                      "the verb it waited for, ``line``: the step's line in the scenario file) "
                      "[step: its number in the script, from 1; since: when the wait began]",
    "recording-start": "a recording began [recordingId]",
    "recording-pause": "a StartRecording recording was paused [recordingId; via: rest]",
    "recording-resume": "... resumed [recordingId; via: rest]",
    "recording-stop": "a recording ended [recordingId, endReason, duration; conference]",
    "tag": "the call's tag changed [tag]",
    "gather-start": "StartGather took effect",
    "gather-stop": "StopGather took effect [ignored: no StartGather was active]",
    "stream-start": "StartStream took effect [name]",
    "stream-stop": "a stream stopped [name]",
    "transcription-start": "StartTranscription took effect [name]",
    "transcription-stop": "a real-time transcription stopped [name]",
    "bridge": "two calls start hearing each other (Transfer, Bridge) [callId: the other call]",
    "bridge-end": "a Bridge is over [callId, left: target | bridger]",
    "refer": "a Refer's REFER/NOTIFY exchange ended [target, status: success | failure, "
             "referSipResponseCode, notifySipResponseCode, reason: transferred, rejected, "
             "no-response, notify-failure, notify-timeout, not-a-sip-call]",
    "machine-detection": "answering-machine detection ended [mode: sync | async; value: human, "
                         "answering-machine, silence, timeout, or null when the call ended (or, "
                         "sync, its BXML was replaced) first, then reason: hangup, call-ended, "
                         "redirected, bxml-replaced, bridged; duration: seconds since the answer]",
    "conference-join": "the call joined a conference [conferenceId, name; callIdsToCoach when "
                       "it coaches, coachRefused when another member already did]",
    "conference-exit": "the call left a conference [conferenceId, name]",
    "conference-member": "a member's settings changed by REST [conferenceId, name, mute, hold, "
                         "callIdsToCoach: the settings now]",
    "rest": "a REST request of the app [action, status, error when refused, ...; via: api "
            "for a request the app sent to the Voice API (in process, or to the API served on "
            "127.0.0.1), with method and url for those the engine did not carry out]",
    "network-blocked": "the in-process app's code tried to reach beyond this machine during "
                       "the run and the hermetic guard refused it [host, port, what: connect, "
                       "send or resolve] (docs/hermetic.md)",
    "error": "a call-ending failure [cause, message]; or a refused conference reply [cause, "
             "conference, message]",
    "call-end": "the leg is gone [cause, errorMessage]",
    "timeline-limit": "the run reached the timeline limit (MAX_ENTRIES entries: a flow that "
                      "never ends, e.g. a short Pause + self-Redirect loop) and was stopped here "
                      "[limit, message]; running recordings are finalised (call-ended), calls "
                      "still up end (call-end, cause timeout) and nothing follows "
                      "(engine/salvage.py, docs/limits.md)",
    "internal-error": "a bug in the simulator stopped the run here [error: the exception type, "
                      "message]; running recordings are then finalised (call-ended), calls "
                      "still up end (call-end, cause error) and nothing follows "
                      "(engine/salvage.py)",
}


def ms(t: float) -> float:
    """Virtual seconds rounded to the millisecond (the precision of every output time)."""
    value = round(t, 3)
    return value + 0.0  # turn -0.0 into 0.0


@attrs.define   # not frozen: made for every event, and a frozen class's __init__ sets each of
class Entry:      # its nine fields through object.__setattr__ (0.68 us an entry, 0.23 like this)
    at: float
    call_id: str
    kind: str
    verb: str | None = None
    line: int | None = None
    col: int | None = None
    path: str | None = None
    document: str | None = None
    detail: dict[str, Any] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        # the C1 keys come last: the layout of design/contract.md stays a prefix
        return {"at": ms(self.at), "callId": self.call_id, "kind": self.kind, "verb": self.verb,
                "line": self.line, "detail": _rounded(self.detail), "col": self.col,
                "path": self.path, "document": self.document}


def _rounded(value: Any) -> Any:
    """A detail value as JSON: floats (virtual seconds) to the millisecond, at any depth.
    (Scalars are answered in the comprehension itself: most values of a detail are text or
    numbers, and a call per value was most of the time a timeline took to turn into JSON.)"""
    if isinstance(value, float):
        return ms(value)
    if isinstance(value, dict):
        return {key: (item if not isinstance(item, _WALKED) else
                      ms(item) if isinstance(item, float) else _rounded(item))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [item if not isinstance(item, _WALKED) else
                ms(item) if isinstance(item, float) else _rounded(item) for item in value]
    return value


#: What ``_rounded`` rounds or walks into; anything else is kept as it is.
_WALKED = (float, dict, list, tuple)


#: Entries a run's timeline may hold (docs/limits.md): a 4-hour call with a Gather every 5 s
#: writes under 20 000; past this the run is stopped (``TimelineFull``), so a flow that never
#: ends takes seconds and some 25 MB of result.json, not minutes and hundreds of megabytes.
MAX_ENTRIES = 50_000


class TimelineFull(Exception):
    """Raised by :meth:`Timeline.add` once, when the timeline reaches its limit; the runner
    stops the run there (engine/salvage.py) with a ``timeline-limit`` entry."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the timeline reached its limit of {limit} entries")
        self.limit = limit


class Timeline:
    """Append-only; entries come out in the order they were added (time order by design).

    At most ``limit`` entries are added normally: the one after them raises
    :class:`TimelineFull` (once; the entries that close the run are added after it).

    The one change allowed after :meth:`add` is :meth:`amend`: the outcome of something logged
    when it began (a webhook's delivery), added at the same virtual instant.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._entries: list[Entry] = []
        self.limit = MAX_ENTRIES if limit is None else limit
        self.full = False

    def add(self, at: float, call_id: str, kind: str, *, verb: str | None = None,
            line: int | None = None, col: int | None = None, path: str | None = None,
            document: str | None = None, **detail: Any) -> Entry:
        if len(self._entries) >= self.limit and not self.full:
            self.full = True
            raise TimelineFull(self.limit)
        # positional: attrs' generated __init__ takes them ~0.7 us faster than keywords
        entry = Entry(at, call_id, kind, verb, line, col, path, document, detail)
        self._entries.append(entry)
        return entry

    def amend(self, entry: Entry, **detail: Any) -> None:
        """Add ``detail`` keys to an entry already in the timeline."""
        entry.detail.update(detail)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self._entries if e.kind == kind]

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self._entries]
