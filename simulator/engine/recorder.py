"""Recordings: the StartRecording state machine, segments, end reasons, transcription text.

``<Record>`` makes one recording with one segment; ``<StartRecording>`` makes one whose segments
are cut by ``<PauseRecording>``/``<ResumeRecording>`` (paused time is absent from the file and
from ``duration``, spec bxml-verbs.md §5.3). The background recorder follows §5.6:

    IDLE --start--> RECORDING --pause--> PAUSED --resume--> RECORDING
    RECORDING/PAUSED --stop (StopRecording, call end)--> IDLE   (recording finalised)

Inputs the table does not list are the documented no-ops (pause/resume/stop in IDLE, start
while RECORDING or PAUSED: README #12, resume while RECORDING, pause while PAUSED); they return
False so the timeline can say "ignored".

``endReason`` (design/contract.md): ``terminating-digit``, ``max-duration``,
``silence-timeout`` (Record only); ``stop-recording`` (StopRecording); ``hangup`` (the far end
hung up: Record and StartRecording); ``call-ended`` (the call ended any other way: Hangup, end of
document, callback/BXML errors, max_duration); ``redirected`` (a Record cut short by an
interruption that replaces the document: REST redirect / PUT bxml / its call becoming a Bridge
target, engine/rest.py and engine/verbs/bridge.py).
"""

from __future__ import annotations

import enum

import attrs

from simulator.audio.synth import Span

END_REASONS = ("terminating-digit", "max-duration", "silence-timeout", "hangup",
               "stop-recording", "call-ended", "redirected")

#: Transcription works only for recordings longer than 0.5 s and shorter than 4 h (spec §5).
TRANSCRIBE_MIN = 0.5
TRANSCRIBE_MAX = 4 * 3600.0


@attrs.define(eq=False)
class Recording:
    """One recording of one leg, growing while it runs."""

    recording_id: str
    call_id: str
    verb: str  # "Record" | "StartRecording"
    node: object  # the Record / StartRecording node (URLs, transcribe, tag...)
    base_url: str | None  # base for the node's relative URLs
    start_at: float
    file_format: str = "wav"
    channels: int = 1
    name: str | None = None
    segments: list[tuple[float, float]] = attrs.Factory(list)
    open_at: float | None = None  # start of the segment being recorded, None while paused
    end_at: float | None = None
    end_reason: str | None = None
    file: str | None = None
    transcription: dict | None = None

    def open(self, at: float) -> None:
        if self.open_at is None:
            self.open_at = at

    def close(self, at: float) -> None:
        if self.open_at is not None:
            if at > self.open_at:
                self.segments.append((self.open_at, at))
            self.open_at = None

    def finish(self, at: float, reason: str) -> None:
        assert reason in END_REASONS, reason
        self.close(at)
        self.end_at = at
        self.end_reason = reason

    @property
    def duration(self) -> float:
        """Seconds of audio in the file: the sum of the segments (paused time excluded)."""
        return sum(end - start for start, end in self.segments)


class RecState(enum.Enum):
    IDLE = "idle"  #: no StartRecording recording
    RECORDING = "recording"  #: audio is being kept
    PAUSED = "paused"  #: still the active recording, audio not kept


#: state -> input -> next state; missing entries are documented no-ops.
REC_TRANSITIONS: dict[RecState, dict[str, RecState]] = {
    RecState.IDLE: {"start": RecState.RECORDING},
    RecState.RECORDING: {"pause": RecState.PAUSED, "stop": RecState.IDLE},
    RecState.PAUSED: {"resume": RecState.RECORDING, "stop": RecState.IDLE},
}


class BackgroundRecorder:
    """The (at most one) StartRecording recording of a leg."""

    def __init__(self) -> None:
        self.state = RecState.IDLE
        self.current: Recording | None = None

    def _move(self, what: str) -> bool:
        nxt = REC_TRANSITIONS[self.state].get(what)
        if nxt is None:
            return False
        self.state = nxt
        return True

    def start(self, recording: Recording, at: float) -> bool:
        """Begin ``recording``; False (ignored) when one is already active, even paused."""
        if not self._move("start"):
            return False
        self.current = recording
        recording.open(at)
        return True

    def pause(self, at: float) -> bool:
        if not self._move("pause"):
            return False
        self.current.close(at)
        return True

    def resume(self, at: float) -> bool:
        if not self._move("resume"):
            return False
        self.current.open(at)
        return True

    def stop(self, at: float, reason: str) -> Recording | None:
        """Finalise the active recording (also when paused); None when there is none."""
        if not self._move("stop"):
            return None
        recording, self.current = self.current, None
        recording.finish(at, reason)
        return recording


def spoken_text(spans: tuple[Span, ...] | list[Span], segments: list[tuple[float, float]]) -> str:
    """The words of speech spans that were recorded (``speech`` spans, and ``samples`` spans
    carrying text: a ``say`` spoken by espeak).

    A span's words are spread evenly over its length; a word counts when the middle of its slot
    lies inside a segment (so a pause in the middle of a sentence removes the words said then).
    """
    words_out: list[str] = []
    for span in spans:
        text = getattr(span, "text", None)
        if span.kind not in ("speech", "samples") or not text:
            continue
        words = text.split()
        slot = (span.end - span.start) / len(words) if words else 0.0
        for i, word in enumerate(words):
            middle = span.start + (i + 0.5) * slot
            if any(start <= middle < end for start, end in segments):
                words_out.append(word)
    return " ".join(words_out)


def transcription_status(duration: float) -> str:
    """``available`` inside the 0.5 s .. 4 h window, else the spec's size status."""
    if duration <= TRANSCRIBE_MIN:
        return "file-size-too-small"
    if duration >= TRANSCRIBE_MAX:
        return "file-size-too-big"
    return "available"
