"""Recording behaviours (spec §5, README #4 #6 #12), checked on the written audio files."""

from pathlib import Path

import numpy as np
import pytest
import soundfile

from simulator.runner import simulate
from simulator.scenario.model import (AppSettings, CallSettings, Hangup, Press, Route, Say,
                                      Scenario, Silence, WaitFor)

RATE = 8000


def scenario(bxml: str, caller=(), routes=None, **call) -> Scenario:
    all_routes = {"/answer": Route(bxml=f"<Response>{bxml}</Response>"),
                  **{k: Route(bxml=v) for k, v in (routes or {}).items()}}
    return Scenario(name="rec", call=CallSettings(disconnect_url="/disc", **call),
                    app=AppSettings(routes=all_routes), caller=tuple(caller))


class Ran:
    def __init__(self, result, out: Path):
        self.data = result.to_json()
        self.out = out

    @property
    def recordings(self):
        return self.data["recordings"]

    def audio(self, n=0) -> np.ndarray:
        data, rate = soundfile.read(self.out / self.recordings[n]["file"], always_2d=True)
        assert rate == RATE
        return data

    def events(self):
        return [c["eventType"] for c in self.data["callbacks"]]

    def payload(self, event, n=0):
        return [c["payload"] for c in self.data["callbacks"] if c["eventType"] == event][n]


def go(tmp_path, *args, **kw) -> Ran:
    return Ran(simulate(scenario(*args, **kw), tmp_path), tmp_path)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


RECORD = "<Record recordCompleteUrl='/rc' recordingAvailableUrl='/ra' {}/>"


@pytest.mark.parametrize("attrs, caller, reason, duration", [
    # terminating key ends it; the key's tone is not in the audio or the duration
    ("", [Say("hello there", seconds=2), Press("#")], "terminating-digit", 2.0),
    # another key of the set
    ("terminatingDigits='*#'", [Say("hi", seconds=1), Press("*")], "terminating-digit", 1.0),
    # terminating digit disabled: '#' is just audio, maxDuration ends it
    ("terminatingDigits='' maxDuration='3'", [Press("#")], "max-duration", 3.0),
    # maxDuration with decimals
    ("maxDuration='2.5'", [Say("talking on and on", seconds=10)], "max-duration", 2.5),
    # silenceTimeout counts from the end of speech, on the real audio
    ("silenceTimeout='2'", [Say("short message", seconds=1.5)], "silence-timeout", 3.5),
    # silence from the start
    ("silenceTimeout='1.5'", [], "silence-timeout", 1.5),
])
def test_record_end_reasons(tmp_path, attrs, caller, reason, duration):
    ran = go(tmp_path, RECORD.format(attrs), [WaitFor("Record"), *caller],
             routes={"/rc": "<Response/>"})
    rec = ran.recordings[0]
    assert rec["endReason"] == reason
    assert rec["duration"] == pytest.approx(duration, abs=0.021)
    assert len(ran.audio()) == pytest.approx(duration * RATE, abs=1)
    # recordComplete's <Response/> hangs up at once; the recording is processed after that
    assert ran.events() == ["initiate", "recordComplete", "disconnect", "recordingAvailable"]
    assert ran.payload("recordComplete")["duration"] == ran.payload("recordingAvailable")["duration"]


def test_terminating_key_tone_is_absent_from_the_audio(tmp_path):
    ran = go(tmp_path, RECORD.format(""), [WaitFor("Record"), Silence(1), Press("#")])
    assert rms(ran.audio()) == 0.0  # only silence recorded before the key


