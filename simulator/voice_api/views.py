"""The JSON the Voice API answers with: ``CreateCallResponse``, ``CallState``,
``CallRecordingMetadata``, ``RecordingTranscriptions``, ``Conference``, ``ConferenceMember``,
``ConferenceRecordingMetadata`` (spec/voice-api.md §3-§5, §7, camelCase, the SDK's field
order). Times are ISO 8601 (UTC, milliseconds): the simulation's virtual seconds laid on its
``epoch`` (``bxmlsim serve``: the wall-clock moment createCall came in; a run: the scenario's).
Read from the call's result.json once it is over, from the running simulation before.

A call is a record of its backend (``bxmlsim serve``: server/state.py ``CallRecord``; a run:
voice_api/run.py ``RunCall``) with ``call_id``, ``account_id``, ``application_id``, ``to``,
``from_``, ``direction``, ``parent_call_id``, ``epoch``, ``enqueued_time``, ``request`` (its createCall, or None),
``sim``, ``result``, ``lock`` and the ``deleted``/``media_deleted``/``transcription_deleted``
recording ids; ``backend.leg_state(record)`` gives its state.
"""

from __future__ import annotations

from typing import Any

from simulator.callbacks.formats import iso_duration, iso_time
from simulator.engine.verbs.conference import rooms
from simulator.engine.verbs.streams import transcribed, transcripts

CallRecord = Any  # a backend's call record (module docstring)

MASK = "*****"  # passwords are echoed masked (voice-api.md §3.1)
TRANSCRIPTION_CONFIDENCE = 1.0  # the simulated speech is recognised word for word


def call_url(api_base: str, record: CallRecord) -> str:
    return f"{api_base}/accounts/{record.account_id}/calls/{record.call_id}"


def create_call_response(api_base: str, record: CallRecord) -> dict[str, Any]:
    r = record.request
    return {
        "applicationId": record.application_id, "accountId": record.account_id,
        "callId": record.call_id, "to": r.to, "from": r.from_,
        "enqueuedTime": record.enqueued_time, "callUrl": call_url(api_base, record),
        "callTimeout": r.call_timeout, "callbackTimeout": r.callback_timeout, "tag": r.tag,
        "answerMethod": r.answer_method, "answerUrl": r.answer_url,
        "answerFallbackMethod": r.answer_fallback_method,
        "answerFallbackUrl": r.answer_fallback_url,
        "disconnectMethod": r.disconnect_method, "disconnectUrl": r.disconnect_url,
        "username": r.username, "password": MASK if r.password is not None else None,
        "fallbackUsername": r.fallback_username,
        "fallbackPassword": MASK if r.fallback_password is not None else None,
        "priority": r.priority,
    }


def call_state(backend: Any, record: CallRecord) -> dict[str, Any]:
    """``CallState`` now: from the result once over, from the running leg before."""
    with record.lock:
        state, leg = backend.leg_state(record)
        times = _times(record, leg)
    cause, message = times.pop("cause"), times.pop("message")
    if state == "disconnected" and cause is None:  # cancelled in the queue, or never ran
        cause = "cancel" if record.cancelled else "error"
        message = None if record.cancelled else record.error
    stamps = [t for t in (record.enqueued_time, times["startTime"], times["answerTime"],
                          times["endTime"]) if t is not None]
    return {
        "applicationId": record.application_id, "accountId": record.account_id,
        "callId": record.call_id, "parentCallId": record.parent_call_id, "to": record.to,
        "from": record.from_, "direction": record.direction, "state": state,
        "stirShaken": None,
        "enqueuedTime": record.enqueued_time, **times,
        "disconnectCause": cause, "errorMessage": message, "errorId": None,
        "lastUpdate": max(stamps),
    }


def _times(record: CallRecord, leg) -> dict[str, Any]:
    if record.result is not None:
        call = next(c for c in record.result["calls"] if c["callId"] == record.call_id)
        return {"startTime": call["startTime"], "answerTime": call["answerTime"],
                "endTime": call["endTime"], "cause": call["disconnectCause"],
                "message": call["errorMessage"]}
    if leg is None:
        started = record.phase != "queued" and not record.cancelled
        return {"startTime": record.epoch if started else None, "answerTime": None,
                "endTime": None, "cause": None, "message": None}
    time = lambda t: None if t is None else iso_time(record.epoch, t)  # noqa: E731
    return {"startTime": time(leg.start_at), "answerTime": time(leg.answer_at),
            "endTime": time(leg.end_at), "cause": leg.cause, "message": leg.error_message}


