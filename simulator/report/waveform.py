"""Waveforms for the report: a min/max envelope and the silent stretches of each channel of a
recording, computed incrementally from the blocks ``audio.sink.iter_blocks`` streams.

Memory is bounded by one block plus the envelope (``columns`` numbers per channel) and the
silences found, whatever the length of the file: a four-hour recording is never in memory.
Each channel is its own lane; in a multiChannel recording (two channels, docs/engine.md)
channel 1 is the far end ("caller") and channel 2 what the platform played ("platform audio").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from simulator.audio.sink import BLOCK_FRAMES, audio_info, iter_blocks

from .values import num

WAVEFORM_COLUMNS = 600
#: 20 ms frames quieter than this RMS (about -40 dBFS) for SILENCE_MIN_SECONDS are "silence".
SILENCE_RMS = 0.01
SILENCE_MIN_SECONDS = 0.25
SILENCE_FRAME_SECONDS = 0.02
#: Lane names of a two-channel (multiChannel) recording, by channel.
MULTI_CHANNEL_NAMES = ("caller", "platform audio")


def recording_waveform(path: Path, rec: dict, *, columns: int = WAVEFORM_COLUMNS,
                       block_frames: int = BLOCK_FRAMES) -> dict:
    """The waveform of a recording file, read block by block (``MediaError`` when undecodable).

    ``rec`` is the recording's result.json object: its ``segments`` place the joins and its
    ``channels`` say whether a two-channel file is a multiChannel recording.
    """
    info = audio_info(path)
    names: Sequence[str] = ()
    if info.channels == 2 and rec.get("channels") == 2:
        names = MULTI_CHANNEL_NAMES
    return waveform(iter_blocks(path, block_frames), frames=info.frames,
                    rate=info.sample_rate, segments=rec.get("segments") or [], names=names,
                    columns=columns)


def waveform(blocks: Iterable[np.ndarray], *, frames: int, rate: int, segments: list[dict],
             names: Sequence[str] = (), columns: int = WAVEFORM_COLUMNS) -> dict:
    """Min/max envelope and silences per channel of audio given as consecutive blocks.

    ``blocks`` are float32 arrays of shape (n, channels) (or (n,) for mono) adding up to about
    ``frames`` frames at ``rate`` Hz; no block is kept once the next one is read. ``names`` label
    the lanes by channel (default: none for mono, ``channel N`` otherwise).

    Returns ``{"seconds", "columns", "joins": [seconds into the file where a pause was cut],
    "silences": [(a, b) seconds where every channel is silent], "lanes": [{"name", "points":
    svg polygon points (x 0..columns, y 0..100), "silences": [(a, b)]}, one per channel]}``.
    """
    joins, elapsed = [], 0.0
    for seg in segments[:-1]:  # the file is the segments back to back: a join per pause
        elapsed += num(seg.get("endAt")) - num(seg.get("startAt"))
        joins.append(round(elapsed, 3))
    view = {"seconds": frames / rate if rate else 0.0, "columns": columns, "joins": joins,
            "silences": [], "lanes": []}
    envelope: _Envelope | None = None
    for block in blocks:
        block = np.asarray(block, dtype=np.float32)
        block = block.reshape(len(block), -1)
        if envelope is None:
            envelope = _Envelope(frames, rate, block.shape[1], columns)
        envelope.feed(block)
        del block  # drop this block before the next one is read
    if envelope is None or not frames:
        return view
    channels = envelope.channels
    for c in range(channels):
        name = names[c] if c < len(names) else ("" if channels == 1 else f"channel {c + 1}")
        view["lanes"].append({"name": name, "points": envelope.points(c),
                              "silences": envelope.quiet[c].finish()})
    view["silences"] = envelope.quiet[channels].finish()
    return view


class _Envelope:
    """Per-column maxima/minima and per-channel quiet runs of a file being fed block by block.

    Columns split the ``frames`` frames evenly (the last column takes any frames past the
    announced length); 20 ms frames that straddle two blocks are completed from a small carry.
    """

    def __init__(self, frames: int, rate: int, channels: int, columns: int) -> None:
        self.channels = channels
        self.cols = max(min(columns, frames), 1)
        self.columns = columns
        self.edges = np.linspace(0, max(frames, 1), self.cols + 1).astype(np.int64)
        self.high = np.full((self.cols, channels), -np.inf, dtype=np.float32)
        self.low = np.full((self.cols, channels), np.inf, dtype=np.float32)
        self.position = 0
        self.frame = max(int(rate * SILENCE_FRAME_SECONDS), 1)
        self.carry = np.zeros((0, channels), dtype=np.float32)
        min_frames = int(np.ceil(SILENCE_MIN_SECONDS / (self.frame / rate) - 1e-9))
        # one tracker per channel, and one for "every channel quiet" (the file's silences)
        self.quiet = [_QuietRuns(min_frames, self.frame / rate) for _ in range(channels + 1)]

    def feed(self, block: np.ndarray) -> None:
        n = len(block)
        if not n:
            return
        start, stop = self.position, self.position + n
        first = min(int(np.searchsorted(self.edges, start, side="right")) - 1, self.cols - 1)
        last = min(int(np.searchsorted(self.edges, stop - 1, side="right")) - 1, self.cols - 1)
        starts = np.maximum(self.edges[first:last + 1], start) - start
        starts[0] = 0
        cols = slice(first, last + 1)
        np.maximum(self.high[cols], np.maximum.reduceat(block, starts, axis=0), out=self.high[cols])
        np.minimum(self.low[cols], np.minimum.reduceat(block, starts, axis=0), out=self.low[cols])
        self.position = stop
        self._feed_frames(block)

    def _feed_frames(self, block: np.ndarray) -> None:
        data = np.concatenate([self.carry, block]) if len(self.carry) else block
        usable = len(data) // self.frame * self.frame
        self.carry = data[usable:].copy()  # a copy: a view would keep the whole block alive
        if not usable:
            return
        frames = data[:usable].reshape(-1, self.frame, self.channels)
        quiet = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)) < SILENCE_RMS
        for c in range(self.channels):
            self.quiet[c].feed(quiet[:, c])
        self.quiet[self.channels].feed(quiet.all(axis=1))

    def points(self, channel: int) -> str:
        """The SVG polygon of one channel: the top edge left to right, the bottom back."""
        high = self.high[:, channel].astype(np.float64)
        low = self.low[:, channel].astype(np.float64)
        unseen = ~np.isfinite(high)  # columns past a file shorter than announced
        high[unseen], low[unseen] = 0.0, 0.0
        xs = np.arange(self.cols) * self.columns / self.cols
        top = [f"{x:.1f},{50 - 48 * y:.1f}" for x, y in zip(xs, np.clip(high, -1, 1))]
        bottom = [f"{x:.1f},{50 - 48 * y:.1f}"
                  for x, y in zip(xs[::-1], np.clip(low, -1, 1)[::-1])]
        return " ".join(top + bottom)


class _QuietRuns:
    """Runs of quiet frames at least ``min_frames`` long, found across successive flag arrays."""

    def __init__(self, min_frames: int, frame_seconds: float) -> None:
        self.min_frames = min_frames
        self.frame_seconds = frame_seconds
        self.seen = 0  # frames fed so far
        self.open: int | None = None  # first frame of the quiet run still going on
        self.spans: list[tuple[float, float]] = []

    def feed(self, quiet: np.ndarray) -> None:
        flags = np.concatenate([[self.open is not None], quiet]).astype(np.int8)
        steps = np.diff(flags)
        rises = list(np.flatnonzero(steps == 1) + self.seen)
        falls = list(np.flatnonzero(steps == -1) + self.seen)
        starts = ([self.open] if self.open is not None else []) + rises
        for a, b in zip(starts, falls):
            self._close(int(a), int(b))
        self.open = int(starts[len(falls)]) if len(starts) > len(falls) else None
        self.seen += len(quiet)

    def finish(self) -> list[tuple[float, float]]:
        """The spans, in seconds; a run still open at the end of the file is closed there."""
        if self.open is not None:
            self._close(self.open, self.seen)
            self.open = None
        return self.spans

    def _close(self, a: int, b: int) -> None:
        if b - a >= self.min_frames:
            self.spans.append((round(a * self.frame_seconds, 3), round(b * self.frame_seconds, 3)))
