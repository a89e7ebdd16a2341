"""Audio between legs: a span as heard from a moment on, a leg's far-end audio mirrored onto
another leg, and :class:`MediaBridge` (two legs that hear each other), used by <Transfer>,
<Forward> (engine/verbs/connect.py) and <Bridge> (engine/verbs/bridge.py); a conference's
audio (engine/conference_mix.py) reuses :func:`clip_start`.

Tracks are named from the platform's side (engine/legs.py): a leg's ``remote`` track is what its
far end sends, its ``played`` track what the platform sends it. Two legs hear each other when
each one's ``remote`` spans are copied onto the other's ``played`` track.
"""

from __future__ import annotations

import attrs

from simulator.audio.synth import SAMPLE_RATE, Span
from simulator.engine.legs import Leg, Track


def clip_start(span: Span, at: float) -> Span:
    """``span`` as heard from ``at`` on (a played file keeps its timing: its head is dropped)."""
    if span.start >= at:
        return span
    if span.kind == "samples":
        skip = int(round((at - span.start) * SAMPLE_RATE))
        return attrs.evolve(span, start=at, samples=span.samples[skip:])
    return attrs.evolve(span, start=at)


class MirroredTrack(Track):
    """A leg's ``remote`` track that also plays every span on ``target`` from ``since`` on.

    It shares the original span list, so the leg's own history is untouched; spans cut short
    (a hang-up mid-sentence) are cut on the copy too.
    """

    def __init__(self, original: Track, target: Track, since: float) -> None:
        super().__init__()
        self.spans = original.spans
        self.original = original
        self.target = target
        self.since = since
        self.copies: dict[int, int] = {}  # index here -> index on target
        for index, span in enumerate(self.spans):
            self._copy(index, span)

    def _copy(self, index: int, span: Span) -> None:
        if span.end > self.since:
            self.copies[index] = self.target.add(clip_start(span, self.since))

    def add(self, span: Span) -> int:
        index = super().add(span)
        self._copy(index, span)
        return index

    def cut(self, index: int, at: float) -> None:
        super().cut(index, at)
        if index in self.copies:
            self.target.cut(self.copies[index], at)

    def release(self, at: float) -> Track:
        """Stop at ``at``: copies are cut there; returns the plain track for the leg."""
        for copy in self.copies.values():
            self.target.cut(copy, at)
        return self.original


class MediaBridge:
    """Two legs that hear each other from :meth:`connect` until :meth:`release`."""

    def __init__(self, a: Leg, b: Leg) -> None:
        self.a, self.b = a, b
        self.connected = False

    def connect(self, at: float) -> None:
        if not self.connected:
            self.connected = True
            self.a.remote = MirroredTrack(self.a.remote, self.b.played, at)
            self.b.remote = MirroredTrack(self.b.remote, self.a.played, at)

    def release(self, at: float) -> None:
        if self.connected:
            self.connected = False
            for leg in (self.a, self.b):
                if isinstance(leg.remote, MirroredTrack):
                    leg.remote = leg.remote.release(at)
