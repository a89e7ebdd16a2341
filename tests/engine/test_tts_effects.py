"""The engine with ``tts="espeak"``: SpeakSentence text runs and caller ``say`` steps are asked of
the runner (``SynthesizeSpeech``) and last as long as the samples it answers.

A fake TTS answers here (0.1 s a character, a constant level), so these tests need no espeak and
pin the engine's side exactly; tests/test_runner_tts.py runs real espeak-ng.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine_harness import BASE, _deliver, render_recording
from simulator.audio.synth import SAMPLE_RATE
from simulator.engine.effects import (FetchAudio, RecordingDone, SynthesizedSpeech,
                                      SynthesizeSpeech, Webhook)
from simulator.engine.catalogue import CATALOGUE
from simulator.engine.simulation import Simulation
from simulator.scenario.model import CallSettings, Hangup, Say, WaitFor

LEVEL = 0.25


def fake_speech(text: str) -> np.ndarray:
    return np.full(int(round(0.1 * len(text) * SAMPLE_RATE)), LEVEL, dtype=np.float32)


def drive(bxml: str, caller=(), *, tts: str = "espeak", routes=None):
    sim = Simulation(call=CallSettings(disconnect_url="/disconnect"), base_url=BASE,
                     caller=tuple(caller), tts=tts, catalogue=CATALOGUE)
    asked: list[SynthesizeSpeech] = []
    audio: dict[str, np.ndarray] = {}
    routes = {"/answer": bxml, **(routes or {})}
    effect = sim.start()
    while effect is not None:
        if isinstance(effect, Webhook):
            answer = _deliver(effect, routes)
        elif isinstance(effect, SynthesizeSpeech):
            asked.append(effect)
            answer = SynthesizedSpeech(fake_speech(effect.text))
        elif isinstance(effect, RecordingDone):
            audio[effect.recording_id] = render_recording(effect)
            answer = f"recordings/{effect.recording_id}.{effect.file_format}"
        else:
            assert not isinstance(effect, FetchAudio)
            raise AssertionError(f"unexpected effect {effect!r}")
        effect = sim.send(answer)
    return sim, asked, audio


def verb_times(sim, verb: str) -> tuple[float, float]:
    start = next(e.at for e in sim.timeline if e.kind == "verb-start" and e.verb == verb)
    end = next(e.at for e in sim.timeline if e.kind == "verb-end" and e.verb == verb)
    return start, end


def test_speak_sentence_lasts_the_synthesised_audio_plus_breaks():
    sim, asked, _ = drive('<Response><SpeakSentence>Hello there<break time="1s"/>Goodbye'
                          '</SpeakSentence></Response>')
    assert [a.text for a in asked] == ["Hello there", "Goodbye"]
    start, end = verb_times(sim, "SpeakSentence")
    assert end - start == pytest.approx(0.1 * len("Hello there") + 1.0 + 0.1 * len("Goodbye"))


def test_the_effect_carries_the_sentence_voice_gender_and_locale():
    _, asked, _ = drive('<Response><SpeakSentence voice="dave">a</SpeakSentence>'
                        '<SpeakSentence gender="male" locale="en_UK">b</SpeakSentence>'
                        '<SpeakSentence>c</SpeakSentence></Response>')
    assert [(a.voice, a.gender, a.locale, a.engine) for a in asked] == [
        ("dave", "female", "en_US", "espeak"), (None, "male", "en_UK", "espeak"),
        (None, "female", "en_US", "espeak")]


def test_gather_timers_start_after_the_synthesised_prompt():
    sim, _, _ = drive('<Response><Gather gatherUrl="/g" firstDigitTimeout="2">'
                      '<SpeakSentence>Press one</SpeakSentence></Gather></Response>',
                      routes={"/g": "<Response/>"})
    gather = next(c for c in sim.callbacks if c["eventType"] == "gather")
    prompt = 0.1 * len("Press one")
    assert gather["at"] == pytest.approx(prompt + 2.0)


def test_multichannel_channel_2_carries_the_synthesised_sentence():
    sim, _, audio = drive('<Response><StartRecording multiChannel="true"/>'
                          '<SpeakSentence>Hello there</SpeakSentence></Response>')
    (samples,) = audio.values()
    spoken = int(round(0.1 * len("Hello there") * SAMPLE_RATE))
    assert samples.shape == (spoken, 2)
    assert np.all(samples[:, 1] == LEVEL) and np.all(samples[:, 0] == 0)
    assert sim.recordings_json()[0]["duration"] == pytest.approx(0.1 * len("Hello there"))


def test_caller_say_is_spoken_as_a_male_voice_and_lasts_its_speech():
    sim, asked, _ = drive("<Response><Pause duration='10'/></Response>",
                          [Say("hi it is sam"), Hangup()])
    assert [(a.text, a.gender, a.locale, a.voice) for a in asked] == [
        ("hi it is sam", "male", "en_US", None)]
    hangup = next(e.at for e in sim.timeline if e.kind == "remote-hangup")
    assert hangup == pytest.approx(0.1 * len("hi it is sam"))
    speech = next(e for e in sim.timeline if e.kind == "speech")
    assert speech.detail["seconds"] == pytest.approx(0.1 * len("hi it is sam"))


def test_caller_say_seconds_is_a_minimum():
    longer, _, _ = drive("<Response><Pause duration='10'/></Response>",
                         [Say("hi", seconds=3), Hangup()])
    shorter, _, _ = drive("<Response><Pause duration='10'/></Response>",
                          [Say("hi it is sam", seconds=0.5), Hangup()])
    assert next(e.at for e in longer.timeline if e.kind == "remote-hangup") == pytest.approx(3.0)
    assert next(e.at for e in shorter.timeline if e.kind == "remote-hangup") == \
        pytest.approx(0.1 * len("hi it is sam"))


def test_a_synthesised_say_is_transcribed():
    sim, _, audio = drive("<Response><Record transcribe='true' maxDuration='5'/></Response>",
                          [WaitFor("Record"), Say("call me back"), Hangup()])
    (rec,) = sim.recordings_json()
    assert rec["transcription"]["text"] == "call me back"
    assert rec["transcription"]["status"] == "available"
    (samples,) = audio.values()
    assert np.all(samples[:, 0] == LEVEL)


def test_the_model_default_asks_for_nothing():
    sim, asked, _ = drive("<Response><SpeakSentence>Hello there</SpeakSentence></Response>",
                          [Say("hi")], tts="model")
    assert asked == []
    start, end = verb_times(sim, "SpeakSentence")
    assert end - start == pytest.approx(0.8)  # 0.4 s a word



def test_conference_bxml_speech_is_synthesised_too():
    room = '<Response><Conference conferenceEventUrl="/conf">sales</Conference></Response>'
    sim, asked, _ = drive(room, [Hangup(at=3.0)],
                          routes={"/conf": "<Response><SpeakSentence>one two</SpeakSentence>"
                                           "</Response>"})
    assert "one two" in [a.text for a in asked]
    assert all(e.kind != "internal-error" for e in sim.timeline)
