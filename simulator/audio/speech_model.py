"""The speech-like audio model behind `synth.speech` and speech `Span`s (see docs/audio.md).

A span's layout (syllable positions, pitch walk, per-syllable random traits) is drawn once from
(text, length, seed), exactly as every version has drawn it; `speech_slice` then synthesises any
sample range, vectorised over the syllables it touches. Every sample is an elementwise function
of its syllable's parameters and its offset in the syllable, and the noise is read from a fixed
table at the span's sample index, so a slice equals the same part of the whole span whichever
blocks cut it. Pure numpy, float32 samples, integer phases; no BLAS, no FFT and no reduction
whose order could depend on the platform: the same bytes on every run.

A syllable's voice is a one-period wavetable picked by its traits from a bank of vowel tables
(formants x pitch band), each built on first use in a process, read at a pitch that glides
within the syllable by a 32-bit fixed-point phase; the noise is a precomputed high-passed noise
table. (The samples changed in issue 16 for speed: docs/audio.md.)

Laid-out spans are memoised once a process (`_VoiceMemo`: 512 spans, 16 MB at most), sized
for a suite's distinct prompts rather than one run's.

Memory follows the audio asked for, never the span's length: a span longer than
:data:`SEGMENT_SAMPLES` (10 minutes) is laid out in 10-minute segments, each drawn from its own
seed, so a ``say`` lasting a year on a 10-minute call lays out the 10 minutes rendered. Spans up
to that length are one layout.
"""

from __future__ import annotations

import bisect
import math
import re
import sys
import threading
import zlib
from collections import OrderedDict
from functools import lru_cache

import attrs
import numpy as np

SAMPLE_RATE = 8000

# Constants (seconds unless stated).
_SYLLABLE_SECONDS = (0.13, 0.24)
_SYLLABLE_JOIN_SECONDS = (0.0, 0.03)      # between syllables of one word
_WORD_GAP_SECONDS = (0.06, 0.16)          # between words: far below any silence timeout
_PITCH_RANGE_HZ = (100.0, 220.0)
_SYLLABLE_LEVEL_DBFS = -19.1              # mean syllable RMS; with the gaps about -20 dBFS overall
_HISS = 0.08                              # aspiration, relative to the unit-RMS voice
_MAX_HARMONICS = 36                        # 3.6 kHz at the lowest pitch
_BAND_HZ = 3600.0                          # telephone band: no harmonic above
#: Longest span laid out at once (samples); longer spans are laid out segment by segment.
SEGMENT_SAMPLES = 600 * SAMPLE_RATE


@attrs.frozen
class _Layout:
    """Syllables of one speech span, sorted and non-overlapping, with their random traits."""

    starts: np.ndarray = attrs.field(eq=False)   # int64 sample offsets in the span
    ends: np.ndarray = attrs.field(eq=False)     # int64, ends[i] > starts[i]
    traits: np.ndarray = attrs.field(eq=False)   # (n, _N_TRAITS) uniforms in [0, 1)
    pitch: np.ndarray = attrs.field(eq=False)    # Hz at each syllable's start
    key: int = 0                                 # per-span seed for the sample noise


# Columns of _Layout.traits (_PHASES is drawn, so the layout stays as it was, but unused: a
# vowel table's phases come with the table).
_GLIDE, _F1, _F2, _F3, _BURST, _BURST_LEN, _BURST_GAIN, _ATTACK, _RELEASE, _LEVEL, _PHASES = \
    range(11)
_N_TRAITS = 11


@lru_cache(maxsize=256)
def _word_syllables(text: str) -> tuple[int, ...]:
    """Syllables per word: vowel groups (1-4); digits count one per character (max 3)."""
    counts = []
    for word in re.findall(r"[^\W_]+(?:'[^\W_]+)?", text):
        if word.isdigit():
            counts.append(min(3, len(word)))
        else:
            counts.append(min(4, max(1, len(re.findall(r"[aeiouy]+", word.lower())))))
    return tuple(counts) or (1,)


@lru_cache(maxsize=256)
def _word_pattern(text: str) -> np.ndarray:
    """_word_syllables as an int64 array (read-only: shared)."""
    pattern = np.array(_word_syllables(text), dtype=np.int64)
    pattern.flags.writeable = False
    return pattern


def clear_layouts() -> None:
    """Forget memoised layouts (for cold-start benchmarks)."""
    _VOICES.clear()


