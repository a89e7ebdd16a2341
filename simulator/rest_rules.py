"""The Voice REST API's request rules, in one place for every front door (spec voice-api.md).

Who applies them: the scenario loader (``rest:`` and ``calls:`` in scenario/load.py and
scenario/load_conference.py: ``file:line: $.path`` errors), the engine (engine/rest.py,
engine/rest_conference.py: a refused request's status on the ``rest`` timeline entry) and the
Voice API (voice_api/bodies.py, voice_api/routes.py: a 4xx ``VoiceApiError``), which both
``bxmlsim serve`` and the API served inside a run answer with. Pure and I/O-free: no HTTP framework, no YAML, no engine; it
imports nothing of the simulator, so every front door may use it (none needs the ``server``
extra).

A rule looks at values by their model field names (snake_case, ``redirect_url``; the REST
name is :func:`rest_name`) and returns what is wrong as :class:`Problem` records, or a
:class:`Refusal` (an HTTP status and why) for a request the current state refuses. Each front
door words them its own way (YAML keys and ``expected``/``got`` for the loader, REST field names
for the API), so the rule is written once and every message stays what its users know.

Rules:

* **Limits** (§3.1, §3.4, §7.3): a webhook URL is at most :data:`MAX_URL` characters, a
  credential (``username``, ``password``, ``fallbackUsername``, ``fallbackPassword``) at most
  :data:`MAX_CREDENTIAL`, a ``tag`` at most :data:`MAX_TAG`; methods are GET or POST.
* **URLs** (:func:`url_problem`): no whitespace, parseable, scheme http or https with a host.
  The REST API takes absolute URLs only; a scenario may also give a path, resolved against
  ``app.base_url`` (``relative_ok``).
* **Updates** (:data:`CALL_UPDATE` §3.4, :data:`CONFERENCE_UPDATE` §7.3, :func:`update_problems`):
  ``state``/``status`` is ``active`` (the default) or ``completed``; ``active`` needs a
  ``redirect_url``; ``completed`` allows none of the redirect webhook's URLs (nor, on a call,
  its method or a ``tag``).
* **Recording** (§4.1, README #5: :func:`recording_problem`, :func:`recording_refusal`): the
  state asked is ``paused`` or ``recording``; a call without a StartRecording recording (paused
  or not) refuses with 409; pausing a paused one or resuming a running one is a no-op (200).
* **Call state** (§3.4, §10: :func:`call_refusal`): a change of a call that does not exist
  (yet) is 404; of a call that has ended, 409; of a queued call, 409 unless it hangs the call
  up (which removes it from the queue); a redirect, PUT bxml or recording change of an outbound
  call not answered yet, 409 (no BXML runs on it yet). The engine (scenario ``rest:``), the
  emulator and the API inside a run ask this one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

#: Longest webhook URL the API accepts (voice-api.md §3.1 ``answerUrl`` etc.).
MAX_URL = 2048
#: Longest ``username``/``password``/``fallbackUsername``/``fallbackPassword``.
MAX_CREDENTIAL = 1024
#: Longest call ``tag`` (createCall, update call).
MAX_TAG = 4096
METHODS = ("GET", "POST")
CREDENTIALS = ("username", "password", "fallback_username", "fallback_password")
UPDATE_STATES = ("active", "completed")
RECORDING_STATES = ("paused", "recording")

# Problem codes
BAD_VALUE = "bad-value"        #: a value outside its allowed set (state, method)
MISSING = "missing"            #: a required field is absent (or empty)
NOT_ALLOWED = "not-allowed"    #: a field given where the request forbids it
TOO_LONG = "too-long"          #: longer than ``limit`` characters
BAD_URL = "bad-url"            #: not a webhook URL; ``reason`` says which rule

# BAD_URL reasons
SPACES, UNPARSEABLE, SCHEME, RELATIVE = "spaces", "unparseable", "scheme", "relative"


@attrs.frozen
class Problem:
    """One broken rule: ``code`` (above), the model ``field`` it concerns, the ``value`` given;
    ``limit`` for TOO_LONG, ``reason`` for BAD_URL (SPACES, UNPARSEABLE with the parser's
    words in ``detail``, SCHEME, RELATIVE)."""

    code: str
    field: str
    value: Any = None
    limit: int | None = None
    reason: str | None = None
    detail: str | None = None


@attrs.frozen
class Refusal:
    """A request the target's current state refuses: the HTTP ``status`` and ``reason``, the
    words that follow the target's name (``has no StartRecording recording to pause``)."""

    status: int
    reason: str


def rest_name(field: str) -> str:
    """The REST (camelCase) name of a model field: ``redirect_fallback_url`` ->
    ``redirectFallbackUrl``."""
    head, *rest = field.split("_")
    return head + "".join(part.capitalize() for part in rest)


# -- limits and URLs ---------------------------------------------------------------------------

def too_long(field: str, value: str | None, limit: int) -> Problem | None:
    if value is not None and len(value) > limit:
        return Problem(TOO_LONG, field, value, limit=limit)
    return None


