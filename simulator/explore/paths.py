"""One explored path: what it is (its signature), how it ended, what went wrong on it.

The **signature** of a run is the sequence of (document, verb, outcome) it produced: for every
verb that ran, on every call, the document it belongs to (URL and body digest), its place in it
(element path, else line) and how it ended (the verb-end reason, plus the digits,
terminating key and speech transcript of a Gather, the cause of a Transfer), the verdict of each
answering-machine detection, then how each call ended. Two runs with the same signature are
one path, whatever caller behaviour produced them.

``ending(result)`` says in a few words how the path ended; ``problems(result, app_kind)``
lists what went wrong on it: the call's end cause (callback-error, invalid-bxml,
application-error, timeout = ran to max_duration, error), an exception in the app (C2
``appError`` with its traceback; without it, a 5xx reply of an in-process app), other webhook
replies that were not 2xx, an internal error, and the run's own ``failures`` with a C3
``kind`` these do not already say (``unmet-wait-for``, ``bxml-warning``, ``template``, ...).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from simulator.coverage.trace import Trace, trace

#: end causes of the scenario's call that are failures of the app (or of the flow)
FAILED_CAUSES = {
    "callback-error": "a webhook could not be delivered",
    "invalid-bxml": "the app replied with invalid BXML",
    "application-error": "the call failed on a verb",
    "timeout": "the call ran to max_duration (a loop?)",
    "error": "the call failed",
}
#: the order findings are listed in (most serious first)
SEVERITY = ("app-exception", "internal-error", "callback-error", "invalid-bxml",
            "application-error", "max-duration", "error", "webhook-status", "nondeterministic",
            "same-document", "unreached-document", "unreached-route", "unreached-verb")


@attrs.frozen
class Finding:
    """Something wrong the exploration found."""

    kind: str  # one of SEVERITY (C3 kinds pass through as they are)
    message: str
    path: int | None = None  # the path it was found on (None: about the whole app)
    detail: str | None = None  # e.g. the app's traceback
    where: str | None = None  # document/route it is about

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "path": self.path,
                "where": self.where, "detail": self.detail}

    @property
    def rank(self) -> int:
        """Its place in SEVERITY; a kind it does not list (a C3 kind) is a failure, ranked
        with the run's own failures."""
        if self.kind in SEVERITY:
            return SEVERITY.index(self.kind)
        return SEVERITY.index("nondeterministic")


def signature(result: dict[str, Any], run: Trace | None = None) -> tuple:
    calls = [c["callId"] for c in result.get("calls") or []]
    number = {call: index for index, call in enumerate(calls)}
    items: list[tuple] = []
    for executed in (run or trace(result)).executed:
        detail = executed.end_detail or {}
        outcome = (detail.get("reason"), detail.get("digits"), detail.get("terminatingDigit"),
                   detail.get("speech"), detail.get("cause"))  # speech: a Gather's transcript
        document = executed.document.key if executed.document is not None else None
        items.append((number.get(executed.call_id), document, executed.path or executed.line,
                      executed.verb, outcome))
    for entry in result.get("timeline") or []:  # answering-machine detection verdicts
        if entry.get("kind") == "machine-detection":
            detail = entry.get("detail") or {}
            items.append((number.get(entry.get("callId")), "machine-detection",
                          detail.get("value"), detail.get("reason")))
    for index, call in enumerate(result.get("calls") or []):
        items.append((index, "end", call.get("disconnectCause")))
    return tuple(items)


#: verbs that keep a call connected to others until someone hangs up
_CONNECTED = ("Transfer", "Bridge", "Conference")


def connected(result: dict[str, Any], run: Trace | None = None) -> bool:
    """True when the call reached max_duration while still connected to another party (a
    Transfer, Bridge or Conference nobody left, or bridged to by another call): the parties
    talk for ever, the app does not loop."""
    calls = result.get("calls") or []
    if not calls or calls[0].get("disconnectCause") != "timeout":
        return False
    main = calls[0]["callId"]
    runs = [e for e in (run or trace(result)).executed if e.call_id == main and not e.nested]
    return bool(runs) and (runs[-1].reason == "bridged" or _still_connected(runs) is not None)


def _still_connected(runs) -> Any:
    """The Transfer, Bridge or Conference still going when the call ended (a conference's
    event replies may have run verbs after it started), else None."""
    ended = max((r.end for r in runs if r.end is not None), default=None)
    return next((r for r in reversed(runs) if r.verb in _CONNECTED
                 and (r.end is None or ended is None or r.end >= ended)), None)


