"""Scenario keys for the conference REST API: ``rest[i].conference`` with ``update_conference``,
``put_conference_bxml`` or ``update_conference_member`` (scenario/load_conference.py); a request
names exactly one target; each bad input as ``file:line: $.path: ...``."""

from __future__ import annotations

import pytest

from scenario_files import problems, write
from simulator.scenario import model
from simulator.scenario.load import load_scenarios


def test_conference_actions_become_the_typed_model(tmp_path):
    [s] = load_scenarios(write(tmp_path, """
        name: room
        calls:
          bob: {to: "+15555550123"}
        rest:
          - {at: 5, conference: sales, update_conference_member: {member: bob, mute: true}}
          - at: 6
            conference: sales
            update_conference_member: {member: main, call_ids_to_coach: [bob]}
          - {at: 7, conference: sales, update_conference: {redirect_url: /conf-redirect,
                                                           username: u, password: p}}
          - {at: 8, conference: sales, put_conference_bxml: "<Bxml><StopRecording/></Bxml>"}
          - {at: 9, conference: sales, update_conference: {status: completed}}
          - {at: 10, call: bob, update_call: {state: completed}}
    """))
    mute, coach, redirect, put, complete, hangup = s.rest
    assert mute == model.RestAction(
        at=5.0, conference="sales", line=5,
        update_conference_member=model.UpdateConferenceMember(member="bob", mute=True))
    assert coach.update_conference_member.call_ids_to_coach == ("bob",)
    assert coach.update_conference_member.mute is None  # omitted: unchanged
    assert redirect.update_conference == model.UpdateConference(
        redirect_url="/conf-redirect", username="u", password="p")
    assert put.put_conference_bxml == "<Bxml><StopRecording/></Bxml>"
    assert complete.update_conference.status == "completed" and complete.action == \
        "update_conference"
    assert (hangup.call, hangup.conference) == ("bob", None)


@pytest.mark.parametrize("text, expected", [
    ("""
        name: x
        rest:
          - {at: 1, update_conference: {status: completed}}
     """, ["s.yaml:3: $.rest[0]: missing required key; expected conference (the <Conference> "
           "name that update_conference acts on)"]),
    ("""
        name: x
        rest:
          - {at: 1, call: main, conference: sales, update_conference: {status: completed}}
     """, ["s.yaml:3: $.rest[0]: conflicting keys; expected either call (the target of "
           "update_call, recording, put_bxml) or conference (of update_conference, "
           "put_conference_bxml, update_conference_member), not both, got 'call, conference'"]),
    ("""
        name: x
        rest:
          - {at: 1, conference: sales, recording: paused}
     """, ["s.yaml:3: $.rest[0].conference: not allowed; expected call (or nothing: main) with "
           "recording, which acts on a call, got 'sales'"]),
    ("""
        name: x
        rest:
          - {at: 1, conference: "sales room", put_conference_bxml: "<Bxml/>"}
     """, ["s.yaml:3: $.rest[0].conference: bad conference name; expected the <Conference> "
           "name: 1 to 100 letters, digits, '-', '_' or '.', got 'sales room'"]),
    ("""
        name: x
        rest:
          - at: 1
            conference: sales
            update_conference: {}
     """, ["s.yaml:5: $.rest[0].update_conference: missing required key; expected redirect_url "
           "(status: active sends conferenceRedirect there), or status: completed"]),
    ("""
        name: x
        rest:
          - at: 1
            conference: sales
            update_conference:
              status: completed
              redirect_url: /x
     """, ["s.yaml:7: $.rest[0].update_conference.redirect_url: not allowed; expected no "
           "redirect_url with status: completed (voice-api.md §7.3), got '/x'"]),
    ("""
        name: x
        rest:
          - at: 1
            conference: sales
            update_conference: {status: ended, redirect_method: PUT}
     """, ["s.yaml:5: $.rest[0].update_conference.status: bad value; expected active "
           "(redirect) or completed (end the conference), got 'ended'",
           "s.yaml:5: $.rest[0].update_conference.redirect_method: bad value; expected GET or "
           "POST, got 'PUT'"]),
    ("""
        name: x
        rest:
          - {at: 1, conference: sales, update_conference: completed}
     """, ["s.yaml:3: $.rest[0].update_conference: wrong type; expected a mapping such as "
           "{status: completed} or {redirect_url: /conference-redirect}, got a string "
           "('completed')"]),
    ("""
        name: x
        calls:
          bob: {to: "+15555550123"}
        rest:
          - at: 1
            conference: sales
            update_conference_member:
              member: bobby
              mute: "yes"
              call_ids_to_coach: [main, eve]
     """, ["s.yaml:9: $.rest[0].update_conference_member.mute: wrong type; expected true or "
           "false, got a string ('yes')",
           # a wrong type does not hide the value checks of the rest: all at once
           "s.yaml:8: $.rest[0].update_conference_member.member: unknown call; expected main "
           "or a name under `calls:` (bob), got 'bobby'",
           "s.yaml:10: $.rest[0].update_conference_member.call_ids_to_coach[1]: unknown call; "
           "expected main or a name under `calls:` (bob), got 'eve'"]),
    ("""
        name: x
        calls:
          bob: {to: "+15555550123"}
        rest:
          - at: 1
            conference: sales
            update_conference_member:
              member: bobby
              call_ids_to_coach: [bobby, eve]
     """, ["s.yaml:8: $.rest[0].update_conference_member.member: unknown call; expected main "
           "or a name under `calls:` (bob), got 'bobby'",
           "s.yaml:9: $.rest[0].update_conference_member.call_ids_to_coach[0]: unknown call; "
           "expected main or a name under `calls:` (bob), got 'bobby'",
           "s.yaml:9: $.rest[0].update_conference_member.call_ids_to_coach[1]: unknown call; "
           "expected main or a name under `calls:` (bob), got 'eve'"]),
    ("""
        name: x
        rest:
          - at: 1
            conference: sales
            update_conference_member: {member: main, call_ids_to_coach: [main]}
     """, ["s.yaml:5: $.rest[0].update_conference_member.call_ids_to_coach[0]: bad value; "
           "expected calls other than the member itself (a coach coaches others), got 'main'"]),
    ("""
        name: x
        rest:
          - {at: 1, conference: sales, update_conference_member: {mute: true}}
     """, ["s.yaml:3: $.rest[0].update_conference_member.member: missing required key; "
           "expected 'member'"]),
    ("""
        name: x
        rest:
          - {at: 1, conference: sales, put_conference_bxml: "  "}
     """, ["s.yaml:3: $.rest[0].put_conference_bxml: bad value; expected a BXML document such "
           "as <Bxml><SpeakSentence>hello</SpeakSentence></Bxml>, got '  '"]),
])
def test_bad_conference_rest_keys_are_reported_with_line_and_path(tmp_path, text, expected):
    assert sorted(problems(tmp_path, text)) == sorted(expected)
