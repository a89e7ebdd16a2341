"""The audio of a conference room (bxml-verbs.md §7.3 mute, hold, callIdsToCoach): who hears
whom, where the room's own audio lands, and what the room's mix (its recordings) holds.

The room itself (lifecycle, events, BXML, recordings) is engine/verbs/conference.py: its ``Room``
owns one :class:`Mix` and tells it when a member joins, leaves or changes its settings, when
the room plays audio, and when it ends under an internal error.

* What the room plays is heard by every member not on ``hold`` (it lands on their ``played``
  track, so their own call recordings hold it).
* Members hear each other: a member not on hold hears every other member that is neither muted
  nor on hold (:func:`audible`), while both are in (:class:`FanoutTrack`). A coach
  (``callIdsToCoach``) is heard only by the calls it coaches and hears everyone.
* ``mute``/``hold``/coaching may change while in (REST update member, ``Room.update_member``):
  the mix follows from that instant (:meth:`Mix.remix`).
* A room recording is one channel: what the room hears (members neither muted, on hold nor
  coaching, over the intervals they were so: ``Mix.mixed``), plus the room's audio
  (:meth:`Mix.between`).
"""

from __future__ import annotations

from typing import Protocol

import attrs

from simulator.engine.clock import Clock
from simulator.engine.legs import Leg, Track
from simulator.engine.media_bridge import clip_start
from simulator.engine.process import Sleep


class Member(Protocol):
    """What the mix reads of a room member (engine/verbs/conference.py ``Member``): its leg and
    its settings now."""

    leg: Leg
    mute: bool
    hold: bool
    coaching: tuple[str, ...]  # callIds it coaches (callIdsToCoach)


class FanoutTrack(Track):
    """A member's ``remote`` track while in a room: each span is also played to the members
    listening (their ``played`` tracks), from the moment each started listening.

    It shares the original span list, so the leg's own history is untouched; a span cut short
    (a hang-up mid-sentence) is cut on every copy."""

    def __init__(self, original: Track) -> None:
        super().__init__()
        self.spans = original.spans
        self.original = original
        self.listeners: dict[str, tuple[Track, dict[int, int]]] = {}  # callId -> (track, copies)

    def listen(self, key: str, target: Track, since: float) -> None:
        copies = {i: target.add(clip_start(span, since))
                  for i, span in enumerate(self.spans) if span.end > since}
        self.listeners[key] = (target, copies)

    def unlisten(self, key: str, at: float) -> None:
        target, copies = self.listeners.pop(key, (None, {}))
        for copy in copies.values():
            target.cut(copy, at)

    def add(self, span) -> int:
        index = super().add(span)
        for target, copies in self.listeners.values():
            copies[index] = target.add(span)
        return index

    def cut(self, index: int, at: float) -> None:
        super().cut(index, at)
        for target, copies in self.listeners.values():
            if index in copies:
                target.cut(copies[index], at)

    def release(self, at: float) -> Track:
        for key in list(self.listeners):
            self.unlisten(key, at)
        return self.original


def heard(member: Member) -> bool:
    """Its voice leaves it: neither muted nor on hold."""
    return not (member.mute or member.hold)


def hears(member: Member) -> bool:
    return not member.hold


def in_mix(member: Member) -> bool:
    """Part of what the room hears: heard, and not whispering to its coached calls only."""
    return heard(member) and not member.coaching


def audible(speaker: Member, listener: Member) -> bool:
    """Does ``listener`` hear ``speaker``? (bxml-verbs.md §7.3 mute, hold, callIdsToCoach)"""
    if speaker is listener or not heard(speaker) or not hears(listener):
        return False
    return not speaker.coaching or listener.leg.call_id in speaker.coaching


