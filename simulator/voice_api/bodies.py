"""Request bodies of the emulated Voice REST API, checked as Bandwidth documents them.

One parser per body of spec/voice-api.md: ``create_call`` (§3.1 ``CreateCall``),
``update_call`` (§3.4 ``UpdateCall``), ``recording_state`` (§4.1), ``transcribe_recording``
(§5.1 ``TranscribeRecording``), ``update_conference``
(§7.3 ``UpdateConference``), ``update_conference_member`` (§7.5 ``UpdateConferenceMember``);
and of query strings: ``page_size``, ``date_time`` (the list filters), ``conference_query``
(§7.1 GET /conferences).
Each returns typed data or raises :class:`~simulator.voice_api.http.ApiError`, the
``VoiceApiError`` of §1.1 (status, ``type``, ``description``). The rules shared with the
scenario loader and the engine (limits, URLs, the update states, the recording states) are
simulator/rest_rules.py's; this module words their problems as the API does
(:func:`api_error`).
Pure: no web framework, so every front door (``bxmlsim serve``, the API inside a run) uses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from simulator import rest_rules as rules
from simulator.bxml.values import display_name_problem, uui_problem
from simulator.rest_rules import MAX_CREDENTIAL, MAX_TAG, MAX_URL, METHODS
from simulator.scenario import model
from simulator.voice_api.http import ApiError

__all__ = ["ApiError", "CreateCall", "api_error", "conference_query", "create_call",
           "date_time", "machine_detection", "page_size", "recording_state",
           "transcribe_recording", "update_call",
           "update_conference", "update_conference_member"]

E164 = re.compile(r"^\+[1-9]\d{1,14}$")
SIP_URI = re.compile(r"^sips?:[^\s@]+@[^\s@]+$")
MAX_DISPLAY_NAME = 256
MAX_UUI = 350
#: createCall ``uui`` encodings (voice-api.md §3.1; BXML allows only base64 and jwt).
UUI_ENCODINGS = ("jwt", "base64", "hex")


@attrs.frozen
class CreateCall:
    """A valid createCall body; ``extras`` holds the accepted fields the emulator only echoes."""

    to: str
    from_: str
    application_id: str
    answer_url: str
    answer_method: str = "POST"
    answer_fallback_url: str | None = None
    answer_fallback_method: str = "POST"
    disconnect_url: str | None = None
    disconnect_method: str = "POST"
    call_timeout: float = 30.0
    callback_timeout: float = 15.0
    tag: str | None = None
    priority: int | None = None
    username: str | None = None
    password: str | None = None
    fallback_username: str | None = None
    fallback_password: str | None = None
    machine_detection: model.MachineDetection | None = None  # simulated (engine/amd.py)
    extras: dict[str, Any] = attrs.Factory(dict)  # privacy, displayName, uui

    #: Accepted fields whose effect is not simulated (the server warns once per call).
    NOT_SIMULATED = ("privacy", "displayName", "uui")

    def created_call(self, party: model.Party | None, *, at: float = 0.0) -> model.CreatedCall:
        """The call the engine places for this request (engine/rest.py, documents.py): rings
        ``to`` from ``at``; ``party`` (the scenario's ``parties`` entry for ``to``) is its far
        end, None: a number that does not answer (it rings for ``call_timeout``). Its webhooks
        use ``callbackTimeout``, the answer webhook ``answerFallbackUrl``, and the credentials
        given (answer and disconnect: ``username``/``password``; the fallback: ``fallback*``)."""
        return model.CreatedCall(
            to=self.to, from_=self.from_, answer_url=self.answer_url,
            answer_method=self.answer_method, disconnect_url=self.disconnect_url,
            disconnect_method=self.disconnect_method, tag=self.tag, at=at,
            call_timeout=self.call_timeout,
            status=party.status if party is not None else "no-answer",
            answer_after=party.answer_after if party is not None else 0.0,
            caller=party.caller if party is not None else (),
            machine_detection=self.machine_detection, callback_timeout=self.callback_timeout,
            answer_fallback_url=self.answer_fallback_url,
            answer_fallback_method=self.answer_fallback_method, username=self.username,
            password=self.password, fallback_username=self.fallback_username,
            fallback_password=self.fallback_password)


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return body


def create_call(body: Any) -> CreateCall:
    """Check a ``POST /calls`` body (voice-api.md §3.1); 400 names the first bad field."""
    body = json_object(body)
    missing = [key for key in ("from", "to", "answerUrl", "applicationId")
               if body.get(key) in (None, "")]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}")
    to = _text(body, "to", 256)
    if not (E164.match(to) or SIP_URI.match(to)):
        raise ApiError(400, f"Invalid 'to' [{to}]: must be an E.164 number such as "
                            f"+15555551212 or a SIP URI such as sip:user@host")
    from_ = _text(body, "from", 256)
    if not E164.match(from_):
        raise ApiError(400, f"Invalid 'from' [{from_}]: must be an E.164 number such as "
                            f"+15555551212")
    return CreateCall(
        to=to, from_=from_, application_id=_text(body, "applicationId", 256),
        answer_url=_url(body, "answerUrl"), answer_method=_method(body, "answerMethod"),
        answer_fallback_url=_url(body, "answerFallbackUrl", required=False),
        answer_fallback_method=_method(body, "answerFallbackMethod"),
        disconnect_url=_url(body, "disconnectUrl", required=False),
        disconnect_method=_method(body, "disconnectMethod"),
        call_timeout=_number(body, "callTimeout", 1, 300, 30.0),
        callback_timeout=_number(body, "callbackTimeout", 1, 25, 15.0),
        tag=_text(body, "tag", MAX_TAG, required=False),
        priority=_priority(body),
        username=_text(body, "username", MAX_CREDENTIAL, required=False),
        password=_text(body, "password", MAX_CREDENTIAL, required=False),
        fallback_username=_text(body, "fallbackUsername", MAX_CREDENTIAL, required=False),
        fallback_password=_text(body, "fallbackPassword", MAX_CREDENTIAL, required=False),
        machine_detection=machine_detection(body.get("machineDetection")),
        extras=_extras(body))


def machine_detection(value: Any) -> model.MachineDetection | None:
    """createCall ``machineDetection`` (§3.1 ``MachineDetectionConfiguration``): spec defaults
    for what is left out or ``null`` (``mode`` too); timings must be numbers > 0 and at most
    ``MACHINE_DETECTION_MAX_SECONDS`` (4 hours; decimals are accepted and used as given,
    although the spec says the platform mishandles them); 400 names the bad field as
    ``machineDetection.<key>``. Keys the object does not define are ignored, like unknown
    top-level fields. ``callbackUrl`` and the other delivery keys are accepted in sync mode
    too (the platform does not reject them); they are unused there."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, "Invalid 'machineDetection': must be an object")
    mode = value.get("mode")
    if mode is None:
        mode = "async"
    if mode not in model.MACHINE_DETECTION_MODES:
        raise ApiError(400, f"Invalid 'machineDetection.mode' [{mode}]: must be sync or async")
    fields: dict[str, Any] = {"mode": mode}
    for key, name in (("detectionTimeout", "detection_timeout"),
                      ("silenceTimeout", "silence_timeout"),
                      ("speechThreshold", "speech_threshold"),
                      ("speechEndThreshold", "speech_end_threshold"),
                      ("machineSpeechEndThreshold", "machine_speech_end_threshold")):
        number = value.get(key)
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, (int, float)) \
                or not math.isfinite(number) or number <= 0 \
                or number > model.MACHINE_DETECTION_MAX_SECONDS:
            raise ApiError(400, f"Invalid 'machineDetection.{key}' [{number}]: must be a "
                                f"number of seconds > 0 and at most "
                                f"{model.MACHINE_DETECTION_MAX_SECONDS:g}")
        fields[name] = float(number)
    delay = value.get("delayResult")
    if delay is not None:
        if not isinstance(delay, bool):
            raise ApiError(400, f"Invalid 'machineDetection.delayResult' [{delay}]: must be "
                                f"true or false")
        fields["delay_result"] = delay
    nested = {f"machineDetection.{key}": item for key, item in value.items()}
    for key, name in (("callbackUrl", "callback_url"), ("fallbackUrl", "fallback_url")):
        fields[name] = _url(nested, f"machineDetection.{key}", required=False)
    for key, name in (("callbackMethod", "callback_method"),
                      ("fallbackMethod", "fallback_method")):
        fields[name] = _method(nested, f"machineDetection.{key}")
    for key, name in (("username", "username"), ("password", "password"),
                      ("fallbackUsername", "fallback_username"),
                      ("fallbackPassword", "fallback_password")):
        fields[name] = _text(nested, f"machineDetection.{key}", MAX_CREDENTIAL, required=False)
    return model.MachineDetection(**fields)


