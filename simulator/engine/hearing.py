"""What the platform hears of the far end: silence and sound on a leg's ``remote`` track,
measured on the rendered audio with ``audio.detect`` (-40 dBFS, 20 ms frames), the one test
Record's ``silenceTimeout``, Gather's ``speechTimeout`` and answering-machine detection share.

* :class:`SilenceWatch`: when a silent run from ``start`` on reaches a timeout (Record
  silenceTimeout; the end of an utterance in a speech Gather).
* :func:`first_sound`: when the far end is next heard in the audio it has sent so far (the
  caller starting to speak during a speech Gather: speech barge-in).

``speech_only``: what a speech recognizer takes for speech, i.e. everything but DTMF tones (a
key is a key, not a word); Record hears everything.
"""

from __future__ import annotations

from simulator.audio.detect import FRAME_SECONDS, SilenceDetector, silent_frames
from simulator.audio.synth import SAMPLE_RATE, Span, SpeechCache, render
from simulator.engine.legs import Leg

SILENCE_BLOCK_SECONDS = 10.0
SOUND_BLOCK_SECONDS = 1.0  # a whole number of frames: the frame grid stays on `start`


def _heard(spans: tuple[Span, ...], speech_only: bool) -> tuple[Span, ...]:
    return tuple(s for s in spans if s.kind != "dtmf") if speech_only else spans


class SilenceWatch:
    """Incremental silence detection on a leg's ``remote`` track from ``start`` on."""

    def __init__(self, leg: Leg, start: float, timeout: float,
                 cache: SpeechCache | None = None, *, speech_only: bool = False) -> None:
        self.leg = leg
        self.cache = cache  # the run's speech samples (Simulation.speech), rendered once
        self.timeout = timeout
        self.checked = start
        self.speech_only = speech_only
        self.detector = SilenceDetector(min_silence=timeout)

    def deadline(self, now: float) -> float:
        """Feed the audio up to ``now``; the time the silent run would reach the timeout.

        A value ``<= now`` means it has been reached. With sound at the end, nothing can reach
        the timeout before ``now + timeout``.
        """
        if now > self.checked:
            spans = _heard(self.leg.remote.between(self.checked, now), self.speech_only)
            at = self.checked
            for block in render(spans, self.checked, now, block_seconds=SILENCE_BLOCK_SECONDS,
                                cache=self.cache):
                self.detector.feed(block, at)
                at += len(block) / SAMPLE_RATE
            self.checked = now
        since = self.detector.silent_since
        return now + self.timeout if since is None else float(since) + self.timeout


def first_sound(leg: Leg, origin: float, now: float, cache: SpeechCache | None = None, *,
                speech_only: bool = False) -> float | None:
    """The first moment at or after ``now`` the far end is heard, in the audio it has sent so
    far (a span is known from its start, with its whole length); None when all of it is silent.

    Frames are laid from ``origin`` (<= now), so the answer is on the grid the watches of the
    same listener use; a frame that starts before ``now`` but sounds gives ``now``.
    """
    spans = _heard(leg.remote.between(now, float("inf")), speech_only)
    if not spans:
        return None
    end = max(s.end for s in spans)
    start = origin + int((now - origin) / FRAME_SECONDS) * FRAME_SECONDS
    at = start
    for block in render(spans, start, end, block_seconds=SOUND_BLOCK_SECONDS, cache=cache):
        loud = ~silent_frames(block)
        if loud.any():
            return max(now, float(at + int(loud.argmax()) * FRAME_SECONDS))
        at += len(block) / SAMPLE_RATE
    return None
