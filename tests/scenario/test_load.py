"""Scenario loader: YAML -> model, and every bad input as ``file:line: $.path: ...``."""

from __future__ import annotations

import pytest

from scenario_files import problems, write
from simulator.callbacks import EVENT_TYPES
from simulator.errors import ScenarioError
from simulator.scenario import model
from simulator.scenario.load import load_mapping, load_scenarios, load_text
from simulator.timeline import KINDS


def test_full_scenario_becomes_the_typed_model(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "vm.xml").write_text("<Response/>")
    (tmp_path / "caller.wav").write_bytes(b"RIFF")
    path = write(tmp_path, """
        name: voicemail
        seed: 7
        call:
          direction: outbound
          from: "+15550001111"
          max_duration: 120
        app:
          routes:
            /answer: {file: flows/vm.xml}
            /done: "<Response><Hangup/></Response>"
            /flaky: {status: 503, delay: 20, body: ""}
        caller:
          - wait_for: Record
          - say: "Hi, it's Sam"
            seconds: 3
          - silence: 2
          - press: "0123#"
          - play: caller.wav
          - hangup: true
            at: 30
        parties:
          "+15555550123": {answer_after: 3, caller: [{say: hello}]}
    """)
    [s] = load_scenarios(path)
    assert s.name == "voicemail" and s.seed == 7 and s.file == path and s.line == 1
    assert s.base_dir == tmp_path.resolve()
    assert s.call.direction == "outbound" and s.call.from_ == "+15550001111"
    assert s.call.max_duration == 120.0 and s.call.answer_url == "/answer"
    routes = s.app.routes
    assert routes["/answer"].file == (tmp_path / "flows" / "vm.xml").resolve()
    assert routes["/done"].bxml == "<Response><Hangup/></Response>"
    assert (routes["/flaky"].status, routes["/flaky"].delay, routes["/flaky"].body) == (503, 20.0, "")
    assert routes["/flaky"].line == 11
    assert s.caller == (
        model.WaitFor(verb="Record", line=13),
        model.Say(text="Hi, it's Sam", seconds=3.0, line=14),
        model.Silence(seconds=2.0, line=16),
        model.Press(digits="0123#", line=17),
        model.Play(path=(tmp_path / "caller.wav").resolve(), line=18),
        model.Hangup(at=30.0, line=19),
    )
    party = s.parties["+15555550123"]
    assert party.answer_after == 3.0 and party.caller == (model.Say(text="hello", line=22),)


def test_several_scenarios_under_scenarios_key(tmp_path):
    path = write(tmp_path, """
        scenarios:
          - name: one
          - name: two
            seed: 3
    """)
    one, two = load_scenarios(path)
    assert (one.name, one.line, two.name, two.seed, two.line) == ("one", 2, "two", 3, 3)


def test_defaults_follow_the_contract(tmp_path):
    [s] = load_scenarios(write(tmp_path, "name: x\n"))
    assert s.call == model.CallSettings()
    assert s.app.base_url == "http://app.test" and s.caller == () and s.expect is None


def test_call_refer_scripts_the_callers_sip_endpoint(tmp_path):
    """`call.refer`: omitted keys keep the cooperative phone's defaults; null is meaningful."""
    scenarios = load_scenarios(write(tmp_path, """
        scenarios:
          - name: defaults
          - name: busy target
            call: {refer: {notify: 486, notify_after: 3}}
          - name: rejected
            call: {refer: {response: 603}}
          - name: silent phone
            call: {refer: {response: null}}
          - name: no notify
            call: {refer: {notify: null}}
    """))
    assert [s.call.refer for s in scenarios] == [
        model.ReferResponse(response=202, notify=200, notify_after=1.0),
        model.ReferResponse(notify=486, notify_after=3.0),
        model.ReferResponse(response=603), model.ReferResponse(response=None),
        model.ReferResponse(notify=None)]


def test_plain_mapping_resolves_against_the_given_folder(tmp_path):
    (tmp_path / "a.xml").write_text("<Response/>")
    [s] = load_mapping({"name": "m", "app": {"routes": {"/answer": {"file": "a.xml"}}}},
                       base_dir=tmp_path)
    assert s.app.routes["/answer"].file == (tmp_path / "a.xml").resolve() and s.file is None


