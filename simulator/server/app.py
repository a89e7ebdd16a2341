"""The HTTP face of the emulator: starlette routes for the Voice REST API v2 under ``/api/v2``.

Routes (spec/voice-api.md §2; paths after ``/api/v2/accounts/{accountId}``):

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
GET    /calls/{callId}/recordings/{recordingId}/transcription       200 RecordingTranscriptions
DELETE /calls/{callId}/recordings/{recordingId}/transcription       204
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

Every error is a ``VoiceApiError`` body ``{type, description, id}`` with the status of §1.1
(unknown path 404, wrong method 405, non-JSON content type 415, bad credentials 401).
The conference list pages: ``pageSize`` conferences and, while more remain, a
``Link: <url>; rel="next"`` header whose ``pageToken`` is the id of the page's last conference
(opaque to the client, which follows the link).
The createCall simulation starts in a worker thread once the 201 has been sent (a starlette
background task), so the app gets the answer webhook after its createCall returned.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from simulator.rest_rules import recording_refusal
from simulator.scenario import model
from simulator.server import requests as bodies
from simulator.server import views
from simulator.server.requests import ApiError
from simulator.server.state import CallRecord, Store

API_PREFIX = "/api/v2"
MEDIA_TYPES = {"wav": "audio/vnd.wave", "mp3": "audio/mpeg"}
LIST_LIMIT = 10000  # voice-api.md §3.2: at most 10000 calls per page
RECORDINGS_LIMIT = 1000  # §4.3


def make_app(store: Store, *, username: str | None = None,
             password: str | None = None, warn=None) -> Starlette:
    """The emulator as an ASGI app. With ``username``/``password`` every request needs that
    HTTP Basic auth (401 otherwise); without, any credentials or none are accepted.
    ``warn(text)`` is told about accepted createCall fields the emulator does not simulate."""

    def route(path: str, endpoint, methods: list[str]) -> Route:
        return Route(API_PREFIX + "/accounts/{account_id}" + path, _handler(endpoint),
                     methods=methods)

    async def create_call(request: Request, account: str) -> Response:
        body = await _json(request)
        call = bodies.create_call(body)
        record = store.create(account, call)
        ignored = [key for key in call.NOT_SIMULATED if body.get(key) is not None]
        if ignored and warn is not None:
            warn(f"call {record.call_id}: {', '.join(ignored)} accepted but not simulated")
        created = views.create_call_response(_api_base(request), record)
        return JSONResponse(created, status_code=201, headers={"Location": created["callUrl"]},
                            background=BackgroundTask(store.start, record))

    async def list_calls(request: Request, account: str) -> Response:
        return JSONResponse(_list_calls(store, account, request))

    async def get_call(request: Request, account: str, call_id: str) -> Response:
        return JSONResponse(views.call_state(store, store.get(account, call_id)))

    async def update_call(request: Request, account: str, call_id: str) -> Response:
        record = store.get(account, call_id)
        update = bodies.update_call(await _json(request))
        store.request_change(record, model.RestAction(at=0, update_call=update),
                             needs_answer=None if update.state == "completed" else "redirect")
        return Response(status_code=200)

    async def put_bxml(request: Request, account: str, call_id: str) -> Response:
        record = store.get(account, call_id)
        text = (await request.body()).decode("utf-8", errors="replace")
        _check_bxml(text)
        store.request_change(record, model.RestAction(at=0, put_bxml=text),
                             needs_answer="replace the BXML of")
        return Response(status_code=204)

    async def update_recording(request: Request, account: str, call_id: str) -> Response:
        record = store.get(account, call_id)
        state = bodies.recording_state(await _json(request))
        store.request_change(record, model.RestAction(at=0, recording=state),
                             needs_answer="pause or resume the recording of",
                             check=lambda sim, leg: _has_start_recording(sim, leg, state))
        return Response(status_code=200)

    async def list_recordings(request: Request, account: str, call_id: str) -> Response:
        record = store.get(account, call_id)
        base = _api_base(request)
        return JSONResponse([views.recording_metadata(base, record, e)
                             for e in views.recordings(record)])

    async def account_recordings(request: Request, account: str) -> Response:
        base, query = _api_base(request), request.query_params
        out = []
        for record in store.of_account(account):
            for entry in views.recordings(record):
                meta = views.recording_metadata(base, record, entry)
                if _matches(meta, query, upper_inclusive=False):
                    out.append(meta)
        return JSONResponse(out[:RECORDINGS_LIMIT])

    async def get_recording(request: Request, account: str, call_id: str,
                            recording_id: str) -> Response:
        record, entry = _recording(store, account, call_id, recording_id)
        return JSONResponse(views.recording_metadata(_api_base(request), record, entry))

    async def delete_recording(request: Request, account: str, call_id: str,
                               recording_id: str) -> Response:
        record, _ = _recording(store, account, call_id, recording_id)
        with record.lock:
            record.deleted.add(recording_id)
        return Response(status_code=204)

    async def get_media(request: Request, account: str, call_id: str,
                        recording_id: str) -> Response:
        return _media(*_recording(store, account, call_id, recording_id))

    async def delete_media(request: Request, account: str, call_id: str,
                           recording_id: str) -> Response:
        record, _ = _recording(store, account, call_id, recording_id)
        with record.lock:
            record.media_deleted.add(recording_id)
        return Response(status_code=204)

    async def get_transcription(request: Request, account: str, call_id: str,
                                recording_id: str) -> Response:
        record, entry = _recording(store, account, call_id, recording_id)
        found = None if recording_id in record.transcription_deleted else \
            views.transcriptions(entry)
        if found is None:
            raise ApiError(404, f"Transcription for recording [{recording_id}] not found")
        return JSONResponse(found)

    async def delete_transcription(request: Request, account: str, call_id: str,
                                   recording_id: str) -> Response:
        record, entry = _recording(store, account, call_id, recording_id)
        if views.transcriptions(entry) is None:
            raise ApiError(404, f"Transcription for recording [{recording_id}] not found")
        with record.lock:
            record.transcription_deleted.add(recording_id)
        return Response(status_code=204)

    async def list_conferences(request: Request, account: str) -> Response:
        page, token = _list_conferences(store, account, _api_base(request),
                                        bodies.conference_query(request.query_params))
        headers = {} if token is None else {
            "Link": f'<{request.url.include_query_params(pageToken=token)}>; rel="next"'}
        return JSONResponse(page, headers=headers)

    async def get_conference(request: Request, account: str, conference_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        with record.lock:
            return JSONResponse(views.conference(_api_base(request), record, room))

    async def update_conference(request: Request, account: str,
                                conference_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        update = bodies.update_conference(await _json(request))
        store.request_conference_change(record, room, model.RestAction(
            at=0, conference=conference_id, update_conference=update))
        return Response(status_code=204)

    async def put_conference_bxml(request: Request, account: str,
                                  conference_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        text = (await request.body()).decode("utf-8", errors="replace")
        _check_bxml(text, context="conference")
        store.request_conference_change(record, room, model.RestAction(
            at=0, conference=conference_id, put_conference_bxml=text))
        return Response(status_code=204)

    async def get_member(request: Request, account: str, conference_id: str,
                         call_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        with record.lock:
            member = _member(room, call_id)
            return JSONResponse(views.conference_member(_api_base(request), record, room,
                                                        member))

    async def update_member(request: Request, account: str, conference_id: str,
                            call_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        change = bodies.update_conference_member(await _json(request), call_id)
        store.request_conference_change(record, room, model.RestAction(
            at=0, conference=conference_id, update_conference_member=change),
            check=lambda room: _can_update_member(room, change))
        return Response(status_code=204)

    async def list_conference_recordings(request: Request, account: str,
                                         conference_id: str) -> Response:
        record, room = store.conference(account, conference_id)
        base = _api_base(request)
        return JSONResponse([views.conference_recording_metadata(base, record, room, entry)
                             for entry in views.conference_recordings(record, room)])

    async def get_conference_recording(request: Request, account: str, conference_id: str,
                                       recording_id: str) -> Response:
        record, room, entry = _conference_recording(store, account, conference_id,
                                                    recording_id)
        return JSONResponse(views.conference_recording_metadata(_api_base(request), record,
                                                                room, entry))

    async def get_conference_media(request: Request, account: str, conference_id: str,
                                   recording_id: str) -> Response:
        record, _, entry = _conference_recording(store, account, conference_id, recording_id)
        return _media(record, entry)

    recording = "/calls/{call_id}/recordings/{recording_id}"
    member = "/conferences/{conference_id}/members/{call_id}"
    conference_recording = "/conferences/{conference_id}/recordings/{recording_id}"
    routes = [
        route("/calls", create_call, ["POST"]),
        route("/calls", list_calls, ["GET"]),
        route("/calls/{call_id}", get_call, ["GET"]),
        route("/calls/{call_id}", update_call, ["POST"]),
        route("/calls/{call_id}/bxml", put_bxml, ["PUT"]),
        route("/calls/{call_id}/recording", update_recording, ["PUT"]),
        route("/calls/{call_id}/recordings", list_recordings, ["GET"]),
        route("/recordings", account_recordings, ["GET"]),
        route(recording, get_recording, ["GET"]),
        route(recording, delete_recording, ["DELETE"]),
        route(recording + "/media", get_media, ["GET"]),
        route(recording + "/media", delete_media, ["DELETE"]),
        route(recording + "/transcription", get_transcription, ["GET"]),
        route(recording + "/transcription", delete_transcription, ["DELETE"]),
        route("/conferences", list_conferences, ["GET"]),
        route("/conferences/{conference_id}", get_conference, ["GET"]),
        route("/conferences/{conference_id}", update_conference, ["POST"]),
        route("/conferences/{conference_id}/bxml", put_conference_bxml, ["PUT"]),
        route(member, get_member, ["GET"]),
        route(member, update_member, ["PUT"]),
        route("/conferences/{conference_id}/recordings", list_conference_recordings, ["GET"]),
        route(conference_recording, get_conference_recording, ["GET"]),
        route(conference_recording + "/media", get_conference_media, ["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.store = store
    app.state.credentials = (username, password) if username is not None else None
    return app


# -- plumbing -----------------------------------------------------------------------------------

def _handler(endpoint):
    """Path parameters as arguments, credentials checked, ApiError -> its VoiceApiError."""

    async def handle(request: Request) -> Response:
        try:
            _authenticate(request)
            return await endpoint(request, request.path_params["account_id"],
                                  *[v for k, v in request.path_params.items()
                                    if k != "account_id"])
        except ApiError as error:
            return _error_response(error)

    return handle


def _error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own 404/405 (unknown path, wrong method) as VoiceApiError bodies."""
    if exc.status_code == 405:
        error = ApiError(405, f"Method {request.method} not allowed on {request.url.path}",
                         headers=dict(exc.headers or {}))
    elif exc.status_code == 404:
        error = ApiError(404, f"No such resource: {request.url.path}")
    else:
        error = ApiError(exc.status_code, str(exc.detail), kind="error")
    return _error_response(error)


