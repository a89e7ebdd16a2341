"""Shared fixtures: a seeded payload builder and one fully populated payload per event."""

from __future__ import annotations

import random

import pytest

from simulator.callbacks import (
    CallEnvelope, ConferenceEnvelope, IdFactory, MachineDetectionResult, MediaStream,
    Payloads, RealTimeTranscription,
)

EPOCH = "2026-01-01T00:00:00.000Z"


@pytest.fixture
def ids() -> IdFactory:
    return IdFactory(random.Random(7))


@pytest.fixture
def payloads(ids) -> Payloads:
    return Payloads(EPOCH, ids=ids)


@pytest.fixture
def a_leg(ids) -> CallEnvelope:
    """An answered, queued outbound call with a tag: every envelope time is present."""
    return CallEnvelope(call_id=ids.call_id(), from_="+15555550100", to="+15555550199",
                        direction="outbound", enqueued_time=0.2, start_time=0.5,
                        answer_time=3.0, tag="campaign-7")


@pytest.fixture
def b_leg(ids, a_leg) -> CallEnvelope:
    return a_leg.transfer_leg(call_id=ids.call_id(), from_="+15555550100",
                              to="+15555550123", start_time=10.0, answer_time=13.0)


@pytest.fixture
def conference(ids) -> ConferenceEnvelope:
    return ConferenceEnvelope(conference_id=ids.conference_id(), name="standup-room",
                              tag="room-owner-tag")


@pytest.fixture
def every_event(payloads, ids, a_leg, b_leg, conference) -> dict[str, dict]:
    """One payload per event type, each with all of its optional fields filled in."""
    p = payloads
    rec = dict(recording_id=ids.recording_id(), start=20.0, end=32.596, duration=12.596,
               file_format="wav")
    stream = MediaStream(id=ids.stream_id(), name="example_stream",
                         destination="wss://ws.example", tracks=("inbound", "outbound"),
                         start=40.0)
    rtt = RealTimeTranscription(id=ids.realtime_transcription_id(), name="live",
                                tracks=("inbound",), start=41.0,
                                destination="wss://rtt.example", stabilized=True)
    inbound = CallEnvelope(call_id=ids.call_id(), from_="+15555550101", to="+15555550188",
                           direction="inbound", start_time=0.0)
    built = [
        p.initiate(inbound, at=0.05, diversion={"origTo": "+15555550142", "reason": "no-answer"},
                   stir_shaken={"verstat": "TN-Validation-Passed", "attestationIndicator": "A",
                                "originatingId": "abc"},
                   uui="bXl1dWk=;encoding=base64", sip_call_id="abc123@sbc.bandwidth.com",
                   sip_headers={"x-account": "42"}),
        p.answer(a_leg, at=3.01, machine_detection=MachineDetectionResult("human", 4.9891),
                 sip_call_id="def456@sbc.bandwidth.com"),
        p.disconnect(a_leg, at=100.0, cause="busy", sip_call_id="def456@sbc.bandwidth.com",
                     sip_response_code=486),
        p.redirect(b_leg, at=14.0),
        p.gather(b_leg, at=15.0, digits="4071", terminating_digit="#", speech=""),
        p.partial_result(b_leg, at=14.5, speech="sales"),
        p.dtmf(b_leg, at=15.5, digit="5"),
        p.record_complete(b_leg, at=33.0, **rec),
        p.recording_available(b_leg, at=34.0, channels=2, status="complete", **rec),
        p.transcription_available(b_leg, at=60.0, transcription_id=ids.transcription_id(),
                                  text="hello there", confidence=0.92, **rec),
        p.transfer_answer(b_leg, at=13.01),
        p.transfer_complete(a_leg, at=50.0, transfer_caller_id=b_leg.transfer_caller_id,
                            transfer_to=b_leg.transfer_to, cause="busy"),
        p.transfer_disconnect(b_leg, at=49.9, cause="busy"),
        p.bridge_complete(a_leg, at=51.0, cause="rejected"),
        p.bridge_target_complete(a_leg, at=52.0),
        p.conference_created(conference, at=60.0),
        p.conference_member_join(conference, at=60.1, member=a_leg),
        p.conference_member_exit(conference, at=70.0, member=a_leg),
        p.conference_redirect(conference, at=71.0),
        p.conference_completed(conference, at=80.0),
        p.conference_recording_available(conference, at=81.0, **rec),
        p.machine_detection_complete(a_leg, at=8.0,
                                     result=MachineDetectionResult("answering-machine", 5.045)),
        p.refer_complete(a_leg, at=90.0, status="failure", refer_sip_response_code=202,
                         notify_sip_response_code=486),
        p.media_stream_started(a_leg, at=40.0, stream=stream),
        p.media_stream_rejected(a_leg, at=40.5, stream=stream, cause="duplicate",
                                original=stream),
        p.media_stream_stopped(a_leg, at=152.217, stream=stream, cause="connection-error"),
        p.real_time_transcription_started(a_leg, at=41.0, transcription=rtt),
        p.real_time_transcription_rejected(a_leg, at=41.5, transcription=rtt,
                                           cause="duplicate", original=rtt),
        p.real_time_transcription_stopped(a_leg, at=90.0, transcription=rtt, cause="error"),
        p.real_time_transcription_available(a_leg, at=95.0, transcription=rtt),
    ]
    return {payload["eventType"]: payload for payload in built}
