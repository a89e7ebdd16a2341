"""audio/synth.py: deterministic speech-like audio, DTMF, tones, TTS timing, span timelines."""

import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from simulator.audio.speech_model import speech_slice
from simulator.audio.synth import (
    CHUNK, DTMF_FREQUENCIES, SAMPLE_RATE, Span, SpeechCache, dtmf, render, silence, speech,
    tone, tts_seconds,
)

KEYS = "1234567890*#ABCD"


def dbfs(x):
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def peak_frequencies(x, count):
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    peaks = [i for i in range(1, len(spectrum) - 1)
             if spectrum[i] >= spectrum[i - 1] and spectrum[i] >= spectrum[i + 1]]
    peaks.sort(key=lambda i: -spectrum[i])
    return sorted(freqs[i] for i in peaks[:count])


# ---------------------------------------------------------------- speech

@pytest.mark.parametrize("seconds", [0.05, 0.4, 1.2, 3.33337, 10.0])
def test_speech_has_exactly_round_seconds_times_8000_samples(seconds):
    x = speech("Hi, it's Sam", seconds, seed=1)
    assert x.dtype == np.float32
    assert len(x) == round(seconds * 8000)


def test_speech_level_is_about_minus_20_dbfs_and_within_full_scale():
    levels = []
    for seed in range(12):
        x = speech("please call me back tomorrow morning", 5.0, seed)
        assert np.abs(x).max() <= 1.0
        levels.append(dbfs(x))
    assert -23 < np.mean(levels) < -17
    assert all(-26 < level < -14 for level in levels)


def test_speech_is_deterministic_for_a_seed_and_varies_with_seed_and_text():
    a = speech("hello there", 2.0, seed=7)
    assert np.array_equal(a, speech("hello there", 2.0, seed=7))
    assert not np.array_equal(a, speech("hello there", 2.0, seed=8))
    assert not np.array_equal(a, speech("goodbye now", 2.0, seed=7))


def test_speech_pitch_wanders_within_100_to_220_hz():
    x = speech("one two three four five six seven eight", 4.0, seed=3).astype(np.float64)
    frame = 400
    pitches = []
    for lo in range(0, len(x) - frame, frame):
        f = x[lo:lo + frame]
        if np.mean(f ** 2) < 1e-3:  # below -30 dBFS: a gap
            continue
        f = f - f.mean()
        ac = np.correlate(f, f, "full")[frame - 1:]
        lag = 25 + int(np.argmax(ac[25:100]))   # search 80..320 Hz
        pitches.append(SAMPLE_RATE / lag)
    assert len(pitches) >= 10
    inside = [p for p in pitches if 95 <= p <= 230]
    assert len(inside) >= 0.8 * len(pitches)
    assert max(pitches) - min(pitches) > 10  # it wanders


def test_speech_is_mostly_sound_with_short_gaps():
    x = speech("this is a sentence with quite a few words in it", 6.0, seed=5)
    frames = x[: len(x) // 160 * 160].reshape(-1, 160)
    loud = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20) > -40
    assert loud.mean() > 0.6


# ---------------------------------------------------------------- DTMF, tone, silence

@pytest.mark.parametrize("key", list(KEYS))
def test_dtmf_is_the_q23_frequency_pair(key):
    x = dtmf(key, 0.5)
    assert len(x) == 4000
    low, high = peak_frequencies(x, 2)
    assert low == pytest.approx(DTMF_FREQUENCIES[key][0], abs=2)
    assert high == pytest.approx(DTMF_FREQUENCIES[key][1], abs=2)
    assert np.abs(x).max() <= 1.0


def test_dtmf_defaults_to_a_tenth_of_a_second_and_accepts_lowercase_letters():
    assert len(dtmf("5")) == 800
    assert np.array_equal(dtmf("a"), dtmf("A"))


@pytest.mark.parametrize("bad", ["E", "", "12", "x"])
def test_dtmf_rejects_keys_outside_the_keypad(bad):
    with pytest.raises(ValueError, match="DTMF key"):
        dtmf(bad)