# (YAML body, line, key path, words the message must contain)
ERRORS = [
    ("name: x\nbogus: 1\n", 2, "$.bogus", "unknown key"),
    ("seed: 1\n", 1, "$.name", "missing required key"),
    ("name: '  '\n", 1, "$.name", "non-empty scenario name"),
    ("name: x\ncall:\n  direction: sideways\n", 3, "$.call.direction", "inbound or outbound"),
    ("name: x\ncall:\n  from: 15555550100\n", 3, "$.call.from", "expected a string"),
    ("name: x\ncall:\n  max_duration: -5\n", 3, "$.call.max_duration", "positive number"),
    ("name: x\ncall:\n  max_duration: soon\n", 3, "$.call.max_duration", "a number (seconds)"),
    ("name: x\ncall:\n  answer_method: PUT\n", 3, "$.call.answer_method", "GET or POST"),
    ("name: x\ncall:\n  refer:\n    response: abc\n", 4, "$.call.refer.response",
     "wrong type; expected an integer, got a string ('abc')"),
    ("name: x\ncall:\n  refer:\n    response: 99\n", 4, "$.call.refer.response",
     "expected a final SIP status code 200-699 (2xx accepts the REFER), or null (no response)"),
    ("name: x\ncall:\n  refer:\n    notify: 180\n", 4, "$.call.refer.notify",
     "200-699 (2xx is success), or null (no final NOTIFY), got 180"),
    ("name: x\ncall:\n  refer:\n    notify_after: -1\n", 4, "$.call.refer.notify_after",
     ">= 0"),
    ("name: x\ncall:\n  refer:\n    notify_after: true\n", 4, "$.call.refer.notify_after",
     "a number (seconds)"),
    ("name: x\ncall:\n  refer:\n    response: 603\n    notify: 200\n", 3, "$.call.refer",
     "conflicting keys; expected no notify: a REFER that is not accepted (response not 2xx) "
     "gets no NOTIFY, got 'response, notify'"),
    ("name: x\ncall:\n  refer:\n    response: null\n    notify_after: 2\n", 3, "$.call.refer",
     "got 'response, notify_after'"),
    ("name: x\ncall:\n  refer:\n    notify: null\n    notify_after: 2\n", 3, "$.call.refer",
     "no notify_after with notify: null"),
    ("name: x\ncall:\n  refer:\n    notfiy: 200\n", 4, "$.call.refer.notfiy",
     "unknown key; expected one of response, notify, notify_after"),
    ("name: x\ncall:\n  refer:\n", 3, "$.call.refer", "expected a mapping, got null"),
    ("name: x\ncaller:\n  - press: 0123\n", 3, "$.caller[0].press", "got an integer (123)"),
    ("name: x\ncaller:\n  - say: hi\n  - press: '12x'\n", 4, "$.caller[1].press", "DTMF"),
    ("name: x\ncaller:\n  - silence: -1\n", 3, "$.caller[0].silence", ">= 0"),
    ("name: x\ncaller:\n  - say: hi\n    at: -2\n", 4, "$.caller[0].at", ">= 0"),
    ("name: x\ncaller:\n  - {say: hi, press: '1'}\n", 3, "$.caller[0]", "exactly one of"),
    ("name: x\ncaller:\n  - shout: hi\n", 3, "$.caller[0]", "exactly one of"),
    ("name: x\ncaller:\n  - say: hi\n    volume: 3\n", 4, "$.caller[0].volume", "unknown key"),
    ("name: x\ncaller:\n  - hangup: false\n", 3, "$.caller[0].hangup", "true"),
    ("name: x\ncaller:\n  - hangup: yes\n", 3, "$.caller[0].hangup", "true or false"),
    ("name: x\ncaller:\n  - play: nope.wav\n", 3, "$.caller[0].play", "file not found"),
    ("name: x\ncaller:\n  - wait_for: Recrod\n", 3, "$.caller[0].wait_for", "unknown BXML verb"),
    ("name: x\napp:\n  routes:\n    /a: {file: gone.xml}\n", 4, '$.app.routes["/a"].file',
     "file not found"),
    ("name: x\napp:\n  routes:\n    /a: {status: 999}\n", 4, '$.app.routes["/a"].status',
     "100-599"),
    ("name: x\napp:\n  routes:\n    /a: {fault: unplugged}\n", 4, '$.app.routes["/a"].fault',
     "refused or reset"),
    ("name: x\napp:\n  routes:\n    /a: {fault: refused, status: 503}\n", 4,
     '$.app.routes["/a"]', "either fault or a reply"),
    ("name: x\napp:\n  routes:\n    /a: {fault: reset, bxml: '<Response/>'}\n", 4,
     '$.app.routes["/a"]', "got 'fault, bxml'"),
    ("name: x\napp:\n  routes:\n    /a: {fault: true}\n", 4, '$.app.routes["/a"].fault',
     "expected a string"),
    ("name: x\napp:\n  routes:\n    answer: '<Response/>'\n", 4, "$.app.routes.answer",
     "starting with /"),
    ("name: x\napp:\n  routes:\n    /a: 5\n", 4, '$.app.routes["/a"]', "inline BXML string"),
    ("name: x\napp:\n  wsgi: not a module\n", 3, "$.app.wsgi", "module:attribute"),
    ("name: x\nparties:\n  '+1555':\n    status: maybe\n", 4, '$.parties["+1555"].status',
     "busy"),
    ("name: x\nexpect:\n  callbakcs: []\n", 3, "$.expect.callbakcs", "unknown key"),
    ("name: x\nexpect:\n  recordings:\n    - {length: 3}\n", 4, "$.expect.recordings[0].length",
     "unknown key"),
    ("name: x\nexpect:\n  callbacks:\n    - event: gather\n      payload: {digits: {regex: '('}}\n",
     5, "$.expect.callbacks[0].payload.digits.regex", "bad regular expression"),
    ("name: x\nexpect:\n  digits: 12\n", 3, "$.expect.digits", "quote it"),
    ("name: x\nexpect:\n  callbacks: {exact: yes, events: []}\n", 3, "$.expect.callbacks.exact",
     "true or false"),
    ("name: x\nrecording_processing:\n  recording_available: -1\n", 3,
     "$.recording_processing.recording_available", "seconds from 0 to 86400, got -1.0"),
    ("name: x\nrecording_processing:\n  transcription_available: 90000\n", 3,
     "$.recording_processing.transcription_available", "seconds from 0 to 86400"),
    ("name: x\nrecording_processing:\n  recording_available: .nan\n", 3,
     "$.recording_processing.recording_available", "a finite number (seconds)"),
    ("name: x\nrecording_processing:\n  recording_available: 5\n  transcription_available: 2\n",
     4, "$.recording_processing.transcription_available",
     ">= recording_available (5 s): a transcription is made from the processed recording"),
    ("name: x\nrecording_processing:\n  recording_available: soon\n", 3,
     "$.recording_processing.recording_available", "a number (seconds)"),
    ("name: x\nrecording_processing:\n  media: 2\n", 3, "$.recording_processing.media",
     "unknown key; expected one of recording_available, transcription_available"),
    ("scenarios:\n  - name: a\n  - name: b\n    seed: -1\n", 4, "$.scenarios[1].seed", ">= 0"),
    ("scenarios: []\n", 1, "$.scenarios", "non-empty list"),
]


