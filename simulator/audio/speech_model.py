"""The speech-like audio model behind `synth.speech` and speech `Span`s (see docs/audio.md).

A span's layout (syllable positions, pitch walk, per-syllable random traits) is drawn once from
(text, length, seed); `speech_slice` then synthesises any sample range vectorised over the
syllables it touches. Every sample is an elementwise function of its syllable's traits and its
offset, and the noise is counter-based, so a slice equals the same part of the whole span
whichever blocks cut it. Pure numpy.

Memory follows the audio asked for, never the span's length: a span longer than
:data:`SEGMENT_SAMPLES` (10 minutes) is laid out in 10-minute segments, each drawn from its own
seed, so a ``say`` lasting a year on a 10-minute call lays out the 10 minutes rendered. Spans up
to that length are one layout, as always (their audio is unchanged).
"""

from __future__ import annotations

import math
import re
import zlib
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
_TABLE_SIZE = 512
_MAX_HARMONICS = 36                        # 3.6 kHz at the lowest pitch
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


# Columns of _Layout.traits.
_GLIDE, _F1, _F2, _F3, _BURST, _BURST_LEN, _BURST_GAIN, _ATTACK, _RELEASE, _LEVEL, _PHASES = \
    range(11)
_N_TRAITS = 11
_PHASE_BANK = np.random.default_rng(20260101).uniform(0, 2 * np.pi, (64, _MAX_HARMONICS))


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


def clear_layouts() -> None:
    """Forget memoised layouts (for cold-start benchmarks)."""
    _layout.cache_clear()


@lru_cache(maxsize=32)
def _layout(text: str, total: int, seed: int) -> _Layout:
    key = zlib.crc32(text.encode("utf-8"))
    empty = np.zeros(0, dtype=np.int64)
    if total <= 0:
        return _Layout(empty, empty, np.zeros((0, _N_TRAITS)), np.zeros(0), key)
    seconds = total / SAMPLE_RATE
    rng = np.random.default_rng([seed & 0xFFFFFFFF, key, 0])
    pattern = np.array(_word_syllables(text))
    shortest_word = _SYLLABLE_SECONDS[0] + _WORD_GAP_SECONDS[0]
    n_words = int(seconds / shortest_word) + 2
    per_word = np.resize(pattern, n_words)
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
    last_of_word = np.append(first_in_word[1:], True)
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
    start_samples = np.round(starts * SAMPLE_RATE).astype(np.int64)
    end_samples = np.round((starts + durations) * SAMPLE_RATE).astype(np.int64)
    end_samples[-1] = total
    end_samples[:-1] = np.minimum(end_samples[:-1], start_samples[1:])
    valid = end_samples > start_samples
    return _Layout(start_samples[valid], end_samples[valid], traits[:keep][valid],
                   pitch[:keep][valid], key)


def _shifted(values: np.ndarray) -> np.ndarray:
    """``[0, values[0], ..., values[-2]]``: each value moved one place on."""
    out = np.empty_like(values)
    out[0] = 0
    out[1:] = values[:-1]
    return out