def ending(result: dict[str, Any], run: Trace | None = None) -> str:
    """``hangup: the app hung up (/choice)``, ``callback-error: ...``: how the path ended;
    ``(machine detection: human)`` follows when the call had answering-machine detection."""
    told = _ending(result, run)
    calls = result.get("calls") or []
    main = calls[0].get("callId") if calls else None
    detail = next((e.get("detail") or {} for e in result.get("timeline") or []
                   if e.get("kind") == "machine-detection" and e.get("callId") == main), None)
    if detail is None:
        return told
    verdict = detail.get("value") or f"no verdict, {detail.get('reason')}"
    return f"{told} (machine detection: {verdict})"


def _ending(result: dict[str, Any], run: Trace | None) -> str:
    calls = result.get("calls") or []
    if not calls:
        return "no call"
    call = calls[0]
    cause = call.get("disconnectCause") or "?"
    timeline = result.get("timeline") or []
    if any(e.get("kind") == "internal-error" for e in timeline):
        return "internal-error: the simulator stopped (a bug)"
    run = run or trace(result)
    if connected(result, run):
        return (f"timeout: still connected ({_last_verb(result, run)}) when max_duration ended the "
                "call (nobody hung up)")
    if cause != "hangup":
        message = call.get("errorMessage") or FAILED_CAUSES.get(cause, "")
        return f"{cause}: {message}" if message else cause
    main = call["callId"]
    if any(e.get("kind") == "remote-hangup" and e.get("callId") == main for e in timeline):
        return "hangup: the caller hung up"
    last = [e for e in run.executed if e.call_id == main]
    if last and last[-1].verb == "Hangup":
        return f"hangup: <Hangup> in {_short(last[-1].document.url if last[-1].document else None)}"
    if last and last[-1].document is not None:
        return f"hangup: end of {_short(last[-1].document.url)}"
    return "hangup: the app's reply had nothing to run"


def _last_verb(result: dict[str, Any], run: Trace) -> str:
    main = (result.get("calls") or [{}])[0].get("callId")
    runs = [e for e in run.executed if e.call_id == main and not e.nested]
    if not runs:
        return "?"
    if runs[-1].reason == "bridged":
        return "bridged by another call"
    still = _still_connected(runs)
    return (still or runs[-1]).verb


def _short(url: str | None) -> str:
    if not url:
        return "?"
    return "/" + url.split("://", 1)[-1].partition("/")[2]


def problems(result: dict[str, Any], number: int, *, in_process: bool,
             run: Trace | None = None) -> list[Finding]:
    """What went wrong on one path (see the module doc); ``in_process``: the app is a
    WSGI/ASGI app, so a 5xx reply is its exception when C2 is not there to say so."""
    found: list[Finding] = []
    run = run or trace(result)
    calls = result.get("calls") or []
    timeline = result.get("timeline") or []
    crash = next((e for e in timeline if e.get("kind") == "internal-error"), None)
    if crash is not None:
        found.append(Finding("internal-error", f"the simulator stopped at {crash['at']} s: "
                             f"{(crash.get('detail') or {}).get('error')}: "
                             f"{(crash.get('detail') or {}).get('message')}", number))
    if calls and calls[0].get("disconnectCause") in FAILED_CAUSES and not connected(result, run):
        cause = calls[0]["disconnectCause"]
        found.append(Finding("max-duration" if cause == "timeout" else cause,
                             calls[0].get("errorMessage") or FAILED_CAUSES[cause], number))
    for request in run.requests:
        error = request.app_error
        for attempt in request.attempts:
            status = attempt.get("status")
            where = f"{attempt.get('eventType')} {attempt.get('url')}"
            if error is not None and attempt.get("appError") is error:
                found.append(Finding("app-exception", f"{where}: the app raised "
                                     f"{error.get('type')}: {error.get('message')}", number,
                                     error.get("traceback"), attempt.get("url")))
            elif status is not None and status >= 500 and in_process and error is None:
                body = (attempt.get("responseBody") or "").strip()
                page = body.lstrip().startswith("<")  # the framework's error page
                found.append(Finding("app-exception", f"{where}: the app answered {status}"
                                     + (f": {_first_line(body)}" if body else ""), number,
                                     None if page else body or None, attempt.get("url")))
            elif status is not None and not 200 <= status < 300:
                found.append(Finding("webhook-status", f"{where}: answered {status}", number,
                                     where=attempt.get("url")))
    for failure in result.get("failures") or []:
        kind = failure.get("kind")
        if kind and kind not in _DERIVED:
            found.append(Finding(kind, str(failure.get("message")), number))
    return found


#: C3 failure kinds the findings above already say (in their own, more specific words: the
#: cause by name, a call still connected at max_duration told apart from a loop)
_DERIVED = {"disconnect-cause", "webhook-status", "app-exception", "internal-error",
            "expectation"}


_TAG = re.compile(r"<[^>]+>")


def _first_line(text: str) -> str:
    """The first line of a reply, as text (an HTML error page's tags dropped)."""
    if text.lstrip().startswith("<"):
        text = _TAG.sub("", text)
    line = next((" ".join(part.split()) for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= 160 else line[:157] + "..."