def test_hangup_during_record_keeps_the_recording_without_record_complete(tmp_path):
    ran = go(tmp_path, RECORD.format("transcribe='true' transcriptionAvailableUrl='/ta'"),
             [WaitFor("Record"), Say("please call me back", seconds=2), Hangup()])
    rec = ran.recordings[0]
    assert rec["endReason"] == "hangup" and rec["duration"] == pytest.approx(2.0)
    assert "recordComplete" not in ran.events()
    assert ran.events()[1:] == ["disconnect", "recordingAvailable", "transcriptionAvailable"]
    assert ran.payload("transcriptionAvailable")["transcription"]["text"] == "please call me back"
    sent = ran.payload("transcriptionAvailable")["transcription"]["id"]
    assert rec["transcription"] == {"id": sent, "status": "available",
                                    "text": "please call me back"}


def test_silence_timeout_after_speech_keeps_the_speech(tmp_path):
    ran = go(tmp_path, RECORD.format("silenceTimeout='1'"),
             [WaitFor("Record"), Silence(0.5), Say("one two", seconds=1)])
    audio = ran.audio()[:, 0]
    assert rms(audio[int(0.6 * RATE):int(1.4 * RATE)]) > 0.01
    assert ran.recordings[0]["endReason"] == "silence-timeout"
    assert ran.recordings[0]["duration"] == pytest.approx(2.5, abs=0.021)


def test_start_recording_pause_resume_makes_segments_and_paused_time_is_absent(tmp_path):
    bxml = ("<StartRecording recordingAvailableUrl='/ra'/><Pause duration='2'/><PauseRecording/>"
            "<Pause duration='3'/><ResumeRecording/><Pause duration='1'/><StopRecording/>"
            "<Pause duration='1'/>")
    ran = go(tmp_path, bxml, [Silence(2.5), Say("secret", seconds=1)])
    rec = ran.recordings[0]
    assert rec["segments"] == [{"startAt": 0.0, "endAt": 2.0}, {"startAt": 5.0, "endAt": 6.0}]
    assert rec["duration"] == 3.0 and rec["endReason"] == "stop-recording"
    audio = ran.audio()[:, 0]
    assert len(audio) == 3 * RATE
    assert rms(audio) == 0.0  # the speech at 2.5-3.5 s was said while paused
    assert ran.payload("recordingAvailable")["duration"] == "PT3S"


def test_start_recording_runs_across_documents_until_the_call_ends(tmp_path):
    ran = go(tmp_path, "<StartRecording/><Redirect redirectUrl='/next'/>",
             routes={"/next": "<Response><Pause duration='2'/></Response>"})
    rec = ran.recordings[0]
    assert rec["endReason"] == "call-ended" and rec["duration"] == 2.0


def test_start_recording_ends_with_hangup_reason_when_the_caller_hangs_up(tmp_path):
    ran = go(tmp_path, "<StartRecording/><Pause duration='9'/>", [Silence(1), Hangup()])
    assert ran.recordings[0]["endReason"] == "hangup"
    assert ran.recordings[0]["duration"] == 1.0


@pytest.mark.parametrize("bxml", ["<PauseRecording/>", "<ResumeRecording/>", "<StopRecording/>"])
def test_pause_resume_stop_without_a_recording_are_no_ops(tmp_path, bxml):
    ran = go(tmp_path, f"{bxml}<Pause duration='1'/>")
    assert ran.recordings == []
    assert ran.data["calls"][0]["disconnectCause"] == "hangup"
    ends = [e for e in ran.data["timeline"] if e["kind"] == "verb-end" and e["verb"] == bxml[1:-2]]
    assert ends[0]["detail"]["reason"] == "ignored"


def test_resume_when_not_paused_and_double_pause_change_nothing(tmp_path):
    ran = go(tmp_path, "<StartRecording/><ResumeRecording/><Pause duration='1'/><PauseRecording/>"
                       "<PauseRecording/><Pause duration='1'/><ResumeRecording/><Pause duration='1'/>")
    assert ran.recordings[0]["segments"] == [{"startAt": 0.0, "endAt": 1.0},
                                             {"startAt": 2.0, "endAt": 3.0}]