def _authenticate(request: Request) -> None:
    expected = request.app.state.credentials
    if expected is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    try:
        given = base64.b64decode(value, validate=True).decode("utf-8").split(":", 1)
    except (binascii.Error, UnicodeDecodeError):
        given = None
    if scheme.lower() != "basic" or given is None or tuple(given) != tuple(expected):
        raise ApiError(401, "The credentials given are not valid (HTTP Basic auth with the "
                            "emulator's --username/--password expected)",
                       kind="authentication-error",
                       headers={"WWW-Authenticate": 'Basic realm="bxmlsim"'})


async def _json(request: Request) -> Any:
    """The JSON body (cached by starlette); 415 for another content type, 400 if not JSON."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise ApiError(415, f"Content type [{kind}] not supported: send application/json")
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}") from None


def _api_base(request: Request) -> str:
    """``http://host:port/api/v2`` as the client reached us (for callUrl and mediaUrl)."""
    return f"{request.url.scheme}://{request.url.netloc}{API_PREFIX}"


def _check_bxml(text: str, *, context: str = "call") -> None:
    """400 for a body that is not BXML ``context`` may run (conference: its verbs only)."""
    from simulator.bxml.nodes import roots_for
    from simulator.bxml.parse import parse_bxml
    from simulator.errors import BxmlError

    source = "PUT conference bxml" if context == "conference" else "PUT bxml"
    try:
        parse_bxml(text, source=source, context=context, roots=roots_for(context, "put"))
    except BxmlError as error:
        raise ApiError(400, f"Invalid BXML: {error}") from None


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