def transcribe_recording(body: Any) -> model.TranscribeRecording:
    """Check a ``POST .../recordings/{id}/transcription`` body (§5.1 ``TranscribeRecording``,
    every field optional: an empty body is ``{}``); 400 names the first bad field."""
    body = json_object(body)
    detect = body.get("detectLanguage")
    if detect is not None and not isinstance(detect, bool):
        raise ApiError(400, f"Invalid 'detectLanguage' [{detect}]: must be true or false")
    return model.TranscribeRecording(
        callback_url=_url(body, "callbackUrl", required=False),
        callback_method=_method(body, "callbackMethod"),
        username=_text(body, "username", MAX_CREDENTIAL, required=False),
        password=_text(body, "password", MAX_CREDENTIAL, required=False),
        tag=_text(body, "tag", MAX_TAG, required=False, empty_ok=True),
        callback_timeout=_number(body, "callbackTimeout", 1, 25, 15.0),
        detect_language=bool(detect))


def update_call(body: Any) -> model.UpdateCall:
    """Check a ``POST /calls/{id}`` body (§3.4, rest_rules.CALL_UPDATE): ``active`` needs
    ``redirectUrl``; ``completed`` allows no redirect URL, method or tag."""
    body = json_object(body)
    if _update_state(body, rules.CALL_UPDATE) == "completed":
        return model.UpdateCall(state="completed")
    return model.UpdateCall(state="active", **_redirect(body),
                            tag=_text(body, "tag", MAX_TAG, required=False, empty_ok=True))