def _layout(text: str, total: int, seed: int) -> _Layout:
    key = zlib.crc32(text.encode("utf-8"))
    empty = np.zeros(0, dtype=np.int64)
    if total <= 0:
        return _Layout(empty, empty, np.zeros((0, _N_TRAITS)), np.zeros(0), key)
    seconds = total / SAMPLE_RATE
    # default_rng's generator, built without its argument checks (the same stream).
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed & 0xFFFFFFFF, key, 0])))
    pattern = _word_pattern(text)
    shortest_word = _SYLLABLE_SECONDS[0] + _WORD_GAP_SECONDS[0]
    n_words = int(seconds / shortest_word) + 2
    per_word = pattern[np.arange(n_words) % len(pattern)]      # the pattern, cycled
    n_syl = int(per_word.sum())
    durations = rng.uniform(*_SYLLABLE_SECONDS, n_syl)
    word_of = np.repeat(np.arange(n_words), per_word)
    first_in_word = np.empty(n_syl, dtype=bool)
    first_in_word[0] = True
    np.not_equal(word_of[1:], word_of[:-1], out=first_in_word[1:])
    gaps = np.where(first_in_word, rng.uniform(*_WORD_GAP_SECONDS, n_syl),
                    rng.uniform(*_SYLLABLE_JOIN_SECONDS, n_syl))
    gaps[0] = 0.0
    # Pitch: a bounded random walk (reflected into the range) stepping once per syllable.
    low, high = _PITCH_RANGE_HZ
    walk = rng.uniform(0, high - low) + np.cumsum(rng.normal(0.0, 9.0, n_syl))
    span = high - low
    folded = np.mod(walk, 2 * span)
    pitch = low + np.where(folded > span, 2 * span - folded, folded)
    traits = rng.random((n_syl, _N_TRAITS))

    starts = np.cumsum(gaps + _shifted(durations))
    ends = starts + durations
    # Keep the whole number of words whose end is closest to the requested duration.
    last_of_word = np.empty_like(first_in_word)
    last_of_word[:-1] = first_in_word[1:]
    last_of_word[-1] = True
    word_ends = ends[last_of_word]
    n_keep = int(np.argmin(np.abs(word_ends - seconds))) + 1
    keep = int(np.searchsorted(word_of, n_keep))
    durations, gaps = durations[:keep], gaps[:keep]
    # Fit exactly: stretch or squeeze the syllables, not the gaps (gaps stay short), unless
    # the duration is too short for the gaps, then scale everything.
    gap_total = gaps.sum()
    if seconds - gap_total > 0.5 * durations.sum():
        durations = durations * ((seconds - gap_total) / durations.sum())
    else:
        factor = seconds / (gap_total + durations.sum())
        durations, gaps = durations * factor, gaps * factor
    starts = np.cumsum(gaps + _shifted(durations))
    start_samples = np.rint(starts * SAMPLE_RATE).astype(np.int64)   # np.round's numbers
    end_samples = np.rint((starts + durations) * SAMPLE_RATE).astype(np.int64)
    end_samples[-1] = total
    end_samples[:-1] = np.minimum(end_samples[:-1], start_samples[1:])
    valid = end_samples > start_samples
    if valid.all():
        return _Layout(start_samples, end_samples, traits[:keep], pitch[:keep], key)
    return _Layout(start_samples[valid], end_samples[valid], traits[:keep][valid],
                   pitch[:keep][valid], key)


def _shifted(values: np.ndarray) -> np.ndarray:
    """``[0, values[0], ..., values[-2]]``: each value moved one place on."""
    out = np.empty_like(values)
    out[0] = 0
    out[1:] = values[:-1]
    return out


