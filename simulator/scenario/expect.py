"""The ``expect`` block of a scenario: parsing it and checking it against result.json.

Expectations operate on the result.json object of design/contract.md (a plain dict), so they
can be checked on any run, stored or fresh. The format (docs/scenarios.md, "Expectations"):

    expect:
      callbacks:                 # in this order; other callbacks may come between
        - initiate               # shorthand for {event: initiate}
        - event: recordComplete
          payload: {fileFormat: wav, duration: "~4.2"}
      # or: callbacks: {exact: true, events: [...]}   (the whole list, nothing else)
      no_callbacks: [recordComplete]      # none of these may appear
      recordings:                # one entry per recording, in start order (or just a count)
        - {duration: "~4.2", endReason: terminating-digit, transcription: {contains: hi}}
      calls: [{disconnectCause: hangup}]  # one entry per call leg
      disconnect_cause: hangup            # shorthand for the first call's disconnectCause
      digits: "12"               # all digits gathered (gather events), or a list per Gather
      timeline:                  # timeline events, in order (subsequence)
        - Record                 # shorthand for {verb: Record}
        - {kind: verb-start, verb: Hangup, at: "~12"}

``evaluate(expectations, result)`` returns ``Failure(message, line)`` records, one per failed
expectation; the line is the expectation's line in the scenario file, and ``call_id``/``at``
(C3) say where in the run the failure is: the item that did not match, the forbidden callback,
the first item past the expected count, the closest item to one not found. Evaluating also tells an
:class:`Accepted` what each expectation matched and which fields it named, by result.json item
(``calls[0]``, ``callbacks[4]``, ``timeline[17]``): the default expectations (``defaults.py``)
accept exactly those outcomes and nothing more.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable

import attrs

from simulator.bxml.nodes import VERB_NAMES
from simulator.callbacks import EVENT_TYPES
from simulator.scenario.match import (OPERATORS, Equals, Fields, Matcher, ValueMatcher,
                                      compile_matcher, short)
from simulator.scenario.source import Locator, Problems, format_path
from simulator.timeline import KINDS


@attrs.frozen
class Failure:
    """Why a scenario did not pass (a result.json ``failures`` entry, contract C3).

    ``kind`` says which rule failed (``expectation``, ``golden``, or a default expectation of
    ``defaults.py``: ``disconnect-cause``, ``webhook-status``, ...); ``call_id``/``at`` the call
    and virtual time it is about; ``accept`` the scenario YAML that would accept it."""

    message: str
    line: int
    kind: str = "expectation"
    call_id: str | None = None
    at: float | None = None
    accept: str | None = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"message": self.message, "line": self.line, "kind": self.kind}
        for key, value in (("callId", self.call_id), ("at", self.at), ("accept", self.accept)):
            if value is not None:
                out[key] = value
        return out


@attrs.frozen
class Check:
    """One matcher with where it came from: ``label`` like ``expect.callbacks[2]``."""

    matcher: Matcher
    label: str
    line: int
    title: str = ""  # short human name, e.g. the event type

    @property
    def names(self) -> frozenset[str]:
        """The result.json fields this check names (``status``, ``disconnectCause``, ...)."""
        fields = getattr(self.matcher, "fields", None)
        return frozenset(fields) if isinstance(fields, dict) else frozenset()


class Accepted:
    """What the expectations matched, by result.json item: ``(section, index)`` -> the check
    that matched it (the first) and every field any matching check named."""

    def __init__(self) -> None:
        self._checks: dict[tuple[str, int], Check] = {}
        self._names: dict[tuple[str, int], set[str]] = {}

    def add(self, section: str, index: int, check: Check,
            names: frozenset[str] | None = None) -> None:
        self._checks.setdefault((section, index), check)
        self._names.setdefault((section, index), set()).update(
            check.names if names is None else names)

    def matched(self, section: str, index: int) -> Check | None:
        """The check that matched ``section[index]``, if any did."""
        return self._checks.get((section, index))

    def names(self, section: str, index: int) -> set[str]:
        """The fields of ``section[index]`` that a matching check named."""
        return self._names.get((section, index), set())


@attrs.frozen
class AppErrorName(ValueMatcher):
    """``appError: ZeroDivisionError``: the exception's type, or its ``"Type: message"``."""

    text: str

    def matches(self, actual):
        if not isinstance(actual, dict):
            return False
        kind, message = actual.get("type"), actual.get("message")
        return self.text in (kind, f"{kind}: {message}")

    def describe(self):
        return f"an app error {self.text!r}"


