"""The Voice REST API v2, once: routes and what each one does, over a backend, no web framework.

:func:`handle(backend, request) <handle>` answers one :class:`~simulator.voice_api.http.ApiRequest`
with an :class:`~simulator.voice_api.http.ApiResponse`. Two backends hold the calls:
``bxmlsim serve``'s Store (server/state.py: each created call its own simulation) and a run's
own API (voice_api/run.py: the calls of the one simulation running). Both front doors (starlette
for ``serve``, the requests caught inside a run) call this, so every body check, state rule and
error is the same whichever way the app reaches the API.

Routes (spec/voice-api.md §2; paths after ``/api/v2/accounts/{accountId}``; ``action`` is the
SDK operation, named in timeline entries):

====== ============================================================ ==========================
POST   /calls                                                       201 CreateCallResponse
GET    /calls                                                       200 CallState[] (filters)
GET    /calls/{callId}                                              200 CallState
POST   /calls/{callId}                                              200 (redirect / hang up)
PUT    /calls/{callId}/bxml                                         204
PUT    /calls/{callId}/recording                                    200 (pause / resume)
GET    /calls/{callId}/recordings                                   200 CallRecordingMetadata[]
GET    /recordings                                                  200 (account-wide)
GET    /calls/{callId}/recordings/{recordingId}                     200 CallRecordingMetadata
DELETE /calls/{callId}/recordings/{recordingId}                     204
GET    /calls/{callId}/recordings/{recordingId}/media               200 audio/vnd.wave|mpeg
DELETE /calls/{callId}/recordings/{recordingId}/media               204
POST   /calls/{callId}/recordings/{recordingId}/transcription       204 (transcribe on request)
GET    /calls/{callId}/recordings/{recordingId}/transcription       200 RecordingTranscriptions
DELETE /calls/{callId}/recordings/{recordingId}/transcription       204
GET    /calls/{callId}/transcriptions                               200 (real-time, §6)
GET    /calls/{callId}/transcriptions/{transcriptionId}             200 CallTranscriptionResponse
DELETE /calls/{callId}/transcriptions/{transcriptionId}             200
GET    /conferences                                                 200 Conference[] (paged)
GET    /conferences/{conferenceId}                                  200 Conference
POST   /conferences/{conferenceId}                                  204 (redirect / end)
PUT    /conferences/{conferenceId}/bxml                             204
GET    /conferences/{conferenceId}/members/{callId}                 200 ConferenceMember
PUT    /conferences/{conferenceId}/members/{callId}                 204 (mute, hold, coach)
GET    /conferences/{conferenceId}/recordings                       200 §7.6 recording metadata[]
GET    /conferences/{conferenceId}/recordings/{recordingId}         200 §7.6 recording metadata
GET    /conferences/{conferenceId}/recordings/{recordingId}/media   200 audio/vnd.wave|mpeg
====== ============================================================ ==========================

and ``POST /api/v1/oauth2/token`` (voice_api/auth.py). Every error is a ``VoiceApiError`` body
``{type, description, id}`` with the status of §1.1 (unknown path 404, wrong method 405 with
``Allow``, non-JSON content type 415, bad credentials 401). The conference list pages:
``pageSize`` conferences and, while more remain, a ``Link: <url>; rel="next"`` header whose
``pageToken`` is the id of the page's last conference (opaque to the client, which follows the
link).

Changes of a call or conference are checked against its state now (the call-state rule of
simulator/rest_rules.py) and handed to the backend, which has the engine carry them out
(engine/rest.py, at the virtual instant the engine next waits); reads answer from the state now.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from simulator import rest_rules as rules
from simulator.bxml.nodes import roots_for
from simulator.bxml.parse import parse_bxml
from simulator.errors import BxmlError
from simulator.scenario import model
from simulator.voice_api import bodies, views
from simulator.voice_api.auth import TOKEN_PATH
from simulator.voice_api.http import ApiError, ApiRequest, ApiResponse

API_PREFIX = "/api/v2"
ACCOUNT_PREFIX = API_PREFIX + "/accounts/{account_id}"
MEDIA_TYPES = {"wav": "audio/vnd.wave", "mp3": "audio/mpeg"}
LIST_LIMIT = 10000  # voice-api.md §3.2: at most 10000 calls per page
RECORDINGS_LIMIT = 1000  # §4.3


@attrs.frozen
class Exchange:
    """One request being answered: the backend, the request, the path's account id and the
    API base the client used (``https://voice.bandwidth.com/api/v2``: URLs in answers)."""

    backend: Any
    request: ApiRequest
    account: str

    @property
    def api_base(self) -> str:
        return self.request.origin + API_PREFIX


@attrs.frozen
class Route:
    """``method`` + ``template`` (after the account prefix) -> ``endpoint(exchange, **params)``.
    ``action``: the SDK operation; ``change``: a change the engine carries out and logs itself
    (its ``rest`` timeline entry is written when it lands)."""

    method: str
    template: str
    endpoint: Callable[..., ApiResponse]
    action: str
    change: bool = False
    pattern: re.Pattern[str] = attrs.field(init=False, eq=False, repr=False)

    @pattern.default
    def _pattern(self) -> re.Pattern[str]:
        return _compile(ACCOUNT_PREFIX + self.template)


#: The ``action`` of the OAuth2 token request (``POST /api/v1/oauth2/token``).
TOKEN_ACTION = "get_access_token"


@attrs.frozen
class Outcome:
    """What :func:`handle` did: the response, the route that answered (None: none matched),
    and the path parameters (``call_id``, ``conference_id``, ...)."""

    response: ApiResponse
    route: Route | None = None
    params: dict[str, str] = attrs.Factory(dict)
    token: bool = False  # the OAuth2 token request

    @property
    def action(self) -> str:
        if self.token:
            return TOKEN_ACTION
        return self.route.action if self.route is not None else "unknown"


def _compile(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")


def handle(backend: Any, request: ApiRequest) -> Outcome:
    """Answer one request (never raises for what the request holds)."""
    path = request.path
    if path.rstrip("/") == TOKEN_PATH:
        if request.method != "POST":
            return Outcome(ApiResponse.of_error(_not_allowed(request, ["POST"])), token=True)
        return Outcome(backend.authority.issue_token(request), token=True)
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        if route.method != request.method:
            allowed.append(route.method)
            continue
        params = found.groupdict()
        account = params.pop("account_id")
        try:
            backend.authority.check(request, account)
            response = route.endpoint(Exchange(backend, request, account), **params)
        except ApiError as error:
            response = ApiResponse.of_error(error)
        return Outcome(response, route, params)
    account = _account_of(path)
    try:
        backend.authority.check(request, account)
    except ApiError as error:
        return Outcome(ApiResponse.of_error(error))
    if allowed:
        return Outcome(ApiResponse.of_error(_not_allowed(request, allowed)))
    return Outcome(ApiResponse.of_error(ApiError(404, f"No such resource: {path}")))


def _account_of(path: str) -> str | None:
    found = re.match(r"^/api/v2/accounts/([^/]+)", path)
    return found.group(1) if found else None


def _not_allowed(request: ApiRequest, allowed: list[str]) -> ApiError:
    return ApiError(405, f"Method {request.method} not allowed on {request.path}",
                    headers={"Allow": ", ".join(sorted(set(allowed)))})


# -- calls ----------------------------------------------------------------------------------------

def create_call(x: Exchange) -> ApiResponse:
    body = x.request.json()
    call = bodies.create_call(body)
    record = x.backend.create(x.account, call)
    created = views.create_call_response(x.api_base, record)
    return ApiResponse.of_json(created, 201, {"Location": created["callUrl"]},
                               after=lambda: x.backend.start(record))


def list_calls(x: Exchange) -> ApiResponse:
    query = x.request.query
    size = bodies.page_size(query, LIST_LIMIT, default=1000)
    states = [views.call_state(x.backend, r) for r in x.backend.of_account(x.account)]
    cause = query.get("disconnectCause")
    out = [s for s in states if _matches(s, query, upper_inclusive=True)
           and (cause is None or s["disconnectCause"] == cause)]
    return ApiResponse.of_json(out[:size])


def get_call(x: Exchange, call_id: str) -> ApiResponse:
    return ApiResponse.of_json(views.call_state(x.backend, x.backend.get(x.account, call_id)))


def update_call(x: Exchange, call_id: str) -> ApiResponse:
    record = x.backend.get(x.account, call_id)
    update = bodies.update_call(x.request.json())
    x.backend.request_change(record, _asked(call=call_id, update_call=update))
    return ApiResponse.empty(200)


def put_bxml(x: Exchange, call_id: str) -> ApiResponse:
    record = x.backend.get(x.account, call_id)
    text = x.request.text()
    _check_bxml(text)
    x.backend.request_change(record, _asked(call=call_id, put_bxml=text))
    return ApiResponse.empty(204)


def update_recording(x: Exchange, call_id: str) -> ApiResponse:
    record = x.backend.get(x.account, call_id)
    state = bodies.recording_state(x.request.json())
    x.backend.request_change(record, _asked(call=call_id, recording=state),
                             check=lambda sim, leg: _has_start_recording(sim, leg, state))
    return ApiResponse.empty(200)


def _asked(**action: Any) -> model.RestAction:
    """A change the app asked for, for the engine (engine/rest.py ``perform``): now, from
    the API (``via``)."""
    return model.RestAction(at=0, via="api", **action)


def change_of(action: model.RestAction) -> str:
    """The call change (a key of rest_rules.CALL_CHANGES) a call action asks for."""
    if action.update_call is not None:
        return "hangup" if action.update_call.state == "completed" else "redirect"
    return "put_bxml" if action.put_bxml is not None else "recording"


def call_refused(refusal: rules.CallRefusal, call_id: str) -> ApiError:
    """A call-state refusal (rest_rules.call_refusal) in the API's words (§1.1, §10)."""
    if refusal.status == 404:
        return ApiError(404, f"Call [{call_id}] not found")
    if refusal.reason == rules.NOT_ANSWERED:
        return ApiError(409, f"Call [{call_id}] cannot be modified in its current state: "
                             f"cannot {refusal.doing} a call that {refusal.reason}")
    return ApiError(refusal.status, f"Call [{call_id}] cannot be modified in its current "
                                    f"state: it {refusal.reason}")


def _has_start_recording(sim, leg, state: str) -> None:
    """409 for a call without a StartRecording recording (rest_rules.recording_refusal)."""
    refusal = rules.recording_refusal(sim.rt(leg).recorder.current is not None, state)
    if refusal is not None:
        raise ApiError(refusal.status, f"Call [{leg.call_id}] cannot be modified in its "
                                       f"current state: it {refusal.reason}")


def _check_bxml(text: str, *, context: str = "call") -> None:
    """400 for a body that is not BXML ``context`` may run (conference: its verbs only)."""
    source = "PUT conference bxml" if context == "conference" else "PUT bxml"
    try:
        parse_bxml(text, source=source, context=context, roots=roots_for(context, "put"))
    except BxmlError as error:
        raise ApiError(400, f"Invalid BXML: {error}") from None


# -- recordings -----------------------------------------------------------------------------------

def list_recordings(x: Exchange, call_id: str) -> ApiResponse:
    record = x.backend.get(x.account, call_id)
    return ApiResponse.of_json([views.recording_metadata(x.api_base, record, e)
                                for e in views.recordings(record)])


def account_recordings(x: Exchange) -> ApiResponse:
    query, out = x.request.query, []
    for record in x.backend.of_account(x.account):
        for entry in views.recordings(record):
            meta = views.recording_metadata(x.api_base, record, entry)
            if _matches(meta, query, upper_inclusive=False):
                out.append(meta)
    return ApiResponse.of_json(out[:RECORDINGS_LIMIT])


def get_recording(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    record, entry = _recording(x, call_id, recording_id)
    return ApiResponse.of_json(views.recording_metadata(x.api_base, record, entry))


def delete_recording(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    """§4.6: metadata, media and transcription are gone."""
    return _forget(x, call_id, recording_id, "deleted")


def get_media(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    return _media(x, *_recording(x, call_id, recording_id))


def delete_media(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    """§4.7: the metadata stays (``status: deleted``)."""
    return _forget(x, call_id, recording_id, "media_deleted")


def _forget(x: Exchange, call_id: str, recording_id: str, ids: str) -> ApiResponse:
    """Add the recording to the call record's set ``ids`` (``deleted``, ``media_deleted``)."""
    record, _ = _recording(x, call_id, recording_id)
    with record.lock:
        getattr(record, ids).add(recording_id)
    return ApiResponse.empty(204)


def request_transcription(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    """§5.1: transcribe a finished recording whose media is there (404 while it is processing
    or after a media delete); the engine starts it at this instant (engine/rest.py
    ``transcribe_recording``), ``processing`` until done. Accepted after the call ended too,
    while the simulation runs (a recordingAvailable handler asking for it)."""
    record, entry = _recording(x, call_id, recording_id)
    request = bodies.transcribe_recording(x.request.json())
    if views.media_state(record, entry)[0] != "complete":
        raise ApiError(404, f"Media for recording [{recording_id}] not found: only a "
                            f"recording whose file is available can be transcribed")
    x.backend.request_transcription(record, model.RestAction(
        at=0, via="api", call=call_id, recording_id=recording_id,
        transcribe_recording=request))
    return ApiResponse.empty(204)


def get_transcription(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    record, entry = _recording(x, call_id, recording_id)
    found = None if recording_id in record.transcription_deleted else \
        views.transcriptions(entry)
    if found is None:
        raise ApiError(404, f"Transcription for recording [{recording_id}] not found")
    return ApiResponse.of_json(found)


def delete_transcription(x: Exchange, call_id: str, recording_id: str) -> ApiResponse:
    record, entry = _recording(x, call_id, recording_id)
    if views.transcriptions(entry) is None:
        raise ApiError(404, f"Transcription for recording [{recording_id}] not found")
    with record.lock:
        record.transcription_deleted.add(recording_id)
    return ApiResponse.empty(204)


def _recording(x: Exchange, call_id: str, recording_id: str) -> tuple[Any, dict]:
    record = x.backend.get(x.account, call_id)
    for entry in views.recordings(record):
        if entry["recordingId"] == recording_id:
            return record, entry
    raise ApiError(404, f"Recording [{recording_id}] not found on call [{call_id}]")


def _media(x: Exchange, record: Any, entry: dict) -> ApiResponse:
    """The recording's file (404 while it is processing, after a media delete, or when the
    backend lost it)."""
    recording_id = entry["recordingId"]
    if entry["file"] is None or recording_id in record.media_deleted:
        raise ApiError(404, f"Media for recording [{recording_id}] not found")
    content = x.backend.media(record, entry)  # a Path, or the bytes themselves
    headers = {"content-type": MEDIA_TYPES[entry["fileFormat"]]}
    if isinstance(content, bytes):
        return ApiResponse(200, headers, content)
    return ApiResponse(200, headers, file=content)


# -- real-time transcriptions --------------------------------------------------------------------

def list_realtime_transcriptions(x: Exchange, call_id: str) -> ApiResponse:
    record = x.backend.get(x.account, call_id)
    return ApiResponse.of_json([views.realtime_transcription_item(x.api_base, record, done)
                                for done in views.realtime_transcriptions(record)])


def get_realtime_transcription(x: Exchange, call_id: str, transcription_id: str) -> ApiResponse:
    record, done = _realtime(x, call_id, transcription_id)
    return ApiResponse.of_json(views.realtime_transcription(record, done))


def delete_realtime_transcription(x: Exchange, call_id: str,
                                  transcription_id: str) -> ApiResponse:
    """§6: 200, not 204 (as the SDK declares)."""
    record, _ = _realtime(x, call_id, transcription_id)
    with record.lock:
        record.transcription_deleted.add(transcription_id)
    return ApiResponse.empty(200)


def _realtime(x: Exchange, call_id: str, transcription_id: str) -> tuple[Any, Any]:
    record = x.backend.get(x.account, call_id)
    for done in views.realtime_transcriptions(record):
        if done.record.id == transcription_id:
            return record, done
    raise ApiError(404, f"Transcription [{transcription_id}] not found on call [{call_id}]")


# -- conferences ----------------------------------------------------------------------------------

def list_conferences(x: Exchange) -> ApiResponse:
    page, token = _conference_page(x, bodies.conference_query(x.request.query))
    headers = {} if token is None else {"Link": f'<{_with_token(x.request.url, token)}>; '
                                                f'rel="next"'}
    return ApiResponse.of_json(page, headers=headers)


def get_conference(x: Exchange, conference_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    with record.lock:
        return ApiResponse.of_json(views.conference(x.api_base, record, room))


def update_conference(x: Exchange, conference_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    update = bodies.update_conference(x.request.json())
    x.backend.request_conference_change(record, room, _asked(
        conference=conference_id, update_conference=update))
    return ApiResponse.empty(204)


def put_conference_bxml(x: Exchange, conference_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    text = x.request.text()
    _check_bxml(text, context="conference")
    x.backend.request_conference_change(record, room, _asked(
        conference=conference_id, put_conference_bxml=text))
    return ApiResponse.empty(204)


def get_member(x: Exchange, conference_id: str, call_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    with record.lock:
        member = _member(room, call_id)
        return ApiResponse.of_json(views.conference_member(x.api_base, record, room, member))


def update_member(x: Exchange, conference_id: str, call_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    change = bodies.update_conference_member(x.request.json(), call_id)
    x.backend.request_conference_change(record, room, _asked(
        conference=conference_id, update_conference_member=change),
        check=lambda room: _can_update_member(room, change))
    return ApiResponse.empty(204)


def list_conference_recordings(x: Exchange, conference_id: str) -> ApiResponse:
    record, room = x.backend.conference(x.account, conference_id)
    return ApiResponse.of_json([
        views.conference_recording_metadata(x.api_base, record, room, entry)
        for entry in views.conference_recordings(record, room)])


def get_conference_recording(x: Exchange, conference_id: str,
                             recording_id: str) -> ApiResponse:
    record, room, entry = _conference_recording(x, conference_id, recording_id)
    return ApiResponse.of_json(views.conference_recording_metadata(x.api_base, record, room,
                                                                   entry))


def get_conference_media(x: Exchange, conference_id: str, recording_id: str) -> ApiResponse:
    record, _, entry = _conference_recording(x, conference_id, recording_id)
    return _media(x, record, entry)


def _member(room, call_id: str):
    member = room.member(call_id)
    if member is None:
        raise ApiError(404, f"Member [{call_id}] not found in conference "
                            f"[{room.envelope.conference_id}]")
    return member


def _can_update_member(room, change: model.UpdateConferenceMember) -> None:
    """404 for a call not in the conference; 409 for a second coach (one at a time)."""
    member = _member(room, change.member)
    coach = room.coach()
    if change.call_ids_to_coach and coach is not None and coach is not member:
        raise ApiError(409, f"Conference [{room.envelope.conference_id}] cannot be modified in "
                            f"its current state: [{coach.leg.call_id}] already coaches (one "
                            f"coach per conference)")


def _conference_recording(x: Exchange, conference_id: str,
                          recording_id: str) -> tuple[Any, Any, dict]:
    record, room = x.backend.conference(x.account, conference_id)
    for entry in views.conference_recordings(record, room):
        if entry["recordingId"] == recording_id:
            return record, room, entry
    raise ApiError(404, f"Recording [{recording_id}] not found in conference "
                        f"[{conference_id}]")


def _conference_page(x: Exchange, query: bodies.ConferenceQuery) -> tuple[list[dict], str | None]:
    """One page of ``GET /conferences`` (§7.1) and the next page's token (None: last page).

    Every conference of the account, oldest ``createdTime`` first (ties: call creation
    order); a ``pageToken`` (the id of the last conference of the previous page) starts the
    page after that conference, so conferences created meanwhile never shift a page. Then the
    filters (``name`` exact, created time within the bounds, both inclusive) and ``pageSize``.
    """
    listed = []
    for record, room in x.backend.conferences(x.account):
        with record.lock:
            item = views.conference(x.api_base, record, room, members=False)
        listed.append((bodies.date_time(item["createdTime"], "createdTime"), item))
    listed.sort(key=lambda pair: pair[0])  # stable: ties keep call and room order
    if query.page_token is not None:
        ids = [item["id"] for _, item in listed]
        if query.page_token not in ids:
            raise ApiError(400, f"Invalid 'pageToken' [{query.page_token}]: not a page of "
                                f"this list (follow the Link header of the previous page)")
        listed = listed[ids.index(query.page_token) + 1:]
    low, high = query.min_created_time, query.max_created_time
    found = [item for created, item in listed
             if (query.name is None or item["name"] == query.name)
             and (low is None or created >= low) and (high is None or created <= high)]
    page = found[:query.page_size]
    return page, page[-1]["id"] if len(found) > query.page_size else None


def _with_token(url: str, token: str) -> str:
    """``url`` with its ``pageToken`` query parameter set to ``token`` (others kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != "pageToken"] + [("pageToken", token)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _matches(item: dict, query, *, upper_inclusive: bool) -> bool:
    """``to``/``from`` exact, ``minStartTime`` <= startTime <= (or <) ``maxStartTime``."""
    for key in ("to", "from"):
        if query.get(key) is not None and item[key] != query[key]:
            return False
    low, high = query.get("minStartTime"), query.get("maxStartTime")
    if low is None and high is None:
        return True
    if item["startTime"] is None:
        return False
    start = bodies.date_time(item["startTime"], "startTime")
    if low is not None and start < bodies.date_time(low, "minStartTime"):
        return False
    if high is not None:
        limit = bodies.date_time(high, "maxStartTime")
        return start <= limit if upper_inclusive else start < limit
    return True


_RECORDING = "/calls/{call_id}/recordings/{recording_id}"
_MEMBER = "/conferences/{conference_id}/members/{call_id}"
_CONFERENCE_RECORDING = "/conferences/{conference_id}/recordings/{recording_id}"

ROUTES = (
    Route("POST", "/calls", create_call, "create_call", change=True),
    Route("GET", "/calls", list_calls, "list_calls"),
    Route("GET", "/calls/{call_id}", get_call, "get_call_state"),
    Route("POST", "/calls/{call_id}", update_call, "update_call", change=True),
    Route("PUT", "/calls/{call_id}/bxml", put_bxml, "update_call_bxml", change=True),
    Route("PUT", "/calls/{call_id}/recording", update_recording, "update_call_recording_state",
          change=True),
    Route("GET", "/calls/{call_id}/recordings", list_recordings, "list_call_recordings"),
    Route("GET", "/recordings", account_recordings, "list_account_call_recordings"),
    Route("GET", _RECORDING, get_recording, "get_call_recording"),
    Route("DELETE", _RECORDING, delete_recording, "delete_recording"),
    Route("GET", _RECORDING + "/media", get_media, "download_call_recording"),
    Route("DELETE", _RECORDING + "/media", delete_media, "delete_recording_media"),
    Route("POST", _RECORDING + "/transcription", request_transcription,
          "transcribe_call_recording", change=True),
    Route("GET", _RECORDING + "/transcription", get_transcription,
          "get_recording_transcription"),
    Route("DELETE", _RECORDING + "/transcription", delete_transcription,
          "delete_recording_transcription"),
    Route("GET", "/calls/{call_id}/transcriptions", list_realtime_transcriptions,
          "list_real_time_transcriptions"),
    Route("GET", "/calls/{call_id}/transcriptions/{transcription_id}",
          get_realtime_transcription, "get_real_time_transcription"),
    Route("DELETE", "/calls/{call_id}/transcriptions/{transcription_id}",
          delete_realtime_transcription, "delete_real_time_transcription"),
    Route("GET", "/conferences", list_conferences, "list_conferences"),
    Route("GET", "/conferences/{conference_id}", get_conference, "get_conference"),
    Route("POST", "/conferences/{conference_id}", update_conference, "update_conference",
          change=True),
    Route("PUT", "/conferences/{conference_id}/bxml", put_conference_bxml,
          "update_conference_bxml", change=True),
    Route("GET", _MEMBER, get_member, "get_conference_member"),
    Route("PUT", _MEMBER, update_member, "update_conference_member", change=True),
    Route("GET", "/conferences/{conference_id}/recordings", list_conference_recordings,
          "list_conference_recordings"),
    Route("GET", _CONFERENCE_RECORDING, get_conference_recording, "get_conference_recording"),
    Route("GET", _CONFERENCE_RECORDING + "/media", get_conference_media,
          "download_conference_recording"),
)