def url_problem(field: str, value: str | None, *, relative_ok: bool) -> Problem | None:
    """What is wrong with webhook URL ``value`` (None when nothing is, or it is absent):
    longer than MAX_URL, whitespace (or empty), unparseable, a scheme other than http(s) or no
    host, or (unless ``relative_ok``) no scheme at all."""
    if value is None:
        return None
    if len(value) > MAX_URL:
        return Problem(TOO_LONG, field, value, limit=MAX_URL)
    if value.split() != [value]:  # empty, or a space of str.isspace() somewhere in it
        return Problem(BAD_URL, field, value, reason=SPACES)
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # e.g. a malformed IPv6 host "http://[bad"
        return Problem(BAD_URL, field, value, reason=UNPARSEABLE, detail=str(exc))
    if parts.scheme:
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return Problem(BAD_URL, field, value, reason=SCHEME)
    elif not relative_ok:
        return Problem(BAD_URL, field, value, reason=RELATIVE)
    return None


def method_problem(field: str, value: str) -> Problem | None:
    """A webhook method must be GET or POST (front doors fold case before asking)."""
    return None if value in METHODS else Problem(BAD_VALUE, field, value)


def credential_problems(values: Mapping[str, Any],
                        fields: Iterable[str] = CREDENTIALS) -> list[Problem]:
    """The credentials among ``values`` longer than MAX_CREDENTIAL."""
    return [p for p in (too_long(f, values.get(f), MAX_CREDENTIAL) for f in fields) if p]


# -- updates (POST /calls/{id} §3.4, POST /conferences/{id} §7.3) --------------------------------

@attrs.frozen
class UpdateRule:
    """What an update body allows: its state key (``state`` | ``status``), the spec section,
    and the fields ``completed`` forbids."""

    state_key: str
    section: str
    not_when_completed: tuple[str, ...]


CALL_UPDATE = UpdateRule("state", "voice-api.md §3.4",
                         ("redirect_url", "redirect_method", "redirect_fallback_url", "tag"))
CONFERENCE_UPDATE = UpdateRule("status", "voice-api.md §7.3",
                               ("redirect_url", "redirect_fallback_url"))


def update_problems(rule: UpdateRule, state: str, given: Mapping[str, Any]) -> list[Problem]:
    """The state rules of an update: ``state`` one of UPDATE_STATES; ``active`` needs a
    non-empty ``redirect_url``; ``completed`` allows none of ``rule.not_when_completed`` among
    the fields ``given`` (field -> value; None counts as not given). One problem for a bad
    state; else every forbidden field, in ``rule`` order."""
    if state not in UPDATE_STATES:
        return [Problem(BAD_VALUE, rule.state_key, state)]
    if state == "completed":
        return [Problem(NOT_ALLOWED, field, given[field]) for field in rule.not_when_completed
                if given.get(field) is not None]
    if given.get("redirect_url") in (None, ""):
        return [Problem(MISSING, "redirect_url")]
    return []


# -- call recording (PUT /calls/{id}/recording §4.1) ---------------------------------------------

def recording_problem(state: Any) -> Problem | None:
    """The state a recording change asks for: ``paused`` or ``recording``."""
    return None if state in RECORDING_STATES else Problem(BAD_VALUE, "state", state)


def recording_refusal(has_recording: bool, state: str) -> Refusal | None:
    """README #5: no StartRecording recording on the call (running or paused) -> 409."""
    if has_recording:
        return None
    return Refusal(409, f"has no StartRecording recording to "
                        f"{'pause' if state == 'paused' else 'resume'}")


# -- call state (POST /calls/{id}, PUT .../bxml, PUT .../recording: §3.4, §10) ------------------

#: The states of GET /calls/{id} (§3.3, §10), in lifecycle order.
CALL_STATES = ("queued", "initiated", "answered", "disconnected")
#: The changes of a call (§10's rows), each with what it does, in the words of a refusal
#: ("cannot redirect a call that is not answered yet").
CALL_CHANGES = {"hangup": "hang up", "redirect": "redirect", "put_bxml": "replace the BXML of",
                "recording": "pause or resume the recording of"}
# CallRefusal reasons
NOT_FOUND, ENDED, QUEUED, NOT_ANSWERED = ("not found", "has already ended", "is still queued",
                                          "is not answered yet")


@attrs.frozen
class CallRefusal(Refusal):
    """A :class:`Refusal` of a call change; ``change`` is a key of :data:`CALL_CHANGES` and
    ``state`` the call's state (None: no such call). ``reason`` (NOT_FOUND, ENDED, QUEUED,
    NOT_ANSWERED) follows the call's name."""

    change: str = "redirect"
    state: str | None = None

    @property
    def doing(self) -> str:
        """What the refused change does (``replace the BXML of``)."""
        return CALL_CHANGES[self.change]


def call_refusal(state: str | None, change: str, *, direction: str = "outbound"
                 ) -> CallRefusal | None:
    """§10: why a call in ``state`` (one of CALL_STATES; None: not created, or unknown)
    refuses ``change`` (a key of CALL_CHANGES), or None when it accepts it. ``direction`` of
    the call: an inbound call rings with its BXML already running (its initiate webhook), so
    it may be redirected before it is answered; an outbound one may not."""
    if change not in CALL_CHANGES:
        raise ValueError(f"unknown call change {change!r} (one of {', '.join(CALL_CHANGES)})")
    if state is None:
        return CallRefusal(404, NOT_FOUND, change=change, state=state)
    if state == "disconnected":
        return CallRefusal(409, ENDED, change=change, state=state)
    if state == "queued":
        return None if change == "hangup" else CallRefusal(409, QUEUED, change=change,
                                                           state=state)
    if change != "hangup" and state == "initiated" and direction == "outbound":
        return CallRefusal(409, NOT_ANSWERED, change=change, state=state)
    return None
