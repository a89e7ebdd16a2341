"""Inputs of the payload builders: who the call (or conference) is, and nested objects.

Times are virtual seconds (floats) since the simulation's start; the builders turn them
into ISO strings with the simulation's epoch, so the engine never formats a time.
"""

from __future__ import annotations

import attrs

from simulator.callbacks.formats import ACCOUNT_ID, APPLICATION_ID, call_url
from simulator.callbacks.vocabulary import DIRECTIONS, MACHINE_DETECTION_VALUES, TRACKS


def _tag(value: str | None) -> str | None:
    # An empty tag clears it: the key is then omitted from payloads (bxml-verbs.md §1.4).
    return value or None


def _tracks(value) -> tuple[str, ...]:
    tracks = tuple(value)
    bad = [t for t in tracks if t not in TRACKS]
    if not tracks or bad:
        raise ValueError(f"tracks must be one or both of {TRACKS}, got {tracks!r}")
    return tracks


@attrs.frozen(kw_only=True)
class CallEnvelope:
    """The fields every call-scoped webhook shares (callbacks.md §1.9).

    ``start_time``/``answer_time``/``enqueued_time`` are virtual seconds; ``None`` leaves the
    key out (never answered, not queued). ``tag=""`` means no tag. For a Transfer B-leg use
    :meth:`transfer_leg`, which fills ``parent_call_id``/``transfer_caller_id``/``transfer_to``.
    """

    call_id: str
    from_: str
    to: str
    direction: str = attrs.field(validator=attrs.validators.in_(DIRECTIONS))
    start_time: float
    answer_time: float | None = None
    enqueued_time: float | None = None
    tag: str | None = attrs.field(default=None, converter=_tag)
    parent_call_id: str | None = None
    transfer_caller_id: str | None = None
    transfer_to: str | None = None
    account_id: str = ACCOUNT_ID
    application_id: str = APPLICATION_ID
    call_url: str = attrs.field(
        default=attrs.Factory(lambda self: call_url(self.account_id, self.call_id),
                              takes_self=True))

    def answered(self, at: float) -> CallEnvelope:
        """The same call, answered at ``at``."""
        return attrs.evolve(self, answer_time=at)

    def with_tag(self, tag: str | None) -> CallEnvelope:
        """The same call with its tag replaced (``""``/``None`` clears it)."""
        return attrs.evolve(self, tag=tag)

    def transfer_leg(self, *, call_id: str, from_: str, to: str, start_time: float,
                     answer_time: float | None = None, tag: str | None = None) -> CallEnvelope:
        """Envelope of a Transfer B-leg created by this (A-leg) call.

        Bandwidth reports the B-leg with the A-leg's from/to, ``direction="outbound"``, the
        A-leg as ``parentCallId`` and the B-leg's own from/to as
        ``transferCallerId``/``transferTo`` (callbacks.md §3.10).
        """
        return CallEnvelope(
            call_id=call_id, from_=self.from_, to=self.to, direction="outbound",
            start_time=start_time, answer_time=answer_time, tag=tag,
            parent_call_id=self.call_id, transfer_caller_id=from_, transfer_to=to,
            account_id=self.account_id, application_id=self.application_id)


@attrs.frozen(kw_only=True)
class ConferenceEnvelope:
    """Who a conference event is about. ``tag`` is the creating call's tag."""

    conference_id: str
    name: str
    tag: str | None = attrs.field(default=None, converter=_tag)
    account_id: str = ACCOUNT_ID


@attrs.frozen
class MachineDetectionResult:
    """``machineDetectionResult``: the verdict and how long detection took (seconds)."""

    value: str = attrs.field(validator=attrs.validators.in_(MACHINE_DETECTION_VALUES))
    duration: float


@attrs.frozen(kw_only=True)
class MediaStream:
    """A ``<StartStream>`` stream. ``id`` is ``None`` for a stream rejected before it got one;
    ``name`` defaults to the id, as Bandwidth does when the verb has no name."""

    id: str | None
    destination: str
    tracks: tuple[str, ...] = attrs.field(converter=_tracks)
    start: float
    name: str | None = None
    type: str = "WebSocket"


@attrs.frozen(kw_only=True)
class RealTimeTranscription:
    """A ``<StartTranscription>`` session; ``destination``/``stabilized`` only when set."""

    id: str | None
    tracks: tuple[str, ...] = attrs.field(converter=_tracks)
    start: float
    name: str | None = None
    destination: str | None = None
    stabilized: bool | None = None
