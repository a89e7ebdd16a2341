"""<Conference>: lifecycle events, conference BXML and conference recordings.

Reads like bxml-verbs.md §7.3 and callbacks.md §3.15: created/join on entry, exit/completed when
the last member leaves, the creating call's tag on every event, conference BXML limited to
PlayAudio, SpeakSentence and the recording verbs, conferenceRecordingAvailable at the end.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, Hangup, Route, Say, Scenario,
)

A_FROM, A_TO = "+15555550100", "+15555550199"
NO_BXML = Route(status=200, body="")


def run(tmp_path, answer, *, routes=None, caller=(Hangup(at=3.0),)):
    table = {"/answer": Route(bxml=answer), "/conf": NO_BXML, "/crec": Route(status=204, body=""),
             "/disc": Route(status=204, body="")}
    table.update({k: (v if isinstance(v, Route) else Route(bxml=v))
                  for k, v in (routes or {}).items()})
    scenario = Scenario(name="conference", app=AppSettings(routes=table), caller=tuple(caller),
                        call=CallSettings(disconnect_url="/disc"))
    return simulate(scenario, tmp_path).to_json()


def conference_events(result):
    return [(c["eventType"], c["payload"], c["at"]) for c in result["callbacks"]
            if c["eventType"].startswith("conference") and c["attempt"] == 1]


def rms(samples, start, end):
    window = samples[int(start * 8000):int(end * 8000)]
    return float(np.sqrt(np.mean(np.square(window)))) if len(window) else 0.0


ROOM = '<Response><Tag>owner</Tag><Conference conferenceEventUrl="/conf">sales</Conference></Response>'


def test_lifecycle_events_in_order(tmp_path):
    """created, memberJoin on entry; memberExit, completed when the only member hangs up."""
    result = run(tmp_path, ROOM)
    seen = [(kind, at) for kind, _, at in conference_events(result)]
    assert [kind for kind, _ in seen] == ["conferenceCreated", "conferenceMemberJoin",
                                          "conferenceMemberExit", "conferenceCompleted"]
    assert [at for _, at in seen] == pytest.approx([0.0, 0.0, 3.0, 3.0], abs=0.01)
    assert result["calls"][0]["disconnectCause"] == "hangup"


def test_payload_fields_follow_the_sdk_models(tmp_path):
    """Conference events carry conferenceId/name/tag; member events add callId, from, to."""
    result = run(tmp_path, ROOM)
    call_id = result["calls"][0]["callId"]
    payloads = {kind: payload for kind, payload, _ in conference_events(result)}
    ids = {p["conferenceId"] for p in payloads.values()}
    assert len(ids) == 1 and ids.pop().startswith("conf-")
    for kind in ("conferenceCreated", "conferenceCompleted"):
        assert set(payloads[kind]) == {"eventType", "eventTime", "conferenceId", "name", "tag"}
    for kind in ("conferenceMemberJoin", "conferenceMemberExit"):
        assert set(payloads[kind]) == {"eventType", "eventTime", "conferenceId", "name", "from",
                                       "to", "callId", "tag"}
        assert (payloads[kind]["callId"], payloads[kind]["from"], payloads[kind]["to"]) \
            == (call_id, A_FROM, A_TO)
    assert {p["name"] for p in payloads.values()} == {"sales"}
    assert {p["tag"] for p in payloads.values()} == {"owner"}


def test_without_event_url_the_member_still_joins_silently(tmp_path):
    """No conferenceEventUrl: no conference events; the call stays until it hangs up."""
    result = run(tmp_path, "<Response><Conference>sales</Conference></Response>")
    assert conference_events(result) == []
    assert [c["at"] for c in result["callbacks"] if c["eventType"] == "disconnect"] \
        == pytest.approx([3.0], abs=0.01)


# Canned routes answer every conference event of the room the same way (at /ev).
RECORDED_ROOM = ('<Response><Conference conferenceEventUrl="/ev"{mute}>sales</Conference>'
                 "</Response>")
START = '<Response><StartRecording recordingAvailableUrl="/crec"/></Response>'
TALK = (Say("hello everyone", at=1.0), Hangup(at=4.0))  # speech 1.0-1.8 s


def test_conference_recording_records_members_and_ends_with_the_conference(tmp_path):
    """StartRecording from conferenceCreated records the member; conferenceRecordingAvailable."""
    result = run(tmp_path, RECORDED_ROOM.format(mute=""),
                 routes={"/ev": START}, caller=TALK)
    [recording] = result["recordings"]
    [(kind, available, at)] = [e for e in conference_events(result)
                               if e[0] == "conferenceRecordingAvailable"]
    assert at >= 4.0
    assert available["recordingId"] == recording["recordingId"]
    assert available["channels"] == recording["channels"] == 1
    assert (available["name"], available["status"], available["fileFormat"]) \
        == ("sales", "complete", "wav")
    assert "/conferences/" in available["mediaUrl"]
    samples, _ = soundfile.read(tmp_path / recording["file"], always_2d=True)
    start = recording["startAt"]
    assert rms(samples[:, 0], 1.1 - start, 1.7 - start) > 0.01
    assert rms(samples[:, 0], 2.5 - start, 3.5 - start) < 1e-3
    assert recording["endAt"] == pytest.approx(4.0, abs=0.01)


def test_a_muted_member_is_not_in_the_conference_recording(tmp_path):
    """mute="true": the member hears but is not heard, so not recorded."""
    result = run(tmp_path, RECORDED_ROOM.format(mute=' mute="true"'),
                 routes={"/ev": START}, caller=TALK)
    [recording] = result["recordings"]
    samples, _ = soundfile.read(tmp_path / recording["file"], always_2d=True)
    start = recording["startAt"]
    assert rms(samples[:, 0], 1.1 - start, 1.7 - start) < 1e-3


def test_conference_bxml_with_a_disallowed_verb_is_rejected_whole(tmp_path):
    """A conference document with <Pause> is refused entirely: no recording starts."""
    result = run(tmp_path, RECORDED_ROOM.format(mute=""),
                 routes={"/ev": '<Response><StartRecording recordingAvailableUrl="/crec"/>'
                                '<Pause duration="1"/></Response>'},
                 caller=TALK)
    assert result["recordings"] == []
    assert [k for k, _, _ in conference_events(result)][-1] == "conferenceCompleted"
    assert result["calls"][0]["disconnectCause"] == "hangup"


def test_conference_speech_is_heard_in_the_conference_recording(tmp_path):
    """SpeakSentence returned to memberJoin plays into the conference (and its recording)."""
    answer = RECORDED_ROOM.format(mute="")
    reply = ('<Response><StartRecording recordingAvailableUrl="/crec"/>'
             "<SpeakSentence>welcome to the sales room</SpeakSentence></Response>")
    result = run(tmp_path, answer, routes={"/ev": reply}, caller=(Hangup(at=6.0),))
    [recording, *_] = result["recordings"]
    samples, _ = soundfile.read(tmp_path / recording["file"], always_2d=True)
    assert rms(samples[:, 0], 0.1, 1.0) > 0.01  # the sentence starts with the recording


def test_stop_recording_in_conference_bxml_ends_the_recording_there(tmp_path):
    """Each queued document runs in turn: start, speak, stop -> two recordings, stop-recording."""
    reply = ('<Response><StartRecording recordingAvailableUrl="/crec"/>'
             "<SpeakSentence>one two</SpeakSentence><StopRecording/></Response>")
    result = run(tmp_path, RECORDED_ROOM.format(mute=""), routes={"/ev": reply},
                 caller=(Hangup(at=5.0),))
    first, second = result["recordings"]  # conferenceCreated's reply, then memberJoin's
    assert (first["startAt"], first["endAt"]) == pytest.approx((0.0, 0.8), abs=0.01)
    assert (second["startAt"], second["endAt"]) == pytest.approx((0.8, 1.6), abs=0.01)
    assert first["endReason"] == second["endReason"] == "stop-recording"
    available = [p["recordingId"] for k, p, _ in conference_events(result)
                 if k == "conferenceRecordingAvailable"]
    assert available == [first["recordingId"], second["recordingId"]]
