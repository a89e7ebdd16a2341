"""The conference REST API in virtual time (engine/rest_conference.py; spec voice-api.md §7.3
update conference, §7.4 PUT conference bxml, §7.5 update member; bxml-verbs.md §7.3 mute, hold,
callIdsToCoach, "ending the conference"; callbacks.md §3.15 conferenceRedirect).

Reads like the spec: status=completed ejects every member (each continues its BXML after
<Conference>), a redirect sends conferenceRedirect and runs its BXML in the conference, PUT bxml
queues a conference document, a member update changes who hears whom from that instant.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, CreatedCall, Hangup, RestAction, Route, Say, Scenario,
    UpdateConference, UpdateConferenceMember,
)

EMPTY = Route(status=204, body="")
RECORD_ROOM = '<Response><StartRecording recordingAvailableUrl="/crec"/></Response>'
# The scenario's call creates room "sales"; its conference events go to /conf.
CREATOR = ('<Response><Tag>owner</Tag><Conference conferenceEventUrl="/conf">sales</Conference>'
           '<SpeakSentence>back to the menu</SpeakSentence></Response>')
MEMBER = "<Response><Conference>sales</Conference></Response>"


def run(tmp_path, *, rest, members=None, main_caller=(Hangup(at=30.0),), routes=None,
        conf_reply=RECORD_ROOM, creator=CREATOR):
    """The main call creates the room; ``members``: name -> (join at, caller steps, BXML)."""
    table = {"/answer": Route(bxml=creator), "/conf": Route(bxml=conf_reply), "/crec": EMPTY,
             "/disc": EMPTY, "/rec": EMPTY}
    calls = {}
    for name, (at, steps, bxml) in (members or {}).items():
        table[f"/{name}"] = Route(bxml=bxml)
        calls[name] = CreatedCall(to=f"+1555555{len(calls):04d}", answer_url=f"/{name}", at=at,
                                  caller=tuple(steps), disconnect_url="/disc")
    table.update({k: (v if isinstance(v, Route) else Route(bxml=v))
                  for k, v in (routes or {}).items()})
    scenario = Scenario(name="conference rest", app=AppSettings(routes=table),
                        caller=tuple(main_caller), call=CallSettings(disconnect_url="/disc"),
                        calls=calls, rest=tuple(rest))
    return simulate(scenario, tmp_path).to_json()


def conference_events(result):
    return [(c["eventType"], c["payload"], c["at"]) for c in result["callbacks"]
            if c["eventType"].startswith("conference") and c["attempt"] == 1]


def rest_entries(result, action=None):
    """The conference requests (not the createCalls of `calls:`), or those of ``action``."""
    return [e for e in result["timeline"] if e["kind"] == "rest"
            and e["detail"]["action"] != "create_call"
            and (action is None or e["detail"]["action"] == action)]


def call_ids(result):
    return [c["callId"] for c in result["calls"]]


def audio_of(tmp_path, recording):
    samples, _ = soundfile.read(tmp_path / recording["file"], always_2d=True)
    return samples[:, 0], recording["startAt"]


def rms(audio, start, end):
    samples, offset = audio
    window = samples[int((start - offset) * 8000):int((end - offset) * 8000)]
    return float(np.sqrt(np.mean(np.square(window)))) if len(window) else 0.0


def room_recording(result):
    creator = call_ids(result)[0]
    [room] = [r for r in result["recordings"] if r["callId"] == creator and r["startAt"] == 0.0]
    return room


def complete(at, name="sales"):
    return RestAction(at=at, conference=name, update_conference=UpdateConference(
        status="completed"))


def member_update(at, member, name="sales", **fields):
    return RestAction(at=at, conference=name, update_conference_member=UpdateConferenceMember(
        member=member, **fields))


# -- update conference: status=completed --------------------------------------------------------

def test_completed_ejects_every_member_and_each_continues_after_conference(tmp_path):
    """Exit per member in join order, then conferenceCompleted, all at the request's instant;
    the members' BXML goes on after <Conference> (bxml-verbs.md §7.3)."""
    result = run(tmp_path, rest=[complete(10.0)],
                 members={"bob": (1.0, [Hangup(at=20.0)], MEMBER)},
                 routes={"/bob": "<Response><Conference>sales</Conference>"
                                 "<SpeakSentence>goodbye bob</SpeakSentence></Response>"})
    main, bob = call_ids(result)
    seen = [(kind, payload.get("callId"), at) for kind, payload, at in conference_events(result)
            if kind != "conferenceRecordingAvailable"]
    assert seen[-3:] == [("conferenceMemberExit", main, 10.0), ("conferenceMemberExit", bob, 10.0),
                         ("conferenceCompleted", None, 10.0)]
    ends = {e["callId"]: e["detail"]["reason"] for e in result["timeline"]
            if e["kind"] == "verb-end" and e["verb"] == "Conference"}
    assert ends == {main: "conference-completed", bob: "conference-completed"}
    after = [(e["callId"], e["at"]) for e in result["timeline"]
             if e["kind"] == "verb-start" and e["verb"] == "SpeakSentence"]
    assert sorted(after) == sorted([(main, 10.0), (bob, 10.0)])
    assert [c["disconnectCause"] for c in result["calls"]] == ["hangup", "hangup"]
    assert result["calls"][0]["endTime"].endswith("00:00:11.600Z")  # 4 words after 10 s


