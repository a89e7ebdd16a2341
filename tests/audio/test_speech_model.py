"""audio/speech_model.py: where speech sounds (the layout), how loud, and that it sounds like
speech; any slice of a span is the same part of the whole, bit for bit, in any process."""

import hashlib
import json
import subprocess
import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from simulator.audio import speech_model as model
from simulator.audio.detect import silent_frames
from simulator.audio.speech_model import SAMPLE_RATE, speech_slice

TEXT = "please call me back tomorrow morning about the appointment"


def whole(text, total, seed):
    return speech_slice(text, total, seed, 0, total)


def syllables(text, total, seed):
    """(start, end, traits, pitch) of every syllable of the span's layout."""
    layout = model._layout(text, total, seed)
    return list(zip(layout.starts.tolist(), layout.ends.tolist(), layout.traits, layout.pitch))


# ---------------------------------------------------------------- where speech sounds

# The layout (syllable starts and ends, word gaps, pitch walk, traits) of these spans as
# every version since the speech model's first has drawn it: sha256 of the four arrays.
LAYOUTS = [
    (("Hi, it's Sam", 26400, 0), 11, "01127533543c63cc"),
    (("please leave a message after the tone", 8 * 8000, 7), 31, "8d01ff47fa60d224"),
    (("1234 5678", 40000, 123456789), 21, "bac1fdd538f1f9c9"),
    (("yes", 1000, 3), 1, "9f0ee72dadff9e4b"),
    (("a long talk", 600 * 8000, 5), 2040, "890db39fd863d93c"),
]


def test_the_layout_is_the_one_every_version_drew():
    """Speech and silence sit at the same samples as before the model's samples changed, so
    silence detection, machine detection and transcription timings do not move."""
    for args, count, digest in LAYOUTS:
        layout = model._layout(*args)
        sha = hashlib.sha256()
        for array in (layout.starts, layout.ends, layout.traits, layout.pitch):
            sha.update(array.tobytes())
        assert (len(layout.starts), sha.hexdigest()[:16]) == (count, digest), args


def test_speech_sounds_inside_syllables_and_is_digital_silence_between_them():
    for seed in range(8):
        total = 6 * SAMPLE_RATE
        x = whole(TEXT, total, seed)
        inside = np.zeros(total, dtype=bool)
        for start, end, _, _ in syllables(TEXT, total, seed):
            inside[start:end] = True
            assert np.count_nonzero(x[start:end]) >= end - start - 1   # the attack starts at 0
        assert not x[~inside].any()


def test_an_energy_silence_detector_never_fires_inside_speech():
    """Every 20 ms frame that lies inside one syllable is above -40 dBFS, and the longest run
    of quiet frames (word gaps) stays far below a 0.3 s silence timeout."""
    for seed in range(40):
        total = 8 * SAMPLE_RATE
        x = whole(TEXT, total, seed)
        quiet = silent_frames(x)
        for start, end, _, _ in syllables(TEXT, total, seed):
            frames = range(-(-start // 160), end // 160)      # frames wholly inside
            assert not quiet[frames.start:frames.stop].any(), (seed, start)
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], quiet, [0]]))))[::2]
        assert runs.max(initial=0) * 0.02 < 0.25


# ---------------------------------------------------------------- how loud

def test_each_syllable_is_at_its_target_level():
    """A syllable's RMS is its trait's level, -19.1 dBFS +- 3 dB, within half a dB."""
    deviations = []
    for seed in range(25):
        total = 8 * SAMPLE_RATE
        x = whole(TEXT, total, seed).astype(np.float64)
        for start, end, traits, _ in syllables(TEXT, total, seed):
            target = model._SYLLABLE_LEVEL_DBFS - 3.0 + 6.0 * traits[model._LEVEL]
            deviations.append(10 * np.log10(np.mean(x[start:end] ** 2)) - target)
    assert max(abs(d) for d in deviations) < 0.5
    assert abs(np.mean(deviations)) < 0.15


def test_a_sentence_measures_about_minus_20_dbfs_with_peaks_below_full_scale():
    levels = []
    for seed in range(20):
        x = whole(TEXT, 6 * SAMPLE_RATE, seed).astype(np.float64)
        levels.append(10 * np.log10(np.mean(x ** 2)))
        assert np.abs(x).max() < 0.9
    assert -21.0 < np.mean(levels) < -19.0


# ---------------------------------------------------------------- it sounds like speech

def voiced_middles(seeds=range(20)):
    """(80 ms from the middle of each syllable of at least 125 ms, its traits, its pitch)."""
    total = 8 * SAMPLE_RATE
    for seed in seeds:
        x = whole(TEXT, total, seed).astype(np.float64)
        for start, end, traits, pitch in syllables(TEXT, total, seed):
            if end - start >= 1000:
                middle = (start + end) // 2
                yield x[middle - 320:middle + 320], traits, pitch, x[start:end]


