"""Scenario keys for REST: ``calls:`` (created calls), ``rest:`` (timed actions) and
``{{calls.NAME.callId}}`` in canned bodies; each bad input as ``file:line: $.path: ...``."""

from __future__ import annotations

import pytest

from scenario_files import problems, write
from simulator.api import run_scenario
from simulator.scenario import model
from simulator.scenario.load import load_scenarios
from simulator.scenario.refs import resolve_app, substitute


def test_calls_and_rest_become_the_typed_model(tmp_path):
    path = write(tmp_path, """
        name: agent
        calls:
          agent:
            to: "+15555550123"
            from: "+15555550111"
            answer_url: /agent
            at: 2
            answer_after: 3
            caller: [{say: hello}]
        rest:
          - {at: 12, update_call: {redirect_url: /interrupt, tag: sup}}
          - {at: 20, call: agent, update_call: {state: completed}}
          - {at: 5, recording: paused}
          - {at: 7, put_bxml: "<Bxml><SpeakSentence>hi</SpeakSentence></Bxml>"}
    """)
    [s] = load_scenarios(path)
    agent = s.calls["agent"]
    assert agent.to == "+15555550123" and agent.from_ == "+15555550111"
    assert agent.at == 2.0 and agent.answer_after == 3.0 and agent.line == 3
    assert agent.caller == (model.Say(text="hello", line=9),)
    first, second, third, fourth = s.rest
    assert first == model.RestAction(at=12.0, update_call=model.UpdateCall(
        redirect_url="/interrupt", tag="sup"), line=11)
    assert second.call == "agent" and second.update_call.state == "completed"
    assert third.recording == "paused" and third.call == "main"
    assert fourth.put_bxml.startswith("<Bxml>")


@pytest.mark.parametrize("text, expected", [
    ("""
        name: x
        rest:
          - {at: 1, recording: paused, put_bxml: "<Bxml/>"}
     """, ["s.yaml:3: $.rest[0]: wrong type; expected exactly one of update_call, recording, "
           "put_bxml, update_conference, put_conference_bxml, update_conference_member in a "
           "REST action, got 'recording, put_bxml'"]),
    ("""
        name: x
        rest:
          - at: 1
            call: agnet
            recording: paused
     """, ["s.yaml:4: $.rest[0].call: unknown call; expected main or a name under `calls:` "
           "(none defined), got 'agnet'"]),
    ("""
        name: x
        rest:
          - at: 1
            update_call: {state: completed, redirect_url: /x}
     """, ["s.yaml:4: $.rest[0].update_call.redirect_url: not allowed; expected no "
           "redirect_url with state: completed (voice-api.md §3.4), got '/x'"]),
    ("""
        name: x
        rest:
          - at: 1
            update_call: {}
     """, ["s.yaml:4: $.rest[0].update_call: missing required key; expected redirect_url "
           "(state: active redirects)"]),
    ("""
        name: x
        rest:
          - {at: -1, recording: stopped}
     """, ["s.yaml:3: $.rest[0].at: bad value; expected a number of seconds >= 0, got -1.0",
           "s.yaml:3: $.rest[0].recording: bad value; expected paused or recording, "
           "got 'stopped'"]),
    ("""
        name: x
        rest:
          - {at: 1, update_call: "/x"}
     """, ["s.yaml:3: $.rest[0].update_call: wrong type; expected a mapping such as "
           "{redirect_url: /interrupt}, got a string ('/x')"]),
    ("""
        name: x
        calls:
          main: {to: "+1555"}
          agent:
            to: "+1556"
            status: maybe
            call_timeout: 0
            colour: red
     """, ["s.yaml:8: $.calls.agent.colour: unknown key; expected one of to, from, answer_url, "
           "answer_method, disconnect_url, disconnect_method, tag, at, call_timeout, status, "
           "answer_after, caller, machine_detection, got 'colour'",
           # an unknown key does not hide the value checks of the rest: all at once
           "s.yaml:3: $.calls.main: bad call name; expected letters, digits, - and _ (`main` is "
           "the scenario's own call), got 'main'",
           "s.yaml:7: $.calls.agent.call_timeout: bad value; expected 1 to 300 seconds "
           "(createCall callTimeout), got 0.0",
           "s.yaml:6: $.calls.agent.status: bad value; expected answer, busy or no-answer, "
           "got 'maybe'"]),
    ("""
        name: x
        calls:
          main: {to: "+1555"}
          agent:
            to: "+1556"
            status: maybe
            call_timeout: 0
     """, ["s.yaml:3: $.calls.main: bad call name; expected letters, digits, - and _ (`main` is "
           "the scenario's own call), got 'main'",
           "s.yaml:7: $.calls.agent.call_timeout: bad value; expected 1 to 300 seconds "
           "(createCall callTimeout), got 0.0",
           "s.yaml:6: $.calls.agent.status: bad value; expected answer, busy or no-answer, "
           "got 'maybe'"]),
    ("""
        name: x
        app:
          routes:
            /agent: "<Response><Bridge>{{calls.bob.callId}}</Bridge></Response>"
            /ok: "<Response><Bridge>{{ calls.main.callId }}</Bridge></Response>"
        rest:
          - {at: 1, put_bxml: "<Bxml><Bridge>{{calls.main.id}}</Bridge></Bxml>"}
     """, ["s.yaml:4: $.app.routes[\"/agent\"]: unknown call reference; expected "
           "{{calls.NAME.callId}} with NAME main or a key of `calls:` (main), got "
           "'{{calls.bob.callId}}'",
           "s.yaml:7: $.rest[0].put_bxml: unknown call reference; expected {{calls.NAME.callId}} "
           "with NAME main or a key of `calls:` (main), got '{{calls.main.id}}'; did you mean "
           "{{calls.main.callId}}?"]),
])
def test_bad_rest_keys_are_reported_with_line_and_path(tmp_path, text, expected):
    assert sorted(problems(tmp_path, text)) == sorted(expected)


