"""Deterministic audio synthesis: speech-like audio, DTMF, tones, silence, TTS timing, timelines.

Pure numpy: no files, no clock, no global RNG. Every function returns 8 kHz mono float32 in
[-1, 1], and the same arguments always give the same samples (bit for bit).

Timelines: a call's audio is a list of `Span` (what sounds between two virtual times);
`render` streams it in blocks so a three-hour recording never sits in memory. A span's samples
never depend on where the blocks cut it: tones and DTMF are closed-form in the sample index,
speech is synthesised only for the syllables touching a block, each sample an elementwise
function of its syllable's traits and its offset, with noise read at the span's sample index.
Speech rendered through a run's `SpeechCache` is synthesised once a process, in 2 s chunks kept
by `_SpeechMemo` (bounded; a pure function of text, length and seed).

The speech model (see docs/audio.md): words from the text, each with its vowel-group count of
syllables; a syllable is a harmonic voice (a vowel table picked by its random formants, read
at a pitch wandering in 100-220 Hz) plus shaped noise, under an attack/release envelope; words
are separated by short gaps (<= 0.16 s) so an energy silence detector never fires inside
speech; level about -20 dBFS.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Iterable, Iterator, Sequence

import attrs
import numpy as np

from .speech_model import SAMPLE_RATE, clear_layouts, speech_slice

#: ITU-T Q.23 keypad: key -> (low/row frequency, high/column frequency) in Hz.
DTMF_FREQUENCIES: dict[str, tuple[float, float]] = {
    "1": (697.0, 1209.0), "2": (697.0, 1336.0), "3": (697.0, 1477.0), "A": (697.0, 1633.0),
    "4": (770.0, 1209.0), "5": (770.0, 1336.0), "6": (770.0, 1477.0), "B": (770.0, 1633.0),
    "7": (852.0, 1209.0), "8": (852.0, 1336.0), "9": (852.0, 1477.0), "C": (852.0, 1633.0),
    "*": (941.0, 1209.0), "0": (941.0, 1336.0), "#": (941.0, 1477.0), "D": (941.0, 1633.0),
}
#: Peak amplitude of each of the two DTMF tones (-12 dBFS each, -6 dBFS combined peak).
DTMF_AMPLITUDE = 0.25
#: Default amplitude of `tone` (a Record beep and the like), -10 dBFS peak.
TONE_AMPLITUDE = 0.316

#: TTS timing model: 2.5 words a second (0.4 s a word).
TTS_WORDS_PER_SECOND = 2.5

SPAN_KINDS = ("speech", "dtmf", "tone", "silence", "samples")


def samples_for(seconds: float) -> int:
    """Number of samples in `seconds` at 8 kHz: round(seconds * 8000)."""
    return int(round(seconds * SAMPLE_RATE))


def silence(seconds: float) -> np.ndarray:
    """`seconds` of digital silence."""
    return np.zeros(samples_for(seconds), dtype=np.float32)


def tone(freq: float, seconds: float, *, amplitude: float = TONE_AMPLITUDE) -> np.ndarray:
    """A sine of `freq` Hz lasting `seconds`, starting at phase 0."""
    return _sine_mix((freq,), amplitude, 0, samples_for(seconds))


def dtmf(digit: str, seconds: float = 0.1) -> np.ndarray:
    """The ITU-T Q.23 dual tone of one key (0-9 * # A-D, letters case-insensitive)."""
    return _sine_mix(_dtmf_pair(digit), DTMF_AMPLITUDE, 0, samples_for(seconds))


def speech(text: str, seconds: float, seed: int) -> np.ndarray:
    """Speech-like audio for `text` lasting exactly round(seconds * 8000) samples.

    Deterministic in (text, seconds, seed); different seeds give different voices' prosody.
    """
    total = samples_for(seconds)
    return speech_slice(text, total, seed, 0, total)


def tts_seconds(parts: Iterable[str | float]) -> float:
    """Spoken duration of SpeakSentence parts (from `bxml.ssml.spoken_parts`).

    Text runs take 0.4 s a word (words / 2.5 per second); floats are `<break>` pauses in seconds.
    """
    total = 0.0
    for part in parts:
        if isinstance(part, str):
            total += len(part.split()) / TTS_WORDS_PER_SECOND
        else:
            total += float(part)
    return total


def clear_caches() -> None:
    """Forget memoised speech layouts and samples (for cold-start benchmarks)."""
    clear_layouts()
    _CHUNKS.clear()


def _check_kind(instance, attribute, value) -> None:
    if value not in SPAN_KINDS:
        raise ValueError(f"Span kind must be one of {', '.join(SPAN_KINDS)}, got {value!r}")


def _as_samples(value) -> np.ndarray | None:
    if value is None:
        return None
    array = np.asarray(value, dtype=np.float32)
    if array.ndim != 1:
        raise ValueError(f"Span samples must be mono (1-D), got shape {array.shape}")
    array = array.copy() if array.flags.writeable else array
    array.flags.writeable = False
    return array


@attrs.frozen
class Span:
    """What one party sounds like between `start` and `end` (virtual seconds).

    kind: ``speech`` (text, seed), ``dtmf`` (digit), ``tone`` (freq), ``silence``, or
    ``samples`` (a mono 8 kHz array, e.g. a played file; cut at `end`, silent past its length).
    Sample j of the span is heard at timeline sample round(start * 8000) + j. `samples` is
    excluded from equality and hashing (arrays have no truth value).
    """

    start: float
    end: float
    kind: str = attrs.field(validator=_check_kind)
    text: str = ""
    digit: str = ""
    freq: float = 0.0
    samples: np.ndarray | None = attrs.field(default=None, converter=_as_samples,
                                             eq=False, repr=False)
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Span ends before it starts: start={self.start}, end={self.end}")
        if self.kind == "dtmf":
            _dtmf_pair(self.digit)
        elif self.kind == "tone" and not self.freq > 0:
            raise ValueError(f"tone Span needs freq > 0, got {self.freq!r}")
        elif self.kind == "samples" and self.samples is None:
            raise ValueError("samples Span needs a samples array")


#: Samples of a speech span kept together, in the run's cache and the process's memo (2 s).
#: One size for both: the memo's key names a chunk by its index, so the run's cache must cut
#: spans where the memo does.
CHUNK = 16_000


class SpeechCache:
    """Speech already synthesised in one run, so audio rendered twice (a Record's silence
    detection or machine detection, then the recording file) is synthesised once.

    Kept in chunks of ``CHUNK`` samples of a span: a slice is cut from its chunks, which are
    the same samples as synthesising the slice itself (a span's samples never depend on where
    they are cut). At most ``max_bytes`` are kept, the least recently used chunk dropped first.
    A chunk the run has not made yet comes from the process's memo (`_SpeechMemo`), made there
    when another run has not made it either.
    """

    def __init__(self, max_bytes: int = 32 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._chunks: OrderedDict[tuple, np.ndarray] = OrderedDict()

    def speech(self, text: str, total: int, seed: int, a: int, b: int) -> np.ndarray:
        """Samples [a, b) of the speech span (text, total samples, seed); read-only."""
        size = CHUNK
        first, last = a // size, max(a, b - 1) // size
        parts = [self._chunk(text, total, seed, i) for i in range(first, last + 1)]
        if len(parts) > 1:
            parts = [np.concatenate(parts)]
            parts[0].flags.writeable = False
        return parts[0][a - first * size:max(a, b) - first * size]

    def add_speech(self, out: np.ndarray, text: str, total: int, seed: int, a: int,
                   b: int) -> None:
        """``out += samples [a, b)`` of the speech span, chunk by chunk (no joined copy)."""
        size = CHUNK
        for index in range(a // size, (b - 1) // size + 1):
            base = index * size
            lo, hi = max(a, base), min(b, base + size)
            out[lo - a:hi - a] += self._chunk(text, total, seed, index)[lo - base:hi - base]

    def _chunk(self, text: str, total: int, seed: int, index: int) -> np.ndarray:
        key = (text, total, seed, index)
        chunk = self._chunks.get(key)
        if chunk is not None:
            self._chunks.move_to_end(key)
            return chunk
        chunk = _CHUNKS.chunk(key)
        self._chunks[key] = chunk
        self.bytes += chunk.nbytes
        while self.bytes > self.max_bytes and len(self._chunks) > 1:
            self.bytes -= self._chunks.popitem(last=False)[1].nbytes
        return chunk


class _SpeechMemo:
    """Speech chunks by (text, total samples, seed, chunk), once a process: samples are a pure
    function of those, and a suite of one app says the same prompts in many scenarios (with the
    default seed 0 a scenario's k-th span gets the same seed in every scenario), so a chunk one
    run made is read again by the next instead of synthesised again. Chunks are read-only and
    shared; at most ``MAX_BYTES`` in all (about 17 minutes of speech), the least recently used
    dropped first. An entry is counted as its samples, its key's text and ``ENTRY_BYTES``, so
    short chunks of long texts are bounded too, not only their samples; each entry keeps the
    size it was counted as, which is what its eviction takes off.
    """

    MAX_BYTES = 32 << 20
    #: What an entry holds besides its samples and its text (the key tuple and its ints, the
    #: array object, the table's slot), a little over the ~480 bytes tracemalloc measures.
    ENTRY_BYTES = 512

    def __init__(self) -> None:
        self._table: OrderedDict[tuple, tuple[np.ndarray, int]] = OrderedDict()
        self.bytes = 0
        self.made = 0                   # chunks synthesised so far (for tests)
        self._lock = threading.Lock()   # runs of one process may share it from threads

    def chunk(self, key: tuple) -> np.ndarray:
        with self._lock:
            found = self._table.get(key)
            if found is not None:
                self._table.move_to_end(key)
                return found[0]
        text, total, seed, index = key
        chunk = speech_slice(text, total, seed, index * CHUNK, min(total, (index + 1) * CHUNK))
        chunk.flags.writeable = False
        size = chunk.nbytes + sys.getsizeof(text) + self.ENTRY_BYTES   # the text as held
        with self._lock:
            self.made += 1
            if key not in self._table and size <= self.MAX_BYTES:
                self._table[key] = chunk, size
                self.bytes += size
                while self.bytes > self.MAX_BYTES:
                    self.bytes -= self._table.popitem(last=False)[1][1]
        return chunk

    def clear(self) -> None:
        with self._lock:
            self._table.clear()
            self.bytes = 0


_CHUNKS = _SpeechMemo()


def render(spans: Sequence[Span], start: float, end: float, *,
           block_seconds: float = 10.0,
           cache: SpeechCache | None = None) -> Iterator[np.ndarray]:
    """Stream the mix of `spans` over [start, end) as consecutive float32 blocks.

    Blocks cover timeline samples round(start*8000) .. round(end*8000) (the last block may be
    shorter); overlapping spans are summed and clipped to [-1, 1]; silence where none sounds.
    Only the current block is materialised. With a `cache`, speech comes from it (the same
    samples, synthesised once per run).
    """
    first, stop = samples_for(start), samples_for(end)
    block = max(1, samples_for(block_seconds))
    # (start sample, end sample, original index, span), sorted so the mix order is fixed.
    pending = sorted(
        ((samples_for(s.start), samples_for(s.end), i, s) for i, s in enumerate(spans)
         if s.kind != "silence"),
        key=lambda item: (item[0], item[2]),
    )
    pending = [item for item in pending if item[1] > item[0] and item[1] > first]
    next_span = 0
    active: list[tuple[int, int, int, Span]] = []
    for lo in range(first, stop, block):
        hi = min(lo + block, stop)
        while next_span < len(pending) and pending[next_span][0] < hi:
            active.append(pending[next_span])
            next_span += 1
        active = [item for item in active if item[1] > lo]
        out = np.zeros(hi - lo, dtype=np.float32)
        touched = False
        for span_lo, span_hi, _, span in active:
            a, b = max(lo, span_lo), min(hi, span_hi)
            if a >= b:
                continue
            if cache is not None and span.kind == "speech":   # added from the run's chunks
                cache.add_speech(out[a - lo:b - lo], span.text, span_hi - span_lo, span.seed,
                                 a - span_lo, b - span_lo)
            else:
                piece = _span_slice(span, span_hi - span_lo, a - span_lo, b - span_lo)
                out[a - lo:a - lo + len(piece)] += piece
            touched = True
        if touched:
            np.clip(out, -1.0, 1.0, out=out)
        yield out


def _span_slice(span: Span, total: int, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of a span that is `total` samples long (may be shorter for `samples`)."""
    if span.kind == "speech":
        return speech_slice(span.text, total, span.seed, a, b)
    if span.kind == "dtmf":
        return _sine_mix(_dtmf_pair(span.digit), DTMF_AMPLITUDE, a, b)
    if span.kind == "tone":
        return _sine_mix((span.freq,), TONE_AMPLITUDE, a, b)
    assert span.kind == "samples" and span.samples is not None
    return span.samples[a:b]


def _dtmf_pair(digit: str) -> tuple[float, float]:
    key = digit.upper() if isinstance(digit, str) else digit
    if key not in DTMF_FREQUENCIES:
        raise ValueError(f"DTMF key must be one of 0-9 * # A-D, got {digit!r}")
    return DTMF_FREQUENCIES[key]


def _sine_mix(freqs: Sequence[float], amplitude: float, a: int, b: int) -> np.ndarray:
    """Sum of sines (phase 0 at sample 0) over samples [a, b); a pure function of the index."""
    index = np.arange(a, b, dtype=np.float64)
    out = np.zeros(b - a, dtype=np.float64)
    for freq in freqs:
        # Elementwise in the absolute index: any slice equals the same part of the whole.
        out += np.sin((2.0 * np.pi * freq / SAMPLE_RATE) * index)
    return (amplitude * out).astype(np.float32)