def test_completed_ends_the_room_recording_and_sends_recording_available(tmp_path):
    result = run(tmp_path, rest=[complete(8.0)], main_caller=[Say("hello room", at=1.0)])
    recording = room_recording(result)
    assert (recording["endAt"], recording["endReason"]) == (8.0, "call-ended")
    [(_, available, at)] = [e for e in conference_events(result)
                            if e[0] == "conferenceRecordingAvailable"]
    assert available["recordingId"] == recording["recordingId"] and at == 8.0
    assert rms(audio_of(tmp_path, recording), 1.1, 1.7) > 0.01


def test_the_request_is_a_rest_entry_on_the_creating_call(tmp_path):
    result = run(tmp_path, rest=[complete(8.0)],
                 members={"bob": (1.0, [Hangup(at=20.0)], MEMBER)})
    [entry] = rest_entries(result)
    conference_id = conference_events(result)[0][1]["conferenceId"]
    assert (entry["at"], entry["callId"]) == (8.0, call_ids(result)[0])
    assert entry["detail"] == {"action": "update_conference", "status": 204, "conference": "sales",
                               "conferenceId": conference_id, "state": "completed"}


def test_a_room_of_the_same_name_after_completion_is_a_new_conference(tmp_path):
    """Ejected members that join `sales` again create a new incarnation (new conferenceId)."""
    again = ('<Response><Conference conferenceEventUrl="/conf">sales</Conference>'
             '<Conference conferenceEventUrl="/conf">sales</Conference></Response>')
    result = run(tmp_path, creator=again, conf_reply="", rest=[complete(5.0)],
                 main_caller=[Hangup(at=9.0)])
    created = [(p["conferenceId"], at) for k, p, at in conference_events(result)
               if k == "conferenceCreated"]
    assert [at for _, at in created] == [0.0, 5.0] and created[0][0] != created[1][0]


# -- update conference: status=active (redirect) --------------------------------------------------

REDIRECT = RestAction(at=6.0, conference="sales", update_conference=UpdateConference(
    redirect_url="/conf-redirect", redirect_method="GET"))


def test_redirect_sends_conference_redirect_and_runs_its_bxml_in_the_conference(tmp_path):
    result = run(tmp_path, rest=[REDIRECT], main_caller=[Hangup(at=12.0)],
                 members={"bob": (1.0, [Hangup(at=20.0)], MEMBER)},
                 routes={"/conf-redirect": "<Response><SpeakSentence>the meeting ends in five "
                                           "minutes</SpeakSentence></Response>"})
    [redirect] = [c for c in result["callbacks"] if c["eventType"] == "conferenceRedirect"]
    assert (redirect["at"], redirect["method"]) == (6.0, "GET")
    assert redirect["url"] == "http://app.test/conf-redirect"
    created = conference_events(result)[0][1]
    assert redirect["payload"] == {"eventType": "conferenceRedirect",
                                   "eventTime": "2026-01-01T00:00:06.000Z",
                                   "conferenceId": created["conferenceId"], "name": "sales",
                                   "tag": "owner"}
    spoken = [(e["at"], e["detail"].get("conference")) for e in result["timeline"]
              if e["kind"] == "verb-start" and e["verb"] == "SpeakSentence"]
    assert spoken[0] == (6.0, "sales")
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, 6.1, 8.0) > 0.01  # every member and the room recording hear it
    assert room_recording(result)["endAt"] == 21.0  # the room carried on until bob left
    assert rest_entries(result)[0]["detail"]["redirectUrl"] == "/conf-redirect"


