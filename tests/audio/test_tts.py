"""audio/tts.py: espeak-ng speech (the tts extra) and the BXML voice -> espeak voice mapping.

Tests that synthesise skip when espeakng-loader cannot be installed (no linux-aarch64 wheel).
"""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import pytest

from helpers import needs_espeak
from simulator.audio import tts
from simulator.audio.detect import SilenceDetector
from simulator.audio.synth import SAMPLE_RATE
from simulator.bxml.nodes import VOICES
from simulator.errors import MediaError

SENTENCE = "Thank you for calling. Please leave a message after the tone."


def rms_dbfs(samples: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


# -- voices (spec §3.1: voice wins; else locale + gender; the other gender when none) ----------

def test_defaults_speak_as_julie_a_female_en_us_voice():
    assert tts.bandwidth_voice() == "julie"
    assert tts.espeak_voice_name() == "en-us+f3"


def test_voice_wins_over_gender_and_locale():
    assert tts.bandwidth_voice("Dave", gender="female", locale="de") == "dave"
    assert tts.espeak_voice_name("dave", gender="female", locale="de") == "en-us+m3"


def test_gender_and_locale_pick_the_first_such_voice_of_the_table():
    assert tts.bandwidth_voice(None, "male", "en_US") == "dave"
    assert tts.bandwidth_voice(None, "male", "en_UK") == "simon"
    assert tts.bandwidth_voice(None, "female", "es_MX") == "rosa"


def test_a_locale_without_that_gender_uses_the_other():
    assert tts.bandwidth_voice(None, "male", "arb") == "zeina"
    assert tts.bandwidth_voice(None, "male", "cmn-CN") == "zhiyu"


def test_each_voice_of_a_locale_and_gender_gets_its_own_variant():
    names = {voice: tts.espeak_voice_name(voice) for voice in VOICES}
    assert names["julie"] == "en-us+f3" and names["kate"] == "en-us+f2"
    assert names["susan"] == "en-us+f4" and names["ruth"] == "en-us+f1"
    assert names["paul"] == "en-us+m1" and names["stephen"] == "en-us+m2"
    assert names["bridget"] == "en+f3" and names["rosa"] == "es-419+f3"
    assert names["zhiyu"] == "cmn+f3" and names["gabrielle"] == "fr+f3"
    by_locale: dict[tuple, list[str]] = {}
    for voice, (locale, gender) in VOICES.items():
        by_locale.setdefault((locale, gender), []).append(names[voice])
    for group in by_locale.values():
        assert len(set(group)) == len(group)


def test_every_bandwidth_locale_has_an_espeak_language():
    assert {locale for locale, _ in VOICES.values()} == set(tts.ESPEAK_LANGUAGES)


def test_unknown_voice_or_locale_is_a_media_error():
    with pytest.raises(MediaError, match="unknown SpeakSentence voice.*got 'hal'"):
        tts.bandwidth_voice("hal")
    with pytest.raises(MediaError, match="unknown SpeakSentence locale.*got 'xx'"):
        tts.bandwidth_voice(None, "female", "xx")


# -- the missing extra ---------------------------------------------------------------------------

def test_missing_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)  # import raises ImportError
    monkeypatch.setattr(tts.EspeakVoice, "_instance", None)
    with pytest.raises(MediaError) as info:
        tts.speak("hello")
    assert info.value.message == ("TTS 'espeak' needs the tts extra: pip install '.[tts]' in the bxml-simulator "
                                   "checkout (or 'bxml-simulator[tts]' from an index that has it)")
    assert info.value.got == "not installed"


def test_a_library_that_cannot_load_is_the_same_clear_error(monkeypatch):
    class Broken:
        @staticmethod
        def get_library_path():
            return "/nonexistent/libespeak-ng.so"

        @staticmethod
        def get_data_path():
            return "/nonexistent"

    monkeypatch.setitem(sys.modules, "espeakng_loader", Broken)
    monkeypatch.setattr(tts.EspeakVoice, "_instance", None)
    with pytest.raises(MediaError, match=r"needs the tts extra.*expected a loadable "
                                         r"libespeak-ng, got .*nonexistent"):
        tts.EspeakVoice.get()