def _has_start_recording(sim, leg, state: str) -> None:
    """409 for a call without a StartRecording recording (rest_rules.recording_refusal)."""
    refusal = recording_refusal(sim.rt(leg).recorder.current is not None, state)
    if refusal is not None:
        raise ApiError(refusal.status, f"Call [{leg.call_id}] cannot be modified in its "
                                       f"current state: it {refusal.reason}")


def _recording(store: Store, account: str, call_id: str,
               recording_id: str) -> tuple[CallRecord, dict]:
    record = store.get(account, call_id)
    for entry in views.recordings(record):
        if entry["recordingId"] == recording_id:
            return record, entry
    raise ApiError(404, f"Recording [{recording_id}] not found on call [{call_id}]")


def _conference_recording(store: Store, account: str, conference_id: str,
                          recording_id: str) -> tuple[CallRecord, Any, dict]:
    record, room = store.conference(account, conference_id)
    for entry in views.conference_recordings(record, room):
        if entry["recordingId"] == recording_id:
            return record, room, entry
    raise ApiError(404, f"Recording [{recording_id}] not found in conference "
                        f"[{conference_id}]")


def _media(record: CallRecord, entry: dict) -> Response:
    """The recording's file (404 while it is processing, after a media delete, or when the
    output folder lost it)."""
    recording_id = entry["recordingId"]
    if entry["file"] is None or recording_id in record.media_deleted:
        raise ApiError(404, f"Media for recording [{recording_id}] not found")
    path = record.out_dir / entry["file"]
    if not path.is_file():
        raise ApiError(404, f"Media for recording [{recording_id}] not found "
                            f"(no file {path}: was the output folder changed?)")
    return FileResponse(path, media_type=MEDIA_TYPES[entry["fileFormat"]])


def _list_conferences(store: Store, account: str, api_base: str,
                      query: bodies.ConferenceQuery) -> tuple[list[dict], str | None]:
    """One page of ``GET /conferences`` (§7.1) and the next page's token (None: last page).

    Every conference of the account, oldest ``createdTime`` first (ties: call creation
    order); a ``pageToken`` (the id of the last conference of the previous page) starts the
    page after that conference, so conferences created meanwhile never shift a page. Then the
    filters (``name`` exact, created time within the bounds, both inclusive) and ``pageSize``.
    """
    listed = []
    for record, room in store.conferences(account):
        with record.lock:
            item = views.conference(api_base, record, room, members=False)
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


def _list_calls(store: Store, account: str, request: Request) -> list[dict[str, Any]]:
    query = request.query_params
    size = bodies.page_size(query, LIST_LIMIT, default=1000)
    states = [views.call_state(store, r) for r in store.of_account(account)]
    cause = query.get("disconnectCause")
    out = [s for s in states if _matches(s, query, upper_inclusive=True)
           and (cause is None or s["disconnectCause"] == cause)]
    return out[:size]


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

