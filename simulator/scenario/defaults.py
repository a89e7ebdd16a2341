"""Default expectations: what every scenario expects unless its ``expect`` says otherwise.

A scenario passes only when the call went the way a working app goes, or the way the test says
it expects. Unless an expectation names it, each of these fails the scenario (docs/scenarios.md,
"What every scenario expects"):

* ``disconnect-cause``: a call ends with a cause other than ``hangup``; accepted by
  ``disconnect_cause:`` (the first call) or a ``calls:`` item naming ``disconnectCause``;
* ``webhook-status``: a webhook attempt fails (a non-2xx status, a timeout, no response), even
  when a retry or the fallback URL rescued it; accepted by the ``callbacks:`` item that matched
  that attempt naming its ``status`` or ``error``;
* ``app-exception``: an in-process app raised while handling an attempt (its ``appError``);
  accepted by the matching ``callbacks:`` item naming ``appError``;
* ``unmet-wait-for``: the caller was still at a ``wait_for`` step when its call ended (an
  ``unmet-wait-for`` timeline entry); accepted by a ``timeline:`` item that matched the entry;
* ``invalid-bxml``: a conference refused a document the app returned (an ``error`` entry with
  a ``conference``; a call-ending one is its call's cause); accepted by a matching timeline item;
* ``bxml-warning`` (strict mode only): a document the app returned has a parser warning;
  accepted by a matching ``timeline:`` item (or by running without strict mode: a scenario's
  ``strict: false`` does not turn off ``--strict``/``--bxmlsim-strict``);
* ``internal-error``: the simulator itself failed; never accepted.

"Names" and "matched" come from :class:`~simulator.scenario.expect.Accepted`, filled while the
explicit expectations are evaluated: an expectation accepts exactly the outcome it names, and
nothing more (``status: 500`` accepts that attempt's status, not its app error nor the call's
end cause). Each failure says what happened, on which call, when, and carries in ``accept`` the
YAML to add to ``expect`` that would accept it.

:func:`judge` is the whole verdict of a run: the explicit expectations, then these.
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs

from simulator.engine.effects import app_error_text
from simulator.scenario import model
from simulator.scenario.expect import Accepted, Expectations, Failure, Listed, Sequence

HANGUP = "hangup"
#: the frames of these folders are the framework's, not the app's (left out of messages)
_LIBRARY = re.compile(r"[\\/](site-packages|dist-packages|lib[\\/]python\d[\d.]*)[\\/]")


@attrs.frozen
class Policy:
    """How a scenario is judged besides its explicit expectations."""

    strict: bool = False  # BXML warnings fail too
    line: int = 0  # the line default failures point at: the `expect:` key, else `name:`
    app_line: int = 0  # app exceptions: the `app.wsgi:`/`app.asgi:` line (else ``line``)

    @classmethod
    def of(cls, scenario: model.Scenario, *, strict: bool | None = None) -> "Policy":
        expect = scenario.expect
        line = (expect.line if isinstance(expect, Expectations) and expect.line else 0) \
            or scenario.line
        app = scenario.app
        app_line = app.lines.get("wsgi") or app.lines.get("asgi") or line
        return cls(strict=scenario.strict if strict is None else strict, line=line,
                   app_line=app_line)


def judge(expectations: Expectations | None, result: dict, policy: Policy) -> list[Failure]:
    """Every failure of a run: its explicit expectations, then the default ones."""
    accepted = Accepted()
    failures = expectations.evaluate(result, accepted) if expectations is not None else []
    return failures + default_failures(result, expectations, accepted, policy)


def default_failures(result: dict, expectations: Expectations | None, accepted: Accepted,
                     policy: Policy) -> list[Failure]:
    """The default expectations of a result.json object, in virtual-time order."""
    found = (_internal_errors(result, policy) + _attempts(result, expectations, accepted, policy)
             + _timeline(result, accepted, policy)
             + _causes(result, expectations, accepted, policy))
    return sorted(found, key=lambda f: f.at if f.at is not None else 0.0)


def internal_errors(result: dict, line: int) -> list[Failure]:
    """The failure of each ``internal-error`` entry (the runner's partial results use it)."""
    return _internal_errors(result, Policy(line=line))


# ---- calls


def _causes(result: dict, expectations: Expectations | None, accepted: Accepted,
            policy: Policy) -> list[Failure]:
    calls = result.get("calls") or []
    out = []
    for index, call in enumerate(calls):
        cause = call.get("disconnectCause")
        if cause in (HANGUP, None) or "disconnectCause" in accepted.names("calls", index):
            continue
        end = _call_end(result, call.get("callId"))
        why = f": {call['errorMessage']}" if call.get("errorMessage") else ""
        message = (f"{_call_name(call, index)} ended{_at(end)} with disconnectCause {cause}{why}"
                   f"\n  (a call is expected to end with {HANGUP})")
        listed = expectations.section(Listed, "calls") if expectations is not None else None
        if index == 0:
            accept = f"disconnect_cause: {_scalar(cause)}"
            message += _accept_text(accept)
        elif listed is not None and listed.count == len(calls) and listed.checks:
            accept = f"disconnectCause: {_scalar(cause)}"
            item = listed.checks[index]
            message += (f"\n  to accept it, add `{accept}` to {item.label} (line {item.line})")
        else:
            accept = "calls:\n" + "".join(
                f"  - {{disconnectCause: {_scalar(c.get('disconnectCause'))}}}\n"
                for c in calls).rstrip("\n")
            message += _accept_text(accept)
        out.append(Failure(message, policy.line, kind="disconnect-cause",
                           call_id=call.get("callId"), at=end, accept=accept))
    return out


def _call_name(call: dict, index: int) -> str:
    if index == 0:
        return f"call {call.get('callId')} (the scenario's {call.get('direction')} call)"
    return f"call {call.get('callId')} ({call.get('direction')} to {call.get('to')})"


def _call_end(result: dict, call_id: str | None) -> float | None:
    ends = [e for e in result.get("timeline") or []
            if e.get("kind") == "call-end" and e.get("callId") == call_id]
    return ends[-1].get("at") if ends else None


# ---- webhook attempts


def _attempts(result: dict, expectations: Expectations | None, accepted: Accepted,
              policy: Policy) -> list[Failure]:
    callbacks = result.get("callbacks") or []
    out = []
    for index, attempt in enumerate(callbacks):
        status = attempt.get("status")
        failed = status is None or not 200 <= status < 300
        names = accepted.names("callbacks", index)
        status_open = failed and not names & {"status", "error"}
        error_open = bool(attempt.get("appError")) and "appError" not in names
        if not (status_open or error_open):
            continue
        out.append(_attempt_failure(result, index, status_open, error_open, expectations,
                                    accepted, policy))
    return out


def _attempt_failure(result: dict, index: int, status_open: bool, error_open: bool,
                     expectations: Expectations | None, accepted: Accepted,
                     policy: Policy) -> Failure:
    callbacks = result["callbacks"]
    attempt = callbacks[index]
    event = attempt.get("eventType")
    request = f"{attempt.get('method')} {attempt.get('url')}"
    head = (f"{event} webhook, attempt {attempt.get('attempt')}"
            f"{' (fallback URL)' if attempt.get('fallback') else ''}, at {_time(attempt)}")
    outcome = _outcome(attempt)
    fields = {"event": event}
    if error_open:
        error = attempt["appError"]
        text = app_error_text(error)
        lines = [f"{head}: the app raised {text} while handling {request}"
                 f"{', and ' + outcome if status_open else ''}"]  # ..., and answered HTTP 500
        lines += ["  " + line for line in _app_frames(error.get("traceback") or "", index)]
    else:
        lines = [f"{head}: {request} {outcome}"]
    if status_open:
        lines.append("  " + _rescue(callbacks, index))
        if attempt.get("status") is not None:
            fields["status"] = attempt["status"]
        else:
            fields["error"] = attempt.get("error")
    if error_open:
        fields["appError"] = attempt["appError"].get("type")
    matched = accepted.matched("callbacks", index)
    named = {key: value for key, value in fields.items() if key != "event"}
    if matched is not None:
        accept = ", ".join(f"{key}: {_scalar(value)}" for key, value in named.items())
        lines.append(f"  to accept it, add `{accept}` to {matched.label} (line {matched.line}), "
                     f"which matched this attempt")
    else:
        accept = "callbacks:\n  - " + _flow(fields)
        listed = expectations.section(Sequence, "callbacks") if expectations is not None \
            else None
        if listed is not None:
            lines.append(f"  to accept it, add this item to expect.callbacks (line "
                         f"{listed.line}), in time order:\n      - {_flow(fields)}")
        else:
            lines.append(_accept_text(accept).lstrip("\n"))
    kind = "app-exception" if error_open else "webhook-status"
    line = policy.app_line if error_open else policy.line
    return Failure("\n".join(lines), line, kind=kind, call_id=_call_of(result, attempt),
                   at=attempt.get("at"), accept=accept)


def _outcome(attempt: dict) -> str:
    status = attempt.get("status")
    if status is not None:
        return f"answered HTTP {status}"
    return attempt.get("error") or "got no response"


def _rescue(callbacks: list[dict], index: int) -> str:
    """What became of the webhook after this failed attempt (its later attempts)."""
    later = []
    for attempt in callbacks[index + 1:]:
        if attempt.get("attempt", 1) <= callbacks[index].get("attempt", 1):
            break  # the next webhook's first attempt
        later.append(attempt)
    good = next((a for a in later if a.get("status") is not None and 200 <= a["status"] < 300),
                None)
    if good is not None:
        how = "the fallback URL" if good.get("fallback") else "the retry"
        return (f"(rescued: {how}, {good.get('method')} {good.get('url')}, answered "
                f"{good['status']}; a working app answers the first time)")
    if later:
        return "(its retry and fallback failed too: the webhook was not delivered)"
    return "(no retry or fallback answered: the webhook was not delivered)"


def _app_frames(trace: str, index: int) -> list[str]:
    """The traceback without the framework's frames (site-packages, the standard library)."""
    if not trace:
        return []
    out, skipped, keep = [], 0, True
    for line in trace.rstrip("\n").splitlines():
        if line.startswith('  File "'):
            filename = line[len('  File "'):].split('"', 1)[0]
            keep = not _LIBRARY.search(filename)
            skipped += not keep
            if keep:
                out.append(line)
        elif line.startswith("    "):
            if keep:
                out.append(line)
        else:
            keep = True
            out.append(line)
    if skipped:
        out.insert(1, f"  ... ({skipped} framework frames left out; the whole traceback is "
                      f"result.json callbacks[{index}].appError)")
    return out


def _call_of(result: dict, attempt: dict) -> str | None:
    """The call an attempt belongs to: its payload's callId, else its timeline webhook entry."""
    call_id = (attempt.get("payload") or {}).get("callId")
    if call_id:
        return call_id
    for entry in result.get("timeline") or []:
        detail = entry.get("detail") or {}
        if entry.get("kind") == "webhook" and detail.get("eventType") == attempt.get("eventType") \
                and entry.get("at") == attempt.get("at"):
            return entry.get("callId")
    return None


# ---- timeline entries


def _timeline(result: dict, accepted: Accepted, policy: Policy) -> list[Failure]:
    out = []
    for index, entry in enumerate(result.get("timeline") or []):
        if accepted.matched("timeline", index) is not None:
            continue
        kind, detail = entry.get("kind"), entry.get("detail") or {}
        if kind == "unmet-wait-for":
            out.append(_unmet_wait_for(result, entry))
        elif kind == "error" and detail.get("conference"):
            accept = "timeline:\n  - " + _flow({"kind": "error", "detail": {
                "conference": detail["conference"]}})
            out.append(Failure(
                f"conference {detail['conference']} refused a document the app returned, at "
                f"{_time(entry)} (on call {entry.get('callId')}): {detail.get('message')}"
                + _accept_text(accept), policy.line, kind="invalid-bxml",
                call_id=entry.get("callId"), at=entry.get("at"), accept=accept))
        elif kind == "bxml-warning" and policy.strict:
            code = detail.get("code")
            where = f"line {entry['line']} of " if entry.get("line") else ""
            document = entry.get("document") or "a document the app returned"
            accept = "timeline:\n  - " + _flow({"kind": "bxml-warning", "detail": {"code": code}})
            out.append(Failure(
                f"BXML warning {code} at {_time(entry)} (call {entry.get('callId')}), {where}"
                f"{document}: {detail.get('message')}\n  (strict mode fails on BXML warnings)"
                + _accept_text(accept, "or run without strict mode"), policy.line,
                kind="bxml-warning", call_id=entry.get("callId"), at=entry.get("at"),
                accept=accept))
    return out


def _unmet_wait_for(result: dict, entry: dict) -> Failure:
    detail = entry.get("detail") or {}
    verb = entry.get("verb")
    step = detail.get("step")
    call_id = entry.get("callId")
    cause = next((c.get("disconnectCause") for c in result.get("calls") or []
                  if c.get("callId") == call_id), None)
    since = detail.get("since")
    accept = "timeline:\n  - " + _flow({"kind": "unmet-wait-for", "verb": verb})
    message = (f"the far end of call {call_id} waited for {verb} (caller step {step}, "
               f"`wait_for: {verb}`{f', from {since:.3f} s' if since is not None else ''}) but "
               f"no {verb} started before the call ended at {_time(entry)}"
               f"{f' ({cause})' if cause else ''}; the steps after it never ran"
               + _accept_text(accept))
    return Failure(message, entry.get("line") or 0, kind="unmet-wait-for", call_id=call_id,
                   at=entry.get("at"), accept=accept)


def _internal_errors(result: dict, policy: Policy) -> list[Failure]:
    out = []
    for entry in result.get("timeline") or []:
        if entry.get("kind") != "internal-error":
            continue
        detail = entry.get("detail") or {}
        out.append(Failure(f"internal error: {detail.get('error')}: {detail.get('message')} "
                           f"(please report; the run stopped at {entry.get('at', 0):.3f} s)",
                           policy.line, kind="internal-error", call_id=entry.get("callId"),
                           at=entry.get("at")))
    return out


# ---- text


def _time(item: dict) -> str:
    return f"{item.get('at', 0):.3f} s"


def _at(at: float | None) -> str:
    return f" at {at:.3f} s" if at is not None else ""


def _accept_text(accept: str, note: str | None = None) -> str:
    body = "\n".join("      " + line for line in accept.splitlines())
    return f"\n  to accept it, add to expect{f' ({note})' if note else ''}:\n{body}"


_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./+-]*(?: [A-Za-z0-9_./+-]+)*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "~"}


def _scalar(value: Any) -> str:
    """``value`` as a YAML flow scalar (quoted only when it has to be)."""
    if isinstance(value, str):
        plain = _PLAIN.match(value) and value.lower() not in _RESERVED
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _flow(mapping: dict) -> str:
    """A mapping as a one-line YAML flow mapping: ``{event: gather, status: 500}``."""
    parts = [f"{key}: {_flow(value) if isinstance(value, dict) else _scalar(value)}"
             for key, value in mapping.items()]
    return "{" + ", ".join(parts) + "}"