class Mix:
    """The audio of one room. ``members`` arguments are the room's members in now, in join
    order; the mix keeps what outlives them (the room's track, when each voice was mixed)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.played = Track()  # everything the room played
        # the room's audio playing now, and each hearing member's copies of it (callId -> ...)
        self.playing: list = []
        self.copies: dict[str, list[tuple[Track, int]]] = {}
        # every member ever in, in join order -> [start, end] (end None while open): when the
        # room's mix (its recording) held its voice
        self.mixed: dict[Member, list[list]] = {}

    def join(self, member: Member, members: list[Member]) -> None:
        """``member`` is in (the last of ``members``): it is heard and hears from now on."""
        leg = member.leg
        if not isinstance(leg.remote, FanoutTrack):
            leg.remote = FanoutTrack(leg.remote)
        self.mixed[member] = []
        self.remix(members)

    def remix(self, members: list[Member]) -> None:
        """Bring who-hears-whom, the room audio copies and the room mix in line with the
        members' settings, from now on."""
        now = self.clock.now
        for speaker in members:
            track = speaker.leg.remote
            for listener in members:
                key, wanted = listener.leg.call_id, audible(speaker, listener)
                if wanted and key not in track.listeners:
                    track.listen(key, listener.leg.played, now)
                elif not wanted and key in track.listeners:
                    track.unlisten(key, now)
            self._mark_mixed(speaker, in_mix(speaker))
            self._hear_room(speaker, hears(speaker))

    def leave(self, member: Member, members: list[Member]) -> None:
        """``member`` leaves (still one of ``members``): nobody hears it, it hears nothing."""
        leg, now = member.leg, self.clock.now
        for other in members:
            if other is not member:
                other.leg.remote.unlisten(leg.call_id, now)
        self._mark_mixed(member, False)
        self._hear_room(member, False)
        if isinstance(leg.remote, FanoutTrack):
            leg.remote = leg.remote.release(now)

    def abandon(self, members: list[Member]) -> None:
        """The room ended where an internal error left it (``Room.abandon``): the mix holds
        nobody from now on; no track is touched."""
        for member in members:
            self._mark_mixed(member, False)

    def _mark_mixed(self, member: Member, mixed: bool) -> None:
        spans = self.mixed[member]
        is_open = bool(spans) and spans[-1][1] is None
        if mixed and not is_open:
            spans.append([self.clock.now, None])
        elif is_open and not mixed:
            spans[-1][1] = self.clock.now

    def _hear_room(self, member: Member, on: bool) -> None:
        """Start (the rest of) or stop the room audio playing now on the member's track."""
        key, now = member.leg.call_id, self.clock.now
        if on and key not in self.copies:
            track = member.leg.played
            self.copies[key] = [(track, track.add(clip_start(span, now)))
                                for span in self.playing if span.end > now]
        elif not on and key in self.copies:
            for track, index in self.copies.pop(key):
                track.cut(index, now)

    def play(self, spans, seconds: float, members: list[Member]):
        """Play into the room: on its track and to every member that hears (now, or from
        when it joins or comes off hold)."""
        own = [(self.played, self.played.add(span)) for span in spans]
        self.playing = list(spans)
        self.copies = {}
        for member in members:
            self._hear_room(member, hears(member))
        try:
            yield Sleep(seconds)
        except BaseException:  # the room ended: playback stops now
            for track, index in own + [c for copies in self.copies.values() for c in copies]:
                track.cut(index, self.clock.now)
            raise
        finally:
            self.playing, self.copies = [], {}

    def between(self, start: float, end: float) -> tuple[tuple, tuple]:
        """What a room recording of ``[start, end)`` holds: the voices the room heard, each
        clipped to when it heard them, and the room's own audio."""
        return self._voices(start, end), self.played.between(start, end)

    def _voices(self, start: float, end: float) -> tuple:
        spans = []
        for member, intervals in self.mixed.items():
            for since, until in intervals:
                until = end if until is None else until
                if min(end, until) <= max(start, since):
                    continue
                for span in member.leg.remote.between(max(start, since), min(end, until)):
                    span = clip_start(span, since)
                    spans.append(attrs.evolve(span, end=min(span.end, until)))
        return tuple(spans)
