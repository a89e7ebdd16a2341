"""The runner: transports + delivery policy + audio files; deterministic result.json and audio."""

import json

import numpy as np
import pytest
import soundfile

from simulator.runner import simulate
from simulator.scenario.model import (AppSettings, CallSettings, Play, Press, Route, Say,
                                      Scenario, Silence, WaitFor)

VOICEMAIL = ("<Response><SpeakSentence>Leave a message</SpeakSentence>"
             "<StartRecording multiChannel='true' recordingAvailableUrl='/ra'/>"
             "<Record recordCompleteUrl='/rc' transcribe='true' transcriptionAvailableUrl='/ta'/>"
             "</Response>")


def voicemail(seed=0) -> Scenario:
    return Scenario(name="vm", seed=seed, call=CallSettings(disconnect_url="/disc"),
                    app=AppSettings(bxml=VOICEMAIL,
                                    routes={"/rc": Route(bxml="<Response><SpeakSentence>Bye"
                                                              "</SpeakSentence></Response>")}),
                    caller=(WaitFor("Record"), Say("hi it is sam call me", seconds=2),
                            Press("#")))


def test_same_scenario_twice_gives_identical_result_json_and_audio(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ra, rb = simulate(voicemail(), a), simulate(voicemail(), b)
    assert ra.dumps() == rb.dumps()
    files = [rec["file"] for rec in ra.to_json()["recordings"]]
    assert len(files) == 2
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_another_seed_gives_other_ids():
    a, b = simulate(voicemail(0)).to_json(), simulate(voicemail(1)).to_json()
    assert a["calls"][0]["callId"] != b["calls"][0]["callId"]


def test_result_json_has_the_contract_layout(tmp_path):
    data = simulate(voicemail(), tmp_path).to_json()
    assert list(data) == ["format", "scenario", "seed", "passed", "failures", "calls",
                          "callbacks", "recordings", "timeline"]
    assert data["format"] == "bxmlsim-result/1" and data["passed"] is True
    assert list(data["calls"][0]) == ["callId", "parentCallId", "direction", "from", "to",
                                      "startTime", "answerTime", "endTime", "disconnectCause",
                                      "errorMessage"]
    assert list(data["callbacks"][0]) == ["at", "eventType", "url", "method", "attempt",
                                          "fallback", "payload", "status", "responseBody", "error"]
    assert list(data["timeline"][0]) == ["at", "callId", "kind", "verb", "line", "detail"]
    assert [r["verb"] for r in data["recordings"]] == ["StartRecording", "Record"]  # start order
    rec = data["recordings"][1]
    assert rec["sampleRate"] == 8000 and rec["channels"] == 1
    assert rec["transcription"] == {"status": "available", "text": "hi it is sam call me"}
    assert json.loads(json.dumps(data)) == data


def test_callbacks_list_every_http_attempt_with_fallback(tmp_path):
    bxml = ("<Response><Redirect redirectUrl='/down' redirectFallbackUrl='/backup'/></Response>")
    s = Scenario(name="fb", app=AppSettings(bxml=bxml, routes={
        "/down": Route(status=503, delay=2), "/backup": Route(bxml="<Response/>")}))
    data = simulate(s).to_json()
    redirects = [c for c in data["callbacks"] if c["eventType"] == "redirect"]
    assert [(c["url"], c["fallback"], c["status"], c["at"]) for c in redirects] == [
        ("http://app.test/down", False, 503, 0.0), ("http://app.test/backup", True, 200, 2.0)]
    assert data["calls"][0]["disconnectCause"] == "hangup"


def test_get_webhooks_list_the_query_parameters_as_payload():
    bxml = "<Response><Redirect redirectUrl='/r' redirectMethod='GET'/></Response>"
    s = Scenario(name="get", app=AppSettings(bxml=bxml, routes={"/r": Route(bxml="<Response/>")}))
    redirect = [c for c in simulate(s).to_json()["callbacks"] if c["eventType"] == "redirect"][0]
    assert redirect["method"] == "GET"
    assert all(isinstance(v, str) for v in redirect["payload"].values())


def test_play_audio_is_fetched_through_the_transport_and_caller_files_are_played(tmp_path):
    beep = tmp_path / "beep.wav"
    soundfile.write(beep, np.full(4000, 0.3, np.float32), 8000)
    said = tmp_path / "said.wav"
    soundfile.write(said, np.full(8000, 0.2, np.float32), 8000)
    bxml = "<Response><StartRecording/><PlayAudio>/beep.wav</PlayAudio><Pause duration='1'/></Response>"
    s = Scenario(name="media", app=AppSettings(bxml=bxml, routes={"/beep.wav": Route(file=beep)}),
                 caller=(Silence(0.5), Play(said)), base_dir=tmp_path)
    out = tmp_path / "out"
    data = simulate(s, out).to_json()
    rec = data["recordings"][0]
    assert rec["duration"] == 1.5
    audio, _ = soundfile.read(out / rec["file"])
    assert audio[:2000].mean() == pytest.approx(0.3, abs=0.01)  # beep alone
    assert audio[6000:8000].mean() == pytest.approx(0.2, abs=0.01)  # caller's file alone


def test_scenario_file_is_reported_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Scenario(name="f", file=tmp_path / "sc" / "x.yaml", app=AppSettings(bxml="<Response/>"))
    assert simulate(s).to_json()["scenario"] == {"name": "f", "file": "sc/x.yaml"}


def test_play_audio_fetches_carry_the_webhook_user_agent_and_basic_auth():
    from simulator.delivery import USER_AGENT, basic_auth
    from simulator.engine.effects import Auth, FetchAudio
    from simulator.runner import fetch_audio
    from simulator.transports import TransportReply

    sent = []

    class Recorder:
        def send(self, method, url, *, headers, timeout, **_):
            sent.append((method, url, headers, timeout))
            return TransportReply(status=404)

    auth = Auth("u", "p")
    fetched = fetch_audio(Recorder(), FetchAudio("c-1", "http://app.test/a.wav", auth), 15.0)
    assert fetched.samples is None and fetched.error == "HTTP 404"
    assert sent == [("GET", "http://app.test/a.wav",
                     {"User-Agent": USER_AGENT, "Authorization": basic_auth(auth)}, 15.0)]