CALLBACK_KEYS = ("event", "eventType", "at", "url", "method", "attempt", "fallback", "status",
                 "responseBody", "error", "appError", "payload")
RECORDING_KEYS = ("recordingId", "callId", "verb", "file", "fileFormat", "channels",
                  "sampleRate", "duration", "startAt", "endAt", "segments", "endReason",
                  "recordingName", "transcription")
CALL_KEYS = ("callId", "parentCallId", "direction", "from", "to", "startTime", "answerTime",
             "endTime", "disconnectCause", "errorMessage")
TIMELINE_KEYS = ("at", "callId", "kind", "verb", "line", "detail")
TOP_KEYS = ("callbacks", "no_callbacks", "recordings", "calls", "disconnect_cause", "digits",
            "timeline")
#: known names of expected values, checked at load time ("did you mean"): field -> names
KNOWN_NAMES = {"eventType": EVENT_TYPES, "verb": VERB_NAMES, "kind": tuple(KINDS)}
_NAME_OF = {"eventType": "webhook event", "verb": "BXML verb", "kind": "timeline kind"}


@attrs.frozen
class Sequence:
    """Items that must appear in order in a result list (``exact``: the whole list)."""

    section: str  # "callbacks" | "timeline"
    checks: tuple[Check, ...]
    exact: bool
    line: int

    def evaluate(self, result: dict, accepted: Accepted) -> list[Failure]:
        observed = result.get(self.section) or []
        return _match_sequence(self, observed, accepted)


@attrs.frozen
class Forbidden:
    checks: tuple[Check, ...]

    def evaluate(self, result: dict, accepted: Accepted) -> list[Failure]:
        out = []
        for check in self.checks:
            hits = [cb for cb in result.get("callbacks") or [] if check.matcher.matches(cb)]
            if hits:
                out.append(Failure(f"{check.label}: expected no {check.title or 'such'} callback, "
                                   f"got {len(hits)}: {_summary(hits, _callback_brief)}",
                                   check.line, **_where(result, "callbacks", hits[0])))
        return out


@attrs.frozen
class Listed:
    """Object-by-object expectations on ``calls`` or ``recordings`` (count must match)."""

    section: str
    checks: tuple[Check, ...] | None  # None: only the count is checked
    count: int
    line: int
    brief: Callable[[dict], str] = attrs.field(eq=False)

    def evaluate(self, result: dict, accepted: Accepted) -> list[Failure]:
        observed = result.get(self.section) or []
        if len(observed) != self.count:
            listing = _summary(observed, self.brief) if observed else "none"
            extra = observed[self.count] if len(observed) > self.count else None
            return [Failure(f"expect.{self.section}: expected {self.count} {self.section}, got "
                            f"{len(observed)}: {listing}", self.line,
                            **_where(result, self.section, extra))]
        out = []
        for index, (check, item) in enumerate(zip(self.checks or (), observed)):
            accepted.add(self.section, index, check)  # item i is call i: it names its fields
            problems = check.matcher.check(item)
            if problems:
                out.append(_failure(check, f"{self.brief(item)} does not match", problems,
                                    _where(result, self.section, item)))
        return out


