"""audio/detect.py: energy silence detection and Goertzel DTMF decoding on synthetic audio."""

import numpy as np
import pytest

from simulator.audio.detect import SilenceDetector, detect_dtmf, first_silence, silent_frames
from simulator.audio.synth import Span, dtmf, render, silence, speech, tone

KEYS = "1234567890*#ABCD"
FRAME = 0.02


def keyed(keys, tone_seconds=0.1, gap_seconds=0.1):
    return np.concatenate([np.concatenate([dtmf(k, tone_seconds), silence(gap_seconds)])
                           for k in keys])


def noisy(x, seed=0, sigma=0.05):
    return (x + np.random.default_rng(seed).normal(0.0, sigma, len(x))).astype(np.float32)


def blocks_of(x, size):
    return [x[i:i + size] for i in range(0, len(x), size)]


# ---------------------------------------------------------------- DTMF

@pytest.mark.parametrize("key", list(KEYS))
def test_each_key_round_trips_clean_and_noisy(key):
    x = np.concatenate([silence(0.05), dtmf(key), silence(0.05)])
    assert detect_dtmf(x) == key
    assert detect_dtmf(noisy(x, seed=ord(key))) == key


def test_all_keys_back_to_back_with_gaps():
    x = keyed(KEYS)
    assert detect_dtmf(x) == KEYS
    for seed in range(3):
        assert detect_dtmf(noisy(x, seed)) == KEYS


def test_repeated_keys_need_and_get_a_gap():
    assert detect_dtmf(keyed("1122##00", 0.05, 0.05)) == "1122##00"
    assert detect_dtmf(noisy(keyed("1122##00", 0.05, 0.05), seed=9)) == "1122##00"
    # Without any gap a held key is one press; different keys still separate.
    assert detect_dtmf(np.concatenate([dtmf("7", 0.1), dtmf("7", 0.1)])) == "7"
    assert detect_dtmf(np.concatenate([dtmf(k, 0.1) for k in "123"])) == "123"


def test_keys_inside_speech_and_tones_are_found_and_speech_alone_gives_none():
    spans = [Span(0.0, 3.0, "speech", text="I would like to talk to someone", seed=2),
             Span(3.2, 3.3, "dtmf", digit="4"), Span(3.5, 3.6, "dtmf", digit="2")]
    x = np.concatenate(list(render(spans, 0.0, 4.0)))
    assert detect_dtmf(x) == "42"
    for seed in range(60):   # no talk-off: voiced harmonics must not pass for a key
        assert detect_dtmf(speech("hello there how are you doing today", 6.0, seed)) == ""
    assert detect_dtmf(tone(1000.0, 1.0)) == ""
    assert detect_dtmf(tone(697.0, 1.0)) == ""   # a row tone alone is no key


def test_too_short_or_too_quiet_tones_are_ignored():
    assert detect_dtmf(np.concatenate([silence(0.1), dtmf("5", 0.02), silence(0.1)])) == ""
    assert detect_dtmf(dtmf("5", 0.5) * 0.01) == ""           # about -52 dBFS per tone
    assert detect_dtmf(np.zeros(100, dtype=np.float32)) == ""


def test_twist_beyond_8_db_is_rejected():
    low, high = 770.0, 1336.0
    t = np.arange(4000) / 8000
    balanced = 0.25 * np.sin(2 * np.pi * low * t) + 0.25 * np.sin(2 * np.pi * high * t)
    twisted = 0.25 * np.sin(2 * np.pi * low * t) + 0.05 * np.sin(2 * np.pi * high * t)
    assert detect_dtmf(balanced) == "5"
    assert detect_dtmf(twisted) == ""                          # 14 dB apart


# ---------------------------------------------------------------- silence

@pytest.mark.parametrize("seed", range(25))
def test_silence_never_fires_inside_speech(seed):
    x = speech("Hi, it's Sam, calling about tomorrow's appointment at nine", 8.0, seed)
    assert first_silence(blocks_of(x, 1000), 0.0, 0.3) is None


@pytest.mark.parametrize("block", [37, 160, 1000, 8000, 100000])
@pytest.mark.parametrize("start", [0.0, 12.345])
def test_silence_after_speech_fires_within_one_frame(block, start):
    spoken = 2.0
    x = np.concatenate([speech("yes that is right", spoken, seed=6), silence(4.0)])
    fired = first_silence(blocks_of(x, block), start, 1.5)
    assert fired is not None
    assert abs(fired - (start + spoken + 1.5)) <= FRAME


def test_silence_from_the_start_fires_at_start_plus_timeout():
    assert first_silence([silence(3.0)], 5.0, 2.0) == pytest.approx(7.0, abs=1e-9)
    assert first_silence([silence(1.9)], 5.0, 2.0) is None


def test_streaming_detector_reports_once_per_silent_run():
    detector = SilenceDetector(min_silence=1.0)
    at, fired = 0.0, []
    for piece in [silence(1.5), speech("hello again", 1.0, 1), silence(2.5)]:
        for b in blocks_of(piece, 800):
            result = detector.feed(b, at)
            if result is not None:
                fired.append(result)
            at += len(b) / 8000
    assert len(fired) == 2
    assert fired[0] == pytest.approx(1.0, abs=FRAME)
    assert fired[1] == pytest.approx(3.5, abs=FRAME)
    assert detector.silent_since == pytest.approx(2.5, abs=FRAME)


def test_detector_threshold_is_minus_40_dbfs():
    quiet = tone(300.0, 2.0, amplitude=10 ** (-45 / 20) * np.sqrt(2))   # -45 dBFS RMS
    loud = tone(300.0, 2.0, amplitude=10 ** (-35 / 20) * np.sqrt(2))    # -35 dBFS RMS
    assert first_silence([quiet], 0.0, 1.0) == pytest.approx(1.0)
    assert first_silence([loud], 0.0, 1.0) is None
    assert first_silence([loud], 0.0, 1.0, threshold_dbfs=-30) == pytest.approx(1.0)


def test_a_gap_in_fed_time_restarts_the_silent_run():
    detector = SilenceDetector(min_silence=1.0)
    assert detector.feed(silence(0.8), 0.0) is None
    assert detector.feed(silence(0.8), 10.0) is None        # not a continuation of 0.8
    assert detector.feed(silence(0.4), 10.8) == pytest.approx(11.0)


def test_block_starts_are_taken_on_the_sample_grid():
    detector = SilenceDetector(min_silence=1.0)
    assert detector.feed(silence(0.8), 0.00004) is None      # sample 0
    assert detector.feed(silence(0.4), 0.80006) == 1.0       # sample 6400: a continuation


def test_silent_frames_is_the_detectors_frame_test_with_a_last_partial_frame():
    """Record's silenceTimeout and answering-machine detection share this test (docs/audio.md)."""
    audio = np.concatenate([speech("hello there", 1.0, seed=3), silence(0.5),
                            tone(440, 0.24), silence(0.01)])   # 1.75 s: 87 frames and a half
    flags = silent_frames(audio)
    assert len(flags) == 88
    assert flags[50:75].all() and not flags[75:87].any()  # the pause, then the tone
    assert flags[87]  # the last, partial frame: 10 ms of silence
    detector = SilenceDetector(min_silence=0.4)
    assert detector.feed(audio[:75 * 160], 0.0) == pytest.approx(1.0 + 0.4)
