"""Bad input at every entry point: a clear error naming file:line and what was expected.

The product rule (docs/scenarios.md "Errors", docs/webhooks.md): malformed YAML or BXML, missing
or unusable files, apps that cannot load, webhook servers that fail, hang or answer garbage end
in a message naming the file (and line when there is one) and what was expected: never a
traceback. Whatever could run still runs and writes its outputs; recordings made before a
failure are kept and listed in result.json.

Entry points covered: ``bxmlsim lint``, ``bxmlsim run`` (scenario files, folders, bare
FLOW.xml, --out, -j), ``bxmlsim report``, the Python API and the pytest plugin.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

# Import the engine (numpy) up front: in-process pytester runs restore sys.modules afterwards.
import simulator
import simulator.runner  # noqa: F401
from apps.live_server import closed_port_url
from simulator.audio.sink import audio_info
from simulator.cli import main
from simulator.errors import ScenarioError, SimulatorError

pytest_plugins = ["pytester"]

BXMLSIM = str(Path(sys.executable).parent / "bxmlsim")  # the real console script


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    # click exits through SystemExit; anything else escaping the command is a crash
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def console(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed ``bxmlsim`` script, as a user runs it."""
    done = subprocess.run([BXMLSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def result_json(out: Path, slug: str) -> dict:
    return json.loads((out / slug / "result.json").read_text(encoding="utf-8"))


# ---- scenario files that cannot be loaded: exit 2, file:line: $.path: what; expected ... ----

RECORD_FLOW = """
    name: {name}
    app:
      bxml: |
        <Response>
          <Record maxDuration="30"/>
        </Response>
    caller:
      - wait_for: Record
      - say: "call me back please"
      - press: "#"
"""

LOAD_ERRORS = {
    "yaml syntax error": (
        'name: x\napp: {bxml: "<Response/>"\ncaller: [\n',
        [":3: invalid YAML", "expected ',' or '}'"]),
    "tab indentation": (
        "name: x\napp:\n\tbxml: '<Response/>'\n",
        [":3: invalid YAML", "expected spaces for indentation"]),
    "duplicate key": (
        "name: x\nname: y\n",
        [":2: invalid YAML", 'duplicate key "name"']),
    "unknown key deep in expect": (
        """
        name: x
        app:
          bxml: <Response/>
        expect:
          recordings:
            - endReason: hangup
              foo: 1
          callbacks:
            - event: initiate
              payload: {digits: "1"}
              bogus: 2
        """,
        [":7: $.expect.recordings[0].foo: unknown key; expected one of recordingId",
         ":11: $.expect.callbacks[0].bogus: unknown key; expected one of event"]),
    "wrong types": (
        """
        name: x
        seed: abc
        call:
          max_duration: true
        caller:
          - press: 123
        """,
        [":2: $.seed: wrong type; expected an integer, got a string ('abc')",
         ":4: $.call.max_duration: wrong type; expected a number (seconds), got a boolean",
         ':6: $.caller[0].press: wrong type; expected a string (quote digits, e.g. "0123")']),
    "empty file": (
        "",
        [":1: $: wrong type; expected a scenario mapping with at least `name:`"]),
    "a YAML list of scalars": (
        "- a\n- b\n- 3\n",
        [":1: $: wrong type; expected a scenario mapping with at least `name:`, got 'a list'"]),
    "non-UTF-8 bytes": (
        b"name: x\nseed: caf\xe9\n",
        [":2: not UTF-8 text; expected a UTF-8 encoded YAML file, got byte 0xe9"]),
    "a section left empty": (
        "name: x\napp:\ncaller:\n",
        [":2: $.app: wrong type; expected a mapping, got null",
         ":3: $.caller: wrong type; expected a list, got null"]),
    "not-a-number seconds": (
        "name: x\ncaller:\n  - silence: .nan\n",
        [":3: $.caller[0].silence: wrong type; expected a finite number (seconds)"]),
    "malformed URL": (
        "name: x\ncall:\n  answer_url: 'http://[bad/answer'\n",
        [":3: $.call.answer_url: bad URL; expected a valid URL"]),
    "route file missing": (
        "name: x\napp:\n  routes:\n    /answer: {file: flows/missing.xml}\n",
        [':4: $.app.routes["/answer"].file: file not found; expected a file relative to']),
    "play file missing": (
        "name: x\napp:\n  bxml: <Response/>\ncaller:\n  - play: missing.wav\n",
        [":5: $.caller[0].play: file not found; expected a file relative to"]),
}


@pytest.mark.parametrize("content, expected", LOAD_ERRORS.values(), ids=LOAD_ERRORS.keys())
def test_unloadable_scenario_exits_2_naming_file_line_and_expectation(tmp_path, content,
                                                                        expected):
    write(tmp_path, {"s.yaml": content})
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    for fragment in expected:
        assert f"{tmp_path / 's.yaml'}{fragment}" in res.output if fragment.startswith(":") \
            else fragment in res.output, res.output


@pytest.mark.parametrize("content, expected", LOAD_ERRORS.values(), ids=LOAD_ERRORS.keys())
def test_python_api_raises_scenario_error_with_the_same_lines(tmp_path, content, expected):
    write(tmp_path, {"s.yaml": content})
    with pytest.raises(ScenarioError) as caught:
        simulator.run_scenario(tmp_path / "s.yaml")
    lines = getattr(caught.value, "problems", None) or [str(caught.value)]
    for fragment in expected:
        assert any(fragment in line for line in lines), lines


def test_pytest_plugin_reports_unloadable_files_as_collection_errors(pytester):
    pytester.path.joinpath("a.scenario.yaml").write_bytes(b"name: x\nseed: caf\xe9\n")
    pytester.path.joinpath("b.scenario.yaml").write_text("name: x\napp:\n\tbxml: x\n")
    pytester.path.joinpath("c.scenario.yaml").write_text("name: x\napp:\n")
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    text = res.stdout.str()
    assert "a.scenario.yaml:2: not UTF-8 text" in text
    assert "b.scenario.yaml:3: invalid YAML" in text
    assert "c.scenario.yaml:2: $.app: wrong type; expected a mapping, got null" in text
    assert "Traceback" not in text and "UnicodeDecodeError" not in text
    res.assert_outcomes(errors=3)


# ---- scenarios that load but cannot be set up: ERROR, exit 2, the others still run -----------

SETUP_ERRORS = {
    "play file that is not audio": (
        {"s.yaml": "name: bad\napp:\n  bxml: <Response/>\ncaller:\n  - play: noise.wav\n",
         "noise.wav": "this is not audio"},
        ["{dir}/s.yaml:5: play: cannot decode audio file",
         "expected a WAV, MP3, FLAC or OGG audio file"]),
    "wsgi module missing": (
        {"s.yaml": "name: bad\napp:\n  wsgi: 'nosuchmodule_xyz:app'\n"},
        ["{dir}/s.yaml:3: app.wsgi: cannot import module 'nosuchmodule_xyz'",  # its wsgi: line
         "expected nosuchmodule_xyz.py in"]),
    "wsgi module raising on import": (
        {"s.yaml": "name: bad\napp:\n  wsgi: 'raising_app:app'\n",
         "raising_app.py": "x = 1\nraise RuntimeError('kaboom at import')\n"},
        ["{dir}/raising_app.py:2: app.wsgi: module 'raising_app' failed to import",
         "expected a module that imports cleanly, got RuntimeError: kaboom at import"]),
    "wsgi attribute not callable": (
        {"s.yaml": "name: bad\napp:\n  wsgi: 'notcallable_app:app'\n",
         "notcallable_app.py": "app = 42\n"},
        ["'notcallable_app:app' is not an app; expected a callable WSGI application, got int"]),
}


@pytest.mark.parametrize("files, expected", SETUP_ERRORS.values(), ids=SETUP_ERRORS.keys())
def test_setup_error_exits_2_and_the_good_scenario_still_writes(tmp_path, files, expected):
    write(tmp_path / "bad", files)
    write(tmp_path / "good", {"good.yaml": RECORD_FLOW.format(name="good")})
    out = tmp_path / "out"
    res = cli("run", str(tmp_path / "bad"), str(tmp_path / "good"), "--out", str(out))
    assert res.exit_code == 2, res.output
    assert f"ERROR bad ({tmp_path / 'bad' / 's.yaml'}:1)" in res.output
    for fragment in expected:
        assert fragment.format(dir=tmp_path / "bad") in res.output, res.output
    assert "PASS good" in res.output and "1 passed, 0 failed, 1 error" in res.output
    [recording] = result_json(out, "good")["recordings"]
    assert (out / "good" / recording["file"]).is_file()


def test_pytest_plugin_names_the_scenario_of_a_setup_error(pytester):
    pytester.path.joinpath("m.scenario.yaml").write_text(
        "name: missing app\napp:\n  wsgi: 'nosuchmodule_xyz:app'\n")
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    text = res.stdout.str()
    assert "m.scenario.yaml:3: app.wsgi: cannot import module 'nosuchmodule_xyz'" in text
    assert "Traceback" not in text
    res.assert_outcomes(failed=1)


# ---- paths and --out: usage errors, exit 2, before anything runs ------------------------------

def test_nonexistent_path(tmp_path):
    res = cli("run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}: no such file or folder" in res.output


@pytest.mark.parametrize("folder", ["empty", "looks-like.yaml"])
def test_folder_without_scenarios_is_an_error_not_zero_passed(tmp_path, folder):
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "notes.txt").write_text("not a scenario")
    res = cli("run", str(tmp_path / folder), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / folder}: no scenario files in this folder; expected *.yaml or *.yml" \
        in res.output
    assert "0 passed" not in res.output


@pytest.mark.parametrize("out, expected", [
    ("afile", "'afile' is a file"),
    ("afile/sub", "afile/sub: cannot create the output folder; expected a folder that can be "
                  "created and written, got Not a directory"),
])
def test_unusable_out_is_a_usage_error(tmp_path, monkeypatch, out, expected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"s.yaml": RECORD_FLOW.format(name="s"), "afile": "I am a file"})
    res = cli("run", "s.yaml", "--out", out)
    assert res.exit_code == 2, res.output
    assert expected in res.output
    assert "internal error" not in res.output


def test_python_api_out_dir_that_is_a_file(tmp_path):
    write(tmp_path, {"s.yaml": RECORD_FLOW.format(name="s"), "afile": "I am a file"})
    with pytest.raises(SimulatorError, match="cannot create the output folder; expected a "
                                             "folder that can be created and written, got a file"):
        simulator.run_scenario(tmp_path / "s.yaml", out_dir=tmp_path / "afile")


# ---- BXML documents: lint and bare FLOW.xml ---------------------------------------------------

NESTED_UNKNOWN = """
    <Response>
      <Gather gatherUrl="/g" maxDigits="1">
        <SpeakSentence>Press one</SpeakSentence>
        <Bogus foo="1"/>
      </Gather>
    </Response>
"""
MALFORMED = "<Response>\n  <SpeakSentence>hi\n</Response>\n"
BAD_DOCUMENTS = {
    "unknown verb inside a nested Gather": (
        NESTED_UNKNOWN, ":4:5:", "BX101", "unknown element <Bogus> in <Gather>"),
    "malformed XML": (
        MALFORMED, ":3:12:", "BX001", "not well-formed XML: Opening and ending tag mismatch"),
    "non-UTF-8 bytes": (
        b"<Response>\xff\xfe</Response>", ":1:11:", "BX005", "bad character encoding"),
    "malformed IPv6 URL": (
        '<Response>\n  <Redirect redirectUrl="http://[bad"/>\n</Response>\n', ":2:13:", "BX203",
        "<Redirect> redirectUrl must be a valid URL (Invalid IPv6 URL), got 'http://[bad'"),
    "stray bracket in a text URL": (
        '<Response>\n  <PlayAudio>http://a]b/x.wav</PlayAudio>\n</Response>\n', ":2:3:", "BX107",
        "<PlayAudio> text must be a valid URL (Invalid IPv6 URL), got 'http://a]b/x.wav'"),
}


@pytest.mark.parametrize("content, where, code, message", BAD_DOCUMENTS.values(),
                         ids=BAD_DOCUMENTS.keys())
def test_lint_reports_bad_documents_with_line_col_and_exits_1(tmp_path, content, where, code,
                                                               message):
    write(tmp_path, {"flow.xml": content})
    path = str(tmp_path / "flow.xml")
    res = cli("lint", path)
    assert res.exit_code == 1, res.output
    assert f"{path}{where} {code} error {message}" in res.output
    res = cli("lint", path, "--format", "json")
    [first, *_] = json.loads(res.output)
    assert (first["file"], first["code"]) == (path, code)
    assert f":{first['line']}:{first['col']}:" == where


@pytest.mark.parametrize("content, where, code, message", BAD_DOCUMENTS.values(),
                         ids=BAD_DOCUMENTS.keys())
def test_run_bare_document_reports_it_and_exits_2(tmp_path, content, where, code, message):
    write(tmp_path, {"flow.xml": content})
    res = cli("run", str(tmp_path / "flow.xml"), "--press", "1", "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / 'flow.xml'}{where} {message}" in res.output


def test_run_bare_document_with_a_foreign_encoding_says_utf8_was_expected(tmp_path):
    write(tmp_path, {"flow.xml": b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                                 b"<Response><SpeakSentence>caf\xe9</SpeakSentence></Response>\n"})
    res = cli("run", str(tmp_path / "flow.xml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / 'flow.xml'}:2: not UTF-8 text; expected a UTF-8 encoded BXML document" \
        in res.output


def test_lint_missing_file_and_folder_are_usage_errors(tmp_path):
    for path, complaint in ((tmp_path / "missing.xml", "does not exist"),
                            (tmp_path, "is a directory")):
        res = cli("lint", str(path))
        assert res.exit_code == 2 and complaint in res.output, res.output


def test_python_api_parse_and_lint_carry_line_and_col():
    with pytest.raises(simulator.BxmlError) as caught:
        simulator.parse_bxml(textwrap.dedent(NESTED_UNKNOWN).lstrip(), source="flow.xml")
    assert str(caught.value).startswith("flow.xml:4:5: unknown element <Bogus> in <Gather>")
    [diagnostic] = simulator.lint_bxml(MALFORMED)
    assert (diagnostic.code, diagnostic.line, diagnostic.col) == ("BX001", 3, 12)


# ---- webhook replies an app gets wrong: the call ends as on Bandwidth, result.json kept ------

BAD_APP = '''
    from flask import Flask, Response

    app = Flask(__name__)
    XML = "application/xml; charset=utf-8"

    @app.post("/status500")
    def status500():
        return Response("server exploded", status=500)

    @app.post("/garbage")
    def garbage():
        return Response("this is not <xml", content_type=XML)

    @app.post("/not-utf8")
    def not_utf8():
        return Response(b"<Response><SpeakSentence>caf\\xe9</SpeakSentence></Response>",
                        content_type=XML)

    @app.post("/huge")
    def huge():
        return Response("<Response>" + "<Pause duration='1'/>" * 4000 + "</Response>",
                        content_type=XML)

    @app.post("/html")
    def html():
        return Response("<!DOCTYPE html><html><body><h1>Hello</h1></body></html>",
                        content_type="text/html")

    @app.post("/json")
    def json_reply():
        return {"ok": True}
'''

BAD_REPLIES = {
    "500": ("/status500", "callback-error",
            "initiate webhook could not be delivered: HTTP 500 from POST "
            "http://app.test/status500"),
    "garbage": ("/garbage", "invalid-bxml",
                "http://app.test/garbage:1:1: not well-formed XML"),
    "non-UTF-8 bytes": ("/not-utf8", "invalid-bxml",
                        "http://app.test/not-utf8:1:29: bad character encoding"),
    "huge body": ("/huge", "invalid-bxml", "BXML documents are limited to 64 KB"),
    "HTML page": ("/html", "invalid-bxml", "DOCTYPE and entity declarations are not allowed"),
    "JSON": ("/json", "invalid-bxml", "http://app.test/json:1:1: not well-formed XML"),
}


@pytest.mark.parametrize("answer_url, cause, message", BAD_REPLIES.values(),
                         ids=BAD_REPLIES.keys())
def test_bad_app_reply_ends_the_call_and_keeps_the_result(tmp_path, answer_url, cause, message):
    write(tmp_path, {"bad_reply_app.py": BAD_APP, "s.yaml": f"""
        name: bad reply
        app:
          wsgi: "bad_reply_app:app"
        call:
          answer_url: {answer_url}
        expect:
          disconnect_cause: {cause}
          callbacks: [{{event: initiate, status: {500 if cause == "callback-error" else 200}}}]
    """})
    out = tmp_path / "out"
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert f"ended {cause}" in res.output
    result = result_json(out, "bad-reply")
    [call] = result["calls"]
    assert message in call["errorMessage"]
    [attempt] = result["callbacks"]
    assert attempt["responseBody"]  # what the app answered is kept for the user to see


REAL_HTTP = """
    name: real server
    app:
      base_url: {base_url}
    call:
      callback_timeout: 1
    expect:
      disconnect_cause: callback-error
      callbacks:
        - {{event: initiate, status: null, error: "{error}"}}
"""


@pytest.fixture
def hanging_url():
    """A server that accepts connections (the kernel does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.network
@pytest.mark.parametrize("server, error", [("closed", "connection refused"),
                                           ("hanging", "timeout after 1 s")])
def test_real_server_closed_or_hanging_is_a_callback_error(tmp_path, hanging_url, server, error):
    base_url = closed_port_url() if server == "closed" else hanging_url
    write(tmp_path, {"s.yaml": REAL_HTTP.format(base_url=base_url, error=error)})
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    [call] = result_json(tmp_path / "out", "real-server")["calls"]
    assert call["errorMessage"] == (f"initiate webhook could not be delivered: {error} from "
                                    f"POST {base_url}/answer")


ASGI_NO_RESPONSE = '''
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan support")
        # returns without sending a response: a real server answers 500
'''


def test_asgi_app_that_returns_without_responding_is_a_500_not_a_hang(tmp_path):
    write(tmp_path, {"silent_asgi.py": ASGI_NO_RESPONSE,
                     "s.yaml": "name: silent\napp:\n  asgi: 'silent_asgi:app'\nexpect:\n"
                               "  disconnect_cause: callback-error\n"
                               "  callbacks: [{event: initiate, status: 500}]\n"})
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    result = result_json(tmp_path / "out", "silent")
    assert result["callbacks"][0]["status"] == 500
    assert result["callbacks"][0]["responseBody"] == "ASGI app returned without sending a response"
    assert result["calls"][0]["disconnectCause"] == "callback-error"


# ---- recordings made before a failure are kept, listed and valid audio -----------------------

def test_recording_in_progress_at_a_callback_error_is_kept(tmp_path):
    write(tmp_path, {"s.yaml": """
        name: recording then callback error
        app:
          bxml: |
            <Response>
              <StartRecording recordingAvailableUrl="/available"/>
              <Pause duration="2"/>
              <Redirect redirectUrl="/next"/>
            </Response>
          routes:
            /next: {status: 500, body: "down"}
            /available: ""
        caller:
          - say: "this part of the call is recorded"
        expect:
          disconnect_cause: callback-error
          callbacks: [{event: redirect, status: 500}]
          recordings:
            - {verb: StartRecording, endReason: call-ended, duration: "~2"}
    """})
    out = tmp_path / "out"
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.output
    result = result_json(out, "recording-then-callback-error")
    [recording] = result["recordings"]
    info = audio_info(out / "recording-then-callback-error" / recording["file"])
    assert info.duration == pytest.approx(recording["duration"], abs=0.01)
    assert (info.channels, info.sample_rate) == (1, 8000)
    assert [c["eventType"] for c in result["callbacks"]] == [
        "initiate", "redirect", "recordingAvailable"]


# ---- -j 2 with broken scenarios among good ones: the real console script ---------------------

def test_parallel_run_with_broken_scenarios_keeps_the_good_outputs(tmp_path):
    write(tmp_path / "mix", {
        "a-good.yaml": RECORD_FLOW.format(name="good one"),
        "b-broken.yaml": "name: broken\ncall:\n  direction: sideways\n",
        "c-good.yaml": RECORD_FLOW.format(name="good two"),
        "d-not-utf8.yaml": b"name: caf\xe9\n",
        "e-bad-play.yaml": "name: bad play\napp:\n  bxml: <Response/>\ncaller:\n"
                           "  - play: noise.wav\n",
        "noise.wav": "not audio",
    })
    done = console("run", "mix", "-j", "2", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    text = done.stdout
    assert "mix/b-broken.yaml:3: $.call.direction: bad value; expected inbound or outbound" in text
    assert "mix/d-not-utf8.yaml:1: not UTF-8 text" in text
    assert "mix/e-bad-play.yaml:5: play: cannot decode audio file" in text
    assert "2 passed, 0 failed, 3 errors" in text
    for slug in ("good-one", "good-two"):
        [recording] = result_json(tmp_path / "out", slug)["recordings"]
        assert audio_info(tmp_path / "out" / slug / recording["file"]).duration > 0


def test_console_script_bare_document_not_utf8(tmp_path):
    write(tmp_path, {"flow.xml": b"<Response>\n<SpeakSentence>\xff</SpeakSentence></Response>"})
    done = console("run", "flow.xml", "--say", "hi", cwd=tmp_path)
    assert done.returncode == 2
    assert "flow.xml:2:16: bad character encoding" in done.stdout


# ---- report --------------------------------------------------------------------------------

def test_report_of_a_failed_run(tmp_path):
    write(tmp_path, {"s.yaml": """
        name: failed run
        app:
          routes:
            /answer: {status: 503, body: down}
        expect:
          disconnect_cause: hangup
    """})
    out = tmp_path / "out"
    assert cli("run", str(tmp_path / "s.yaml"), "--out", str(out)).exit_code == 1
    res = cli("report", str(out / "failed-run" / "result.json"), "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 0, res.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "callback-error" in page


@pytest.mark.parametrize("content, expected", [
    (b"{not json", "{file}:1:2: not valid JSON"),
    (b"[1, 2]", "{file}: not a bxmlsim result; expected a JSON object, got list"),
    (b"\xff\xfe", "{file}: cannot read the result file"),
])
def test_report_of_a_bad_result_file(tmp_path, content, expected):
    path = tmp_path / "result.json"
    path.write_bytes(content)
    res = cli("report", str(path), "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 2, res.output
    assert expected.format(file=path) in res.output


def test_report_to_a_path_under_a_file(tmp_path):
    write(tmp_path, {"s.yaml": "name: ok\napp:\n  bxml: <Response/>\n", "afile": "file"})
    cli("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out"))
    res = cli("report", str(tmp_path / "out" / "ok" / "result.json"),
              "-o", str(tmp_path / "afile" / "r.html"))
    assert res.exit_code == 2
    assert f"{tmp_path / 'afile'} is a file, not a folder" in res.output


# ---- golden files that cannot be read or written ---------------------------------------------

@pytest.mark.parametrize("golden, update, code, expected", [
    ("folder", True, 2, "s.good.golden.txt: cannot write the golden file; expected a writable "
                        "file next to the scenario, got Is a directory"),
    ("folder", False, 1, "golden {dir}/s.good.golden.txt: cannot be read: Is a directory; "
                         "expected the UTF-8 text file --update-golden writes"),
    (b"\xff\xfe garbage", False, 1, "golden {dir}/s.good.golden.txt: cannot be read: not UTF-8 "
                                    "text"),
])
def test_unusable_golden_file_is_reported_and_result_json_still_written(tmp_path, golden,
                                                                        update, code, expected):
    write(tmp_path, {"s.yaml": RECORD_FLOW.format(name="good")})
    if golden == "folder":
        (tmp_path / "s.good.golden.txt").mkdir()
    else:
        (tmp_path / "s.good.golden.txt").write_bytes(golden)
    out = tmp_path / "out"
    res = cli("run", str(tmp_path / "s.yaml"), "--out", str(out),
              *(["--update-golden"] if update else []))
    assert res.exit_code == code, res.output
    assert expected.format(dir=tmp_path) in res.output
    [recording] = result_json(out, "good")["recordings"]
    assert (out / "good" / recording["file"]).is_file()