def speech_slice(text: str, total: int, seed: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of the speech span (text, total samples, seed); a span longer than
    :data:`SEGMENT_SAMPLES` is the concatenation of its segments (only those [a, b) touches
    are laid out)."""
    if total <= SEGMENT_SAMPLES:
        return _slice(text, total, seed, a, b)
    out = np.zeros(max(0, b - a), dtype=np.float32)
    first, last = max(a, 0), min(b, total)
    for index in range(first // SEGMENT_SAMPLES,
                       (last - 1) // SEGMENT_SAMPLES + 1 if last > first else 0):
        start = index * SEGMENT_SAMPLES
        length = min(SEGMENT_SAMPLES, total - start)
        lo, hi = max(first, start), min(last, start + length)
        segment_seed = (seed * 1_000_003 + index) & 0xFFFFFFFF
        out[lo - a:hi - a] = _slice(text, length, segment_seed, lo - start, hi - start)
    return out


# ---------------------------------------------------------------- the vowel bank

_TABLE_BITS = 10
_TABLE_SIZE = 1 << _TABLE_BITS             # samples in one period of a vowel table
_PHASE_SHIFT = 32 - _TABLE_BITS            # a 32-bit phase's top bits index the table
#: (trait column, lowest centre in Hz, width of the range in Hz, levels in the bank) of the
#: three formants; the levels' centres are the bins' middles.
_FORMANTS = ((_F1, 300.0, 550.0, 4), (_F2, 850.0, 1450.0, 4), (_F3, 2300.0, 900.0, 2))
_PITCH_BANDS = 4                           # bands of a syllable's mean pitch over 100-220 Hz
_N_TABLES = _PITCH_BANDS * math.prod(levels for _, _, _, levels in _FORMANTS)   # 128
_BANK_SEED = 20260101

_lock = threading.Lock()
_bank = np.zeros((_N_TABLES, _TABLE_SIZE), dtype=np.float32)   # rows built on first use
_built = np.zeros(_N_TABLES, dtype=bool)


def _table_weights(ids: np.ndarray) -> np.ndarray:
    """(tables, 36) harmonic amplitudes of bank rows: 1/h^0.6 tilt times three formant
    resonances at the band's middle pitch, none above 3.6 kHz at the band's top pitch."""
    low, high = _PITCH_RANGE_HZ
    harmonics = np.arange(1, _MAX_HARMONICS + 1, dtype=np.float64)
    rest, gain = ids, np.full((len(ids), _MAX_HARMONICS), 0.08)   # a floor between formants
    formants = []
    for _, lo_hz, width, levels in reversed(_FORMANTS):
        formants.append(lo_hz + width * (rest % levels + 0.5) / levels)
        rest = rest // levels
    band = (high - low) / _PITCH_BANDS
    freq = harmonics * (low + band * (rest + 0.5))[:, None]
    for formant in formants:
        gain = gain + 1.0 / (1.0 + ((freq - formant[:, None]) / 120.0) ** 2)
    weights = harmonics ** -0.6 * gain
    weights[harmonics * (low + band * (rest + 1))[:, None] > _BAND_HZ] = 0.0
    return weights


@lru_cache(maxsize=1)
def _harmonic_basis() -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of harmonics 1..36 over one period of a vowel table."""
    angle = 2 * np.pi * np.arange(1, _MAX_HARMONICS + 1)[:, None] * np.arange(_TABLE_SIZE)
    angle /= _TABLE_SIZE
    return np.sin(angle), np.cos(angle)


@lru_cache(maxsize=1)
def _phases() -> np.ndarray:
    """(tables, 36) phases of each bank row's harmonics, fixed (drawn from _BANK_SEED)."""
    return np.random.default_rng(_BANK_SEED).uniform(0, 2 * np.pi, (_N_TABLES, _MAX_HARMONICS))


def _build_tables(ids: np.ndarray) -> None:
    """Build the bank rows `ids` not built yet: one period each, unit RMS, with the row's
    fixed phases. Summed harmonic by harmonic in a fixed order (elementwise, no BLAS, no FFT),
    so a row is the same whichever rows are built with it."""
    with _lock:
        ids = np.array(sorted({i for i in ids.tolist() if not _built[i]}), dtype=np.intp)
        if not len(ids):
            return
        sin_basis, cos_basis = _harmonic_basis()
        weights = _table_weights(ids)
        phases = _phases()[ids]
        in_phase = np.ascontiguousarray((weights * np.cos(phases)).T)[:, :, None]
        quadrature = np.ascontiguousarray((weights * np.sin(phases)).T)[:, :, None]
        table = np.zeros((len(ids), _TABLE_SIZE))
        term, other = np.empty_like(table), np.empty_like(table)
        for h in range(int(np.flatnonzero(weights.any(axis=0))[-1]) + 1):
            # sin(hx + p) = sin(hx)cos(p) + cos(hx)sin(p)
            np.multiply(in_phase[h], sin_basis[h], out=term)
            np.multiply(quadrature[h], cos_basis[h], out=other)
            term += other
            table += term
        power = np.zeros(len(ids))
        for h in range(_MAX_HARMONICS):                      # sum of w_h^2 / 2, in order
            power += 0.5 * weights[:, h] ** 2
        _bank[ids] = table / np.sqrt(power)[:, None]
        _built[ids] = True


# ---------------------------------------------------------------- noise, ramps, indices

_NOISE_BITS = 16
_NOISE_SIZE = 1 << _NOISE_BITS             # 8.2 s of noise, then it repeats
_PIECE = 1 << 14                           # longest run synthesised at once (samples)
_NOISE_SEED = 20260102
_M32 = 0xFFFFFFFF


@lru_cache(maxsize=1)
def _noise() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hiss, hiss * 0.08, 0 .. _PIECE - 1 as uint32). hiss is high-passed noise (the first
    difference, around the circle, of unit-variance uniform white noise: variance 2) in
    float32, followed by its first _PIECE samples again, so any run of up to _PIECE samples
    from any position below _NOISE_SIZE is one slice."""
    white = (np.random.default_rng(_NOISE_SEED).random(_NOISE_SIZE) - 0.5) * np.sqrt(12.0)
    hiss = white - np.roll(white, 1)
    hiss = np.concatenate([hiss, hiss[:_PIECE]])
    return (hiss.astype(np.float32), (_HISS * hiss).astype(np.float32),
            np.arange(_PIECE, dtype=np.uint32))


@lru_cache(maxsize=None)
def _rise(size: int) -> np.ndarray:
    """Raised-cosine attack over `size` samples: 0.5 - 0.5 cos(pi j / size), j < size."""
    return (0.5 - 0.5 * np.cos(np.pi * np.arange(size) / size)).astype(np.float32)


@lru_cache(maxsize=None)
def _fall(size: int) -> np.ndarray:
    """Raised-cosine release: 0.5 - 0.5 cos(pi d / size) for d = size - 1 .. 1 samples
    before the syllable's end (the syllable's last size - 1 samples; none for size <= 1)."""
    if size <= 1:
        return np.zeros(0, dtype=np.float32)
    return (0.5 - 0.5 * np.cos(np.pi * np.arange(size - 1, 0, -1) / size)).astype(np.float32)


@lru_cache(maxsize=None)
def _decay(size: int) -> np.ndarray:
    """A burst's linear decay over `size` samples: 1 - j / size."""
    return (1.0 - np.arange(size) / size).astype(np.float32)