# -- recordings ---------------------------------------------------------------------------------

def recordings(record: CallRecord) -> list[dict[str, Any]]:
    """The call's own finished recordings (``CallRecordingMetadata``), deleted ones left out.
    The recordings of a conference the call holds are listed with the call in result.json, but
    they are conference recordings (§7.6, their own type and endpoints), not call recordings."""
    rooms = _room_recording_ids(record)
    return [e for e in _recorded(record) if e["recordingId"] not in rooms]


def _recorded(record: CallRecord) -> list[dict[str, Any]]:
    """Every finished recording result.json lists with the call, not deleted."""
    with record.lock:
        if record.result is not None:
            entries = record.result["recordings"]
        elif record.sim is not None:
            entries = record.sim.recordings_json()
        else:
            entries = []
        return [e for e in entries
                if e["callId"] == record.call_id and e["recordingId"] not in record.deleted]


def _room_recording_ids(record: CallRecord) -> set[str]:
    with record.lock:
        every = list(rooms(record.sim).every) if record.sim is not None else []
    return {rec.recording_id for room in every for rec in room.recordings}


def recording_metadata(api_base: str, record: CallRecord, entry: dict) -> dict[str, Any]:
    rid = entry["recordingId"]
    url = call_url(api_base, record)
    status, available = media_state(record, entry)
    return {
        "applicationId": record.application_id, "accountId": record.account_id,
        "callId": record.call_id, "parentCallId": record.parent_call_id, "recordingId": rid,
        "to": record.to, "from": record.from_, "transferCallerId": None, "transferTo": None,
        "duration": iso_duration(entry["duration"]), "direction": record.direction,
        "channels": entry["channels"],
        "startTime": iso_time(record.epoch, entry["startAt"]),
        "endTime": iso_time(record.epoch, entry["endAt"]),
        "fileFormat": entry["fileFormat"], "status": status,
        "mediaUrl": f"{url}/recordings/{rid}/media" if available else None,
        "transcription": _transcription_metadata(url, record, entry),
        "recordingName": entry["recordingName"],
    }


def media_state(record: CallRecord, entry: dict) -> tuple[str, bool]:
    """(``status``, whether the media downloads): ``processing`` until the file is written,
    ``complete``, ``deleted`` after a media delete."""
    rid = entry["recordingId"]
    if rid in record.media_deleted:
        return "deleted", False
    return ("complete", True) if entry["file"] is not None else ("processing", False)


def _transcription_metadata(url: str, record: CallRecord, entry: dict) -> dict | None:
    transcription = entry.get("transcription")
    rid = entry["recordingId"]
    if transcription is None or rid in record.transcription_deleted:
        return None
    done_at = transcription.get("completedAt")  # a transcription requested through the API
    if done_at is None:
        done_at = entry["endAt"] + record.processing.transcription_delay
    processing = transcription["status"] == "processing"
    return {"id": transcription.get("id"), "status": transcription["status"],
            "completedTime": None if processing else iso_time(record.epoch, done_at),
            "url": f"{url}/recordings/{rid}/transcription"}


def transcriptions(entry: dict) -> dict[str, Any] | None:
    """``RecordingTranscriptions`` of an available transcription, else None."""
    transcription = entry.get("transcription")
    if transcription is None or transcription["status"] != "available":
        return None
    return {"transcripts": [{"text": transcription["text"] or "",
                             "confidence": TRANSCRIPTION_CONFIDENCE}]}


# -- real-time transcriptions (<StartTranscription>, §6) -------------------------------------------

RTT_LANGUAGE = "en-US"  # the simulated speech is English


