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


def test_conference_recording_belongs_to_the_account_of_the_simulation(tmp_path):
    """A call created for another account (bxmlsim serve) keeps it in its conference recording."""
    table = {"/answer": Route(bxml=RECORDED_ROOM.format(mute="")), "/ev": Route(bxml=START),
             "/conf": NO_BXML, "/crec": Route(status=204, body="")}
    scenario = Scenario(name="conference", app=AppSettings(routes=table), caller=TALK)
    result = simulate(scenario, tmp_path, account_id="5551234").to_json()
    [available] = [p for kind, p, _ in conference_events(result)
                   if kind == "conferenceRecordingAvailable"]
    assert available["accountId"] == "5551234"
    assert "/accounts/5551234/conferences/" in available["mediaUrl"]


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


def test_warnings_of_conference_bxml_are_logged_on_the_creating_call(tmp_path):
    result = run(tmp_path, RECORDED_ROOM.format(mute=""),
                 routes={"/ev": '<Response><StartRecording multiChannel="true" '
                                'recordingAvailableUrl="/crec"/></Response>'},
                 caller=TALK)
    warnings = {(t["callId"], t["detail"]["code"]) for t in result["timeline"]
                if t["kind"] == "bxml-warning"}
    assert warnings == {(result["calls"][0]["callId"], "BX409")}


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


# -- several members: the main call and calls the app creates (scenario `calls:`) ----------------

from simulator.scenario.model import CreatedCall  # noqa: E402 - the multi-member tests below

JOIN = '<Response><Conference conferenceEventUrl="/conf">sales</Conference></Response>'


def run_room(tmp_path, *, main_caller, members, routes=None):
    """``members``: name -> (join at, caller steps, member BXML)."""
    table = {"/answer": Route(bxml=ROOM), "/conf": NO_BXML, "/crec": Route(status=204, body=""),
             "/disc": Route(status=204, body=""), "/rec": Route(status=204, body="")}
    calls = {}
    for name, (at, steps, bxml) in members.items():
        table[f"/{name}"] = Route(bxml=bxml)
        calls[name] = CreatedCall(to=f"+1555555{len(calls):04d}", answer_url=f"/{name}", at=at,
                                  caller=tuple(steps))
    table.update({k: Route(bxml=v) for k, v in (routes or {}).items()})
    scenario = Scenario(name="room", app=AppSettings(routes=table), caller=tuple(main_caller),
                        call=CallSettings(disconnect_url="/disc"), calls=calls)
    return simulate(scenario, tmp_path).to_json()


def test_three_members_join_and_leave_and_the_room_completes_after_the_last(tmp_path):
    result = run_room(tmp_path, main_caller=[Hangup(at=8.0)],
                      members={"bob": (1.0, [Hangup(at=5.0)], JOIN),
                               "eve": (2.0, [Hangup(at=10.0)], JOIN)})
    ids = [c["callId"] for c in result["calls"]]
    seen = [(kind, payload.get("callId"), at) for kind, payload, at in conference_events(result)]
    assert seen == [("conferenceCreated", None, 0.0),
                    ("conferenceMemberJoin", ids[0], 0.0),
                    ("conferenceMemberJoin", ids[1], 1.0),
                    ("conferenceMemberJoin", ids[2], 2.0),
                    ("conferenceMemberExit", ids[1], 6.0),
                    ("conferenceMemberExit", ids[0], 8.0),
                    ("conferenceMemberExit", ids[2], 12.0),
                    ("conferenceCompleted", None, 12.0)]
    conference_ids = {payload["conferenceId"] for _, payload, _ in conference_events(result)}
    assert len(conference_ids) == 1  # one room, every event from the creator's settings


def test_members_hear_each_other_and_the_room_recording_holds_everyone(tmp_path):
    """Each member hears the sum of the others; muted members are not heard."""
    record_room = {"/conf": '<Response><StartRecording recordingAvailableUrl="/crec"/></Response>'}
    own_recording = ('<Response><StartRecording recordingAvailableUrl="/rec"/>'
                     '<Conference>sales</Conference></Response>')
    muted = '<Response><Conference mute="true">sales</Conference></Response>'
    result = run_room(
        tmp_path, routes=record_room,
        main_caller=[Say("main caller speaking first", at=1.0), Hangup(at=20.0)],
        members={"bob": (1.0, [Say("bob answers right after", at=3.0), Hangup(at=18.0)],
                         own_recording),
                 "eve": (1.0, [Say("eve is muted and unheard", at=10.0), Hangup(at=18.0)],
                         muted)})
    room = [r for r in result["recordings"] if r["callId"] == result["calls"][0]["callId"]
            and r["verb"] == "StartRecording" and r["startAt"] == 0.0]
    assert room, result["recordings"]
    room_audio = soundfile.read(tmp_path / room[0]["file"])[0]
    assert rms(room_audio, 1.1, 2.5) > 0.01  # main, 1.0-2.6
    assert rms(room_audio, 4.1, 5.5) > 0.01  # bob, answered 1, says at 4.0-5.6
    assert rms(room_audio, 10.1, 11.5) == 0.0  # eve is muted
    [bob_rec] = [r for r in result["recordings"] if r["callId"] == result["calls"][1]["callId"]]
    bob_audio = soundfile.read(tmp_path / bob_rec["file"])[0]
    offset = bob_rec["startAt"]
    assert rms(bob_audio, 1.1 - offset, 2.5 - offset) > 0.01  # bob hears main...
    assert rms(bob_audio, 4.1 - offset, 5.5 - offset) > 0.01  # ...and himself
    assert rms(bob_audio, 10.1 - offset, 11.5 - offset) == 0.0  # not the muted member