def test_substitution_names_calls_by_their_ids():
    ids = {"main": "c-1", "agent": "c-2"}
    assert substitute("<Bridge>{{calls.agent.callId}}</Bridge>{{ calls.main.callId }}", ids) \
        == "<Bridge>c-2</Bridge>c-1"
    assert substitute("no references {{here}}", ids) == "no references {{here}}"


def test_route_files_and_inline_bodies_are_substituted(tmp_path):
    (tmp_path / "agent.xml").write_text("<Response><Bridge>{{calls.main.callId}}</Bridge>"
                                        "</Response>")
    app = model.AppSettings(bxml="<Response>{{calls.agent.callId}}</Response>", routes={
        "/file": model.Route(file=tmp_path / "agent.xml"),
        "/inline": model.Route(body="{{calls.agent.callId}}"),
        "/plain": model.Route(bxml="<Response/>")})
    resolved = resolve_app(app, {"main": "c-1", "agent": "c-2"})
    assert resolved.bxml == "<Response>c-2</Response>"
    assert resolved.routes["/file"].bxml == "<Response><Bridge>c-1</Bridge></Response>"
    assert resolved.routes["/file"].file is None
    assert resolved.routes["/inline"].body == "c-2"
    assert resolved.routes["/plain"] is app.routes["/plain"]


def test_a_route_file_is_read_as_text_with_universal_newlines(tmp_path):
    """As read_text reads it: a CR LF or a lone CR ends a line as LF does; a file without
    any reference is served as it is (not read into the app settings)."""
    (tmp_path / "crlf.xml").write_bytes(b"<Response>\r\n<Tag>{{calls.main.callId}}</Tag>\r"
                                        b"<Hangup/>\n</Response>\r\n")
    (tmp_path / "plain.xml").write_bytes(b"<Response>\r\n<Hangup/></Response>\xff")
    app = model.AppSettings(routes={"/crlf": model.Route(file=tmp_path / "crlf.xml"),
                                    "/plain": model.Route(file=tmp_path / "plain.xml")})
    resolved = resolve_app(app, {"main": "c-1"})
    assert resolved.routes["/crlf"].bxml == ("<Response>\n<Tag>c-1</Tag>\n<Hangup/>\n"
                                             "</Response>\n")
    assert resolved.routes["/plain"] is app.routes["/plain"]


def test_a_canned_body_bridges_to_the_created_call_by_name(tmp_path):
    """End to end: the id in bridgeComplete's target is the created call's."""
    path = write(tmp_path, """
        name: main bridges agent
        app:
          routes:
            /answer: |
              <Response>
                <Pause duration="1"/>
                <Bridge bridgeCompleteUrl="/bc">{{calls.agent.callId}}</Bridge>
              </Response>
            /agent: '<Response><Pause duration="30"/></Response>'
            /bc: "<Response><Hangup/></Response>"
        calls:
          agent: {to: "+15555550123", answer_url: /agent}
        caller:
          - {wait_for: Bridge}
        rest:
          - {at: 4, call: agent, update_call: {state: completed}}
        expect:
          callbacks:
            exact: true
            events: [initiate, answer, bridgeComplete]
          timeline:
            - {kind: rest, detail: {action: create_call, status: 201}}
            - {kind: bridge}
            - {kind: rest, at: 4, detail: {action: update_call, status: 200}}
            - {kind: bridge-end, detail: {left: target}}
    """)
    result = run_scenario(path)
    assert result.passed, result.failures


# -- the rules of simulator/rest_rules.py, as the loader words them ---------------------------

def test_the_loader_forbids_what_a_completed_call_update_forbids(tmp_path):
    assert problems(tmp_path, """
        name: x
        rest:
          - at: 1
            update_call: {state: completed, redirect_method: GET, redirect_fallback_url: /f}
    """) == [
        "s.yaml:4: $.rest[0].update_call.redirect_method: not allowed; expected no "
        "redirect_method with state: completed (voice-api.md §3.4), got 'GET'",
        "s.yaml:4: $.rest[0].update_call.redirect_fallback_url: not allowed; expected no "
        "redirect_fallback_url with state: completed (voice-api.md §3.4), got '/f'"]


def test_the_loader_applies_the_credential_tag_and_url_limits(tmp_path):
    assert problems(tmp_path, f"""
        name: x
        calls:
          agent: {{to: "+15555550123", answer_url: /a, tag: "{'t' * 4097}"}}
        rest:
          - at: 1
            update_call: {{redirect_url: "/{'r' * 2048}", password: "{'p' * 1025}"}}
    """) == [
        "s.yaml:3: $.calls.agent.tag: too long; expected at most 4096 characters, got "
        "'4097 characters'",
        "s.yaml:6: $.rest[0].update_call.redirect_url: too long; expected at most 2048 "
        "characters, got '2049 characters'",
        "s.yaml:6: $.rest[0].update_call.password: too long; expected at most 1024 characters, "
        "got '1025 characters'"]
