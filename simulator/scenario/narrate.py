"""Plain-text narration of a result.json object, for the terminal and for teaching.

``summary(result)`` is the one-line gist of a run (callbacks, recordings, how the call ended);
``narrate(result)`` tells the whole timeline, one line per event, in words
(``  5.100 c1  caller presses "#"``), from the timeline alone (a webhook line ends with how
its delivery went, from the webhook entry's outcome). Call ids are shortened to ``c1``, ``c2``... in order of
appearance. A verb is named with where it is in its document (contract C1:
``> SpeakSentence (line 3:5 /Response/Gather[1]/SpeakSentence[1])``, :func:`position`), from
the keys a result.json of this version has (older ones: its line only). Pure functions
returning strings: ``cli.py`` does the printing.
"""

from __future__ import annotations

import json


def _short_ids(result: dict) -> dict[str, str]:
    return {call.get("callId"): f"c{i}" for i, call in enumerate(result.get("calls") or [], 1)}


def summary(result: dict) -> str:
    callbacks = result.get("callbacks") or []
    recordings = result.get("recordings") or []
    calls = result.get("calls") or []
    parts = [f"{len(callbacks)} callback{'s' if len(callbacks) != 1 else ''}"]
    if recordings:
        durations = ", ".join(f"{r.get('duration')} s {r.get('endReason')}" for r in recordings)
        parts.append(f"{len(recordings)} recording{'s' if len(recordings) != 1 else ''} "
                     f"({durations})")
    timeline = result.get("timeline") or []
    crash = next((ev for ev in timeline if ev.get("kind") == "internal-error"), None)
    if crash is not None:  # a partial run: the calls did not end, the simulator stopped
        parts.append(f"stopped by an internal error at {crash.get('at', 0):.3f} s")
    elif calls:
        first = calls[0]
        # when the last call ended (recordings may still be processed after it)
        ended = max((ev.get("at", 0) for ev in timeline if ev.get("kind") == "call-end"),
                    default=max((ev.get("at", 0) for ev in timeline), default=0))
        parts.append(f"ended {first.get('disconnectCause')} at {ended:.3f} s")
    return ", ".join(parts)


def position(ev: dict, *, path: bool = True) -> str:
    """`` (line 3:5 /Response/Gather[1]/SpeakSentence[1])``: where an entry's verb is (its
    line, column, and with ``path`` its element path), as far as the entry says; empty when it
    has no line."""
    if not ev.get("line"):
        return ""
    where = f"line {ev['line']}" + (f":{ev['col']}" if ev.get("col") else "")
    if path and ev.get("path"):
        where += f" {ev['path']}"
    return f" ({where})"