# ---------------------------------------------------------------- per span, per slice

@attrs.frozen
class _Voice:
    """A laid-out span's syllables ready to synthesise.

    Per syllable: ``start_list`` and ``end_list`` (Python ints); as arrays, sliced for the
    syllables a piece touches, the ``starts``, the phase's ``step`` and ``curve`` (uint32:
    phase(j) = step * j + curve * j^2 in 1/2^32 periods, wrapping), the bank row's first
    sample ``base`` and the ``gain`` (float32); and Python tuples ``(start, end, burst, burst
    scale, decay, rise, fall)`` for the envelope loop (the last three shared arrays: the
    burst's decay, the attack, the release). ``noise`` is the span's offset into the noise
    table.
    """

    start_list: list = attrs.field(eq=False)
    end_list: list = attrs.field(eq=False)
    starts: np.ndarray = attrs.field(eq=False)
    step: np.ndarray = attrs.field(eq=False)
    curve: np.ndarray = attrs.field(eq=False)
    base: np.ndarray = attrs.field(eq=False)
    gain: np.ndarray = attrs.field(eq=False)
    envelopes: list = attrs.field(eq=False)
    noise: int = 0


def _voice(text: str, total: int, seed: int) -> _Voice:
    """The synthesis parameters of each syllable of a span, from its layout's traits (in
    Python floats: IEEE double, the same on every platform; faster than numpy for the few
    dozen syllables of a span). Memoised by :data:`_VOICES`."""
    layout = _layout(text, total, seed)
    mixed = ((seed & _M32) << 32 | layout.key) * 0x9E3779B97F4A7C15 & (2 ** 64 - 1)
    low, high = _PITCH_RANGE_HZ
    cycle = 2.0 ** 32 / SAMPLE_RATE                     # 1/2^32 periods a sample per Hz
    per_band = _PITCH_BANDS / (high - low)
    (_, _, _, f1_levels), (_, _, _, f2_levels), (_, _, _, f3_levels) = _FORMANTS
    voice_power = 1.0 + 2 * _HISS ** 2                  # unit voice + hiss (variance 2)
    steps, curves, ids, gains, envelopes = [], [], [], [], []
    start_list, end_list = layout.starts.tolist(), layout.ends.tolist()
    for start, end, pitch, (glide, f1, f2, f3, burst, burst_len, burst_gain, attack, release,
                            level, _) in zip(start_list, end_list, layout.pitch.tolist(),
                                             layout.traits.tolist()):
        length = end - start
        glide = pitch * (0.9 + 0.2 * glide)
        glide = low if glide < low else high if glide > high else glide
        slope = (glide - pitch) / (length - 1 if length > 1 else 1)      # Hz per sample
        steps.append(round(pitch * cycle) & _M32)
        curves.append(round(0.5 * slope * cycle) & _M32)
        band = int((0.5 * (pitch + glide) - low) * per_band)
        band = band if band < _PITCH_BANDS else _PITCH_BANDS - 1
        # Traits are below 1, so each formant's level is below its count.
        ids.append(((band * f1_levels + int(f1 * f1_levels)) * f2_levels
                    + int(f2 * f2_levels)) * f3_levels + int(f3 * f3_levels))
        burst = int((0.02 + 0.04 * burst_len) * SAMPLE_RATE) if burst < 0.5 else 0
        burst = burst if burst < length else length
        burst_gain = 0.3 + 0.4 * burst_gain
        attack = int((0.015 + 0.015 * attack) * SAMPLE_RATE)
        attack = attack if attack < length // 2 else length // 2
        release = int((0.03 + 0.03 * release) * SAMPLE_RATE)
        release = release if release < length - attack else length - attack
        # Expected mean square (unit voice + hiss, less the raised-cosine ramps, plus the
        # burst), so each syllable's level is set without synthesising all of it.
        mean_square = (voice_power * (length - 0.625 * (attack + release))
                       + burst_gain * burst_gain * 2 * burst / 3) / length
        gain = 10.0 ** ((_SYLLABLE_LEVEL_DBFS - 3.0 + 6.0 * level) / 20.0) / math.sqrt(
            mean_square)
        gains.append(gain)
        envelopes.append((start, end, burst, burst_gain * gain, _decay(burst), _rise(attack),
                          _fall(release)))
    rows = np.array(ids, dtype=np.intp)
    if not _built[rows].all():
        _build_tables(rows)
    return _Voice(start_list, end_list, layout.starts, np.array(steps, dtype=np.uint32),
                  np.array(curves, dtype=np.uint32), (rows * _TABLE_SIZE).astype(np.uint32),
                  np.array(gains, dtype=np.float32), envelopes, mixed >> (64 - _NOISE_BITS))