def test_a_syllable_is_voiced_at_its_pitch():
    """The voice is periodic (autocorrelation at the pitch lag near 1) at the layout's pitch
    (within the up-to-10% glide)."""
    strengths, ratios = [], []
    for frame, _, pitch, _ in voiced_middles():
        frame = frame - frame.mean()
        ac = np.correlate(frame, frame, "full")[len(frame) - 1:]
        lag = 25 + int(np.argmax(ac[25:100]))        # 80 .. 320 Hz
        strengths.append(ac[lag] / ac[0])
        ratios.append(SAMPLE_RATE / lag / pitch)
    assert np.median(strengths) > 0.75 and np.percentile(strengths, 10) > 0.6
    assert np.mean([0.94 < r < 1.06 for r in ratios]) > 0.85


def test_vowels_differ_from_syllable_to_syllable():
    """The formants vary: the spectral centroid of syllables spreads over hundreds of Hz and
    follows the first two formant traits."""
    centroids, formants = [], []
    for frame, traits, _, _ in voiced_middles():
        power = np.abs(np.fft.rfft(frame * np.hanning(len(frame)))) ** 2
        freqs = np.fft.rfftfreq(len(frame), 1 / SAMPLE_RATE)
        centroids.append(np.sum(power * freqs) / np.sum(power))
        formants.append(traits[model._F1] + traits[model._F2])
    assert np.percentile(centroids, 90) - np.percentile(centroids, 10) > 300
    assert np.corrcoef(centroids, formants)[0, 1] > 0.5


def high_share(x):
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    return np.sum(power[np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE) > 2500]) / np.sum(power)


def test_about_half_the_syllables_start_with_a_noise_burst():
    """A consonant burst: the first 20 ms of a syllable with one carry several times the
    high-frequency share of its middle; without one, about the same."""
    burst, plain = [], []
    for frame, traits, _, syllable in voiced_middles():
        ratio = high_share(syllable[:160]) / high_share(frame[240:400])
        (burst if traits[model._BURST] < 0.5 else plain).append(ratio)
    assert 0.35 < len(burst) / (len(burst) + len(plain)) < 0.65
    assert np.median(burst) > 2.0 and np.median(plain) < 1.3


def test_syllables_rise_and_fall_smoothly():
    """Raised-cosine attack (15-30 ms) and release (30-60 ms): the first and last 5 ms of a
    syllable are far quieter than its middle, the first sample silent."""
    for frame, _, _, syllable in voiced_middles(range(6)):
        body = np.sqrt(np.mean(frame ** 2))
        assert syllable[0] == 0.0
        assert np.sqrt(np.mean(syllable[:40] ** 2)) < 0.3 * body
        assert np.sqrt(np.mean(syllable[-40:] ** 2)) < 0.1 * body


def test_speech_stays_in_the_telephone_band():
    x = whole(TEXT, 8 * SAMPLE_RATE, 1).astype(np.float64)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    assert np.sum(power[freqs > 3800]) < 0.01 * np.sum(power)
    assert np.sum(power[(freqs > 300) & (freqs < 3400)]) > 0.85 * np.sum(power)


# ---------------------------------------------------------------- slices, determinism, memory

@settings(max_examples=60, deadline=None)
@given(total=st.integers(1, 3 * model._PIECE), seed=st.integers(0, 2**40),
       cuts=st.lists(st.floats(0, 1), max_size=6))
def test_any_slice_is_the_same_part_of_the_whole_span(total, seed, cuts):
    reference = whole("slices of a span", total, seed)
    bounds = sorted({0, total, *(int(c * total) for c in cuts)})
    parts = [speech_slice("slices of a span", total, seed, lo, hi)
             for lo, hi in zip(bounds, bounds[1:])]
    assert np.concatenate(parts).tobytes() == reference.tobytes()


def test_a_slice_reaching_past_the_span_is_silent_there():
    x = speech_slice("hello", 4000, 2, 3000, 6000)
    assert x.tobytes() == np.concatenate([whole("hello", 4000, 2)[3000:],
                                          np.zeros(2000, np.float32)]).tobytes()
    assert not speech_slice("hello", 4000, 2, 5000, 7000).any()
    assert len(speech_slice("hello", 0, 2, 0, 100)) == 100


FRESH = """
import hashlib, json, sys
from simulator.audio.speech_model import speech_slice
for text, seed in json.loads(sys.argv[1]):                  # other vowels built first
    speech_slice(text, 40000, seed, 0, 40000)
print(hashlib.sha256(speech_slice("%s", 64000, 11, 0, 64000).tobytes()).hexdigest())
"""