def test_recording_processing_is_zero_unless_given(tmp_path):
    [default] = load_mapping({"name": "x"})
    assert default.recording_processing == model.RecordingProcessing(0.0, None)
    assert default.recording_processing.transcription_delay == 0.0
    [given] = load_mapping({"name": "x", "recording_processing": {"recording_available": 2}})
    assert given.recording_processing.transcription_delay == 2.0   # follows the recording
    [both] = load_mapping({"name": "x", "recording_processing": {
        "recording_available": 1.5, "transcription_available": 30}})
    assert (both.recording_processing.recording_available,
            both.recording_processing.transcription_delay) == (1.5, 30.0)


def test_route_faults_become_the_typed_model(tmp_path):
    """`fault: refused|reset` is a route with no HTTP reply; an omitted status is 200."""
    [s] = load_scenarios(write(tmp_path, """
        name: faults
        app:
          routes:
            /down: {fault: refused}
            /drop: {fault: reset, delay: 2}
            /ok: {status: 200}
            /plain: {bxml: "<Response/>"}
    """))
    routes = s.app.routes
    assert routes["/down"] == model.Route(fault="refused", line=4)
    assert routes["/drop"] == model.Route(fault="reset", delay=2.0, line=5)
    assert routes["/ok"].status == routes["/plain"].status == 200
    assert routes["/ok"].fault is None and routes["/plain"].fault is None


@pytest.mark.parametrize("body,line,path,words", ERRORS, ids=[e[2] for e in ERRORS])
def test_bad_input_names_file_line_and_key_path(tmp_path, body, line, path, words):
    file = write(tmp_path, body)
    with pytest.raises(ScenarioError) as info:
        load_scenarios(file)
    text = str(info.value)
    assert text.startswith(f"{file}:{line}: {path}: "), text
    assert words in text