def test_tone_and_silence():
    x = tone(1000.0, 0.25)
    assert len(x) == 2000
    assert peak_frequencies(x, 1) == [pytest.approx(1000.0, abs=2)]
    assert not silence(0.3).any() and len(silence(0.3)) == 2400


# ---------------------------------------------------------------- TTS timing

def test_tts_seconds_is_words_over_2_5_plus_breaks():
    assert tts_seconds(["Hello world", 0.5, "how are you"]) == pytest.approx(5 / 2.5 + 0.5)
    assert tts_seconds(["one"]) == pytest.approx(0.4)
    assert tts_seconds([1.25]) == pytest.approx(1.25)
    assert tts_seconds([]) == 0.0
    assert tts_seconds(["  spaced   out\nwords "]) == pytest.approx(3 * 0.4)


# ---------------------------------------------------------------- Span and render

def timeline():
    return [
        Span(1.0, 3.5, "speech", text="hello world again", seed=4),
        Span(2.0, 2.1, "dtmf", digit="5"),
        Span(3.0, 4.0, "tone", freq=1000.0),
        Span(4.5, 4.6, "silence"),
        Span(5.0, 5.3, "samples", samples=dtmf("#", 0.5)),
        Span(5.2, 5.9, "samples", samples=np.full(800, 0.25, dtype=np.float32)),
    ]


def whole(spans, start, end, block_seconds=10.0):
    return np.concatenate(list(render(spans, start, end, block_seconds=block_seconds)))


def test_render_covers_the_range_at_round_t_times_8000():
    x = whole(timeline(), 0.3, 6.00006)
    assert x.dtype == np.float32
    assert len(x) == round(6.00006 * 8000) - round(0.3 * 8000)


def test_render_places_each_span_at_its_start_sample():
    x = whole(timeline(), 0.0, 6.0)
    assert not x[:8000].any()                                   # nothing before 1.0
    assert np.array_equal(x[8000:16000], speech("hello world again", 2.5, 4)[:8000])
    assert np.array_equal(x[28000:32000], tone(1000.0, 1.0)[4000:])  # 3.5 .. 4.0: tone alone
    assert not x[32000:40000].any()                             # 4.0 .. 5.0 silent
    assert np.array_equal(x[40000:41600], dtmf("#", 0.5)[:1600])


@given(st.lists(st.floats(0.001, 3.0), min_size=1, max_size=4))
@settings(max_examples=25, deadline=None)
def test_render_is_identical_whichever_blocks_cut_it(block_sizes):
    reference = whole(timeline(), 0.5, 6.0, block_seconds=7.0)
    for size in block_sizes:
        assert np.array_equal(whole(timeline(), 0.5, 6.0, block_seconds=size), reference)


def test_render_mixes_overlapping_spans_by_summing_and_clips():
    spans = [Span(0.0, 1.0, "tone", freq=440.0), Span(0.5, 1.0, "dtmf", digit="1")]
    x = whole(spans, 0.0, 1.0)
    expected = tone(440.0, 1.0)
    expected[4000:] += dtmf("1", 0.5)
    assert np.array_equal(x, np.clip(expected, -1, 1))
    loud = [Span(0.0, 0.1, "samples", samples=np.full(800, 0.8))] * 2
    assert whole(loud, 0.0, 0.1).max() == 1.0


def test_render_of_a_window_equals_the_same_slice_of_a_longer_render():
    full = whole(timeline(), 0.0, 6.0)
    assert np.array_equal(whole(timeline(), 1.7, 5.1), full[round(1.7 * 8000):round(5.1 * 8000)])


def test_samples_span_is_cut_at_its_end_and_silent_past_its_length():
    short = np.full(400, 0.5, dtype=np.float32)
    x = whole([Span(0.0, 0.2, "samples", samples=short),
               Span(0.5, 0.55, "samples", samples=np.full(8000, 0.5))], 0.0, 1.0)
    assert np.all(x[:400] == 0.5) and not x[400:4000].any()
    assert np.all(x[4000:4400] == 0.5) and not x[4400:].any()


