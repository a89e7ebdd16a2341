"""Scenario key ``machine_detection`` (createCall ``machineDetection``, spec voice-api.md §3.1)
under ``call:`` (an outbound main call) and ``calls.<name>:``; each bad input as
``file:line: $.path: what; expected X, got Y``."""

from __future__ import annotations

import pytest

from scenario_files import problems, write
from simulator.scenario import model
from simulator.scenario.load import load_scenarios


def test_an_empty_mapping_is_detection_with_the_spec_defaults(tmp_path):
    [scenario] = load_scenarios(write(tmp_path, """
        name: dialer
        call:
          direction: outbound
          machine_detection: {}
    """))
    amd = scenario.call.machine_detection
    assert amd == model.MachineDetection(line=4)
    assert (amd.mode, amd.detection_timeout, amd.silence_timeout, amd.speech_threshold,
            amd.speech_end_threshold, amd.delay_result) == ("async", 15.0, 10.0, 10.0, 5.0, False)
    assert amd.machine_end_threshold == 5.0  # defaults to speech_end_threshold
    assert (amd.callback_method, amd.fallback_method) == ("POST", "POST")


def test_every_key_is_read_on_the_main_call_and_on_a_created_call(tmp_path):
    [scenario] = load_scenarios(write(tmp_path, """
        name: dialer
        call:
          direction: outbound
          machine_detection:
            mode: async
            detection_timeout: 30
            silence_timeout: 4
            speech_threshold: 6
            speech_end_threshold: 1.5
            machine_speech_end_threshold: 2
            delay_result: true
            callback_url: /amd
            callback_method: GET
            username: u
            password: p
            fallback_url: https://backup.test/amd
            fallback_method: GET
            fallback_username: fu
            fallback_password: fp
        calls:
          lead:
            to: "+15555550123"
            machine_detection: {mode: sync, delay_result: true}
    """))
    amd = scenario.call.machine_detection
    assert amd == model.MachineDetection(
        mode="async", detection_timeout=30, silence_timeout=4, speech_threshold=6,
        speech_end_threshold=1.5, machine_speech_end_threshold=2, delay_result=True,
        callback_url="/amd", callback_method="GET", username="u", password="p",
        fallback_url="https://backup.test/amd", fallback_method="GET",
        fallback_username="fu", fallback_password="fp", line=4)
    assert amd.machine_end_threshold == 2.0
    lead = scenario.calls["lead"].machine_detection
    assert (lead.mode, lead.delay_result, lead.line) == ("sync", True, 23)


def test_null_or_absent_means_no_detection(tmp_path):
    [scenario] = load_scenarios(write(tmp_path, """
        name: dialer
        call: {direction: outbound, machine_detection: null}
        calls: {lead: {to: "+15555550123"}}
    """))
    assert scenario.call.machine_detection is None
    assert scenario.calls["lead"].machine_detection is None