# -- speech -----------------------------------------------------------------------------------

@needs_espeak
def test_a_sentence_is_speech_of_plausible_length_and_level():
    samples = tts.speak(SENTENCE)
    assert samples.dtype == np.float32 and samples.ndim == 1
    seconds = len(samples) / SAMPLE_RATE
    words = len(SENTENCE.split())
    assert 0.24 < seconds / words < 0.6  # 100 to 250 words a minute
    assert -30 < rms_dbfs(samples) < -10  # telephone speech level, far above -40 dBFS
    assert np.abs(samples).max() <= 1.0
    loud = [rms_dbfs(samples[i:i + 160]) > -40 for i in range(0, len(samples) - 160, 160)]
    assert sum(loud) / len(loud) > 0.6  # mostly sound, with the pauses of speech


@needs_espeak
def test_speech_is_band_limited_to_the_telephone_band():
    samples = tts.speak(SENTENCE).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / SAMPLE_RATE)
    assert spectrum[freqs > 3700].sum() < 0.01 * spectrum.sum()
    assert spectrum[(freqs > 100) & (freqs < 1000)].sum() > 0.3 * spectrum.sum()


@needs_espeak
def test_same_text_twice_gives_identical_samples_whatever_was_spoken_between():
    voice = tts.EspeakVoice.get()
    first, rate = voice.synthesize(SENTENCE, "en-us+f3")
    voice.synthesize("Something else entirely, to move espeak's state on.", "en-us+m3")
    again, _ = voice.synthesize(SENTENCE, "en-us+f3")
    assert rate == 22050 and np.array_equal(first, again)


@needs_espeak
def test_breathy_voices_do_not_depend_on_the_clock():
    # espeak_Initialize seeds its noise from the time; tts fixes the seed after it
    voice = tts.EspeakVoice.get()
    first, _ = voice.synthesize("Hello there", "en-us+f3")
    second = int(time.time())
    while int(time.time()) == second:
        time.sleep(0.05)
    again, _ = voice.synthesize("Hello there", "en-us+f3")
    assert np.array_equal(first, again)


@needs_espeak
def test_speak_returns_read_only_memoised_samples():
    a = tts.speak("Press one for sales")
    assert not a.flags.writeable
    assert tts.speak("Press  one for\nsales") is a  # whitespace does not matter


@needs_espeak
def test_blank_text_is_no_audio():
    assert len(tts.speak("   ")) == 0


@needs_espeak
def test_voices_differ_and_every_bandwidth_voice_speaks():
    julie, dave = tts.speak("Hello there", voice="julie"), tts.speak("Hello there", voice="dave")
    assert not (len(julie) == len(dave) and np.array_equal(julie, dave))
    for voice in VOICES:
        assert rms_dbfs(tts.speak("one two three", voice=voice)) > -35, voice


@needs_espeak
def test_threads_get_the_same_samples_as_one_after_the_other():
    voice = tts.EspeakVoice.get()
    texts = [f"Your code is {n} {n + 1} {n + 2}" for n in range(6)]
    expected = [voice.synthesize(text, "en-us+m1")[0] for text in texts]
    got: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        got[i] = voice.synthesize(texts[i], "en-us+m1")[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(got[i], expected[i]) for i in range(len(texts)))


@needs_espeak
def test_sentence_pauses_are_real_silences():
    # espeak pauses between sentences, unlike the speech model: a short Record silenceTimeout
    # can fire there (docs/audio.md)
    detector = SilenceDetector(min_silence=0.25)
    assert detector.feed(tts.speak(SENTENCE), 0.0) is not None