def _update_state(body: dict, rule: rules.UpdateRule) -> str:
    """The ``state`` (call, §3.4) or ``status`` (conference, §7.3) of an update, default
    ``active``, after the rule's checks (rest_rules.update_problems)."""
    key = rule.state_key
    value = body.get(key) or "active"
    fields = (*rule.not_when_completed, "redirect_url")
    problems = rules.update_problems(rule, value, {f: body.get(rules.rest_name(f))
                                                   for f in fields})
    if not problems:
        return value
    first = problems[0]
    if first.code == rules.BAD_VALUE:
        raise ApiError(400, f"Invalid '{key}' [{value}]: must be active or completed")
    if first.code == rules.NOT_ALLOWED:
        names = ", ".join(rules.rest_name(p.field) for p in problems)
        raise ApiError(400, f"{names} not allowed when {key} is completed")
    raise ApiError(400, f"Missing required field(s): redirectUrl (required when {key} is "
                        "active)")


def _redirect(body: dict) -> dict:
    """The redirect webhook fields shared by the call and conference updates (§3.4, §7.3)."""
    return dict(
        redirect_url=_url(body, "redirectUrl"),
        redirect_method=_method(body, "redirectMethod"),
        redirect_fallback_url=_url(body, "redirectFallbackUrl", required=False),
        redirect_fallback_method=_method(body, "redirectFallbackMethod"),
        username=_text(body, "username", MAX_CREDENTIAL, required=False),
        password=_text(body, "password", MAX_CREDENTIAL, required=False),
        fallback_username=_text(body, "fallbackUsername", MAX_CREDENTIAL, required=False),
        fallback_password=_text(body, "fallbackPassword", MAX_CREDENTIAL, required=False))