@attrs.frozen
class Single:
    """A matcher on one value derived from the result (disconnect cause, digits)."""

    check: Check
    extract: Callable[[dict], Any] = attrs.field(eq=False)
    what: str = ""
    #: the result.json field it is about, as (section, index, field), e.g. the first call's
    #: disconnectCause; None when it is about no one field (digits)
    about: tuple[str, int, str] | None = None

    def evaluate(self, result: dict, accepted: Accepted) -> list[Failure]:
        if self.about is not None:
            section, index, field = self.about
            accepted.add(section, index, self.check, frozenset({field}))
        problems = self.check.matcher.check(self.extract(result))
        if not problems:
            return []
        where = {}
        if self.about is not None:
            items = result.get(self.about[0]) or []
            where = _where(result, self.about[0], items[self.about[1]]
                           if self.about[1] < len(items) else None)
        elif self.extract in (_gather_digits, _all_gather_digits):
            gathers = _gather_events(result)
            where = _where(result, "callbacks", gathers[0] if gathers else None)
        return [_failure(self.check, self.what, problems, where)]


@attrs.frozen
class Expectations:
    items: tuple = ()
    line: int = 0  # the `expect:` key

    def evaluate(self, result: dict, accepted: Accepted | None = None) -> list[Failure]:
        accepted = accepted if accepted is not None else Accepted()
        return [f for item in self.items for f in item.evaluate(result, accepted)]

    def section(self, kind: type, name: str):
        """The expectation item of ``kind`` for section ``name`` (``Listed``, "calls"), if any."""
        return next((item for item in self.items if isinstance(item, kind)
                     and getattr(item, "section", None) == name), None)


def evaluate(expectations: Expectations | None, result: dict,
             accepted: Accepted | None = None) -> list[Failure]:
    """Failures of ``expectations`` on a result.json object (empty list = all met); what they
    matched goes into ``accepted`` when one is given."""
    return expectations.evaluate(result, accepted) if expectations is not None else []


# ---- reporting helpers


def _failure(check: Check, what: str, problems, where: dict | None = None) -> Failure:
    lines = [f"{check.label}: {what}".rstrip(": ")]
    lines += ["  " + p.render() for p in problems]
    return Failure("\n".join(lines), check.line, **(where or {}))


def _where(result: dict, section: str, item: dict | None) -> dict:
    """The C3 ``call_id``/``at`` of a failure about ``item`` of ``result[section]``: a webhook
    attempt's call (its payload's callId) and time, a recording's call and start, a call's end
    (its call-end entry), a timeline entry's call and time; nothing for no item."""
    if not isinstance(item, dict):
        return {}
    call_id = item.get("callId")
    if section in ("callbacks", "no_callbacks"):
        payload = item.get("payload")
        call_id, at = payload.get("callId") if isinstance(payload, dict) else None, item.get("at")
    elif section == "recordings":
        at = item.get("startAt")
    elif section == "calls":
        at = next((e.get("at") for e in result.get("timeline") or []
                   if e.get("kind") == "call-end" and e.get("callId") == call_id), None)
    else:
        at = item.get("at")
    at = at if isinstance(at, (int, float)) and not isinstance(at, bool) else None
    return {"call_id": call_id if isinstance(call_id, str) else None, "at": at}


def _callback_brief(cb: dict) -> str:
    return f"{cb.get('eventType')}@{cb.get('at', 0):.3f}"


def _timeline_brief(ev: dict) -> str:
    name = ev.get("verb") or ""
    return f"{ev.get('kind')}{' ' + name if name else ''}@{ev.get('at', 0):.3f}"


def _recording_brief(rec: dict) -> str:
    return f"{rec.get('verb')} recording {rec.get('duration')} s ({rec.get('endReason')})"


def _call_brief(call: dict) -> str:
    return f"call {call.get('callId')} ({call.get('disconnectCause')})"


