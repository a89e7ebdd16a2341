"""Detection on caller audio: energy silence detection and Goertzel DTMF decoding.

Pure numpy, 8 kHz mono float32 input. Parameters and their reasons are in docs/audio.md.

Silence: a 20 ms frame is silent when its RMS is below -40 dBFS (speech from `synth.speech`
sits near -20 dBFS and its word gaps are far shorter than any silence timeout; line noise in
real recordings is typically -50..-60 dBFS). The detector reports the virtual time at which a
silent run has lasted `min_silence` seconds, accurate to one frame.

DTMF: the power at the eight Q.23 frequencies over 205-sample windows (the classic Goertzel
size at 8 kHz, 39 Hz resolution) with a half-window hop, computed for all windows at once as a
matrix product. A window holds a key when one row and one column tone stand out (level, twist,
relative peak and share-of-energy checks); a key counts once it holds for two consecutive
windows, and repeats of a key need at least one window without it in between.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from .synth import DTMF_FREQUENCIES, SAMPLE_RATE

SILENCE_THRESHOLD_DBFS = -40.0
FRAME_SECONDS = 0.02

ROW_FREQUENCIES = (697.0, 770.0, 852.0, 941.0)
COLUMN_FREQUENCIES = (1209.0, 1336.0, 1477.0, 1633.0)
GOERTZEL_WINDOW = 205
GOERTZEL_HOP = 102
DTMF_MIN_TONE_DBFS = -36.0       # each tone's peak level must reach this
DTMF_MAX_TWIST_DB = 8.0          # row vs column level difference (Q.24 allows 4..8 dB)
DTMF_MIN_PEAK_RATIO_DB = 6.0     # winner over the runner-up in its group
DTMF_MIN_ENERGY_SHARE = 0.75     # the two tones carry this share of the window's energy
DTMF_MIN_WINDOWS = 2             # consecutive windows a key must hold (debounce)

_KEY_OF_PAIR = {pair: key for key, pair in DTMF_FREQUENCIES.items()}


class SilenceDetector:
    """Streaming energy silence detector.

    Feed consecutive blocks with their start time (virtual seconds); `feed` returns the time at
    which the current silent run has lasted `min_silence` seconds if that happens within the
    audio fed so far and was not reported before (once per silent run), else None. Frames are
    laid from the first block's start; a block that does not continue the previous one
    (its start, on the 8 kHz grid round(start * 8000), is not where the previous one ended)
    starts a new frame grid and a new run. Reported times are on the sample grid.
    """

    def __init__(self, threshold_dbfs: float = SILENCE_THRESHOLD_DBFS,
                 frame_seconds: float = FRAME_SECONDS, *, min_silence: float = 0.0) -> None:
        if frame_seconds <= 0:
            raise ValueError(f"frame_seconds must be > 0, got {frame_seconds}")
        self.threshold_dbfs = threshold_dbfs
        self.frame_seconds = frame_seconds
        self.min_silence = min_silence
        self._frame = max(1, int(round(frame_seconds * SAMPLE_RATE)))
        self._threshold_power = 10.0 ** (threshold_dbfs / 10.0)
        self._pending = np.zeros(0, dtype=np.float32)
        self._pending_at: int | None = None   # sample index of _pending[0] (next frame start)
        self._silent_since: float | None = None
        self._reported = False

    @property
    def silent_since(self) -> float | None:
        """Start time of the silent run in progress (None while sound is heard)."""
        return self._silent_since

    def feed(self, block: np.ndarray, start: float) -> float | None:
        """Process `block` (heard from `start`); the time silence reached `min_silence`, or None."""
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        at = int(round(start * SAMPLE_RATE))
        if self._pending_at is not None:
            if self._pending_at + len(self._pending) != at:
                self._pending = np.zeros(0, dtype=np.float32)
                self._pending_at = None
                self._silent_since = None
                self._reported = False
        if self._pending_at is None:
            self._pending_at = at
        data = np.concatenate([self._pending, block]) if len(self._pending) else block
        n_frames = len(data) // self._frame
        fired = None
        if n_frames:
            silent = _silent(data[:n_frames * self._frame], self._frame, self._threshold_power)
            fired = self._scan(silent, self._pending_at)
        used = n_frames * self._frame
        self._pending = data[used:].copy()
        self._pending_at += used
        return fired

    def _scan(self, silent: np.ndarray, first_sample: int) -> float | None:
        fired = None
        # Runs of silent frames, vectorised: boundaries where the flag changes.
        edges = np.flatnonzero(np.diff(np.r_[False, silent, False].astype(np.int8)))
        run_starts, run_ends = edges[::2], edges[1::2]
        # The run in progress may continue from the previous block.
        for lo, hi in zip(run_starts, run_ends):
            if lo > 0 or self._silent_since is None:
                self._silent_since = (first_sample + lo * self._frame) / SAMPLE_RATE
                self._reported = False
            lasted_until = (first_sample + hi * self._frame) / SAMPLE_RATE
            due = self._silent_since + self.min_silence
            if not self._reported and lasted_until >= due - 1e-9:
                self._reported = True
                if fired is None:
                    fired = round(due * SAMPLE_RATE) / SAMPLE_RATE  # on the sample grid
            if hi < len(silent):
                self._silent_since = None
        if not len(run_starts) and len(silent):
            self._silent_since = None
        return fired


def _silent(samples: np.ndarray, frame: int, threshold_power: float) -> np.ndarray:
    """Per whole frame of ``frame`` samples: is its mean power below ``threshold_power``."""
    n_frames = len(samples) // frame
    frames = samples[:n_frames * frame].reshape(n_frames, frame)
    return np.mean(np.square(frames, dtype=np.float64), axis=1) < threshold_power


def silent_frames(samples: np.ndarray, threshold_dbfs: float = SILENCE_THRESHOLD_DBFS,
                  frame_seconds: float = FRAME_SECONDS) -> np.ndarray:
    """Per frame of ``samples`` (laid from its first sample; a last partial frame counts as a
    frame): True when it is silent. The same test as :class:`SilenceDetector`, so everything
    that asks "is the far end making a sound?" (Record's silenceTimeout, answering-machine
    detection) gets the same answer."""
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    frame = max(1, int(round(frame_seconds * SAMPLE_RATE)))
    power = 10.0 ** (threshold_dbfs / 10.0)
    whole = len(samples) // frame * frame
    flags = _silent(samples, frame, power)
    if whole < len(samples):
        flags = np.append(flags, _silent(samples[whole:], len(samples) - whole, power))
    return flags


def first_silence(blocks: Iterable[np.ndarray], start: float, min_silence: float, *,
                  threshold_dbfs: float = SILENCE_THRESHOLD_DBFS,
                  frame_seconds: float = FRAME_SECONDS) -> float | None:
    """The first time at which silence has lasted `min_silence` in consecutive `blocks`."""
    detector = SilenceDetector(threshold_dbfs, frame_seconds, min_silence=min_silence)
    at = start
    for block in blocks:
        fired = detector.feed(block, at)
        if fired is not None:
            return fired
        at += len(block) / SAMPLE_RATE
    return None


def _dft_basis() -> np.ndarray:
    """(window, 16) matrix: cos then sin at the 8 DTMF frequencies."""
    freqs = np.array(ROW_FREQUENCIES + COLUMN_FREQUENCIES)
    angle = 2 * np.pi * np.arange(GOERTZEL_WINDOW)[:, None] * freqs / SAMPLE_RATE
    return np.concatenate([np.cos(angle), np.sin(angle)], axis=1)


_BASIS = _dft_basis()


def window_keys(samples: np.ndarray) -> list[str | None]:
    """The key heard in each 205-sample window (hop 102), or None."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if len(x) < GOERTZEL_WINDOW:
        return []
    windows = np.lib.stride_tricks.sliding_window_view(x, GOERTZEL_WINDOW)[::GOERTZEL_HOP]
    proj = windows @ _BASIS
    # Power of a sine of amplitude a at the bin ~ a^2/2 (same scale as mean square).
    power = (proj[:, :8] ** 2 + proj[:, 8:] ** 2) * (2.0 / GOERTZEL_WINDOW ** 2)
    total = np.mean(windows ** 2, axis=1)
    rows, cols = power[:, :4], power[:, 4:]
    r_idx, c_idx = rows.argmax(axis=1), cols.argmax(axis=1)
    r_pow = rows[np.arange(len(rows)), r_idx]
    c_pow = cols[np.arange(len(cols)), c_idx]
    r_second = np.sort(rows, axis=1)[:, -2]
    c_second = np.sort(cols, axis=1)[:, -2]
    min_power = 0.5 * 10.0 ** (DTMF_MIN_TONE_DBFS / 10.0)
    peak = 10.0 ** (DTMF_MIN_PEAK_RATIO_DB / 10.0)
    twist = 10.0 ** (DTMF_MAX_TWIST_DB / 10.0)
    ok = (
        (r_pow >= min_power) & (c_pow >= min_power)
        & (r_pow <= twist * c_pow) & (c_pow <= twist * r_pow)
        & (r_pow >= peak * r_second) & (c_pow >= peak * c_second)
        & (r_pow + c_pow >= DTMF_MIN_ENERGY_SHARE * total)
    )
    return [
        _KEY_OF_PAIR[(ROW_FREQUENCIES[r], COLUMN_FREQUENCIES[c])] if good else None
        for r, c, good in zip(r_idx, c_idx, ok)
    ]


def detect_dtmf(samples: np.ndarray) -> str:
    """The DTMF keys in `samples` (8 kHz mono), in order, e.g. ``"1234#"``.

    A key is reported once per press: it must hold for two consecutive windows (>= ~38 ms of
    tone), and a repeated key needs a window without it in between (a gap of >= ~38 ms).
    """
    keys = []
    run_key, run_length = None, 0
    for key in window_keys(samples) + [None]:
        if key == run_key:
            run_length += 1
            continue
        if run_key is not None and run_length >= DTMF_MIN_WINDOWS:
            keys.append(run_key)
        run_key, run_length = key, 1
    return "".join(keys)