def test_a_redirect_reply_with_a_call_verb_is_refused_whole_and_the_room_carries_on(tmp_path):
    result = run(tmp_path, rest=[REDIRECT], main_caller=[Hangup(at=9.0)],
                 routes={"/conf-redirect": '<Response><SpeakSentence>hi</SpeakSentence>'
                                           '<Hangup/></Response>'})
    [error] = [e for e in result["timeline"] if e["kind"] == "error"]
    assert error["detail"]["cause"] == "invalid-bxml" and "conferenceRedirect" in \
        error["detail"]["message"]
    assert rest_entries(result)[0]["detail"]["status"] == 204
    assert [k for k, _, _ in conference_events(result)][-2:] == [
        "conferenceCompleted", "conferenceRecordingAvailable"]
    assert result["calls"][0]["disconnectCause"] == "hangup"


def test_status_active_without_redirect_url_is_a_400(tmp_path):
    result = run(tmp_path, rest=[RestAction(at=2.0, conference="sales",
                                            update_conference=UpdateConference())],
                 main_caller=[Hangup(at=4.0)])
    [entry] = rest_entries(result)
    assert entry["detail"]["status"] == 400 and "redirectUrl" in entry["detail"]["error"]


# -- PUT conference bxml ------------------------------------------------------------------------

def test_put_conference_bxml_plays_into_the_conference_without_a_webhook(tmp_path):
    put = RestAction(at=4.0, conference="sales",
                     put_conference_bxml="<Bxml><SpeakSentence>attention please everyone"
                                         "</SpeakSentence><StopRecording/></Bxml>")
    result = run(tmp_path, rest=[put], main_caller=[Hangup(at=10.0)])
    assert "conferenceRedirect" not in [c["eventType"] for c in result["callbacks"]]
    assert rest_entries(result)[0]["detail"]["status"] == 204
    recording = room_recording(result)
    assert (recording["endAt"], recording["endReason"]) == (5.2, "stop-recording")  # 3 words
    assert rms(audio_of(tmp_path, recording), 4.1, 5.1) > 0.01


@pytest.mark.parametrize("body, why", [
    ('<Bxml><SpeakSentence>hi</SpeakSentence><Pause duration="1"/></Bxml>', "not allowed"),
    ("<Bxml><SpeakSentence>hi</Bxml>", "PUT conference bxml"),
])
def test_put_conference_bxml_that_a_conference_cannot_run_is_a_400(tmp_path, body, why):
    result = run(tmp_path, rest=[RestAction(at=2.0, conference="sales", put_conference_bxml=body)],
                 main_caller=[Hangup(at=5.0)])
    [entry] = rest_entries(result)
    assert entry["detail"]["status"] == 400 and why in entry["detail"]["error"]
    assert not [e for e in result["timeline"] if e["kind"] == "verb-start"
                and e["verb"] == "SpeakSentence"]
    assert room_recording(result)["endAt"] == 5.0  # the room carried on


# -- update member: mute, hold, coach -----------------------------------------------------------

TALKS = {  # each speaks 1.6 s at these times (since answer); bob and eve answer at 1 s
    "main": [Say("main speaks one two", at=2.0), Say("main speaks three four", at=12.0),
             Hangup(at=30.0)],
    "bob": [Say("bob speaks one two", at=3.0), Say("bob speaks three four", at=13.0),
            Hangup(at=25.0)],
    "eve": [Say("eve speaks one two", at=5.0), Say("eve speaks three four", at=15.0),
            Hangup(at=25.0)],
}
OWN_RECORDING = ('<Response><StartRecording recordingAvailableUrl="/rec"/>'
                 "<Conference>sales</Conference></Response>")


def run_three(tmp_path, rest):
    """main (records the room), bob and eve (record their own calls: what they hear)."""
    return run(tmp_path, rest=rest, main_caller=TALKS["main"],
               members={"bob": (1.0, TALKS["bob"], OWN_RECORDING),
                        "eve": (1.0, TALKS["eve"], OWN_RECORDING)})


def heard_by(tmp_path, result, name):
    index = {"bob": 1, "eve": 2}[name]
    [recording] = [r for r in result["recordings"]
                   if r["callId"] == call_ids(result)[index]]
    return audio_of(tmp_path, recording)