def test_second_start_recording_is_ignored_even_while_paused(tmp_path):
    ran = go(tmp_path, "<StartRecording/><PauseRecording/><StartRecording/><Pause duration='1'/>"
                       "<StopRecording/><StartRecording/><Pause duration='1'/>")
    assert len(ran.recordings) == 2  # the third one, after StopRecording, is new
    assert ran.recordings[0]["duration"] == 0.0
    assert ran.recordings[1]["recordingId"] != ran.recordings[0]["recordingId"]


def test_multichannel_puts_the_caller_on_channel_1_and_played_audio_on_channel_2(tmp_path):
    ran = go(tmp_path, "<StartRecording multiChannel='true' recordingAvailableUrl='/ra'/>"
                       "<SpeakSentence>one two three four five</SpeakSentence><Pause duration='2'/>",
             [Silence(2.5), Say("caller words", seconds=1)])
    audio = ran.audio()
    assert audio.shape == (4 * RATE, 2)
    caller, played = audio[:, 0], audio[:, 1]
    assert rms(played[:2 * RATE]) > 0.01 and rms(played[2 * RATE:]) == 0.0
    assert rms(caller[:2 * RATE]) == 0.0 and rms(caller[int(2.5 * RATE):int(3.5 * RATE)]) > 0.01
    assert ran.payload("recordingAvailable")["channels"] == 2


def test_single_channel_mixes_both_sides(tmp_path):
    ran = go(tmp_path, "<StartRecording/><SpeakSentence>one two three four five</SpeakSentence>"
                       "<Pause duration='2'/>", [Silence(2.5), Say("caller words", seconds=1)])
    audio = ran.audio()
    assert audio.shape[1] == 1
    assert rms(audio[:2 * RATE, 0]) > 0.01 and rms(audio[int(2.5 * RATE):int(3.5 * RATE), 0]) > 0.01


def test_mp3_file_format_and_recording_name(tmp_path):
    ran = go(tmp_path, "<Record fileFormat='mp3' recordingName='vm-1' maxDuration='1'/>")
    rec = ran.recordings[0]
    assert rec["file"].endswith(".mp3") and rec["fileFormat"] == "mp3"
    assert rec["recordingName"] == "vm-1"
    info = soundfile.info(tmp_path / rec["file"])
    assert info.duration == pytest.approx(1.0, abs=0.15)


def test_transcription_holds_only_words_said_while_recording(tmp_path):
    bxml = ("<StartRecording transcribe='true' transcriptionAvailableUrl='/ta'/>"
            "<Pause duration='2'/><PauseRecording/><Pause duration='2'/><ResumeRecording/>"
            "<Pause duration='2'/>")
    ran = go(tmp_path, bxml, [Say("one two", seconds=1), Silence(1.5), Say("three", seconds=1),
                              Say("four five", seconds=1)])
    # paused 2-4 s: "three" (2.5-3.5) and "four" (3.5-4.0) are out, "five" (4.0-4.5) is in
    assert ran.recordings[0]["transcription"]["text"] == "one two five"


def test_transcription_of_a_too_short_recording_reports_the_size_status(tmp_path):
    ran = go(tmp_path, "<Record transcribe='true' transcriptionAvailableUrl='/ta' maxDuration='0.4'/>")
    assert ran.payload("transcriptionAvailable")["transcription"]["status"] == "file-size-too-small"


def test_recordings_made_before_a_failure_are_kept(tmp_path):
    ran = go(tmp_path, "<Record maxDuration='1' recordCompleteUrl='/broken'/>",
             routes={"/broken": "<Response><Nope/></Response>"})
    assert ran.data["calls"][0]["disconnectCause"] == "invalid-bxml"
    assert (tmp_path / ran.recordings[0]["file"]).exists()


def test_without_out_dir_no_audio_is_written_but_durations_are_computed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = simulate(scenario("<Record maxDuration='1.5'/>"), None).to_json()
    assert data["recordings"][0]["duration"] == 1.5
    assert not (tmp_path / "recordings").exists()
