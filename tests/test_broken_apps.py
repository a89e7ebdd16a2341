"""A test tool that never passes a broken call: a table of broken apps, run as a user would.

Each broken app fails its scenario (exit 1) with a message naming the call, the time, what
happened and the YAML that accepts it; the same scenario with that YAML added (the failure's
``accept``, pasted as is) passes. Then the strict-mode table: BXML warnings pass, except with
``--strict``, ``strict: true`` or ``pytest --bxmlsim-strict``.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import simulator.api  # noqa: F401 - numpy before pytester (see test_pytest_plugin.py)
import simulator.runner  # noqa: F401
from simulator.api import run_scenario
from simulator.cli import main

pytest_plugins = ["pytester"]
APPS = Path(__file__).parent / "apps"


def write(folder: Path, yaml: str, name: str = "s.scenario.yaml") -> Path:
    shutil.copy(APPS / "broken_apps.py", folder / "broken_apps.py")
    path = folder / name
    path.write_text(textwrap.dedent(yaml).lstrip())
    return path


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback (most recent call last)" not in result.output or "app raised" in \
        result.output, result.output
    return result


def with_accepted(yaml: str, accepts: list[str]) -> str:
    """The scenario with every ``accept`` YAML merged into its ``expect``."""
    reader = YAML(typ="safe")
    doc = reader.load(textwrap.dedent(yaml))
    expect = doc.setdefault("expect", {}) or {}
    doc["expect"] = expect
    for accept in accepts:
        for key, value in reader.load(accept).items():
            if isinstance(value, list) and isinstance(expect.get(key), list):
                expect[key] = expect[key] + value
            else:
                expect[key] = value
    return json.dumps(doc)  # JSON is YAML


# (id, scenario, kinds of the failures in order, words each message has)
BROKEN = {
    "500 rescued by the fallback": ("""
        name: broken
        app:
          bxml: '<Response><Redirect redirectUrl="/menu" redirectFallbackUrl="https://backup.test/menu"/></Response>'
          routes:
            /menu: {status: 500, body: "oops"}
            https://backup.test/menu: "<Response><SpeakSentence>Backup menu.</SpeakSentence></Response>"
        """, ["webhook-status"],
        [["redirect webhook, attempt 1, at 0.000 s: POST http://app.test/menu answered HTTP 500",
          "(rescued: the fallback URL, POST https://backup.test/menu, answered 200",
          "- {event: redirect, status: 500}"]]),
    "invalid reply from a Flask app": ("""
        name: broken
        call: {answer_url: /garbage}
        app: {wsgi: "broken_apps:flask_app"}
        """, ["disconnect-cause"],
        [["(the scenario's inbound call) ended at 0.000 s with disconnectCause invalid-bxml",
          "http://app.test/garbage:1:1: not well-formed XML",
          "disconnect_cause: invalid-bxml"]]),
    "typo in inline BXML": ("""
        name: broken
        app:
          bxml: '<Response><SpeakSentence>Leave a message.</SpeakSentence><Recrod maxDuration="5"/></Response>'
        """, ["disconnect-cause"],
        [["with disconnectCause invalid-bxml",
          "unknown element <Recrod> in <Response>; did you mean <Record>?"]]),
    "redirect loop to max_duration": ("""
        name: broken
        call: {max_duration: 30}
        app:
          bxml: '<Response><Pause duration="4"/><Redirect redirectUrl="/answer"/></Response>'
        """, ["disconnect-cause"],
        [["ended at 30.000 s with disconnectCause timeout: the call ran past max_duration=30 s",
          "disconnect_cause: timeout"]]),
    "a busy agent on a transfer": ("""
        name: broken
        app:
          bxml: '<Response><Transfer><PhoneNumber>+15555550123</PhoneNumber></Transfer></Response>'
        parties:
          "+15555550123": {status: busy}
        """, ["disconnect-cause"],
        [["(outbound to +15555550123) ended at 0.000 s with disconnectCause busy",
          "calls:\n        - {disconnectCause: hangup}\n        - {disconnectCause: busy}"]]),
    "async webhook refused": ("""
        name: broken
        app:
          bxml: '<Response><Record maxDuration="2" recordingAvailableUrl="/ra"/></Response>'
          routes:
            /ra: {fault: refused}
        """, ["webhook-status", "webhook-status"],
        [["recordingAvailable webhook, attempt 1, at 2.000 s: POST http://app.test/ra "
          "connection refused", "- {event: recordingAvailable, error: connection refused}"],
         ["recordingAvailable webhook, attempt 2, at 2.000 s",
          "(no retry or fallback answered: the webhook was not delivered)"]]),
}


@pytest.mark.parametrize("yaml, kinds, words", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_app_fails_its_scenario_with_what_happened(tmp_path, yaml, kinds, words):
    result = run_scenario(write(tmp_path, yaml), tmp_path / "out")
    assert not result.passed
    assert [f["kind"] for f in result.failures] == kinds
    for failure, expected in zip(result.failures, words):
        for text in expected:
            assert text in failure["message"], failure["message"]
        assert failure["callId"] == result.calls[0]["callId"] or failure["kind"] != \
            "webhook-status"
        assert isinstance(failure["at"], float) and failure["accept"]
    on_disk = json.loads((tmp_path / "out" / "result.json").read_text())
    assert on_disk["failures"] == result.failures


@pytest.mark.parametrize("yaml, kinds, words", BROKEN.values(), ids=BROKEN.keys())
def test_the_cli_exits_1_and_prints_each_failure_with_its_accept(tmp_path, yaml, kinds, words):
    res = cli("run", str(write(tmp_path, yaml)), "--out", str(tmp_path / "out"))
    assert res.exit_code == 1, res.output
    assert res.output.startswith("FAIL broken")
    assert words[0][0] in res.output and "to accept it, add" in res.output


@pytest.mark.parametrize("yaml, kinds, words", BROKEN.values(), ids=BROKEN.keys())
def test_pasting_the_accept_yaml_makes_the_same_run_pass(tmp_path, yaml, kinds, words):
    failures = run_scenario(write(tmp_path, yaml)).failures
    accepted = with_accepted(yaml, [f["accept"] for f in failures])
    result = run_scenario(write(tmp_path, accepted, "accepted.scenario.yaml"))
    assert result.passed, result.failures


def test_an_unknown_template_is_a_load_error_not_a_literal_sent_to_the_app(tmp_path):
    path = write(tmp_path, """
        name: broken
        calls:
          agent: {to: "+15555550123", answer_url: /agent}
        app:
          bxml: "<Response><Bridge>{{calls.agnet.callId}}</Bridge></Response>"
        """)
    res = cli("run", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert "s.scenario.yaml:5: $.app.bxml: unknown call reference; expected " \
           "{{calls.NAME.callId}} with NAME main or a key of `calls:` (main, agent), got " \
           "'{{calls.agnet.callId}}'; did you mean {{calls.agent.callId}}?" in res.output
    assert not (tmp_path / "out" / "broken").exists()  # nothing ran


def test_a_pytest_failure_shows_the_message_and_the_yaml_that_accepts_it(pytester):
    shutil.copy(APPS / "broken_apps.py", pytester.path / "broken_apps.py")
    yaml, _, _ = BROKEN["typo in inline BXML"]
    (pytester.path / "typo.scenario.yaml").write_text(textwrap.dedent(yaml).lstrip())
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "typo.scenario.yaml:1: call c-" in text
    assert "did you mean <Record>?" in text and "disconnect_cause: invalid-bxml" in text


# ---- strict mode: BXML warnings in the documents the app returned

WARNINGS = {
    "verbs after a Redirect never run (BX401)": ("""
        name: warned
        app:
          bxml: '<Response><Redirect redirectUrl="/next"/><SpeakSentence>never</SpeakSentence></Response>'
          routes:
            /next: "<Response/>"
        """, "BX401"),
    "a last Record without recordCompleteUrl (BX402)": ("""
        name: warned
        app:
          bxml: '<Response><Record maxDuration="2"/></Response>'
        """, "BX402"),
}


@pytest.mark.parametrize("yaml, code", WARNINGS.values(), ids=WARNINGS.keys())
def test_bxml_warnings_pass_by_default(tmp_path, yaml, code):
    assert run_scenario(write(tmp_path, yaml)).passed


@pytest.mark.parametrize("yaml, code", WARNINGS.values(), ids=WARNINGS.keys())
def test_strict_cli_flag_fails_on_bxml_warnings(tmp_path, yaml, code):
    path = write(tmp_path, yaml)
    assert cli("run", str(path), "--out", str(tmp_path / "a")).exit_code == 0
    res = cli("run", str(path), "--strict", "--out", str(tmp_path / "b"))
    assert res.exit_code == 1, res.output
    assert f"BXML warning {code}" in res.output and "strict mode fails on BXML warnings" in \
        res.output


@pytest.mark.parametrize("yaml, code", WARNINGS.values(), ids=WARNINGS.keys())
def test_the_strict_scenario_key_fails_on_bxml_warnings_and_naming_them_accepts(
        tmp_path, yaml, code):
    strict = textwrap.dedent(yaml).lstrip() + "strict: true\n"
    [failure] = run_scenario(write(tmp_path, strict)).failures
    assert failure["kind"] == "bxml-warning" and code in failure["message"]
    accepted = with_accepted(strict, [failure["accept"]])
    assert run_scenario(write(tmp_path, accepted, "ok.scenario.yaml")).passed


def test_the_pytest_option_fails_on_bxml_warnings(pytester):
    yaml, code = WARNINGS["a last Record without recordCompleteUrl (BX402)"]
    (pytester.path / "warned.scenario.yaml").write_text(textwrap.dedent(yaml).lstrip())
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-strict")
    result.assert_outcomes(failed=1)
    assert "BXML warning BX402" in result.stdout.str()
