"""Templates: ``{{calls.NAME.callId}}`` is expanded in every scenario string, or is a load error
naming file:line; it never reaches the app (or an expectation) as literal text."""

from __future__ import annotations

import attrs
import pytest

from simulator.api import run_scenario
from simulator.errors import ScenarioError
from simulator.scenario import refs
from simulator.scenario.load import load_scenarios
from simulator.scenario.refs import expand, references, stand_in


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    return [line.replace(str(path), "s.yaml") for line in caught.value.problems]


EXPECTED = "expected {{calls.NAME.callId}} with NAME main or a key of `calls:` (main, agent)"
CALLS = "calls:\n  agent: {to: '+15555550123'}\n"

# (YAML after `name:` and `calls:`, the one problem it gives)
BAD = [
    ("call:\n  tag: '{{calls.agnet.callId}}'\n",
     f"s.yaml:5: $.call.tag: unknown call reference; {EXPECTED}, got '{{{{calls.agnet.callId}}}}'"
     "; did you mean {{calls.agent.callId}}?"),
    ("call:\n  tag: '{{calls.agent.id}}'\n",
     f"s.yaml:5: $.call.tag: unknown call reference; {EXPECTED}, got '{{{{calls.agent.id}}}}'; "
     "did you mean {{calls.agent.callId}}?"),
    ("call:\n  disconnect_url: '/d?c={{ calls.main.callId'\n",
     f"s.yaml:5: $.call.disconnect_url: unterminated reference; {EXPECTED}, got "
     "'{{ calls.main.callId'; did you mean {{calls.main.callId}}?"),
    ("rest:\n  - {at: 1, update_call: {redirect_url: '/r', tag: '{{ call_id }}'}}\n",
     f"s.yaml:5: $.rest[0].update_call.tag: unknown reference; {EXPECTED}, got "
     "'{{ call_id }}'"),
    ("expect:\n  callbacks: [{event: initiate, payload: {callId: '{{calls.bob.callId}}'}}]\n",
     f"s.yaml:5: $.expect.callbacks[0].payload.callId: unknown call reference; {EXPECTED}, got "
     "'{{calls.bob.callId}}'"),
    ("caller:\n  - play: '{{calls.main.callId}}.wav'\n",
     "s.yaml:5: $.caller[0].play: reference where none can be expanded; expected a literal "
     "value (the scenario's name, files, folders and app modules are read when the file "
     "loads, before call ids are drawn), got '{{calls.main.callId}}'"),
    ("app:\n  wsgi: 'app_{{calls.main.callId}}:app'\n",
     "s.yaml:5: $.app.wsgi: reference where none can be expanded"),
]


@pytest.mark.parametrize("yaml, problem", BAD, ids=[b[1].split(": ")[1] + " " + b[1].split(
    ": ")[2][:22] for b in BAD])
def test_a_reference_that_cannot_be_expanded_is_a_load_error_at_its_line(tmp_path, yaml, problem):
    found = problems(tmp_path, "name: x\n" + CALLS + yaml)
    assert len(found) == 1 and found[0].startswith(problem), found


def test_a_reference_in_the_scenario_name_is_refused(tmp_path):
    [found] = problems(tmp_path, "name: 'run {{calls.main.callId}}'\n")
    assert found.startswith("s.yaml:1: $.name: reference where none can be expanded")


def test_a_route_file_with_a_bad_reference_is_a_load_error_naming_the_file(tmp_path):
    (tmp_path / "agent.xml").write_text("<Response><Bridge>{{calls.agnet.callId}}</Bridge>"
                                        "</Response>")
    [found] = problems(tmp_path, "name: x\n" + CALLS + "app:\n  routes:\n"
                       "    /agent: {file: agent.xml}\n")
    assert found.startswith('s.yaml:6: $.app.routes["/agent"]: unknown call reference in '
                            "agent.xml")
    assert found.endswith("did you mean {{calls.agent.callId}}?")


def test_references_are_expanded_in_every_string_and_in_expect(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("""\
name: ids everywhere
calls:
  agent:
    to: "+15555550123"
    answer_url: "/agent?customer={{ calls.main.callId }}"
    tag: "for {{calls.main.callId}}"
    at: 1
app:
  bxml: "<Response><Pause duration='3'/></Response>"
  routes:
    /agent: "<Response><Tag>{{calls.agent.callId}}</Tag><Hangup/></Response>"
expect:
  callbacks:
    - initiate
    - event: answer
      url: "http://app.test/agent?customer={{calls.main.callId}}"
      payload: {callId: "{{calls.agent.callId}}", tag: {regex: "^for {{calls.main.callId}}$"}}
  timeline:
    - {kind: tag, callId: "{{calls.agent.callId}}", detail: {tag: "{{calls.agent.callId}}"}}
""")
    result = run_scenario(path)
    assert result.passed, result.failures
    answer = next(cb for cb in result.callbacks if cb["eventType"] == "answer")
    main, agent = result.call_ids["main"], result.call_ids["agent"]
    assert answer["url"] == f"http://app.test/agent?customer={main}"
    assert answer["payload"]["tag"] == f"for {main}"
    assert "{{" not in result.dumps()


def test_a_scenario_with_references_gets_the_same_ids_as_without():
    plain = run_scenario({"name": "a", "app": {"bxml": "<Response/>"}})
    templated = run_scenario({"name": "a", "call": {"tag": "{{calls.main.callId}}"},
                              "app": {"bxml": "<Response/>"}})
    assert plain.calls[0]["callId"] == templated.calls[0]["callId"]


def test_expand_returns_the_same_object_when_there_is_nothing_to_expand():
    value = {"a": ["x", ("y", 1)], "b": None}
    assert expand(value, {"main": "c-1"}) is value
    assert expand({"a": ["{{calls.main.callId}}"]}, {"main": "c-1"}) == {"a": ["c-1"]}


def test_a_loaded_scenario_without_references_is_not_walked_but_one_made_from_it_is(
        tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text("name: plain\napp: {bxml: <Response/>}\n"
                    "expect: {callbacks: [{event: initiate}]}\n")
    scenario = load_scenarios(path)[0]
    monkeypatch.setattr(refs, "_init_fields", None)   # walking any attrs object would fail
    assert expand(scenario, {"main": "c-1"}) is scenario
    assert expand(scenario.expect, {"main": "c-1"}) is scenario.expect
    monkeypatch.undo()
    changed = attrs.evolve(scenario, call=attrs.evolve(scenario.call,
                                                       tag="{{calls.main.callId}}"))
    assert expand(changed, {"main": "c-1"}).call.tag == "c-1"


def test_references_and_their_stand_ins():
    assert list(references("a {{x}} b {{ y")) == ["{{x}}", "{{ y"]
    assert stand_in("/d?c={{ calls.main.callId }}&x=1") == "/d?c=c-id&x=1"


def test_a_reference_written_with_escapes_is_checked_too(tmp_path):
    # the text has no `{{`, yet a double-quoted string does (the loader skips the look for
    # references only in a text with neither `{{` nor a backslash)
    found = problems(tmp_path, "name: x\n" + CALLS
                     + 'call:\n  tag: "\\x7b{calls.agnet.callId}}"\n')
    assert len(found) == 1 and found[0].startswith("s.yaml:5: $.call.tag: unknown call "
                                                   "reference"), found


def test_a_reference_given_as_an_override_is_checked_in_a_file_without_any(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n")
    with pytest.raises(ScenarioError, match="unknown call reference"):
        load_scenarios(path, overrides={"call": {"tag": "{{calls.bob.callId}}"}})