def _summary(items: list[dict], brief: Callable[[dict], str], limit: int = 12) -> str:
    text = ", ".join(brief(i) for i in items[:limit])
    return text + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _match_sequence(seq: Sequence, observed: list[dict], accepted: Accepted) -> list[Failure]:
    brief = _callback_brief if seq.section == "callbacks" else _timeline_brief
    if seq.exact:
        if len(observed) != len(seq.checks):
            extra = observed[len(seq.checks)] if len(observed) > len(seq.checks) else None
            return [Failure(f"expect.{seq.section}: expected exactly {len(seq.checks)} "
                            f"{seq.section}, got {len(observed)}: {_summary(observed, brief)}",
                            seq.line, **_where({}, seq.section, extra))]
        for index, (check, item) in enumerate(zip(seq.checks, observed)):
            problems = check.matcher.check(item)
            if problems:
                return [_failure(check, f"{brief(item)} does not match", problems,
                                 _where({}, seq.section, item))]
            accepted.add(seq.section, index, check)
        return []
    position, previous = 0, None
    for check in seq.checks:
        found = next((i for i in range(position, len(observed))
                      if check.matcher.matches(observed[i])), None)
        if found is None:
            after = f" after {brief(previous)}" if previous else ""
            lines = [f"{check.label}: no {check.title or 'matching'} "
                     f"{seq.section[:-1] if seq.section == 'callbacks' else 'event'}{after}"]
            closest = _closest(check, observed[position:])
            if closest is not None:
                lines.append(f"  closest: {brief(closest)}")
                lines += ["    " + p.render() for p in check.matcher.check(closest)]
            rest = observed[position:]
            lines.append(f"  {seq.section}{after}: {_summary(rest, brief) if rest else 'none'}")
            # where: the closest item (what was probably meant), else the last one matched
            return [Failure("\n".join(lines), check.line,
                            **_where({}, seq.section, closest or previous))]
        accepted.add(seq.section, found, check)
        position, previous = found + 1, observed[found]
    return []


def _closest(check: Check, candidates: list[dict]) -> dict | None:
    """The candidate of the same kind with the fewest mismatches (for the failure message)."""
    key = "eventType" if "eventType" in getattr(check.matcher, "fields", {}) else "verb"
    kind = getattr(check.matcher, "fields", {}).get(key)
    same = [c for c in candidates if kind is None or kind.matches(c.get(key))]
    if not same or kind is None:
        return None
    return min(same, key=lambda c: len(check.matcher.check(c)))


def _gather_events(result: dict) -> list[dict]:
    """The gather events, counting each webhook once (first attempt)."""
    return [cb for cb in result.get("callbacks") or []
            if cb.get("eventType") == "gather" and cb.get("attempt", 1) == 1
            and not cb.get("fallback")]


def _gather_digits(result: dict) -> list[str]:
    """``digits`` of each gather event."""
    return [cb.get("payload", {}).get("digits", "") for cb in _gather_events(result)]


# ---- parsing


#: Fields whose value is read its own way (:meth:`_Parser.field_matcher`); any other field's
#: is a plain matcher.
_OWN_FIELDS = frozenset(("segments", "transcription", "payload", "appError"))