def recording_state(body: Any) -> str:
    """Check a ``PUT /calls/{id}/recording`` body (§4.1): ``paused`` or ``recording``."""
    state = json_object(body).get("state")
    if rules.recording_problem(state) is not None:
        raise ApiError(400, f"Invalid 'state' [{state}]: must be paused or recording")
    return state


def update_conference(body: Any) -> model.UpdateConference:
    """Check a ``POST /conferences/{id}`` body (§7.3, rest_rules.CONFERENCE_UPDATE):
    ``status`` (default ``active``) needs ``redirectUrl`` when active and allows no redirect
    URL when completed."""
    body = json_object(body)
    if _update_state(body, rules.CONFERENCE_UPDATE) == "completed":
        return model.UpdateConference(status="completed")
    return model.UpdateConference(status="active", **_redirect(body))


def update_conference_member(body: Any, call_id: str) -> model.UpdateConferenceMember:
    """Check a ``PUT /conferences/{id}/members/{callId}`` body (§7.5): ``mute``/``hold``
    booleans and ``callIdsToCoach`` a list of callIds, each optional (omitted: unchanged)."""
    body = json_object(body)
    flags = {}
    for key in ("mute", "hold"):
        value = body.get(key)
        if value is not None and not isinstance(value, bool):
            raise ApiError(400, f"Invalid '{key}' [{value}]: must be true or false")
        flags[key] = value
    coach = body.get("callIdsToCoach")
    if coach is not None and (not isinstance(coach, list)
                              or not all(isinstance(c, str) and c for c in coach)):
        raise ApiError(400, f"Invalid 'callIdsToCoach' [{coach}]: must be a list of callIds")
    if coach is not None and call_id in coach:
        raise ApiError(400, f"Invalid 'callIdsToCoach': a member cannot coach itself "
                            f"[{call_id}]")
    return model.UpdateConferenceMember(member=call_id, **flags,
                                        call_ids_to_coach=None if coach is None else tuple(coach))


# -- query strings ------------------------------------------------------------------------------

CONFERENCES_LIMIT = 1000  # §7.1: pageSize 1-1000, default 1000


@attrs.frozen
class ConferenceQuery:
    """``GET /conferences`` filters (§7.1); times are aware datetimes, bounds inclusive.
    ``page_token``: where the page starts (the id of the last conference of the previous
    page; checked against the list by the caller)."""

    name: str | None = None
    min_created_time: datetime | None = None
    max_created_time: datetime | None = None
    page_size: int = CONFERENCES_LIMIT
    page_token: str | None = None


def conference_query(query: Mapping[str, str]) -> ConferenceQuery:
    """Check the query of ``GET /conferences`` (§7.1): ``pageSize`` an integer from 1 to 1000,
    ``minCreatedTime``/``maxCreatedTime`` ISO 8601 date-times; 400 names the bad parameter.
    Unknown parameters are ignored."""
    low, high = query.get("minCreatedTime"), query.get("maxCreatedTime")
    token = query.get("pageToken")
    if token is not None and not token:
        raise ApiError(400, "Invalid 'pageToken' []: follow the Link header of the previous "
                            "page")
    return ConferenceQuery(
        name=query.get("name"),
        min_created_time=None if low is None else date_time(low, "minCreatedTime"),
        max_created_time=None if high is None else date_time(high, "maxCreatedTime"),
        page_size=page_size(query, CONFERENCES_LIMIT), page_token=token)