def test_every_problem_is_reported_at_once(tmp_path):
    file = write(tmp_path, """
        name: x
        call:
          direction: sideways
        caller:
          - press: "9z"
    """)
    with pytest.raises(ScenarioError) as info:
        load_scenarios(file)
    assert info.value.problems == [
        f"{file}:3: $.call.direction: bad value; expected inbound or outbound, got 'sideways'",
        f"{file}:5: $.caller[0].press: bad DTMF digits; expected characters from 0-9 * # A-D, "
        f"got '9z'",
    ]
    assert str(info.value) == "\n".join(info.value.problems)


@pytest.mark.parametrize("text,line,words", [
    ("name: a\nname: b\n", 2, "duplicate key"),
    ("name: [unclosed\n", 2, "invalid YAML"),
])
def test_yaml_syntax_errors_have_a_line(text, line, words):
    with pytest.raises(ScenarioError) as info:
        load_text(text, file="bad.yaml")
    assert str(info.value).startswith(f"bad.yaml:{line}: ") and words in str(info.value)


def test_yaml_1_2_keeps_no_as_a_string(tmp_path):
    [s] = load_scenarios(write(tmp_path, "name: x\ncaller:\n  - say: no\n"))
    assert s.caller[0].text == "no"


def test_unreadable_file_is_a_scenario_error(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        load_scenarios(tmp_path / "missing.yaml")


def test_mappings_read_as_model_classes_keep_their_yaml_keys_only(tmp_path):
    """call, call.refer, machine_detection and update_conference_member are read straight into
    their model classes (scenario/schema.py): a model-only field (the line the loader sets)
    is no YAML key, and a list of call names must be a list."""
    assert problems(tmp_path, """
        name: x
        call:
          direction: outbound
          machine_detection: {line: 3, mode: sync}
          refer: {respons: 200}
        rest:
          - at: 1
            conference: room
            update_conference_member: {member: main, call_ids_to_coach: agent}
    """) == [
        "s.yaml:4: $.call.machine_detection.line: unknown key; expected one of mode, "
        "detection_timeout, silence_timeout, speech_threshold, speech_end_threshold, "
        "machine_speech_end_threshold, delay_result, callback_url, callback_method, username, "
        "password, fallback_url, fallback_method, fallback_username, fallback_password, got "
        "'line'",
        "s.yaml:5: $.call.refer.respons: unknown key; expected one of response, notify, "
        "notify_after, got 'respons'; did you mean 'response'?",
        "s.yaml:9: $.rest[0].update_conference_member.call_ids_to_coach: wrong type; expected "
        "a list, got a string ('agent')"]


def test_every_problem_of_a_file_is_reported_in_one_pass_with_did_you_mean(tmp_path):
    """Unknown keys, wrong types, missing files, unknown wait_for verbs and unknown names in
    expect, all at once: one broken piece does not hide the checks of the others."""
    path = tmp_path / "all.yaml"
    path.write_text(
        "name: everything wrong\n"
        "call:\n"
        "  directon: inbound\n"                      # 3: unknown key
        "  max_duration: soon\n"                     # 4: wrong type
        "app:\n"
        "  routes:\n"
        "    /answer: {file: flows/missing.xml}\n"   # 7: missing file
        "caller:\n"
        "  - wait_for: Recrod\n"                     # 9: unknown verb
        "  - press: 123\n"                           # 10: wrong type
        "  - say: hello\n"
        "    volume: 3\n"                            # 12: unknown key
        "expect:\n"
        "  callbacks: [initiate, gahter]\n"          # 14: unknown event
        "  timeline: [{kind: verb-strat}]\n"         # 15: unknown kind
        "  dsconnect_cause: hangup\n")               # 16: unknown key
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    lines = [line.replace(str(path), "all.yaml") for line in caught.value.problems]
    assert lines == [
        "all.yaml:3: $.call.directon: unknown key; expected one of direction, from, to, "
        "answer_url, answer_method, disconnect_url, tag, max_duration, callback_timeout, refer, "
        "machine_detection, got 'directon'; did you mean 'direction'?",
        "all.yaml:4: $.call.max_duration: wrong type; expected a number (seconds), got a "
        "string ('soon')",
        f"all.yaml:7: $.app.routes[\"/answer\"].file: file not found; expected a file relative "
        f"to {tmp_path.resolve()}, got 'flows/missing.xml'",
        "all.yaml:9: $.caller[0].wait_for: unknown BXML verb; expected a verb name such as "
        "Record, got 'Recrod'; did you mean 'Record'?",
        "all.yaml:10: $.caller[1].press: wrong type; expected a string (quote digits, e.g. "
        "\"0123\"), got an integer (123)",
        "all.yaml:12: $.caller[2].volume: unknown key; expected one of say, seconds, at, got "
        "'volume'",
        "all.yaml:14: $.expect.callbacks[1]: unknown webhook event; expected one of "
        + ", ".join(EVENT_TYPES) + ", got 'gahter'; did you mean 'gather'?",
        "all.yaml:15: $.expect.timeline[0].kind: unknown timeline kind; expected one of "
        + ", ".join(KINDS) + ", got 'verb-strat'; did you mean 'verb-start'?",
        "all.yaml:16: $.expect.dsconnect_cause: unknown key; expected one of callbacks, "
        "no_callbacks, recordings, calls, disconnect_cause, digits, timeline, got "
        "'dsconnect_cause'; did you mean 'disconnect_cause'?",
    ]


@pytest.mark.parametrize("text, expected", [
    ("name: x\ncaller:\n  - {wait_for: Gather}\n  - say\n  - {silence: 1, at: -1}\n",
     ["x.yaml:4: $.caller[1]: wrong type; expected a step mapping such as {say: \"hello\"}, "
      "got a string ('say')",
      "x.yaml:5: $.caller[2].at: bad value; expected a number of seconds >= 0, got -1.0"]),
    ("seed: 1\ncaller:\n  - {play: gone.wav}\n",
     ["x.yaml:1: $.name: missing required key; expected 'name'",
      "x.yaml:3: $.caller[0].play: file not found"]),
    ("name: x\nparties:\n  15555550123: {status: busy}\n  '+15555550124': {status: bsy}\n",
     ["x.yaml:3: $.parties[15555550123]: wrong type; expected a string key (quote it, "
      "e.g. \"+15555550123\"), got an integer (15555550123)",
      "x.yaml:4: $.parties[\"+15555550124\"].status: bad value; expected answer, busy or "
      "no-answer, got 'bsy'"]),
])
def test_a_broken_piece_leaves_its_neighbours_checked(tmp_path, text, expected):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    lines = [line.replace(str(path), "x.yaml") for line in caught.value.problems]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected):
        assert line.startswith(start), line