def realtime_transcriptions(record: CallRecord) -> list:
    """The call's real-time transcriptions that have stopped (engine/verbs/streams.py
    ``Transcribed``), deleted ones left out, oldest first."""
    with record.lock:
        leg = record.sim.legs.get(record.call_id) if record.sim is not None else None
        if leg is None:
            return []
        return [done for done in transcribed(record.sim, leg)
                if done.record.id not in record.transcription_deleted]


def realtime_transcription_item(api_base: str, record: CallRecord, done) -> dict[str, Any]:
    """``CallTranscriptionMetadata`` of the list (§6)."""
    rtt = done.record
    return {"transcriptionId": rtt.id, "transcriptionName": rtt.name,
            "transcriptionUrl": f"{call_url(api_base, record)}/transcriptions/{rtt.id}"}


def realtime_transcription(record: CallRecord, done) -> dict[str, Any]:
    """``CallTranscriptionResponse`` (§6): one entry per track, the words said on it."""
    with record.lock:
        leg = record.sim.legs[record.call_id]
        tracks = transcripts(leg, done)
    return {"accountId": record.account_id, "callId": record.call_id,
            "transcriptionId": done.record.id,
            "tracks": [{"detectedLanguage": RTT_LANGUAGE, "track": track, "transcript": text,
                        "confidence": TRANSCRIPTION_CONFIDENCE} for track, text in tracks]}


# -- conferences --------------------------------------------------------------------------------

def conference_url(api_base: str, record: CallRecord, room) -> str:
    return (f"{api_base}/accounts/{record.account_id}/conferences/"
            f"{room.envelope.conference_id}")


def conference(api_base: str, record: CallRecord, room, *,
               members: bool = True) -> dict[str, Any]:
    """``Conference`` (§7.2) of an engine ``Room``; ``activeMembers`` are its members now
    (left out with ``members=False``: the list endpoint, §7.1)."""
    node, sim = room.node, record.sim
    event_url = node.conference_event_url
    body = {
        "id": room.envelope.conference_id, "name": room.name,
        "createdTime": iso_time(record.epoch, room.created_at),
        "completedTime": None if room.ended_at is None else iso_time(record.epoch,
                                                                      room.ended_at),
        "conferenceEventUrl": sim.resolve(event_url, room.base_url) if event_url else None,
        "conferenceEventMethod": node.conference_event_method, "tag": room.envelope.tag,
    }
    if members:
        body["activeMembers"] = [conference_member(api_base, record, room, m)
                                 for m in room.members]
    return body


def conference_member(api_base: str, record: CallRecord, room, member) -> dict[str, Any]:
    """``ConferenceMember`` (§7.2): the member id is its callId."""
    conference_id, call_id = room.envelope.conference_id, member.leg.call_id
    return {
        "callId": call_id, "conferenceId": conference_id,
        "memberUrl": f"{conference_url(api_base, record, room)}/members/{call_id}",
        "mute": member.mute, "hold": member.hold,
        "callIdsToCoach": list(member.coaching) or None,
    }


def conference_recordings(record: CallRecord, room) -> list[dict[str, Any]]:
    """The room's finished recordings (result.json entries of the call that holds it, listed
    with its callId), deleted ones left out, oldest first."""
    with record.lock:
        ids = [rec.recording_id for rec in room.recordings]
    entries = {e["recordingId"]: e for e in _recorded(record)}
    return [entries[rid] for rid in ids if rid in entries]


def conference_recording_metadata(api_base: str, record: CallRecord, room,
                                  entry: dict) -> dict[str, Any]:
    """``ConferenceRecordingMetadata`` (§7.6): one channel; ``status`` and ``mediaUrl`` as
    for a call recording (``processing`` until the file is written)."""
    rid = entry["recordingId"]
    status, available = media_state(record, entry)
    return {
        "accountId": record.account_id, "conferenceId": room.envelope.conference_id,
        "name": room.name, "recordingId": rid,
        "duration": iso_duration(entry["duration"]), "channels": entry["channels"],
        "startTime": iso_time(record.epoch, entry["startAt"]),
        "endTime": iso_time(record.epoch, entry["endAt"]),
        "fileFormat": entry["fileFormat"], "status": status,
        "mediaUrl": f"{conference_url(api_base, record, room)}/recordings/{rid}/media"
                    if available else None,
        "recordingName": entry["recordingName"],
    }