def describe(ev: dict) -> str:
    """One timeline entry as a line of prose (``call ends: hangup``, ``REFER to ...``)."""
    kind, verb, detail = ev.get("kind"), ev.get("verb"), ev.get("detail") or {}
    line = position(ev, path=False)
    if kind == "call-start":
        return (f"call starts: {detail.get('direction', '')} {detail.get('from', '')} -> "
                f"{detail.get('to', '')}")
    if kind == "answer":
        return "call answered"
    if kind == "verb-start":
        return f"> {verb}{position(ev)}" + (" (prompt)" if detail.get("nested") else "")
    if kind == "verb-end":
        reason = detail.get("reason")
        return f"< {verb} ends" + (f": {reason}" if reason else "") + _extra(detail, {"reason"})
    if kind == "webhook":
        return f"webhook {detail.get('eventType')} {detail.get('method', '')} " \
               f"{detail.get('url', '')}" + _delivery(detail) + _note(detail) + (
                   f" [the app raised {detail['appError']}]" if detail.get("appError") else "")
    if kind == "bxml-warning":
        return f"BXML warning {detail.get('code')}{line}: {detail.get('message')}"
    if kind == "digit":
        return f"caller presses {detail.get('digit')!r}"
    if kind == "speech":
        return f"caller says {detail.get('text')!r}" + _seconds(detail)
    if kind == "audio":
        return "caller plays a file" + _seconds(detail)
    if kind == "remote-hangup":
        return "caller hangs up"
    if kind == "unmet-wait-for":
        where = f", line {ev['line']}" if ev.get("line") else ""
        return (f"caller still waiting for {verb} (step {detail.get('step')}{where}) as the "
                f"call ends: the steps after it never run")
    if kind and kind.startswith("recording-"):
        return f"recording {kind[len('recording-'):]}" + _extra(detail, set())
    if kind == "refer":
        return f"REFER to {detail.get('target')}{line}: {detail.get('status')} " \
               f"({detail.get('reason')}; REFER {_sip(detail, 'referSipResponseCode')}, " \
               f"NOTIFY {_sip(detail, 'notifySipResponseCode')})"
    if kind == "machine-detection":
        return _machine_detection(detail)
    if kind == "call-end":
        return f"call ends: {detail.get('cause')}" + (
            f" ({detail['errorMessage']})" if detail.get("errorMessage") else "")
    if kind == "internal-error":
        return (f"INTERNAL ERROR (a simulator bug; the run stops here): "
                f"{detail.get('error')}: {detail.get('message')}")
    if kind == "timeline-limit":
        return f"TIMELINE LIMIT (the run stops here): {detail.get('message')}"
    return f"{kind}{' ' + verb if verb else ''}{position(ev)}" + _extra(detail, set())


def _machine_detection(detail: dict) -> str:
    """``machine detection (sync): answering-machine after 12.5 s`` / ``... : no result
    after 2 s (hangup)``."""
    mode = f" ({detail['mode']})" if detail.get("mode") else ""
    after = _seconds({"seconds": detail.get("duration")}).strip(" ()")
    after = f" after {after}" if after else ""
    if detail.get("value") is None:
        return f"machine detection{mode}: no result{after} ({detail.get('reason')})"
    return f"machine detection{mode}: {detail.get('value')}{after}"


def _sip(detail: dict, key: str) -> str:
    """A SIP status code of a ``refer`` entry, or ``-`` when none was received."""
    code = detail.get(key)
    return "-" if code is None else str(code)


def _seconds(detail: dict) -> str:
    seconds = detail.get("seconds")
    return f" ({round(seconds, 3):g} s)" if isinstance(seconds, (int, float)) else ""


def _delivery(detail: dict) -> str:
    """`` -> 200`` / `` -> 503 (HTTP 503)`` / `` -> 200 on attempt 2 via fallback`` /
    `` -> timeout after 15 s``; empty when the entry has no outcome."""
    if "attempts" not in detail:
        return ""
    status, error = detail.get("status"), detail.get("error")
    shown = str(status) if status is not None else str(error)
    if status is not None and error:
        shown += f" ({error})"
    if (detail.get("attempts") or 0) > 1:
        via = " via fallback" if detail.get("fallback") else ""
        shown += f" on attempt {detail['attempts']}{via}"
    return " -> " + shown


def _note(detail: dict) -> str:
    """The simulator's remark on the reply: `` [no app: empty reply]`` (a bare FLOW.xml run),
    with what it means for a BXML (sync) webhook: ``= <Response/>, hang up`` (README #3)."""
    note = detail.get("note")
    if not note:
        return ""
    if detail.get("sync") and detail.get("ok") and note.endswith("empty reply"):
        note += " = <Response/>, hang up"
    return f" [{note}]"


def _extra(detail: dict, skip: set) -> str:
    rest = {k: v for k, v in detail.items() if k not in skip}
    return f" {json.dumps(rest, ensure_ascii=False)}" if rest else ""


def narrate(result: dict) -> list[str]:
    """One line per timeline event; webhooks show how their delivery went."""
    ids = _short_ids(result)
    lines = []
    for ev in result.get("timeline") or []:
        who = ids.get(ev.get("callId"), ev.get("callId") or "-")
        lines.append(f"{ev.get('at', 0):9.3f} {who:>3}  {describe(ev)}")
    return lines
