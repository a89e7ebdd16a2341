"""The timeline: an append-only list of everything observable that happened in a run.

It is the single source for the CLI narration, the HTML report, the expectations and golden
files; none of them reaches into engine internals. Each :class:`Entry` is
``{at, callId, kind, verb, line, detail}``; ``at`` is virtual seconds since the simulation
started. Every float in a ``detail`` is virtual seconds too (``seconds``, ``duration``): the
engine records raw values and :meth:`Entry.to_json` rounds ``at`` and every such float to the
millisecond, here and nowhere else.

Kinds written by the engine (``detail`` keys in brackets):

==================  ==========================================================================
call-start          a call leg exists [direction, from, to]
answer              the leg was answered
verb-start          a verb began [nested: true for Gather prompts]
verb-end            a verb finished [reason: completed, digits, timeout, terminating-digit,
                    max-digits, max-duration, silence-timeout, hangup, barge-in, ...]
webhook             a webhook was handed to delivery [eventType, url, method, sync]; its
                    outcome is added when delivered (same virtual instant) [ok, status and
                    error of the final attempt, attempts (count), fallback (was it used)]
digit               the remote party pressed a key [digit]
speech              the remote party spoke [text, seconds]
audio               the remote party played a file [seconds]
remote-hangup       the remote party hung up
recording-start     a recording began [recordingId, verb]
recording-pause     a StartRecording recording was paused [recordingId]
recording-resume    ... resumed [recordingId]
recording-stop      a recording ended [recordingId, endReason, duration]
tag                 the call's tag changed [tag]
gather-start/-stop  StartGather/StopGather took effect
stream-start/-stop  StartStream/StopStream [name]
transcription-start/-stop  StartTranscription/StopTranscription [name]
error               a call-ending failure [cause, message]
rest                a REST request of the app [action, status, error when refused, ...]
bridge/bridge-end   two calls start/stop hearing each other [callId; left: target|bridger]
hangup              the call is being ended [cause]
call-end            the leg is gone [cause, errorMessage]
==================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs


def ms(t: float) -> float:
    """Virtual seconds rounded to the millisecond (the precision of every output time)."""
    value = round(t, 3)
    return value + 0.0  # turn -0.0 into 0.0


@attrs.frozen
class Entry:
    at: float
    call_id: str
    kind: str
    verb: str | None = None
    line: int | None = None
    detail: dict[str, Any] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        return {"at": ms(self.at), "callId": self.call_id, "kind": self.kind, "verb": self.verb,
                "line": self.line, "detail": _rounded(self.detail)}


def _rounded(value: Any) -> Any:
    """A detail value as JSON: floats (virtual seconds) to the millisecond, at any depth."""
    if isinstance(value, float):
        return ms(value)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


class Timeline:
    """Append-only; entries come out in the order they were added (time order by design).

    The one change allowed after :meth:`add` is :meth:`amend`: the outcome of something logged
    when it began (a webhook's delivery), added at the same virtual instant.
    """

    def __init__(self) -> None:
        self._entries: list[Entry] = []

    def add(self, at: float, call_id: str, kind: str, *, verb: str | None = None,
            line: int | None = None, **detail: Any) -> Entry:
        entry = Entry(at=at, call_id=call_id, kind=kind, verb=verb, line=line, detail=detail)
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