@pytest.mark.parametrize("text, expected", [
    ("""
        name: x
        call:
          direction: outbound
          machine_detection: sync
     """, ["s.yaml:4: $.call.machine_detection: wrong type; expected a mapping such as "
           "{mode: sync, delay_result: true}, got a string ('sync')"]),
    ("""
        name: x
        call:
          direction: outbound
          machine_detection:
            speech_threshold: "10"
            delay_result: "yes"
     """, ["s.yaml:5: $.call.machine_detection.speech_threshold: wrong type; expected a "
           "number (seconds), got a string ('10')",
           "s.yaml:6: $.call.machine_detection.delay_result: wrong type; expected true or "
           "false, got a string ('yes')"]),
    ("""
        name: x
        call:
          direction: outbound
          machine_detection: {mode: sync, beep: true}
     """, ["s.yaml:4: $.call.machine_detection.beep: unknown key; expected one of mode, "
           "detection_timeout, silence_timeout, speech_threshold, speech_end_threshold, "
           "machine_speech_end_threshold, delay_result, callback_url, callback_method, "
           "username, password, fallback_url, fallback_method, fallback_username, "
           "fallback_password, got 'beep'"]),
    ("""
        name: x
        call:
          direction: outbound
          machine_detection:
            mode: synchronous
            detection_timeout: 0
            silence_timeout: -2
            machine_speech_end_threshold: 0
     """, ["s.yaml:5: $.call.machine_detection.mode: bad value; expected sync (the answer "
           "webhook waits for the result) or async (machineDetectionComplete to "
           "callback_url), got 'synchronous'",
           "s.yaml:6: $.call.machine_detection.detection_timeout: bad value; expected a "
           "positive number of seconds, got 0.0",
           "s.yaml:7: $.call.machine_detection.silence_timeout: bad value; expected a "
           "positive number of seconds, got -2.0",
           "s.yaml:8: $.call.machine_detection.machine_speech_end_threshold: bad value; "
           "expected a positive number of seconds, got 0.0"]),
    ("""
        name: x
        calls:
          lead:
            to: "+15555550123"
            machine_detection:
              callback_url: "ftp://amd.test/x"
              callback_method: PUT
     """, ["s.yaml:6: $.calls.lead.machine_detection.callback_url: bad URL; expected an "
           "http:// or https:// URL, or a path such as /answer, got 'ftp://amd.test/x'",
           "s.yaml:7: $.calls.lead.machine_detection.callback_method: bad value; expected GET "
           "or POST, got 'PUT'"]),
    ("""
        name: x
        call:
          direction: outbound
          machine_detection:
            mode: sync
            callback_url: /amd
            fallback_url: /amd2
     """, ["s.yaml:4: $.call.machine_detection: conflicting keys; expected no callback_url, "
           "fallback_url with mode: sync (the answer webhook carries the result; "
           "machineDetectionComplete is async only), got 'mode, callback_url, fallback_url'"]),
    ("""
        name: x
        call:
          direction: outbound
          machine_detection: {fallback_url: /amd2, username: u}
     """, ["s.yaml:4: $.call.machine_detection: conflicting keys; expected callback_url "
           "beside username, fallback_url (without it no machineDetectionComplete is sent), "
           "got 'username, fallback_url'"]),
    ("""
        name: x
        call:
          machine_detection: {mode: sync}
     """, ["s.yaml:3: $.call.machine_detection: conflicting keys; expected direction: "
           "outbound (machine detection is a createCall option: only calls the app places), "
           "got 'direction: inbound'"]),
])
def test_bad_machine_detection_keys_are_reported_with_line_and_path(tmp_path, text, expected):
    assert sorted(problems(tmp_path, text)) == sorted(expected)


def test_credentials_and_urls_longer_than_createcall_allows_are_refused(tmp_path):
    long_name = "u" * 1025
    [problem] = problems(tmp_path, f"""
        name: x
        call:
          direction: outbound
          machine_detection: {{callback_url: /amd, username: {long_name}}}
    """)
    assert problem == ("s.yaml:4: $.call.machine_detection.username: too long; expected at "
                       "most 1024 characters, got '1025 characters'")


@pytest.mark.parametrize("key", ["detection_timeout", "silence_timeout", "speech_threshold",
                                 "speech_end_threshold", "machine_speech_end_threshold"])
def test_timings_longer_than_four_hours_are_refused(tmp_path, key):
    """The spec sets no maximum; detection cannot outlast a call (14400 s by default), and a
    value such as 1e8 s is a mistake, refused before it runs."""
    [problem] = problems(tmp_path, f"""
        name: x
        call:
          direction: outbound
          machine_detection:
            {key}: 1e8
    """)
    assert problem == (f"s.yaml:5: $.call.machine_detection.{key}: bad value; expected a "
                       "positive number of seconds, at most 14400 (4 hours, the longest call "
                       "by default), got 100000000.0")
    [scenario] = load_scenarios(write(tmp_path, f"""
        name: x
        call: {{direction: outbound, machine_detection: {{{key}: 14400}}}}
    """))
    assert getattr(scenario.call.machine_detection, key) == 14400