#: What a memoised _Voice is counted as: bytes a syllable and a fixed part, a little over what
#: tracemalloc measures (244-309 bytes a syllable for spans of 5 s to 10 minutes, the Python
#: ints, floats and envelope tuples included; the shared ramps and vowel tables excluded).
VOICE_BYTES_PER_SYLLABLE = 320
VOICE_BYTES_FIXED = 2048


def voice_bytes(voice: _Voice) -> int:
    """The memory a memoised _Voice is counted as (see VOICE_BYTES_PER_SYLLABLE)."""
    return VOICE_BYTES_FIXED + VOICE_BYTES_PER_SYLLABLE * len(voice.start_list)


class _VoiceMemo:
    """Laid-out spans by (text, total samples, seed), once a process: a pure function of those,
    and drawing the layout and the syllables' parameters costs about as much as synthesising a
    short prompt. A suite of one app says the same prompts in many scenarios (the seed of a
    run's k-th span is the same in every scenario of the default seed 0), so the table must
    hold a suite's distinct spans, not a run's: :data:`ENTRIES` of them (a copy of the bundled
    scenarios has 34; a 32-entry LRU missed every one of them on every copy), and at most
    :data:`MAX_BYTES` as `voice_bytes` counts them plus their key's text (a 5 s prompt about
    9 KB, a 10-minute segment about 0.65 MB), the least recently used dropped first.
    """

    ENTRIES = 512
    MAX_BYTES = 16 << 20

    def __init__(self) -> None:
        self._table: OrderedDict[tuple[str, int, int], tuple[_Voice, int]] = OrderedDict()
        self.bytes = 0
        self.misses = 0                 # spans laid out so far (for tests)
        self._lock = threading.Lock()   # runs of one process may share it from threads

    def __len__(self) -> int:
        return len(self._table)

    def get(self, text: str, total: int, seed: int) -> _Voice:
        key = (text, total, seed)
        with self._lock:
            found = self._table.get(key)
            if found is not None:
                self._table.move_to_end(key)
                return found[0]
        voice = _voice(text, total, seed)
        size = voice_bytes(voice) + sys.getsizeof(text)   # the key's text, held with the entry
        with self._lock:
            self.misses += 1
            if key not in self._table and size <= self.MAX_BYTES:
                self._table[key] = voice, size
                self.bytes += size
                while len(self._table) > self.ENTRIES or self.bytes > self.MAX_BYTES:
                    self.bytes -= self._table.popitem(last=False)[1][1]
        return voice

    def clear(self) -> None:
        with self._lock:
            self._table.clear()
            self.bytes = 0


