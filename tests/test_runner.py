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
    assert list(data["timeline"][0]) == ["at", "callId", "kind", "verb", "line", "detail",
                                         "col", "path", "document"]  # C1 keys after the rest
    assert [r["verb"] for r in data["recordings"]] == ["StartRecording", "Record"]  # start order
    rec = data["recordings"][1]
    assert rec["sampleRate"] == 8000 and rec["channels"] == 1
    sent = next(c for c in data["callbacks"] if c["eventType"] == "transcriptionAvailable")
    assert rec["transcription"] == {"id": sent["payload"]["transcription"]["id"],
                                    "status": "available", "text": "hi it is sam call me"}
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


@pytest.mark.parametrize("name, file_format, subtype", [
    ("hold.ogg", "OGG", "VORBIS"), ("hold.flac", "FLAC", "PCM_16"), ("hold.aiff", "AIFF", "PCM_16"),
    ("hold.wav", "WAV", "FLOAT"),
])
def test_play_audio_of_a_format_bandwidth_does_not_play_ends_the_call(tmp_path, name,
                                                                        file_format, subtype):
    # playAudio docs: "ONLY .wav and .mp3 files as are supported"; disconnect docs give
    # unsupported media as the example of application-error (spec §3.2, README #22).
    path = tmp_path / name
    soundfile.write(path, np.full(8000, 0.3, np.float32), 8000, format=file_format,
                    subtype=subtype)
    bxml = (f"<Response><StartRecording/><Pause duration='1'/><PlayAudio>/media/{name}"
            "</PlayAudio><SpeakSentence>never heard</SpeakSentence></Response>")
    s = Scenario(name="media", app=AppSettings(bxml=bxml, routes={f"/media/{name}": Route(file=path)}),
                 base_dir=tmp_path)
    out = tmp_path / "out"
    data = simulate(s, out).to_json()
    call = data["calls"][0]
    assert call["disconnectCause"] == "application-error"
    assert call["errorMessage"].startswith(f"PlayAudio http://app.test/media/{name}: cannot play "
                                           f"audio; expected WAV")
    assert f"got {file_format} {subtype} audio served as" in call["errorMessage"]
    assert not [e for e in data["timeline"] if e["verb"] == "SpeakSentence"]
    rec = data["recordings"][0]   # the recording made before the failure is kept
    assert rec["endReason"] == "call-ended" and (out / rec["file"]).is_file()


@pytest.mark.parametrize("name, file_format", [("hold.wav", "WAV"), ("hold.mp3", "MP3")])
def test_play_audio_plays_wav_and_mp3(tmp_path, name, file_format):
    path = tmp_path / name
    soundfile.write(path, np.full(8000, 0.3, np.float32), 8000, format=file_format)
    s = Scenario(name="media", app=AppSettings(
        bxml=f"<Response><PlayAudio>/media/{name}</PlayAudio></Response>",
        routes={f"/media/{name}": Route(file=path)}), base_dir=tmp_path)
    call = simulate(s).to_json()["calls"][0]
    assert (call["disconnectCause"], call["errorMessage"]) == ("hangup", None)


def test_play_audio_format_follows_the_content_type_before_the_extension(tmp_path):
    # "The audio format is determined by the HTTP Content-Type header in the response": a WAV
    # file served as audio/mpeg is read as MP3 and cannot play.
    path = tmp_path / "hold.wav"
    soundfile.write(path, np.full(8000, 0.3, np.float32), 8000)
    s = Scenario(name="media", app=AppSettings(
        bxml="<Response><PlayAudio>/media/hold.wav</PlayAudio></Response>",
        routes={"/media/hold.wav": Route(file=path, content_type="audio/mpeg")}),
        base_dir=tmp_path)
    call = simulate(s).to_json()["calls"][0]
    assert call["disconnectCause"] == "application-error"
    assert "served as audio/mpeg (so read as MP3)" in call["errorMessage"]


def test_scenario_file_is_reported_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = Scenario(name="f", file=tmp_path / "sc" / "x.yaml", app=AppSettings(bxml="<Response/>"))
    assert simulate(s).to_json()["scenario"] == {"name": "f", "file": "sc/x.yaml"}


def test_the_scenario_file_follows_the_working_directory_of_each_run(tmp_path, monkeypatch):
    # the displayed path is remembered per (file, working directory): a chdir between runs of
    # the same file shows it from the new folder
    s = Scenario(name="f", file=tmp_path / "sc" / "x.yaml", app=AppSettings(bxml="<Response/>"))
    (tmp_path / "sc").mkdir()
    for folder, shown in [(tmp_path, "sc/x.yaml"), (tmp_path / "sc", "x.yaml"),
                          (tmp_path, "sc/x.yaml")]:
        monkeypatch.chdir(folder)
        assert simulate(s).to_json()["scenario"]["file"] == shown
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)   # outside the working directory: the path as given
    assert simulate(s).to_json()["scenario"]["file"] == (tmp_path / "sc" / "x.yaml").as_posix()


def test_a_file_reached_through_a_symlink_is_shown_as_where_it_really_is(tmp_path, monkeypatch):
    # inside the working directory once symlinks are resolved: relative to it, as named
    (tmp_path / "real" / "sc").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "real")
    s = Scenario(name="f", file=tmp_path / "link" / "sc" / "x.yaml",
                 app=AppSettings(bxml="<Response/>"))
    assert simulate(s).to_json()["scenario"]["file"] == "../link/sc/x.yaml"
    monkeypatch.chdir(tmp_path / "link" / "sc")   # the working directory through the link
    s = Scenario(name="f", file=tmp_path / "real" / "y.yaml", app=AppSettings(bxml="<Response/>"))
    assert simulate(s).to_json()["scenario"]["file"] == (tmp_path / "real" / "y.yaml").as_posix()


def test_a_scenario_files_real_path_is_what_realpath_gives(tmp_path):
    # runner._real_file: the folder's realpath (kept) joined with the name, unless the name
    # itself is a link or a dot; the same as os.path.realpath for every kind of path
    import os

    from simulator.runner import _real_file

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.yaml").touch()
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "linkdir").symlink_to(tmp_path / "a" / "b")
    (tmp_path / "c" / "linkfile.yaml").symlink_to(tmp_path / "a" / "b" / "f.yaml")
    (tmp_path / "c" / "relative.yaml").symlink_to("../a/b/f.yaml")
    (tmp_path / "c" / "dangling.yaml").symlink_to("missing")
    (tmp_path / "c" / "loop1").symlink_to("loop2")
    (tmp_path / "c" / "loop2").symlink_to("loop1")
    root = str(tmp_path)
    for path in ["a/b/f.yaml", "c/linkdir/f.yaml", "c/linkfile.yaml", "c/relative.yaml",
                 "c/dangling.yaml", "c/loop1", "c/loop1/x.yaml", "c/missing.yaml",
                 "a/b/../b/f.yaml", "c/linkdir/../f.yaml", "a/b/", "a/b/.", "a/b/..",
                 "/a//b//f.yaml", "nowhere/x.yaml"]:
        path = f"{root}/{path}"
        assert _real_file(path) == os.path.realpath(path), path
    for path in [f"{root}/a/b/nul\0.yaml", f"{root}/a/nul\0/f.yaml"]:   # refused alike
        with pytest.raises(ValueError):
            os.path.realpath(path)
        with pytest.raises(ValueError):
            _real_file(path)
    for path in ["/", "/x.yaml"]:
        assert _real_file(path) == os.path.realpath(path), path


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