def test_render_streams_in_blocks_of_at_most_block_seconds():
    spans = [Span(100.0, 102.0, "speech", text="yes", seed=1)]
    sizes = [len(b) for b in render(spans, 0.0, 3600.0, block_seconds=30.0)]
    assert max(sizes) == 240000 and sum(sizes) == 3600 * 8000


def test_long_speech_span_renders_cheaply_in_the_middle():
    span = Span(0.0, 3 * 3600.0, "speech", text="a very long monologue", seed=2)
    blocks = list(render([span], 5000.0, 5001.0, block_seconds=0.3))
    assert sum(len(b) for b in blocks) == 8000 and dbfs(np.concatenate(blocks)) > -30


@pytest.mark.parametrize("kwargs, message", [
    (dict(start=0, end=1, kind="noise"), "kind"),
    (dict(start=2, end=1, kind="silence"), "ends before"),
    (dict(start=0, end=1, kind="dtmf", digit="X"), "DTMF key"),
    (dict(start=0, end=1, kind="tone"), "freq"),
    (dict(start=0, end=1, kind="samples"), "samples"),
    (dict(start=0, end=1, kind="samples", samples=np.zeros((4, 2))), "mono"),
])
def test_span_rejects_inconsistent_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Span(**kwargs)


def test_span_is_frozen_and_its_samples_are_read_only():
    source = np.zeros(10, dtype=np.float32)
    span = Span(0.0, 1.0, "samples", samples=source)
    source[0] = 1.0
    assert span.samples[0] == 0.0
    with pytest.raises(ValueError):
        span.samples[0] = 1.0
    assert Span(0, 1, "dtmf", digit="1") == Span(0, 1, "dtmf", digit="1")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60_000), st.integers(0, 60_000)), min_size=1,
                max_size=8))
def test_the_speech_cache_gives_the_samples_synthesis_gives(ranges):
    cache = SpeechCache(max_bytes=3 * CHUNK * 4)   # evicts as it goes
    for a, b in ranges:
        a, b = min(a, b), max(a, b)
        got = cache.speech("cached words", 60_000, 4, a, b)
        assert got.tobytes() == speech_slice("cached words", 60_000, 4, a, b).tobytes()
        assert not got.flags.writeable and cache.bytes <= cache.max_bytes
        mixed = np.full(b - a, 0.25, dtype=np.float32)     # what render adds a span into
        cache.add_speech(mixed, "cached words", 60_000, 4, a, b)
        assert mixed.tobytes() == (np.float32(0.25) + got).tobytes()


def test_render_through_a_cache_synthesises_each_speech_sample_once(monkeypatch):
    """Rendered twice (a Record's silence detection, then its file), speech is made once."""
    from simulator.audio import synth as module

    made = []
    real = module.speech_slice
    monkeypatch.setattr(module, "speech_slice",
                        lambda *args: made.append(args[4] - args[3]) or real(*args))
    spans = [Span(1.0, 31.0, "speech", text="a long message left after the tone", seed=2),
             Span(31.5, 31.6, "dtmf", digit="#")]
    module.clear_caches()
    cache = SpeechCache()
    first = np.concatenate(list(render(spans, 0.0, 32.0, block_seconds=3.0, cache=cache)))
    again = np.concatenate(list(render(spans, 0.0, 32.0, block_seconds=10.0, cache=cache)))
    assert sum(made) == 30 * 8000   # every sample of the 30 s span, once
    plain = np.concatenate(list(render(spans, 0.0, 32.0)))
    assert first.tobytes() == again.tobytes() == plain.tobytes()
    # The next run (a scenario of the suite saying the same prompt) synthesises none of it.
    made.clear()
    next_run = np.concatenate(list(render(spans, 0.0, 32.0, block_seconds=3.0,
                                          cache=SpeechCache())))
    assert made == [] and next_run.tobytes() == plain.tobytes()