# ---- value bounds (issue 14, docs/limits.md) ---------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("caller", [{"say": "a year", "seconds": 31536000}]),
    ("caller", [{"silence": float("inf")}]),
    ("caller", [{"say": "x", "seconds": float("nan")}]),
    ("caller", [{"press": "1", "tone": 1e9}]),
    ("caller", [{"hangup": True, "at": 1e12}]),
    ("call", {"max_duration": 1e9}),
])
def test_durations_and_times_are_finite_and_at_most_24_hours(key, value):
    from simulator.errors import ScenarioError
    from simulator.scenario.load import load_mapping

    with pytest.raises(ScenarioError, match=r"at most 86400 \(24 hours\)|a finite number"):
        load_mapping({"name": "x", "app": {"bxml": "<Response/>"}, key: value})


def test_a_scenario_reached_through_a_symlinked_folder_has_the_resolved_folder(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    path = write(tmp_path / "link", "name: through a link\napp: {bxml: <Response/>}\n")
    [scenario] = load_scenarios(path)
    assert scenario.base_dir == (tmp_path / "real").resolve()


def test_the_same_mistakes_read_the_same_in_every_file_of_a_suite(tmp_path):
    """What the loader works out once per schema class (its keys, types, required ones) is
    the same for every file: a typo, a missing key and a wrong type in the same place read
    the same in the third file as in the first, whatever was loaded in between."""
    bad = """
        name: typo
        call: {directon: outbound, max_duration: "long"}
        caller:
          - {say: "hi", press: "1"}
        """
    first = problems(tmp_path, bad)
    [good] = load_scenarios(write(tmp_path, "name: fine\ncall: {direction: outbound}\n"
                                            "caller: [{say: hi}]\n", "good.yaml"))
    assert good.call.direction == "outbound"
    assert problems(tmp_path, bad) == first
    assert any("directon" in p and "'direction'" in p for p in first)
    assert any("max_duration" in p and "wrong type" in p for p in first)
    assert any("exactly one of" in p for p in first)
