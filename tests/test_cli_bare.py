"""``bxmlsim run FLOW.xml``: the bare app behind a document (files next to it, the empty
"no app" reply), and ``--app-url`` / ``--wsgi`` / ``--asgi`` instead of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from apps.live_server import serve
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario.bare import bare_scenario
from simulator.transports import NO_APP_NOTE

ROOT = Path(__file__).resolve().parent.parent
VOICEMAIL = ROOT / "scenarios" / "flows" / "voicemail.xml"


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def result_of(out: Path, slug: str) -> dict:
    return json.loads((out / slug / "result.json").read_text(encoding="utf-8"))


def flow(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder / next(iter(files))


def beep(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tone = 0.3 * np.sin(2 * np.pi * 1000 * np.arange(int(seconds * 8000)) / 8000)
    soundfile.write(str(path), tone.astype(np.float32), 8000)


def test_voicemail_records_and_recordcomplete_gets_the_empty_reply(tmp_path):
    out = tmp_path / "out"
    res = cli("run", str(VOICEMAIL), "--say", "Hi, it's Sam, call me", "--press", "#",
              "--out", str(out), "-v")
    assert res.exit_code == 0, res.output
    data = result_of(out, "voicemail")
    [call] = data["calls"]
    assert (call["disconnectCause"], call["errorMessage"]) == ("hangup", None)
    [rec] = data["recordings"]
    assert rec["endReason"] == "terminating-digit" and (out / "voicemail" / rec["file"]).is_file()
    assert rec["transcription"]["text"] == "Hi, it's Sam, call me"
    # the beep next to the document (media/beep.wav) played; no application-error
    plays = [e for e in data["timeline"] if e["verb"] == "PlayAudio" and e["kind"] == "verb-end"]
    assert plays[0]["detail"]["reason"] == "completed"
    by_event = {c["eventType"]: c for c in data["callbacks"]}
    assert (by_event["recordComplete"]["status"], by_event["recordComplete"]["responseBody"]) \
        == (200, "")
    assert set(by_event) == {"initiate", "recordComplete", "recordingAvailable",
                             "transcriptionAvailable"}
    webhook = next(e for e in data["timeline"] if e["kind"] == "webhook"
                   and e["detail"]["eventType"] == "recordComplete")
    assert webhook["detail"]["note"] == NO_APP_NOTE
    assert "webhook recordComplete POST http://app.test/recordComplete -> 200 " \
           "[no app: empty reply = <Response/>, hang up]" in res.output
    assert "webhook recordingAvailable POST http://app.test/recordingAvailable -> 200 " \
           "[no app: empty reply]" in res.output


def test_play_audio_of_a_file_next_to_the_document(tmp_path):
    document = flow(tmp_path / "site", {
        "flow.xml": "<Response><PlayAudio>/media/hello.wav</PlayAudio>"
                    "<PlayAudio>/media/missing.wav</PlayAudio></Response>"})
    beep(tmp_path / "site" / "media" / "hello.wav", 1.5)
    res = cli("run", str(document), "--out", str(tmp_path / "out"))
    data = result_of(tmp_path / "out", "flow")
    ends = [(e["at"], e["detail"].get("reason")) for e in data["timeline"]
            if e["kind"] == "verb-end"]
    assert ends[0] == (1.5, "completed")  # the file's own length
    # a media file that is not there is a 404, so PlayAudio fails as it would on Bandwidth
    call = data["calls"][0]
    assert call["disconnectCause"] == "application-error"
    assert "HTTP 404" in call["errorMessage"] and "/media/missing.wav" in call["errorMessage"]
    # ... and a call that ends so is a failed run, even for a bare document
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output and "with disconnectCause application-error" in res.output


def test_a_redirect_to_next_is_served_from_next_xml(tmp_path):
    document = flow(tmp_path, {
        "start.xml": '<Response><Redirect redirectUrl="/next"/></Response>',
        "next.xml": "<Response><SpeakSentence>second page</SpeakSentence></Response>"})
    res = cli("run", str(document), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    data = result_of(tmp_path / "out", "start")
    redirect = [c for c in data["callbacks"] if c["eventType"] == "redirect"]
    assert [(c["url"], c["status"]) for c in redirect] == [("http://app.test/next", 200)]
    assert "second page" in redirect[0]["responseBody"]
    spoken = [e for e in data["timeline"] if e["kind"] == "verb-start"]
    assert [e["verb"] for e in spoken] == ["Redirect", "SpeakSentence"]
    assert data["calls"][0]["disconnectCause"] == "hangup"


GATHER = ('<Response><Gather gatherUrl="/menu" maxDigits="1">'
          '<SpeakSentence>Press one</SpeakSentence></Gather></Response>')


def test_wsgi_app_answers_the_other_webhooks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bare_menu_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'application/xml')])\n"
        "    return [b'<Response><SpeakSentence>you chose ' + environ['PATH_INFO'].encode()"
        " + b'</SpeakSentence></Response>']\n")
    document = flow(tmp_path / "flows", {"menu.xml": GATHER})
    res = cli("run", str(document), "--press", "1", "--wsgi", "bare_menu_app:app",
              "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    [gather] = [c for c in result_of(tmp_path / "out", "menu")["callbacks"]
                if c["eventType"] == "gather"]
    assert gather["responseBody"] == "<Response><SpeakSentence>you chose /menu" \
                                     "</SpeakSentence></Response>"


@pytest.mark.network
def test_app_url_sends_the_other_webhooks_to_a_real_server(tmp_path):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/xml")]})
        await send({"type": "http.response.body", "body": b"<Response><Hangup/></Response>"})

    document = flow(tmp_path, {"menu.xml": GATHER})
    with serve(app) as base_url:
        res = cli("run", str(document), "--press", "1", "--app-url", base_url,
                  "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    callbacks = result_of(tmp_path / "out", "menu")["callbacks"]
    assert [(c["eventType"], c["url"], c["status"]) for c in callbacks] == [
        ("initiate", f"{base_url}/answer", 200),  # the document itself
        ("gather", f"{base_url}/menu", 200)]      # the real server
    assert callbacks[1]["responseBody"] == "<Response><Hangup/></Response>"


@pytest.mark.parametrize("options, message", [
    (["--app-url", "ftp://x"], "--app-url: bad URL"),
    (["--wsgi", "not a spec"], "--wsgi: bad value"),
    (["--asgi", "main"], "--asgi: bad value"),
    (["--app-url", "http://localhost:5000", "--wsgi", "a:b"], "conflicting options")])
def test_bad_app_options_are_errors(tmp_path, options, message):
    document = flow(tmp_path, {"f.xml": "<Response/>"})
    res = cli("run", str(document), *options, "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and message in res.output


def test_app_options_only_apply_to_a_bare_document(tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\napp:\n  bxml: <Response/>\n")
    res = cli("run", str(tmp_path / "s.yaml"), "--app-url", "http://localhost:5000")
    assert res.exit_code == 2 and "only apply to a bare FLOW.xml" in res.output


def test_bare_scenario_apps():
    assert bare_scenario(VOICEMAIL, []).app.static == VOICEMAIL.parent
    assert bare_scenario(VOICEMAIL, []).app.unmatched == "no-app"
    remote = bare_scenario(VOICEMAIL, [], app_url="http://localhost:5000").app
    assert (remote.base_url, remote.unmatched, remote.static) == ("http://localhost:5000",
                                                                  "http", None)
    assert remote.bxml.startswith("<?xml")
    with pytest.raises(ScenarioError):
        bare_scenario(VOICEMAIL, [], wsgi="a:b", asgi="c:d")