def page_size(query: Mapping[str, str], limit: int, default: int | None = None) -> int:
    """``pageSize``: an integer from 1 to ``limit``, by default ``default`` (or ``limit``)."""
    size = query.get("pageSize", str(default or limit))
    if not re.fullmatch(r"[0-9]{1,9}", size) or not 1 <= int(size) <= limit:
        raise ApiError(400, f"Invalid 'pageSize' [{size}]: must be an integer from 1 to "
                            f"{limit}")
    return int(size)


def date_time(text: str, key: str) -> datetime:
    """An ISO 8601 date-time query value (UTC when it has no offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"Invalid '{key}' [{text}]: must be an ISO 8601 date-time such as "
                            f"2026-01-01T00:00:00.000Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


# -- field checks -------------------------------------------------------------------------------

def _text(body: dict, key: str, limit: int, *, required: bool = True,
          empty_ok: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (not value and not empty_ok and required):
        raise ApiError(400, f"Invalid '{key}': must be a string")
    problem = rules.too_long(key, value, limit)
    if problem is not None:
        raise api_error(problem)
    return value


def _url(body: dict, key: str, *, required: bool = True) -> str | None:
    value = _text(body, key, MAX_URL, required=required)
    problem = rules.url_problem(key, value, relative_ok=False)
    if problem is not None:
        raise api_error(problem)
    return value


def _method(body: dict, key: str) -> str:
    value = body.get(key)
    if value is None:
        return "POST"
    if not isinstance(value, str) or rules.method_problem(key, value.upper()) is not None:
        raise ApiError(400, f"Invalid '{key}' [{value}]: must be GET or POST")
    return value.upper()


def api_error(problem: rules.Problem) -> ApiError:
    """A rest_rules problem of the field named ``problem.field`` (its REST name, as given) in
    the API's words: 400 ``Invalid '<field>' ...``."""
    key, value = problem.field, problem.value
    if problem.code == rules.TOO_LONG:
        return ApiError(400, f"Invalid '{key}': at most {problem.limit} characters, got "
                             f"{len(value)}")
    if problem.code == rules.BAD_URL:
        return ApiError(400, f"Invalid '{key}' [{value}]: only absolute http or https URLs "
                             f"are allowed")
    return ApiError(400, f"Invalid '{key}' [{value}]")


def _number(body: dict, key: str, low: float, high: float, default: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) \
            or not low <= value <= high:
        raise ApiError(400, f"Invalid '{key}' [{value}]: must be a number from {low:g} to "
                            f"{high:g}")
    return float(value)


def _priority(body: dict) -> int | None:
    value = body.get("priority")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ApiError(400, f"Invalid 'priority' [{value}]: must be an integer from 1 to 5")
    return value


def _extras(body: dict) -> dict[str, Any]:
    extras = {k: body[k] for k in ("privacy", "displayName", "uui") if body.get(k) is not None}
    if not isinstance(extras.get("privacy", False), bool):
        raise ApiError(400, f"Invalid 'privacy' [{extras['privacy']}]: must be true or false")
    name = extras.get("displayName")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_DISPLAY_NAME):
        raise ApiError(400, f"Invalid 'displayName': a string of at most {MAX_DISPLAY_NAME} "
                            f"characters")
    problem = name is not None and display_name_problem("displayName", name)
    if problem:
        raise ApiError(400, f"Invalid 'displayName': {problem}")
    uui = extras.get("uui")
    if uui is not None and (not isinstance(uui, str) or len(uui) > MAX_UUI):
        raise ApiError(400, f"Invalid 'uui': a string of at most {MAX_UUI} characters, "
                            f"parameters and separators included")
    problem = uui is not None and uui_problem("uui", uui, UUI_ENCODINGS)
    if problem:
        raise ApiError(400, f"Invalid 'uui': {problem}")
    return extras