def test_the_process_memo_of_speech_stays_within_its_bytes(monkeypatch):
    from simulator.audio import synth as module

    monkeypatch.setattr(module._SpeechMemo, "MAX_BYTES", 5 * module.CHUNK * 4)
    module.clear_caches()
    made = module._CHUNKS.made
    for seed in range(8):                       # 8 spans of 3 chunks, through fresh runs
        cache = SpeechCache()
        got = cache.speech("kept a while", 40_000, seed, 0, 40_000)
        assert got.tobytes() == speech_slice("kept a while", 40_000, seed, 0, 40_000).tobytes()
        assert module._CHUNKS.bytes <= module._SpeechMemo.MAX_BYTES
    assert module._CHUNKS.made == made + 24
    SpeechCache().speech("kept a while", 40_000, 7, 0, 40_000)     # the last span: kept
    assert module._CHUNKS.made == made + 24
    SpeechCache().speech("kept a while", 40_000, 0, 0, 40_000)     # the first: dropped
    assert module._CHUNKS.made == made + 27
    module.clear_caches()


def test_the_process_memo_counts_a_chunks_text_and_entry_not_only_its_samples(monkeypatch):
    """Short spans of long texts (a 1 ms ``say`` of a 10 KB text) are bounded too: an entry is
    counted as its samples, its text and ENTRY_BYTES, and the count is its entries' sizes."""
    from simulator.audio import synth as module

    memo, bound = module._CHUNKS, 256 << 10
    monkeypatch.setattr(module._SpeechMemo, "MAX_BYTES", bound)
    module.clear_caches()
    for seed in range(60):                       # 60 texts of 10 KB: 600 KB of text
        SpeechCache().speech(f"{seed} " + "word " * 2000, 8, seed, 0, 8)   # one 8-sample chunk
        assert sum(sys.getsizeof(text) for text, *_ in memo._table) <= bound   # the texts kept
    held = sum(chunk.nbytes + sys.getsizeof(text) + module._SpeechMemo.ENTRY_BYTES
               for (text, *_), (chunk, _) in memo._table.items())
    assert memo.bytes == sum(size for _, size in memo._table.values()) == held <= bound
    assert 0 < len(memo._table) < 60
    module.clear_caches()


def test_the_process_memo_counts_a_texts_bytes_not_its_characters():
    from simulator.audio import synth as module

    module.clear_caches()
    text = "\N{TELEPHONE RECEIVER}" * 5000          # 5,000 characters, 4 bytes each as held
    SpeechCache().speech(text, 8, 1, 0, 8)
    assert module._CHUNKS.bytes >= 4 * len(text)
    module.clear_caches()


# ---- memory follows the audio asked for (issue 14) -------------------------------------------


def test_a_year_long_speech_span_lays_out_only_the_segments_rendered():
    from simulator.audio import speech_model

    year = 365 * 86400 * speech_model.SAMPLE_RATE
    speech_model.clear_layouts()
    head = speech_model.speech_slice("hello for a year", year, 7, 0, 8000)
    assert head.shape == (8000,) and float(abs(head).max()) > 0
    assert len(speech_model._VOICES) == 1   # one 10-minute segment, not a year of syllables


def test_a_segmented_span_is_the_same_whichever_blocks_cut_it():
    from simulator.audio import speech_model

    segment = speech_model.SEGMENT_SAMPLES
    total = 2 * segment + 1234
    whole = speech_model.speech_slice("a long talk", total, 3, segment - 500, segment + 500)
    parts = np.concatenate([speech_model.speech_slice("a long talk", total, 3, segment - 500,
                                                      segment),
                            speech_model.speech_slice("a long talk", total, 3, segment,
                                                      segment + 500)])
    assert np.array_equal(whole, parts)


def test_spans_up_to_a_segment_keep_their_one_layout():
    from simulator.audio import speech_model

    total = speech_model.SEGMENT_SAMPLES
    assert np.array_equal(speech_model.speech_slice("same as ever", total, 1, 100, 900),
                          speech_model._slice("same as ever", total, 1, 100, 900))