# speech windows (virtual seconds): before the update at 8 s, and after it
MAIN_BEFORE, BOB_BEFORE, EVE_BEFORE = (2.1, 3.5), (4.1, 5.5), (6.1, 7.5)
MAIN_AFTER, BOB_AFTER, EVE_AFTER = (12.1, 13.5), (14.1, 15.5), (16.1, 17.5)


def test_mute_from_that_instant_the_member_is_not_heard_nor_recorded(tmp_path):
    """mute: the member can hear but is not heard (bxml-verbs.md §7.3)."""
    result = run_three(tmp_path, [member_update(8.0, "bob", mute=True)])
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, *BOB_BEFORE) > 0.01 and rms(room, *BOB_AFTER) == 0.0
    eve_hears = heard_by(tmp_path, result, "eve")
    assert rms(eve_hears, *BOB_BEFORE) > 0.01 and rms(eve_hears, *BOB_AFTER) == 0.0
    bob_hears = heard_by(tmp_path, result, "bob")
    assert rms(bob_hears, *MAIN_AFTER) > 0.01 and rms(bob_hears, *EVE_AFTER) > 0.01
    [entry] = rest_entries(result, "update_conference_member")
    assert entry["detail"]["status"] == 204 and entry["detail"]["mute"] is True
    assert entry["detail"]["memberCallId"] == call_ids(result)[1]
    [change] = [e for e in result["timeline"] if e["kind"] == "conference-member"]
    assert (change["callId"], change["at"]) == (call_ids(result)[1], 8.0)
    assert (change["detail"]["mute"], change["detail"]["hold"]) == (True, False)


def test_unmute_brings_the_member_back_into_the_mix(tmp_path):
    result = run_three(tmp_path, [member_update(0.5, "main", mute=True),
                                  member_update(8.0, "main", mute=False)])
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, *MAIN_BEFORE) == 0.0 and rms(room, *MAIN_AFTER) > 0.01
    bob_hears = heard_by(tmp_path, result, "bob")
    assert rms(bob_hears, *MAIN_BEFORE) == 0.0 and rms(bob_hears, *MAIN_AFTER) > 0.01


def test_hold_the_member_neither_hears_nor_is_heard(tmp_path):
    result = run_three(tmp_path, [member_update(8.0, "eve", hold=True)])
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, *EVE_BEFORE) > 0.01 and rms(room, *EVE_AFTER) == 0.0
    eve_hears = heard_by(tmp_path, result, "eve")
    assert rms(eve_hears, *MAIN_BEFORE) > 0.01
    assert rms(eve_hears, *MAIN_AFTER) == 0.0 and rms(eve_hears, *BOB_AFTER) == 0.0
    assert rms(heard_by(tmp_path, result, "bob"), *EVE_AFTER) == 0.0


def test_a_held_member_does_not_hear_conference_audio(tmp_path):
    put = RestAction(at=9.0, conference="sales",
                     put_conference_bxml="<Bxml><SpeakSentence>announcement for all of you"
                                         "</SpeakSentence></Bxml>")
    result = run_three(tmp_path, [member_update(8.0, "eve", hold=True), put])
    assert rms(heard_by(tmp_path, result, "eve"), 9.1, 10.9) == 0.0
    assert rms(heard_by(tmp_path, result, "bob"), 9.1, 10.9) > 0.01


def test_omitted_fields_are_unchanged(tmp_path):
    """voice-api.md §7.5: a hold-only update leaves an earlier mute in place."""
    result = run_three(tmp_path, [member_update(1.5, "bob", mute=True),
                                  member_update(8.0, "bob", hold=False)])
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, *BOB_BEFORE) == 0.0 and rms(room, *BOB_AFTER) == 0.0
    changes = [e["detail"] for e in result["timeline"] if e["kind"] == "conference-member"]
    assert [(c["mute"], c["hold"]) for c in changes] == [(True, False), (True, False)]


def test_a_coach_is_heard_only_by_the_calls_it_coaches(tmp_path):
    """callIdsToCoach: those calls hear the coach; others (and the room recording) do not; the
    coach still hears everyone."""
    result = run_three(tmp_path, [member_update(8.0, "main", call_ids_to_coach=("bob",))])
    room = audio_of(tmp_path, room_recording(result))
    assert rms(room, *MAIN_BEFORE) > 0.01 and rms(room, *MAIN_AFTER) == 0.0
    assert rms(heard_by(tmp_path, result, "bob"), *MAIN_AFTER) > 0.01
    assert rms(heard_by(tmp_path, result, "eve"), *MAIN_AFTER) == 0.0
    [entry] = rest_entries(result, "update_conference_member")
    assert entry["detail"]["callIdsToCoach"] == [call_ids(result)[1]]