def test_the_same_span_gives_the_same_bytes_in_any_process_whatever_was_built_before():
    here = hashlib.sha256(whole(TEXT, 64000, 11).tobytes()).hexdigest()
    for before in ([], [["one two three", s] for s in range(12)]):
        run = subprocess.run([sys.executable, "-c", FRESH % TEXT, json.dumps(before)],
                             capture_output=True, text=True, check=True)
        assert run.stdout.strip() == here


def test_the_shared_tables_stay_small():
    """The vowel bank and the noise table are built once per process, a few MB at most."""
    model._build_tables(np.arange(model._N_TABLES))
    hiss, quiet, index = model._noise()
    assert model._bank.nbytes + hiss.nbytes + quiet.nbytes + index.nbytes < 2 * 2**20


# ---------------------------------------------------------------- the memo of laid-out spans

def test_a_span_said_again_in_the_same_process_is_laid_out_once(monkeypatch):
    """As when the scenarios of a suite say the same prompt: the second time, at any slice,
    neither the layout nor the syllables' parameters are drawn again."""
    calls = []
    layout = model._layout
    monkeypatch.setattr(model, "_layout", lambda *args: calls.append(args) or layout(*args))
    model.clear_layouts()
    first = speech_slice("thanks for calling", 24000, 0, 0, 24000)
    again = speech_slice("thanks for calling", 24000, 0, 8000, 16000)
    assert calls == [("thanks for calling", 24000, 0)]
    assert again.tobytes() == first[8000:16000].tobytes()


def test_the_memo_holds_a_suites_spans_within_its_bounds(monkeypatch):
    """More distinct spans than a run has (34 in a copy of the bundled scenarios) stay laid
    out; past ENTRIES or MAX_BYTES the least recently used go first."""
    model.clear_layouts()
    spans = [(f"prompt number {i}", 8000 + i, 0) for i in range(100)]
    misses = model._VOICES.misses
    for text, total, seed in spans * 3:
        speech_slice(text, total, seed, 0, 10)
    assert model._VOICES.misses == misses + 100 and len(model._VOICES) == 100

    entry = model.voice_bytes(model._voice(*spans[0])) + sys.getsizeof(spans[0][0])   # voice, text
    monkeypatch.setattr(model._VoiceMemo, "ENTRIES", 10)
    monkeypatch.setattr(model._VoiceMemo, "MAX_BYTES", 12 * entry)
    model.clear_layouts()
    for text, total, seed in spans:
        speech_slice(text, total, seed, 0, 10)
        assert len(model._VOICES) <= 10 and model._VOICES.bytes <= model._VoiceMemo.MAX_BYTES
    misses = model._VOICES.misses
    speech_slice(*spans[-1], 0, 10)      # the most recent stays
    assert model._VOICES.misses == misses
    speech_slice(*spans[0], 0, 10)       # the first was dropped
    assert model._VOICES.misses == misses + 1

    model.clear_layouts()
    monkeypatch.setattr(model._VoiceMemo, "MAX_BYTES", 3 * entry)
    for text, total, seed in spans[:5]:
        speech_slice(text, total, seed, 0, 10)
    assert len(model._VOICES) == 3   # the bytes bind before the entries
    model.clear_layouts()


def test_the_memo_counts_each_spans_text_as_well_as_its_voice(monkeypatch):
    """Short spans of long texts (a 1 ms ``say`` of a 10 KB text) are bounded too: an entry is
    counted as voice_bytes plus its text, and the count is its entries' sizes."""
    bound = 64 << 10
    monkeypatch.setattr(model._VoiceMemo, "MAX_BYTES", bound)
    model.clear_layouts()
    memo = model._VOICES
    for seed in range(20):                       # 20 texts of 10 KB: 200 KB of text
        speech_slice(f"{seed} " + "word " * 2000, 8, seed, 0, 8)
        assert sum(sys.getsizeof(text) for text, *_ in memo._table) <= bound   # the texts kept
    held = sum(model.voice_bytes(voice) + sys.getsizeof(text)
               for (text, *_), (voice, _) in memo._table.items())
    assert memo.bytes == sum(size for _, size in memo._table.values()) == held <= bound
    assert 0 < len(memo) < 20
    model.clear_layouts()


def test_a_memoised_voice_takes_no_more_memory_than_it_is_counted_as():
    """voice_bytes (what the memo's MAX_BYTES counts) covers what a _Voice holds, measured by
    tracemalloc, for a short prompt up to a 10-minute segment."""
    import gc
    import tracemalloc

    for text, seconds in [("yes", 1), (TEXT, 5), (TEXT, 60), ("a long talk", 600)]:
        total = seconds * SAMPLE_RATE
        model._voice(text, total, 3)   # the shared ramps and vowel tables built beforehand
        gc.collect()
        tracemalloc.start()
        try:
            voice = model._voice(text, total, 3)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert held <= model.voice_bytes(voice), (seconds, held)
        assert model.voice_bytes(voice) < 2 * held + 4096   # and not grossly more
