"""A test tool that never passes a broken call: a table of broken apps, run as a user would.

Each broken app fails its scenario (exit 1) with a message naming the call, the time, what
happened and the YAML that accepts it; the same scenario with that YAML added (the failure's
``accept``, pasted as is) passes. An exception in the app (Flask, FastAPI sync and async) is
seen with its traceback in result.json, the terminal, the HTML report and pytest's failure. Then the strict-mode table: BXML warnings pass, except with
``--strict``, ``strict: true`` or ``pytest --bxmlsim-strict``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import simulator.api  # noqa: F401 - numpy before pytester (see test_pytest_plugin.py)
import simulator.runner  # noqa: F401
from simulator.api import run_scenario
from simulator.batch import Outcome
from simulator.cli import _report_outcome, main

pytest_plugins = ["pytester"]
APPS = Path(__file__).parent / "apps"
BXMLSIM = str(Path(sys.executable).parent / "bxmlsim")  # the real console script


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
    "Flask gather handler raises": ("""
        name: broken
        app: {wsgi: "broken_apps:flask_app"}
        caller: [{wait_for: Gather}, {press: "4"}]
        """, ["app-exception", "disconnect-cause"],
        [["gather webhook, attempt 1, at 0.000 s: the app raised ZeroDivisionError: division by "
          "zero while handling POST http://app.test/gather, and answered HTTP 500",
          "broken_apps.py\", line", ", in average\n", "    return sum(scores) / len(scores)",
          "framework frames left out; the whole traceback is result.json callbacks[1].appError",
          "(no retry or fallback answered: the webhook was not delivered)",
          "- {event: gather, status: 500, appError: ZeroDivisionError}"],
         ["with disconnectCause callback-error: gather webhook could not be delivered: HTTP 500",
          "disconnect_cause: callback-error"]]),
    "FastAPI sync endpoint raises": ("""
        name: broken
        app: {asgi: "broken_apps:fastapi_app"}
        caller: [{wait_for: Gather}, {press: "4"}]
        """, ["app-exception", "disconnect-cause"],
        [["the app raised ZeroDivisionError: division by zero while handling POST "
          "http://app.test/gather, and answered HTTP 500", ", in fastapi_gather\n",
          ", in average\n", "- {event: gather, status: 500, appError: ZeroDivisionError}"],
         ["disconnect_cause: callback-error"]]),
    "FastAPI async endpoint raises": ("""
        name: broken
        call: {answer_url: /answer-async}
        app: {asgi: "broken_apps:fastapi_app"}
        caller: [{wait_for: Gather}, {press: "4"}]
        """, ["app-exception", "disconnect-cause"],
        [["the app raised KeyError: 'missing' while handling POST "
          "http://app.test/gather-async, and answered HTTP 500",
          ", in fastapi_gather_async\n", "- {event: gather, status: 500, appError: KeyError}"],
         ["disconnect_cause: callback-error"]]),
    "Flask logs an exception and still answers": ("""
        name: broken
        call: {answer_url: /logged}
        app: {wsgi: "broken_apps:flask_app"}
        """, ["app-exception"],
        [["initiate webhook, attempt 1, at 0.000 s: the app raised ConnectionError: CRM "
          "unreachable for +15555550100 while handling POST http://app.test/logged",
          ", in crm_lookup\n", "- {event: initiate, appError: ConnectionError}"]]),
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
    "wait_for a Transfer that never comes, to max_duration": ("""
        name: broken
        call: {max_duration: 20}
        app:
          bxml: '<Response><SpeakSentence>Please hold.</SpeakSentence><Pause duration="60"/></Response>'
        caller:
          - say: "agent please"
          - wait_for: Transfer
          - say: "hello"
        """, ["unmet-wait-for", "disconnect-cause"],
        [["the far end of call c-", " waited for Transfer (caller step 2, `wait_for: Transfer`, "
          "from 0.800 s) but no Transfer started before the call ended at 20.000 s (timeout); "
          "the steps after it never ran", "- {kind: unmet-wait-for, verb: Transfer}"],
         ["ended at 20.000 s with disconnectCause timeout", "disconnect_cause: timeout"]]),
    "wait_for a Transfer, the app hangs up": ("""
        name: broken
        app:
          bxml: '<Response><SpeakSentence>Goodbye.</SpeakSentence><Hangup/></Response>'
        caller:
          - wait_for: Transfer
          - say: "hello"
        """, ["unmet-wait-for"],
        [["waited for Transfer (caller step 1, `wait_for: Transfer`, from 0.000 s) but no "
          "Transfer started before the call ended at 0.400 s (hangup)"]]),
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


# ---- the app's own error, end to end: result.json, terminal, HTML report, pytest

RAISING = ["Flask gather handler raises", "FastAPI sync endpoint raises",
           "FastAPI async endpoint raises"]


@pytest.mark.parametrize("name", RAISING)
def test_the_apps_exception_is_in_result_json_on_the_attempt_and_its_webhook_entry(
        tmp_path, name):
    yaml, _, _ = BROKEN[name]
    run_scenario(write(tmp_path, yaml), tmp_path / "out")
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    [raised] = [(i, c) for i, c in enumerate(result["callbacks"]) if c.get("appError")]
    index, attempt = raised
    error = attempt["appError"]
    assert set(error) == {"type", "message", "traceback"}
    assert error["traceback"].startswith("Traceback (most recent call last):\n")
    assert error["traceback"].rstrip().endswith(f"{error['type']}: {error['message']}")
    assert "broken_apps.py" in error["traceback"]
    assert "simulator" + "/transports" not in error["traceback"]  # not how it reached the app
    assert "httpx2" not in error["traceback"] and "a2wsgi" not in error["traceback"]
    [entry] = [e for e in result["timeline"] if e["kind"] == "webhook"
               and e["detail"]["eventType"] == attempt["eventType"]]
    assert entry["detail"]["appError"] == f"{error['type']}: {error['message']}"
    assert entry["detail"]["status"] == 500 and entry["detail"]["ok"] is False
    assert "appError" not in result["callbacks"][0]  # the answer went well: no key at all


def test_an_app_without_a_framework_has_only_its_own_frames(tmp_path):
    (tmp_path / "bare.py").write_text(textwrap.dedent("""
        def app(environ, start_response):
            return lookup(environ["PATH_INFO"])

        def lookup(path):
            return {}[path]
        """))
    path = write(tmp_path, "name: bare\napp: {wsgi: 'bare:app'}\n")
    error = run_scenario(path).callbacks[0].app_error
    trace = error["traceback"]
    assert trace.splitlines()[0] == "Traceback (most recent call last):"
    assert [line.split(", in ")[-1] for line in trace.splitlines() if line.startswith("  File")] \
        == ["app", "lookup"]


def test_the_terminal_shows_the_traceback_in_the_fail_block_apart_from_the_apps_log(tmp_path):
    yaml, _, _ = BROKEN["Flask gather handler raises"]
    path = write(tmp_path, yaml)
    done = subprocess.run([BXMLSIM, "run", str(path), "--out", str(tmp_path / "out")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    block = done.stdout.split("FAIL broken", 1)[1]
    first = block.index("the app raised ZeroDivisionError")
    frames = block[first:block.index("to accept it", first)]
    assert 'File "broken_apps.py", line' in frames and "return sum(scores) / len(scores)" in \
        frames and "ZeroDivisionError: division by zero\n" in frames
    assert "ERROR in app" not in done.stdout  # Flask's own log: on stderr, as Flask writes it
    assert "Exception on /gather [POST]" in done.stderr


def test_a_fail_block_is_written_at_once_so_other_workers_output_cannot_split_it(tmp_path):
    """With -j N the apps of other workers log on the same terminal while a block prints."""
    yaml, _, _ = BROKEN["Flask gather handler raises"]
    result = run_scenario(write(tmp_path, yaml))
    outcome = Outcome(name="broken", where="s.scenario.yaml:1", out_dir=None, passed=False,
                      failures=tuple(result.failures), result=result.to_json())
    printed = []

    class Console:   # rich's print (a terminal), or its file written directly (not one)
        def print(self, text):
            printed.append(text)

        class file:
            write = printed.append

            def flush():
                pass

    for verbose, plain in ((False, False), (True, False), (False, True), (True, True)):
        printed.clear()
        assert _report_outcome(Console(), outcome, verbose, plain=plain) == "failed"
        [block] = printed
        assert block.count("line ") >= 2 and "the app raised ZeroDivisionError" in block


def test_the_html_report_shows_the_traceback_on_the_webhook(tmp_path):
    yaml, _, _ = BROKEN["FastAPI async endpoint raises"]
    res = cli("run", str(write(tmp_path, yaml)), "--html", "--out", str(tmp_path / "out"))
    assert res.exit_code == 1
    [report] = (tmp_path / "out").glob("*/report.html")
    page = report.read_text()
    assert "in fastapi_gather_async" in page and "KeyError: &#39;missing&#39;" in page


def test_a_pytest_failure_shows_the_apps_traceback_for_scenario_files_and_the_fixture(
        pytester):
    shutil.copy(APPS / "broken_apps.py", pytester.path / "broken_apps.py")
    yaml, _, _ = BROKEN["Flask gather handler raises"]
    (pytester.path / "crash.scenario.yaml").write_text(textwrap.dedent(yaml).lstrip())
    pytester.makepyfile(test_crash="""
        from broken_apps import fastapi_app

        def test_async_gather(bxmlsim):
            bxmlsim.run(app=fastapi_app, call={"answer_url": "/answer-async"},
                        caller=[{"wait_for": "Gather"}, {"press": "4"}]).assert_ok()
        """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    text = result.stdout.str()
    scenario_part, fixture_part = text.split("test_async_gather", 1)
    assert "crash.scenario.yaml:2: gather webhook, attempt 1, at 0.000 s: the app raised " \
           "ZeroDivisionError" in scenario_part
    assert ", in average" in scenario_part and "appError: ZeroDivisionError}" in scenario_part
    assert "the app raised KeyError: 'missing'" in fixture_part
    assert ", in fastapi_gather_async" in fixture_part and "ResultFailed" in fixture_part


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


def test_the_pytest_option_makes_the_fixtures_runs_strict_too(pytester):
    pytester.makepyfile(test_warned="""
        def test_record(bxmlsim):
            bxmlsim.run(app={"/answer": '<Response><Record maxDuration="2"/></Response>'}
                        ).assert_ok()
        """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-strict")
    result.assert_outcomes(failed=1)
    assert "BXML warning BX402" in result.stdout.str() and "ResultFailed" in result.stdout.str()
