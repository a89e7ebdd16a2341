"""Call legs: their states, the one transition table, and the per-leg media tracks.

Theory of operation
-------------------
A *leg* is one call as Bandwidth sees it (callId, direction, from, to, tag, times). Several legs
may exist in one simulation (Transfer B-legs, Forward, Bridge targets); nothing here assumes
there is only one.

1. Everything that changes a leg's state goes through :meth:`Leg.apply` and the table
   :data:`TRANSITIONS`; an input the table does not list raises :class:`CallStateError`
   (a bug in the engine, never a user error). A terminal leg rejects every input.
2. A leg has two media tracks, named from the platform's point of view (spec §8):
   ``remote`` is the audio *received* from the far end (the scripted caller: speech, tones,
   played files); ``played`` is the audio the platform *sends* to it (TTS, PlayAudio, SendDtmf
   tones, ringback). Tracks are lists of :class:`~simulator.audio.synth.Span` in time order;
   recordings are rendered from them by the runner, silence detection reads ``remote``.
3. Per-leg background state that outlives a document (tag, StartRecording, StartGather,
   streams, transcriptions) lives on the leg, not in the verb flows.
"""

from __future__ import annotations

import enum

import attrs

from simulator.audio.synth import Span


class LegState(enum.Enum):
    #: created; inbound: ringing at our number, initiate sent; outbound: being dialled
    INITIATED = "initiated"
    #: answered: media flows both ways, verbs execute
    ANSWERED = "answered"
    #: ended; terminal
    DISCONNECTED = "disconnected"


class LegInput(enum.Enum):
    ANSWER = "answer"  #: a verb (or the far end, outbound) answered the call
    HANGUP = "hangup"  #: the call ends, for any cause


#: state -> input -> next state. The single source of truth (the report draws it).
TRANSITIONS: dict[LegState, dict[LegInput, LegState]] = {
    LegState.INITIATED: {LegInput.ANSWER: LegState.ANSWERED, LegInput.HANGUP: LegState.DISCONNECTED},
    LegState.ANSWERED: {LegInput.HANGUP: LegState.DISCONNECTED},
    LegState.DISCONNECTED: {},
}


class CallStateError(Exception):
    """An input the leg's current state does not accept (an engine bug)."""


class Track:
    """Append-only timeline of audio spans; a span may be cut short when playback stops."""

    def __init__(self) -> None:
        self.spans: list[Span] = []

    def add(self, span: Span) -> int:
        self.spans.append(span)
        return len(self.spans) - 1

    def cut(self, index: int, at: float) -> None:
        """End span ``index`` at ``at`` (barge-in, hang-up); drop it when nothing was heard."""
        span = self.spans[index]
        if at >= span.end:
            return
        if at <= span.start:
            self.spans[index] = attrs.evolve(span, end=span.start)
        else:
            self.spans[index] = attrs.evolve(span, end=at)

    def between(self, start: float, end: float) -> tuple[Span, ...]:
        """Spans that overlap ``[start, end)``."""
        return tuple(s for s in self.spans if s.end > start and s.start < end and s.end > s.start)


@attrs.define(eq=False)
class Leg:
    """One call leg. ``parent_call_id`` is set on legs created by another leg (B-legs)."""

    call_id: str
    direction: str
    from_: str
    to: str
    start_at: float
    parent_call_id: str | None = None
    state: LegState = LegState.INITIATED
    answer_at: float | None = None
    end_at: float | None = None
    cause: str | None = None
    error_message: str | None = None
    tag: str | None = None
    remote: Track = attrs.Factory(Track)
    played: Track = attrs.Factory(Track)
    #: (time, verb name) of every verb that started on this leg, for caller ``wait_for``
    verb_starts: list[tuple[float, str]] = attrs.Factory(list)

    @property
    def up(self) -> bool:
        return self.state is not LegState.DISCONNECTED

    @property
    def answered(self) -> bool:
        return self.answer_at is not None

    def apply(self, what: LegInput) -> LegState:
        """Move to the state the table gives for ``what``."""
        try:
            self.state = TRANSITIONS[self.state][what]
        except KeyError:
            raise CallStateError(f"can't handle {what.value} when leg={self.call_id} "
                                 f"state={self.state.name}") from None
        return self.state
