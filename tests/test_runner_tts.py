"""``tts: espeak`` end to end: the scenario key, ``bxmlsim run --tts``, the runner answering the
engine's SynthesizeSpeech effects with espeak-ng, and the error when the extra is missing."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from helpers import needs_espeak
from simulator.audio import tts
from simulator.cli import main
from simulator.errors import MediaError, ScenarioError
from simulator.runner import simulate
from simulator.scenario.load import load_text

GREETING = "Welcome to the demo line."
SCENARIO = f"""\
name: tts demo
tts: espeak
app:
  bxml: |
    <Response>
      <StartRecording multiChannel="true"/>
      <SpeakSentence>{GREETING}</SpeakSentence>
      <Record maxDuration="10" transcribe="true"/>
    </Response>
caller:
  - wait_for: Record
  - say: "please call me back tomorrow"
  - hangup: true
"""


def load(text: str, tmp_path, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_text(text, file=path)


def missing_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)  # import raises ImportError
    monkeypatch.setattr(tts.EspeakVoice, "_instance", None)


# -- the scenario key ----------------------------------------------------------------------------

def test_tts_defaults_to_the_speech_model(tmp_path):
    (scenario,) = load("name: x\n", tmp_path)
    assert scenario.tts == "model"


@pytest.mark.parametrize("value, words", [
    ("festival", "bad value; expected model (the default, speech-like synthesis) or espeak "
                 "(real speech; the tts extra), got 'festival'"),
    ("1", "wrong type; expected a string"),
    ("{engine: espeak}", "wrong type; expected a string"),
])
def test_a_bad_tts_value_names_file_line_and_path(tmp_path, value, words):
    with pytest.raises(ScenarioError) as info:
        load(f"name: x\nseed: 0\ntts: {value}\n", tmp_path)
    assert f"s.yaml:3: $.tts: {words}" in str(info.value)


def test_missing_extra_fails_the_run_at_the_tts_line(tmp_path, monkeypatch):
    (scenario,) = load(SCENARIO, tmp_path)
    missing_extra(monkeypatch)
    with pytest.raises(MediaError) as info:
        simulate(scenario, tmp_path / "out")
    assert str(info.value).startswith(
        f"{tmp_path / 's.yaml'}:2: TTS 'espeak' needs the tts extra: "
        "pip install '.[tts]' in the bxml-simulator checkout")
    assert not (tmp_path / "out").exists()  # nothing ran


def test_missing_extra_is_not_needed_by_the_model(tmp_path, monkeypatch):
    (scenario,) = load(SCENARIO.replace("tts: espeak\n", ""), tmp_path)
    missing_extra(monkeypatch)
    assert simulate(scenario).passed


# -- real espeak -------------------------------------------------------------------------------

@needs_espeak
def test_speak_sentence_lasts_and_sounds_as_espeak_says(tmp_path):
    (scenario,) = load(SCENARIO, tmp_path)
    result = simulate(scenario, tmp_path / "out").to_json()
    spoken = tts.speak(GREETING)
    seconds = len(spoken) / 8000
    ends = [e["at"] for e in result["timeline"]
            if e["kind"] == "verb-end" and e["verb"] == "SpeakSentence"]
    assert ends == [pytest.approx(seconds, abs=0.001)]
    whole, record = result["recordings"]
    assert record["startAt"] == pytest.approx(seconds, abs=0.001)
    samples, rate = soundfile.read(tmp_path / "out" / whole["file"], dtype="float32")
    assert rate == 8000 and samples.shape[1] == 2
    n = len(spoken)
    # channel 2 (the platform) is the espeak audio, to 16-bit precision; channel 1 is silent
    assert np.max(np.abs(samples[:n, 1] - spoken)) < 1.0 / 16384
    assert np.all(samples[:n, 0] == 0)


@needs_espeak
def test_caller_say_is_espeak_speech_in_the_record_and_its_transcription(tmp_path):
    (scenario,) = load(SCENARIO, tmp_path)
    result = simulate(scenario, tmp_path / "out").to_json()
    record = result["recordings"][1]
    said = tts.speak("please call me back tomorrow", gender="male")
    assert record["duration"] == pytest.approx(len(said) / 8000, abs=0.001)
    assert (record["transcription"]["status"], record["transcription"]["text"]) == \
        ("available", "please call me back tomorrow")
    samples, _ = soundfile.read(tmp_path / "out" / record["file"], dtype="float32")
    assert np.max(np.abs(samples[:len(said)] - said)) < 1.0 / 16384


@needs_espeak
def test_same_scenario_twice_gives_identical_files(tmp_path):
    (scenario,) = load(SCENARIO, tmp_path)
    a = simulate(scenario, tmp_path / "a")
    b = simulate(scenario, tmp_path / "b")
    assert a.dumps() == b.dumps()
    for rec in a.to_json()["recordings"]:
        assert (tmp_path / "a" / rec["file"]).read_bytes() == \
            (tmp_path / "b" / rec["file"]).read_bytes()


# -- bxmlsim run --tts -----------------------------------------------------------------------

def speak_end(out) -> float:
    data = json.loads((out / "tts-demo" / "result.json").read_text())
    return next(e["at"] for e in data["timeline"]
                if e["kind"] == "verb-end" and e["verb"] == "SpeakSentence")


@needs_espeak
def test_cli_tts_option_overrides_the_scenario_key(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("tts: espeak\n", ""), encoding="utf-8")
    runner = CliRunner()
    model = runner.invoke(main, ["run", str(path), "--out", str(tmp_path / "m")])
    espeak = runner.invoke(main, ["run", str(path), "--out", str(tmp_path / "e"),
                                  "--tts", "espeak"])
    assert model.exit_code == espeak.exit_code == 0, model.output + espeak.output
    assert speak_end(tmp_path / "m") == pytest.approx(2.0)  # 5 words at 0.4 s
    assert speak_end(tmp_path / "e") == pytest.approx(len(tts.speak(GREETING)) / 8000,
                                                      abs=0.001)
    path.write_text(SCENARIO, encoding="utf-8")
    back = runner.invoke(main, ["run", str(path), "--out", str(tmp_path / "b"), "--tts", "model"])
    assert back.exit_code == 0 and speak_end(tmp_path / "b") == pytest.approx(2.0)


def test_cli_tts_espeak_without_the_extra_is_a_usage_error(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("tts: espeak\n", ""), encoding="utf-8")
    missing_extra(monkeypatch)
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "o"),
                                       "--tts", "espeak"])
    assert result.exit_code == 2
    assert "--tts espeak: TTS 'espeak' needs the tts extra: pip install " \
           "'.[tts]' in the bxml-simulator checkout" in result.output
    assert "Traceback" not in result.output


def test_cli_scenario_key_without_the_extra_is_an_error_naming_the_line(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    missing_extra(monkeypatch)
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{path}:2: TTS 'espeak' needs the tts extra" in result.output.replace("\n", "")
    assert "Traceback" not in result.output


def test_cli_unknown_tts_engine_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(path), "--tts", "festival"])
    assert result.exit_code == 2 and "'festival' is not one of 'model', 'espeak'" in result.output
