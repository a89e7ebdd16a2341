"""Payload builders reproduce the spec's example payloads and its per-event field rules
(spec/callbacks.md §1.9, §3; README #1, #7, #18, #19, #25)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from simulator.callbacks import (
    ASYNC_EVENTS, EVENT_TYPES, SYNC_EVENTS, CallEnvelope, ConferenceEnvelope, IdFactory,
    MachineDetectionResult, MediaStream, Payloads, RealTimeTranscription,
)

ACCOUNT = "9901234"
APPLICATION = "3c2a7e51-90d4-4b1c-8a0e-5f6d2b9c1e47"
CALL = "c-2b7f90a1-6d3e8c42-1f0a-4e6b-9c2d-7a8b3e4f5d61"
CALL_URL = f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT}/calls/{CALL}"
ENVELOPE = {"accountId": ACCOUNT, "applicationId": APPLICATION, "from": "+19195550101",
            "to": "+19195550188", "direction": "inbound", "callId": CALL, "callUrl": CALL_URL}

CALLBACKS_SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "callbacks.md"


@pytest.fixture
def spec_payloads() -> Payloads:
    # Virtual time zero = 16:20:00.000 on the day of the spec examples.
    return Payloads("2024-05-14T16:20:00.000Z", ids=IdFactory(random.Random(0)))


@pytest.fixture
def inbound() -> CallEnvelope:
    """The inbound call of the spec examples, started at 16:20:01.150."""
    return CallEnvelope(call_id=CALL, from_="+19195550101", to="+19195550188",
                        direction="inbound", start_time=1.150, account_id=ACCOUNT,
                        application_id=APPLICATION)


# -- the example payloads of callbacks.md §3 ---------------------------------------------

def test_initiate_example(spec_payloads, inbound):
    payload = spec_payloads.initiate(inbound, at=1.204, diversion={
        "origTo": "+19195550142", "reason": "no-answer", "privacy": "off"})
    assert payload == {
        "eventType": "initiate", "eventTime": "2024-05-14T16:20:01.204Z", **ENVELOPE,
        "startTime": "2024-05-14T16:20:01.150Z",
        "diversion": {"origTo": "+19195550142", "reason": "no-answer", "privacy": "off"}}


def test_answer_example(spec_payloads):
    call = "c-2b7f90a1-90e1a3b4-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
    env = CallEnvelope(call_id=call, from_="+19195550188", to="+19195550101",
                       direction="outbound", enqueued_time=302.004, start_time=302.310,
                       answer_time=309.866, tag="campaign-7", account_id=ACCOUNT,
                       application_id=APPLICATION)
    assert spec_payloads.answer(env, at=309.871) == {
        "eventType": "answer", "eventTime": "2024-05-14T16:25:09.871Z", "accountId": ACCOUNT,
        "applicationId": APPLICATION, "from": "+19195550188", "to": "+19195550101",
        "direction": "outbound", "callId": call,
        "callUrl": f"https://voice.bandwidth.com/api/v2/accounts/{ACCOUNT}/calls/{call}",
        "enqueuedTime": "2024-05-14T16:25:02.004Z", "startTime": "2024-05-14T16:25:02.310Z",
        "answerTime": "2024-05-14T16:25:09.866Z", "tag": "campaign-7"}


def test_disconnect_example(spec_payloads, inbound):
    env = inbound.answered(1.942).with_tag("voicemail-done")
    assert spec_payloads.disconnect(env, at=464.090, end=464.071, cause="hangup") == {
        "eventType": "disconnect", "eventTime": "2024-05-14T16:27:44.090Z", **ENVELOPE,
        "startTime": "2024-05-14T16:20:01.150Z", "answerTime": "2024-05-14T16:20:01.942Z",
        "endTime": "2024-05-14T16:27:44.071Z", "cause": "hangup", "tag": "voicemail-done"}


def test_gather_example(spec_payloads, inbound):
    payload = spec_payloads.gather(inbound.answered(1.942), at=72.330, digits="4071",
                                   terminating_digit="#")
    assert payload == {
        "eventType": "gather", "eventTime": "2024-05-14T16:21:12.330Z", **ENVELOPE,
        "startTime": "2024-05-14T16:20:01.150Z", "answerTime": "2024-05-14T16:20:01.942Z",
        "digits": "4071", "terminatingDigit": "#"}


def test_record_complete_example(spec_payloads, inbound):
    recording = "r-2b7f90a1-0e4d6c18-7a2b-4c9d-b3e1-5f8a6d2c9e70"
    payload = spec_payloads.record_complete(
        inbound.answered(1.942), at=160.118, recording_id=recording, start=147.505,
        end=160.101, duration=12.596, file_format="wav", channels=1)
    assert payload == {
        "eventType": "recordComplete", "eventTime": "2024-05-14T16:22:40.118Z", **ENVELOPE,
        "recordingId": recording, "mediaUrl": f"{CALL_URL}/recordings/{recording}/media",
        "answerTime": "2024-05-14T16:20:01.942Z", "startTime": "2024-05-14T16:22:27.505Z",
        "endTime": "2024-05-14T16:22:40.101Z", "duration": "PT12.596S", "fileFormat": "wav",
        "channels": 1}


def test_conference_member_join_example(spec_payloads, inbound):
    conf = ConferenceEnvelope(conference_id="conf-2b7f90a1-58c3e9d2-4a1b-4e7c-9d20-3b6f8a1c5e92",
                              name="standup-room", tag="room-owner-tag")
    member = inbound.with_tag("member-own-tag")  # ignored: the creator's tag is used
    assert spec_payloads.conference_member_join(conf, at=2535.640, member=member) == {
        "eventType": "conferenceMemberJoin", "eventTime": "2024-05-14T17:02:15.640Z",
        "conferenceId": "conf-2b7f90a1-58c3e9d2-4a1b-4e7c-9d20-3b6f8a1c5e92",
        "name": "standup-room", "callId": CALL, "from": "+19195550101", "to": "+19195550188",
        "tag": "room-owner-tag"}


# -- field rules ------------------------------------------------------------------------

@pytest.mark.parametrize("tag", [None, ""])
def test_tag_is_omitted_when_unset_or_cleared(payloads, a_leg, tag):
    assert "tag" not in payloads.redirect(a_leg.with_tag(tag), at=5.0)
    assert payloads.redirect(a_leg.with_tag("t2"), at=5.0)["tag"] == "t2"


def test_unanswered_call_has_no_answer_time_and_unqueued_call_no_enqueued_time(payloads, ids):
    env = CallEnvelope(call_id=ids.call_id(), from_="+1", to="+2", direction="inbound",
                       start_time=0.0)
    payload = payloads.disconnect(env, at=9.0, cause="hangup")
    assert "answerTime" not in payload and "enqueuedTime" not in payload
    assert payload["endTime"] == payload["eventTime"] == "2026-01-01T00:00:09.000Z"


def test_initiate_carries_no_tag_answer_time_or_enqueued_time(payloads, a_leg):
    payload = payloads.initiate(a_leg, at=1.0)
    assert not {"tag", "answerTime", "enqueuedTime", "diversion", "sipCallId"} & set(payload)


def test_record_complete_event_type_and_recording_times(every_event):
    payload = every_event["recordComplete"]
    assert payload["eventType"] == "recordComplete"  # README #1, not recordingComplete
    assert payload["startTime"] == "2026-01-01T00:00:20.000Z"  # recording start, not call start
    assert payload["endTime"] == "2026-01-01T00:00:32.596Z"
    assert payload["duration"] == "PT12.596S"
    assert payload["mediaUrl"] == (f"{payload['callUrl']}/recordings/"
                                   f"{payload['recordingId']}/media")


def test_recording_available_status_complete_and_no_answer_time(every_event):
    payload = every_event["recordingAvailable"]
    assert payload["status"] == "complete"  # README #18
    assert payload["channels"] == 2
    assert "answerTime" not in payload


def test_transcription_available_uses_docs_shape_with_text(every_event):
    payload = every_event["transcriptionAvailable"]
    transcription = payload["transcription"]
    assert list(transcription) == ["id", "url", "status", "completedTime", "text", "confidence"]
    assert transcription["url"] == (f"{payload['callUrl']}/recordings/"
                                    f"{payload['recordingId']}/transcription")
    assert transcription["status"] == "available"
    assert transcription["completedTime"] == payload["eventTime"]
    assert "channels" not in payload and "status" not in payload


def test_failed_transcription_has_no_text(payloads, a_leg):
    payload = payloads.transcription_available(
        a_leg, at=9.0, recording_id="r-1", start=1.0, end=1.3, duration=0.3,
        transcription_id="t-1", status="file-size-too-small")
    assert set(payload["transcription"]) == {"id", "url", "status", "completedTime"}


def test_b_leg_events_describe_both_legs(every_event, a_leg, b_leg):
    answer = every_event["transferAnswer"]
    assert (answer["callId"], answer["direction"]) == (b_leg.call_id, "outbound")
    assert (answer["from"], answer["to"]) == (a_leg.from_, a_leg.to)
    assert (answer["transferCallerId"], answer["transferTo"]) == ("+15555550100", "+15555550123")
    assert answer["parentCallId"] == a_leg.call_id  # README #19: documented extra
    assert list(answer)[-1] == "parentCallId"
    for event in ("gather", "dtmf", "redirect", "recordComplete", "transferDisconnect"):
        assert every_event[event]["parentCallId"] == a_leg.call_id
    complete = every_event["transferComplete"]
    assert complete["callId"] == a_leg.call_id and "parentCallId" not in complete
    assert complete["transferTo"] == "+15555550123"


def test_error_causes_carry_message_and_error_id(every_event):
    for event in ("disconnect", "transferComplete", "transferDisconnect"):
        payload = every_event[event]
        assert (payload["cause"], payload["errorMessage"]) == ("busy", "Callee is busy")
        assert payload["errorId"]
    assert every_event["bridgeComplete"]["cause"] == "rejected"
    assert every_event["bridgeComplete"]["errorMessage"]


def test_normal_end_has_no_error_fields(payloads, a_leg):
    for payload in (payloads.disconnect(a_leg, at=9.0, cause="hangup"),
                    payloads.disconnect(a_leg, at=9.0, cause="cancel"),
                    payloads.transfer_disconnect(a_leg, at=9.0)):
        assert not {"errorMessage", "errorId"} & set(payload)
    assert not {"cause", "errorMessage", "errorId"} & set(payloads.bridge_complete(a_leg, at=9))


def test_engine_supplied_error_message_wins(payloads, a_leg):
    payload = payloads.disconnect(a_leg, at=9.0, cause="callback-error",
                                  error_message="HTTP 503 from http://app.test/answer")
    assert payload["errorMessage"] == "HTTP 503 from http://app.test/answer"


@pytest.mark.parametrize("call", [
    lambda p, env: p.disconnect(env, at=1, cause="hung-up"),
    lambda p, env: p.disconnect(env, at=1, cause="hangup", error_message="no"),
    lambda p, env: p.recording_available(env, at=1, recording_id="r", start=0, end=1,
                                         duration=1, status="completed"),
    lambda p, env: p.record_complete(env, at=1, recording_id="r", start=0, end=1, duration=1,
                                     file_format="ogg"),
    lambda p, env: p.record_complete(env, at=1, recording_id="r", start=2, end=1, duration=1),
    lambda p, env: p.dtmf(env, at=1, digit="12"),
    lambda p, env: p.refer_complete(env, at=1, status="ok"),
    lambda p, env: p.media_stream_stopped(env, at=1, cause="hangup", stream=MediaStream(
        id="s", destination="wss://x", tracks=("inbound",), start=0)),
], ids=["cause", "message-on-hangup", "status", "format", "end-before-start", "two-digits",
        "refer-status", "stream-cause"])
def test_engine_bugs_are_value_errors(payloads, a_leg, call):
    with pytest.raises(ValueError):
        call(payloads, a_leg)


def test_envelope_rejects_bad_direction_and_tracks():
    with pytest.raises(ValueError):
        CallEnvelope(call_id="c", from_="+1", to="+2", direction="sideways", start_time=0)
    with pytest.raises(ValueError):
        MediaStream(id="s", destination="wss://x", tracks=("both",), start=0)
    with pytest.raises(ValueError):
        MachineDetectionResult("robot", 1.0)


def test_gather_timeout_sends_empty_strings(payloads, a_leg):
    payload = payloads.gather(a_leg, at=5.0, digits="")
    assert (payload["digits"], payload["terminatingDigit"]) == ("", "")


def test_conference_events_have_no_account_or_call_url(every_event, conference):
    for event in ("conferenceCreated", "conferenceMemberJoin", "conferenceMemberExit",
                  "conferenceRedirect", "conferenceCompleted"):
        payload = every_event[event]
        assert payload["tag"] == "room-owner-tag"
        assert not {"accountId", "callUrl", "applicationId"} & set(payload)
    recording = every_event["conferenceRecordingAvailable"]
    assert recording["accountId"] == "9900000" and recording["channels"] == 1
    assert recording["mediaUrl"] == (
        f"https://voice.bandwidth.com/api/v2/accounts/9900000/conferences/"
        f"{conference.conference_id}/recordings/{recording['recordingId']}/media")


def test_machine_detection_result_duration_is_iso(every_event):
    assert every_event["machineDetectionComplete"]["machineDetectionResult"] == {
        "value": "answering-machine", "duration": "PT5.045S"}


def test_refer_complete_codes_are_ints(every_event):
    payload = every_event["referComplete"]
    assert (payload["referCallStatus"], payload["referSipResponseCode"],
            payload["notifySipResponseCode"]) == ("failure", 202, 486)


# -- media stream / real-time transcription (docs examples, no SDK model) ---------------

DOC_ENVELOPE = {"accountId", "answerTime", "applicationId", "callId", "callUrl", "direction",
                "enqueuedTime", "eventTime", "eventType", "from", "startTime", "to", "tag"}


def test_media_stream_stopped_matches_docs_example_keys(every_event):
    payload = every_event["mediaStreamStopped"]
    assert set(payload) == DOC_ENVELOPE | {"cause", "errorMessage", "mediaStream"}
    assert payload["mediaStream"] == {
        "destination": "wss://ws.example", "duration": "PT1M52.217S",
        "id": payload["mediaStream"]["id"], "name": "example_stream",
        "startTime": "2026-01-01T00:00:40.000Z", "tracks": ["inbound", "outbound"],
        "type": "WebSocket"}
    assert "errorId" not in payload


def test_media_stream_rejected_names_the_original_stream(every_event):
    payload = every_event["mediaStreamRejected"]
    assert payload["cause"] == "duplicate"
    assert payload["errorMessage"]
    assert payload["originalMediaStream"]["name"] == payload["mediaStream"]["name"]


def test_stream_name_defaults_to_its_id(payloads, a_leg):
    stream = MediaStream(id="s-1", destination="wss://x", tracks=["inbound"], start=1.0)
    assert payloads.media_stream_started(a_leg, at=1.0, stream=stream)["mediaStream"]["name"] \
        == "s-1"


def test_closed_stream_has_no_error_message(payloads, a_leg):
    stream = MediaStream(id="s-1", destination="wss://x", tracks=["inbound"], start=1.0)
    payload = payloads.media_stream_stopped(a_leg, at=2.5, stream=stream)
    assert payload["cause"] == "closed" and "errorMessage" not in payload
    assert payload["mediaStream"]["duration"] == "PT1.5S"


def test_real_time_transcription_events_use_the_table_key(every_event, a_leg):
    for event in ("realTimeTranscriptionStarted", "realTimeTranscriptionRejected",
                  "realTimeTranscriptionStopped", "realTimeTranscriptionAvailable"):
        assert "realTimeTranscription" in every_event[event]  # README #19
        assert "transcription" not in every_event[event]
    stopped = every_event["realTimeTranscriptionStopped"]["realTimeTranscription"]
    assert stopped["duration"] == "PT49S" and stopped["stabilized"] is True
    available = every_event["realTimeTranscriptionAvailable"]["realTimeTranscription"]
    assert available["url"] == f"{a_leg.call_url}/transcriptions/{available['id']}"
    assert (available["status"], available["completedTime"]) == (
        "available", "2026-01-01T00:01:35.000Z")
    rejected = every_event["realTimeTranscriptionRejected"]
    assert rejected["originalTranscription"]["id"] == rejected["realTimeTranscription"]["id"]


def test_optional_transcription_fields_are_omitted(payloads, a_leg):
    rtt = RealTimeTranscription(id="t-1", tracks=["inbound"], start=0.0)
    body = payloads.real_time_transcription_started(a_leg, at=0.0, transcription=rtt)
    assert body["realTimeTranscription"] == {
        "id": "t-1", "name": "t-1", "startTime": "2026-01-01T00:00:00.000Z",
        "tracks": ["inbound"]}


# -- sync / async ---------------------------------------------------------------------

def _spec_sync_events() -> set[str]:
    """The events spec/callbacks.md §2 (event catalogue) marks ``sync``."""
    sync = set()
    for line in CALLBACKS_SPEC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        if len(cells) >= 3 and cells[0].startswith("`") and cells[2] == "sync":
            sync.add(cells[0].strip("`"))
    return sync


def test_sync_and_async_events_partition_the_catalogue():
    assert SYNC_EVENTS | ASYNC_EVENTS == set(EVENT_TYPES)
    assert not SYNC_EVENTS & ASYNC_EVENTS
    if CALLBACKS_SPEC.exists():  # the spec's catalogue says which events carry BXML
        assert SYNC_EVENTS == _spec_sync_events()
    assert {"disconnect", "dtmf", "recordingAvailable", "conferenceCompleted",
            "machineDetectionComplete", "mediaStreamStopped"} <= ASYNC_EVENTS
    assert {"recordComplete", "referComplete", "transferAnswer", "conferenceMemberExit"} \
        <= SYNC_EVENTS