class _Parser:
    def __init__(self, root: Locator, prefix: tuple, problems: Problems) -> None:
        self.root, self.prefix, self.problems = root, prefix, problems

    def line(self, parts: tuple) -> int:
        return self.root.line(self.prefix + parts)

    def label(self, parts: tuple) -> str:
        return format_path(parts, root="expect")

    def bad(self, parts: tuple, message: str, expected: str, got: Any = None,
            known: tuple = ()) -> None:
        """A problem at ``parts``; ``known``: the names ``got`` should be one of (did you mean)."""
        close = difflib.get_close_matches(str(got), [str(k) for k in known], n=1) \
            if known and got is not None else []
        self.problems.add(self.line(parts), format_path(self.prefix + parts), message,
                          expected=expected, got=None if got is None else short(got),
                          hint=repr(close[0]) if close else None)

    def unknown_key(self, parts: tuple, key: Any, keys: tuple) -> None:
        self.bad(parts, "unknown key", "one of " + ", ".join(keys), key, known=keys)

    def known_name(self, field: str, value: Any, parts: tuple) -> None:
        """An event type, verb or timeline kind written as a plain name must exist."""
        names = KNOWN_NAMES.get(field)
        if names and isinstance(value, str) and value not in names:
            self.bad(parts, f"unknown {_NAME_OF[field]}", "one of " + ", ".join(names), value,
                     known=names)

    def matcher(self, node: Any, parts: tuple) -> Matcher:
        return compile_matcher(node, self.root, self.prefix + parts, self.problems)

    def places(self, items: list, parts: tuple) -> list[tuple[str, int]]:
        """``(label, line)`` of each item of the list ``items`` found at ``parts``, as
        ``label``/``line`` of ``parts + (i,)`` say, with the list's path formatted and
        walked once, not once an item."""
        label = self.label(parts)
        lines = getattr(items, "item_lines", None)
        if lines is None:  # a caller's plain list: its items are at the list's line
            line = self.line(parts)
            return [(f"{label}[{i}]", line) for i in range(len(items))]
        return [(f"{label}[{i}]", lines[i]) for i in range(len(items))]

    def object_check(self, node: Any, parts: tuple, keys: tuple, shorthand: str | None,
                     renames: dict[str, str] | None = None,
                     place: tuple[str, int] | None = None) -> Check | None:
        """A mapping of known fields (or a bare string = ``{shorthand: value}``) -> Check;
        ``place``: its label and line, when the caller has them (:meth:`places`)."""
        label, line = place if place is not None else (self.label(parts), self.line(parts))
        if isinstance(node, str) and shorthand:
            self.known_name(shorthand, node, parts)
            return Check(Fields({shorthand: Equals(str(node))}), label, line, str(node))
        if not isinstance(node, dict):
            self.bad(parts, "wrong type", "a mapping of fields" +
                     (f" or a {shorthand} name" if shorthand else ""), node)
            return None
        fields = {}
        renames = renames or {}
        for key, value in node.items():
            if key not in keys:
                self.unknown_key(parts + (key,), key, keys)
                continue
            name = renames.get(key, key)
            if shorthand and name in KNOWN_NAMES:  # callbacks and timeline items: the
                self.known_name(name, value, parts + (key,))  # names they match must exist
            if name in _OWN_FIELDS:
                fields[name] = self.field_matcher(name, value, parts + (key,))
            else:
                fields[name] = compile_matcher(value, self.root, self.prefix + parts + (key,),
                                               self.problems)
        title = node.get("event") or node.get("eventType") or node.get("verb") or ""
        return Check(Fields(fields), label, line, str(title))

    def field_matcher(self, name: str, value: Any, parts: tuple) -> Matcher:
        """The matcher of one of the fields read their own way (``_OWN_FIELDS``)."""
        if name == "segments" and isinstance(value, int) and not isinstance(value, bool):
            return compile_matcher({"length": value}, self.root, self.prefix + parts,
                                   self.problems)
        if name == "transcription" and (isinstance(value, str) or (
                isinstance(value, dict) and not set(value) <= {"status", "text"})):
            return Fields({"text": self.matcher(value, parts)})  # shorthand: a text matcher
        if name == "payload" and not isinstance(value, dict):
            self.bad(parts, "wrong type", "a mapping of payload fields", value)
        if name == "appError":
            return self.app_error_matcher(value, parts)
        return self.matcher(value, parts)

    def app_error_matcher(self, value: Any, parts: tuple) -> Matcher:
        """``appError``: a name (the type, or "Type: message"), an object of its fields, or
        operators; ``regex``/``contains``/... then look at the "Type: message" text."""
        if isinstance(value, str):
            return AppErrorName(value)
        matcher = self.matcher(value, parts)
        if isinstance(value, dict) and set(value) & OPERATORS - {"absent", "present"}:
            return _OnSummary(matcher)
        return matcher

    def sequence(self, section: str, node: Any, keys: tuple, shorthand: str,
                 renames: dict) -> Sequence | None:
        parts: tuple = (section,)
        exact = False
        if isinstance(node, dict):
            for key in node:
                if key not in ("exact", "events"):
                    self.unknown_key(parts + (key,), key, ("exact", "events"))
            exact = node.get("exact", False)
            if not isinstance(exact, bool):
                self.bad(parts + ("exact",), "wrong type", "true or false", exact)
            node, parts = node.get("events", []), parts + ("events",)
        if not isinstance(node, list):
            self.bad(parts, "wrong type", f"a list of {section} (or {{exact, events}})", node)
            return None
        checks = [self.object_check(item, parts + (i,), keys, shorthand, renames, place)
                  for (i, item), place in zip(enumerate(node), self.places(node, parts))]
        return Sequence(section, tuple(c for c in checks if c), bool(exact),
                        self.line((section,)))

    def listed(self, section: str, node: Any, keys: tuple, brief) -> Listed | None:
        if isinstance(node, int) and not isinstance(node, bool) and node >= 0:
            return Listed(section, None, int(node), self.line((section,)), brief)
        if not isinstance(node, list):
            self.bad((section,), "wrong type", f"a list of {section} or a count", node)
            return None
        checks = [self.object_check(item, (section, i), keys, None, None, place)
                  for (i, item), place in zip(enumerate(node), self.places(node, (section,)))]
        return Listed(section, tuple(c for c in checks if c), len(node), self.line((section,)),
                      brief)

    def parse(self, node: Any) -> Expectations:
        if not isinstance(node, dict):
            self.bad((), "wrong type", "a mapping such as {callbacks: [...]}", node)
            return Expectations()
        items = []
        rename = {"event": "eventType"}
        for key, value in node.items():
            if key == "callbacks":
                items.append(self.sequence("callbacks", value, CALLBACK_KEYS, "eventType", rename))
            elif key == "timeline":
                items.append(self.sequence("timeline", value, TIMELINE_KEYS, "verb", {}))
            elif key == "no_callbacks":
                if not isinstance(value, list):
                    self.bad((key,), "wrong type", "a list of callbacks", value)
                    continue
                checks = [self.object_check(v, (key, i), CALLBACK_KEYS, "eventType", rename,
                                            place) for (i, v), place in
                          zip(enumerate(value), self.places(value, (key,)))]
                items.append(Forbidden(tuple(c for c in checks if c)))
            elif key == "recordings":
                items.append(self.listed("recordings", value, RECORDING_KEYS, _recording_brief))
            elif key == "calls":
                items.append(self.listed("calls", value, CALL_KEYS, _call_brief))
            elif key == "disconnect_cause":
                check = Check(self.matcher(value, (key,)), self.label((key,)), self.line((key,)))
                items.append(Single(check, _first_call_cause, "first call's disconnectCause",
                                    about=("calls", 0, "disconnectCause")))
            elif key == "digits":
                items.append(self.digits(value))
            else:
                self.unknown_key((key,), key, TOP_KEYS)
        return Expectations(tuple(i for i in items if i is not None), line=self.line(()))

    def digits(self, value: Any) -> Single:
        parts = ("digits",)
        if isinstance(value, list):
            check = Check(self.matcher(value, parts), self.label(parts), self.line(parts))
            return Single(check, _gather_digits, "digits of each gather event")
        if not isinstance(value, (str, dict)):
            self.bad(parts, "wrong type", 'a string of digits (quote it: "0123") or a list',
                     value)
        check = Check(self.matcher(value, parts), self.label(parts), self.line(parts))
        return Single(check, _all_gather_digits, "digits gathered (all gather events)")


@attrs.frozen
class _OnSummary(Matcher):
    """A text matcher applied to an app error's ``"Type: message"``."""

    inner: Matcher

    def check(self, actual, path=""):
        text = f"{actual.get('type')}: {actual.get('message')}" if isinstance(actual, dict) \
            else actual
        return self.inner.check(text, path)

    def describe(self):
        return self.inner.describe()


def _all_gather_digits(result: dict) -> str:
    return "".join(_gather_digits(result))


def _first_call_cause(result: dict) -> Any:
    calls = result.get("calls") or []
    return calls[0].get("disconnectCause") if calls else None


def parse_expect(node: Any, root: Locator, prefix: tuple, problems: Problems) -> Expectations:
    """Compile the YAML ``expect`` node at ``prefix`` (problems go into ``problems``)."""
    return _Parser(root, prefix, problems).parse(node)


__all__ = ["Accepted", "Expectations", "Failure", "evaluate", "parse_expect"]