@lru_cache(maxsize=1)
def _harmonic_basis() -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of harmonics 1..36 over one period (wavetable grid plus the wrap point)."""
    grid = np.arange(_TABLE_SIZE + 1) / _TABLE_SIZE
    angle = 2 * np.pi * np.arange(1, _MAX_HARMONICS + 1)[:, None] * grid
    return np.sin(angle), np.cos(angle)


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


def _slice(text: str, total: int, seed: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of one laid-out span (text, total samples, seed).

    Vectorised over all syllables touching [a, b): every quantity is a per-syllable trait or an
    elementwise function of the sample's offset in its syllable, so any slice equals the same
    part of the whole span.
    """
    out = np.zeros(max(0, b - a), dtype=np.float32)
    layout = _layout(text, total, seed)
    if not len(layout.starts) or b <= a:
        return out
    lo = int(np.searchsorted(layout.ends, a, side="right"))
    hi = int(np.searchsorted(layout.starts, b, side="left"))
    if lo >= hi:
        return out
    starts, ends = layout.starts[lo:hi], layout.ends[lo:hi]
    traits, pitch = layout.traits[lo:hi], layout.pitch[lo:hi]
    # Per-syllable parameters.
    low, high = _PITCH_RANGE_HZ
    length = (ends - starts).astype(np.float64)
    glide = np.clip(pitch * (0.9 + 0.2 * traits[:, _GLIDE]), low, high)
    slope = (glide - pitch) / np.maximum(1.0, length - 1)
    weights = _vowel_weights(traits, 0.5 * (pitch + glide))
    table = _vowel_tables(weights, traits)
    burst = np.where(traits[:, _BURST] < 0.5,
                     np.minimum(length, np.floor((0.02 + 0.04 * traits[:, _BURST_LEN])
                                                 * SAMPLE_RATE)), 0.0)
    burst_gain = 0.3 + 0.4 * traits[:, _BURST_GAIN]
    attack = np.minimum(length // 2, np.floor((0.015 + 0.015 * traits[:, _ATTACK]) * SAMPLE_RATE))
    release = np.minimum(length - attack,
                         np.floor((0.03 + 0.03 * traits[:, _RELEASE]) * SAMPLE_RATE))
    # Expected mean square (unit voice + hiss, less the raised-cosine ramps, plus the burst),
    # so each syllable's level is set without synthesising all of it.
    mean_square = ((1.0 + 2 * 0.08 ** 2) * (length - 0.625 * (attack + release))
                   + burst_gain ** 2 * 2 * burst / 3) / length
    level = 10.0 ** ((_SYLLABLE_LEVEL_DBFS - 3.0 + 6.0 * traits[:, _LEVEL]) / 20.0)
    gain = level / np.sqrt(mean_square)

    # Per-sample: which syllable (k), offset in it (j), absolute span sample (n).
    seg_lo, seg_hi = np.maximum(starts, a), np.minimum(ends, b)
    counts = seg_hi - seg_lo
    offsets = np.cumsum(counts) - counts          # each syllable's first sample in the slice
    k = np.repeat(np.arange(hi - lo), counts)
    first = np.repeat(seg_lo - offsets, counts)
    n = first + np.arange(len(k))
    j = (n - np.repeat(starts, counts)).astype(np.float64)
    scale = _TABLE_SIZE / SAMPLE_RATE
    position = j * np.repeat(0.5 * scale * slope, counts)
    position += np.repeat(scale * pitch, counts)
    position *= j
    # The phase is >= 0, so its whole part wraps with a mask and its fraction is exact: the
    # same numbers as fmod(position, 512), split, at a tenth of the cost.
    whole = position.astype(np.intp)
    position -= whole
    whole &= _TABLE_SIZE - 1
    whole += k * (_TABLE_SIZE + 1)
    tables = table.reshape(-1)
    signal = tables[1:][whole]      # tables[whole + 1]
    below = tables[whole]
    signal -= below
    signal *= position
    signal += below                 # below + position * (above - below)
    # Noise: light aspiration throughout, a consonant burst at the onset of some syllables.
    white = _white(layout.key, seed, n)
    previous = np.empty_like(white)
    previous[1:] = white[:-1]
    # Where the samples do not follow on (the first one, a gap between syllables), the
    # previous sample's noise is drawn afresh.
    follows = np.empty(len(counts), dtype=bool)
    follows[0] = True
    np.not_equal(seg_lo[1:], seg_hi[:-1], out=follows[1:])
    jumps = offsets[follows]
    previous[jumps] = _white(layout.key, seed, n[jumps] - 1)
    hiss = white - previous                                    # first difference: high-passed
    signal += 0.08 * hiss
    # The samples whose offset j in their syllable is below the burst's length (and the
    # attack's), or past the release's start: per syllable a run of consecutive samples of
    # the slice, found from the syllables' numbers instead of comparing every sample.
    j0 = seg_lo - starts                          # offset of each syllable's first sample here
    in_burst = _runs(offsets, np.minimum(counts, burst.astype(np.int64) - j0))
    kb = k[in_burst]
    signal[in_burst] += hiss[in_burst] * burst_gain[kb] * (1.0 - j[in_burst] / burst[kb])
    # Raised-cosine attack and release, computed only where they apply.
    signal *= np.repeat(gain, counts)
    rising = _runs(offsets, np.minimum(counts, attack.astype(np.int64) - j0))
    signal[rising] *= 0.5 - 0.5 * np.cos(np.pi * j[rising] / attack[k[rising]])
    fall = np.maximum(0, (length - release).astype(np.int64) + 1 - j0)   # j > length - release
    falling = _runs(offsets + fall, counts - fall)
    signal[falling] *= 0.5 - 0.5 * np.cos(np.pi * (length[k[falling]] - j[falling])
                                          / release[k[falling]])
    np.clip(signal, -1.0, 1.0, out=signal)
    n -= a
    out[n] = signal
    return out


def _runs(firsts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Indices ``firsts[i] .. firsts[i] + sizes[i] - 1`` of every run, in order (a size <= 0
    is an empty run); the runs are ascending and disjoint, so this is the ascending index
    array ``flatnonzero`` of their union would give."""
    sizes = np.maximum(sizes, 0)
    count = int(sizes.sum())
    before = np.cumsum(sizes) - sizes
    return np.repeat(firsts - before, sizes) + np.arange(count)


def _vowel_weights(traits: np.ndarray, mean_f0: np.ndarray) -> np.ndarray:
    """(syllables, 36) harmonic amplitudes: 1/h^0.6 tilt times three formant resonances."""
    harmonics = np.arange(1, _MAX_HARMONICS + 1, dtype=np.float64)
    freq = harmonics * mean_f0[:, None]
    gain = np.full(freq.shape, 0.08)
    for column, lo_hz, width in ((_F1, 300, 550), (_F2, 850, 1450), (_F3, 2300, 900)):
        formant = (lo_hz + width * traits[:, column])[:, None]
        gain = gain + 1.0 / (1.0 + ((freq - formant) / 120.0) ** 2)
    weights = harmonics ** -0.6 * gain
    weights[freq > 3600.0] = 0.0                       # telephone band
    return weights


def _vowel_tables(weights: np.ndarray, traits: np.ndarray) -> np.ndarray:
    """(syllables, 513) one-period wavetables with unit RMS (sum of w_h^2 / 2 = 1)."""
    sin_basis, cos_basis = _harmonic_basis()
    phases = _PHASE_BANK[(traits[:, _PHASES] * len(_PHASE_BANK)).astype(np.intp)]
    # Harmonic-major and contiguous: in_phase[h] is the (syllables, 1) column of harmonic h.
    in_phase = np.ascontiguousarray((weights * np.cos(phases)).T)[:, :, None]
    quadrature = np.ascontiguousarray((weights * np.sin(phases)).T)[:, :, None]
    table = np.zeros((len(weights), _TABLE_SIZE + 1))
    term, other = np.empty_like(table), np.empty_like(table)
    # Weights are zero above 3.6 kHz: the harmonics up to the first one silent in every
    # syllable are summed.
    sounding = weights.any(axis=0)
    harmonics = _MAX_HARMONICS if sounding.all() else int(np.argmin(sounding))
    # sin(hx + p) = sin(hx)cos(p) + cos(hx)sin(p), harmonic by harmonic in a fixed order
    # (elementwise, no BLAS): a syllable's table never depends on which others share the block.
    for h in range(harmonics):
        np.multiply(in_phase[h], sin_basis[h], out=term)
        np.multiply(quadrature[h], cos_basis[h], out=other)
        term += other
        table += term
    rms = np.sqrt(0.5 * np.sum(weights ** 2, axis=1))
    return table / (rms[:, None] + 1e-12)


_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_MIX_C = np.uint64(0x94D049BB133111EB)
_SHIFT_30, _SHIFT_27, _SHIFT_31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _white(key: int, seed: int, n: np.ndarray) -> np.ndarray:
    """Uniform white noise (unit variance) that is a pure function of (key, seed, n): splitmix64."""
    z = n.astype(np.uint64)
    z += np.uint64((seed & 0xFFFFFFFF) << 32 | key)
    z *= _MIX_A
    shifted = np.empty_like(z)
    for multiplier, shift in ((_MIX_B, _SHIFT_30), (_MIX_C, _SHIFT_27), (None, _SHIFT_31)):
        np.right_shift(z, shift, out=shifted)
        z ^= shifted
        if multiplier is not None:
            z *= multiplier
    z >>= np.uint64(11)
    # The 53-bit integers are exact as int64 and as float64 (converted from int64: faster).
    out = z.view(np.int64).astype(np.float64)
    out *= 2.0 ** -53
    out -= 0.5
    out *= math.sqrt(12.0)
    return out