_VOICES = _VoiceMemo()


def _slice(text: str, total: int, seed: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of one laid-out span (text, total samples, seed), in pieces of at most
    _PIECE samples.

    Every sample is a function of its syllable's parameters and its offset j in the syllable
    (the voice, the envelope) or of its sample index in the span (the noise), so any slice
    equals the same part of the whole span.
    """
    out = np.zeros(max(0, b - a), dtype=np.float32)
    voice = _VOICES.get(text, total, seed)
    for lo in range(a, b, _PIECE):
        _piece(voice, lo, min(b, lo + _PIECE), out[lo - a:])
    np.minimum(out, 1.0, out=out)
    np.maximum(out, -1.0, out=out)
    return out


def _piece(voice: _Voice, a: int, b: int, out: np.ndarray) -> None:
    """Write samples [a, b) (at most _PIECE) of the span into out[:b - a] (zeros on entry)."""
    lo = bisect.bisect_right(voice.end_list, a)
    hi = bisect.bisect_left(voice.start_list, b)
    if lo >= hi:
        return
    hiss, quiet, index = _noise()
    # Each syllable's run: from its first sample in [a, b) to the next syllable's (the gap
    # between them is synthesised too, then silenced), the last one to its end.
    runs = [start - a if start > a else 0 for start in voice.start_list[lo:hi]]
    first, last = runs[0], min(voice.end_list[hi - 1], b) - a
    runs.append(last)
    counts = np.diff(runs)
    # The voice: offset j in the syllable, phase(j) = (curve * j + step) * j (mod 2^32), its
    # top bits index the syllable's vowel table.
    j = np.repeat(((a - voice.starts[lo:hi]) & _M32).astype(np.uint32), counts)
    j += index[first:last]
    phase = np.repeat(voice.curve[lo:hi], counts)
    phase *= j
    phase += np.repeat(voice.step[lo:hi], counts)
    phase *= j
    phase >>= _PHASE_SHIFT
    phase += np.repeat(voice.base[lo:hi], counts)
    span = out[first:last]
    _bank.reshape(-1).take(phase, out=span, mode="wrap")
    # Light aspiration throughout: the noise at the span's sample index.
    at = (a + voice.noise) & (_NOISE_SIZE - 1)
    span += quiet[at + first:at + last]
    span *= np.repeat(voice.gain[lo:hi], counts)
    # Per syllable: the gap after it silenced; on its first and last samples the consonant
    # burst (noise decaying over the first `burst` samples), the raised-cosine attack and
    # release.
    for following, (start, end, burst, burst_scale, decay, rise, fall) in zip(
            runs[1:], voice.envelopes[lo:hi]):
        if end - a < following:                 # the gap up to the next syllable's run
            out[end - a:following] = 0.0
        j0 = a - start if start < a else 0
        j1 = (b if b < end else end) - start
        part = out[start + j0 - a:start + j1 - a]
        if j0 < burst:
            m = (burst if burst < j1 else j1) - j0
            at0 = at + start + j0 - a
            onset = hiss[at0:at0 + m] * decay[j0:j0 + m]
            onset *= burst_scale
            part[:m] += onset
        attack = len(rise)
        if j0 < attack:
            part[:(attack if attack < j1 else j1) - j0] *= rise[j0:j1]
        begin = end - start - len(fall)          # the release's first j
        if j1 > begin:
            f = begin if begin > j0 else j0
            part[f - j0:] *= fall[f - begin:j1 - begin]