def test_coaching_set_in_bxml_works_the_same(tmp_path):
    """<Conference callIdsToCoach>: order of joining does not matter (bob joins after)."""
    creator = ('<Response><Conference conferenceEventUrl="/conf" '
               'callIdsToCoach="{{calls.bob.callId}}">sales</Conference></Response>')
    result = run(tmp_path, rest=[], creator=creator, main_caller=TALKS["main"],
                 members={"bob": (1.0, TALKS["bob"], OWN_RECORDING),
                          "eve": (1.0, TALKS["eve"], OWN_RECORDING)})
    [join] = [e for e in result["timeline"] if e["kind"] == "conference-join"
              and e["callId"] == call_ids(result)[0]]
    assert join["detail"]["callIdsToCoach"] == [call_ids(result)[1]]
    assert rms(heard_by(tmp_path, result, "bob"), *MAIN_BEFORE) > 0.01
    assert rms(heard_by(tmp_path, result, "eve"), *MAIN_BEFORE) == 0.0


def test_a_second_coach_in_bxml_joins_as_a_plain_member(tmp_path):
    coach = ('<Response><Conference callIdsToCoach="{{calls.bob.callId}}">sales</Conference>'
             "</Response>")
    creator = coach.replace("<Conference ", '<Conference conferenceEventUrl="/conf" ')
    result = run(tmp_path, rest=[], creator=creator, main_caller=TALKS["main"],
                 members={"bob": (1.0, TALKS["bob"], OWN_RECORDING),
                          "eve": (1.0, TALKS["eve"], coach)})
    [join] = [e for e in result["timeline"] if e["kind"] == "conference-join"
              and e["callId"] == call_ids(result)[2]]
    assert "callIdsToCoach" not in join["detail"]
    assert join["detail"]["coachRefused"] == f"{call_ids(result)[0]} already coaches in sales"
    assert rms(audio_of(tmp_path, room_recording(result)), *EVE_BEFORE) > 0.01  # plain member


def test_a_second_coach_is_a_409(tmp_path):
    """One coach per conference at a time (bxml-verbs.md §7.3)."""
    result = run_three(tmp_path, [member_update(5.0, "main", call_ids_to_coach=("bob",)),
                                  member_update(6.0, "eve", call_ids_to_coach=("bob",)),
                                  member_update(7.0, "main", call_ids_to_coach=()),
                                  member_update(8.0, "eve", call_ids_to_coach=("bob",))])
    statuses = [e["detail"]["status"] for e in rest_entries(result, "update_conference_member")]
    assert statuses == [204, 409, 204, 204]


# -- refusals -----------------------------------------------------------------------------------

def test_refusals_404_for_no_conference_a_completed_one_or_a_member_not_in_it(tmp_path):
    result = run(tmp_path, main_caller=[Hangup(at=20.0)],
                 members={"bob": (1.0, [Hangup(at=5.0)], MEMBER), "eve": (50.0, [], MEMBER)},
                 routes={"/bob": "<Response><Pause duration='3'/></Response>"},
                 rest=[complete(2.0, name="other"),
                       member_update(3.0, "bob", mute=True),
                       member_update(3.5, "eve", mute=True),
                       complete(5.0),
                       RestAction(at=6.0, conference="sales", put_conference_bxml="<Bxml/>")])
    entries = [(e["detail"]["status"], e["detail"].get("error", ""))
               for e in rest_entries(result) if e["detail"]["action"] != "create_call"]
    assert [status for status, _ in entries] == [404, 404, 404, 204, 404]
    assert "no call has joined" in entries[0][1]
    assert "not in conference 'sales'" in entries[1][1]  # bob's call never joined
    assert "not in conference 'sales'" in entries[2][1]  # eve's call is not created yet
    assert "completed at t=5.000 s" in entries[4][1]
    other = [e for e in rest_entries(result) if e["detail"]["conference"] == "other"]
    assert other[0]["callId"] == call_ids(result)[0] and "conferenceId" not in other[0]["detail"]
