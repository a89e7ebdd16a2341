"""<Conference> (bxml-verbs.md §7.3, callbacks.md §3.15): rooms, their events, BXML, recordings.

* A name with no live room creates one (new ``conferenceId``): ``conferenceCreated`` (sync),
  then ``conferenceMemberJoin`` (sync) for the member. Only the creating member's
  ``conferenceEventUrl`` (method, fallback, credentials, ``callbackTimeout``) counts; every
  event carries the creating call's tag (its tag when the room was created).
* A member stays until its call ends; leaving sends ``conferenceMemberExit`` (sync), and the
  last member leaving ends the room: playback stops, a recording still running ends
  (``endReason: call-ended``), ``conferenceCompleted`` (async).
* Replies to the sync events are conference BXML (context ``conference``: PlayAudio,
  SpeakSentence, Start/Stop/Pause/ResumeRecording). Documents are queued and run one at a
  time in arrival order; a document with another verb is refused whole, a failing verb is
  skipped, an empty reply does nothing (callbacks.md §1.6). The room survives all of these.
* Audio: what the room plays is heard by every member not on ``hold`` (it lands on their
  ``played`` track, so their own call recordings hold it). Members hear each other: each member
  not on hold hears the sum of the other members that are neither muted nor on hold, from the
  later of their two joins until either leaves (:class:`FanoutTrack`). A room recording is one channel:
  members that are neither muted nor on hold (while they were members), plus the room's audio.
  It ends with ``conferenceRecordingAvailable``; result.json lists it with the creating call's
  ``callId``.
"""

from __future__ import annotations

import weakref

import attrs

from simulator.bxml import nodes
from simulator.callbacks import ConferenceEnvelope
from simulator.engine.clock import LATE
from simulator.engine.connect import clip_start, never, refuse_on_b_leg
from simulator.engine.documents import Context, Document, read_bxml
from simulator.engine.effects import Delivery, RecordingDone
from simulator.engine.legs import Leg, Track
from simulator.engine.process import Get, Mailbox, Sleep
from simulator.engine.recorder import BackgroundRecorder, Recording
from simulator.engine.simulation import EndCall, Simulation
from simulator.engine.verbs import audio_spans, register, speech_spans

#: live rooms of each simulation, by name
_ROOMS: weakref.WeakKeyDictionary[Simulation, dict[str, "Room"]] = weakref.WeakKeyDictionary()


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


@attrs.define(eq=False)
class Member:
    leg: Leg
    joined_at: float
    heard: bool  # neither muted nor on hold: its voice reaches the room
    hears: bool  # not on hold
    left_at: float | None = None


class Room:
    """One incarnation of a named conference."""

    def __init__(self, ctx: Context, node: nodes.Conference) -> None:
        self.sim, self.creator, self.node, self.base_url = ctx.sim, ctx.leg, node, ctx.base_url
        self.name = node.name.strip()
        self.envelope = ConferenceEnvelope(conference_id=self.sim.ids.conference_id(),
                                           name=self.name, tag=self.creator.tag,
                                           account_id=self.sim.account_id)
        self.timeout = node.callback_timeout or self.sim.settings.callback_timeout
        self.members: list[Member] = []
        self.attendance: list[Member] = []  # everyone who was ever in, for recordings
        self.played = Track()
        self.recorder = BackgroundRecorder()
        self.documents = Mailbox(self.sim.clock)
        self.ended = False
        self.player = self.sim.spawn(self._play_documents(), f"conference {self.name}")
        self._event("conferenceCreated", self.sim.payloads.conference_created(
            self.envelope, at=self.sim.now), sync=True)

    # -- members -----------------------------------------------------------------------------

    def join(self, leg: Leg, node: nodes.Conference) -> Member:
        member = Member(leg, self.sim.now, heard=not (node.mute or node.hold), hears=not node.hold)
        self._mix_in(member)
        self.members.append(member)
        self.attendance.append(member)
        self.sim.timeline.add(self.sim.now, leg.call_id, "conference-join", verb="Conference",
                              line=node.line or None, conferenceId=self.envelope.conference_id,
                              name=self.name)
        self._event("conferenceMemberJoin", self.sim.payloads.conference_member_join(
            self.envelope, at=self.sim.now, member=self.sim.envelope(leg)), sync=True)
        return member

    def leave(self, member: Member) -> None:
        sim = self.sim
        member.left_at = sim.now
        self.members.remove(member)
        self._mix_out(member)
        sim.timeline.add(sim.now, member.leg.call_id, "conference-exit", verb="Conference",
                         conferenceId=self.envelope.conference_id, name=self.name)
        self._event("conferenceMemberExit", sim.payloads.conference_member_exit(
            self.envelope, at=sim.now, member=sim.envelope(member.leg)), sync=True)
        if not self.members:
            self._end()

    def _mix_in(self, member: Member) -> None:
        """The new member and the members already in start hearing each other, now."""
        leg, now = member.leg, self.sim.now
        if not isinstance(leg.remote, FanoutTrack):
            leg.remote = FanoutTrack(leg.remote)
        for other in self.members:
            if member.heard and other.hears:
                leg.remote.listen(other.leg.call_id, other.leg.played, now)
            if other.heard and member.hears:
                other.leg.remote.listen(leg.call_id, leg.played, now)

    def _mix_out(self, member: Member) -> None:
        leg, now = member.leg, self.sim.now
        for other in self.members:
            if isinstance(other.leg.remote, FanoutTrack):
                other.leg.remote.unlisten(leg.call_id, now)
        if isinstance(leg.remote, FanoutTrack):
            leg.remote = leg.remote.release(now)

    def _end(self) -> None:
        sim = self.sim
        self.ended = True
        self.player.kill()
        recording = self.recorder.stop(sim.now, "call-ended")
        if recording is not None:
            self._recording_stopped(recording)
        _ROOMS[sim].pop(self.name, None)
        self._event("conferenceCompleted", sim.payloads.conference_completed(
            self.envelope, at=sim.now), sync=False)

    # -- events and their BXML ---------------------------------------------------------------

    def _event(self, kind: str, payload: dict, *, sync: bool) -> None:
        node = self.node
        if not node.conference_event_url:
            return
        webhook = self.sim.webhook(
            self.creator, payload, url=node.conference_event_url, base=self.base_url,
            method=node.conference_event_method, node=node,
            fallback_url=node.conference_event_fallback_url,
            fallback_method=node.conference_event_fallback_method, sync=sync,
            timeout=self.timeout)
        self.sim.post(webhook, self._reply(kind) if sync else None)

    def _reply(self, kind: str):
        def arrived(delivery: Delivery) -> None:
            if self.ended or not delivery.ok or not (delivery.body or "").strip():
                return  # undeliverable or empty: nothing to run; the room carries on
            document = self._parse(kind, delivery)
            if document is not None:
                self.sim.clock.call_later(delivery.elapsed, lambda: self._queue(document))
        return arrived

    def _queue(self, document: Document) -> None:
        if not self.ended:
            self.documents.put(document)

    def _parse(self, kind: str, delivery: Delivery) -> Document | None:
        from simulator.errors import BxmlError

        try:
            response = read_bxml(self.sim, self.creator.call_id, delivery.body,
                                 source=delivery.url or kind, context="conference")
        except BxmlError as error:  # refused whole (bxml-verbs.md §7.3)
            self.sim.timeline.add(self.sim.now, self.creator.call_id, "error",
                                  cause="invalid-bxml", conference=self.name,
                                  message=f"{kind} reply refused: {error}")
            return None
        return Document(response, delivery.url)

    def _play_documents(self):
        """The room's BXML queue: one document at a time, a failing verb is skipped."""
        while True:
            document = yield Get(self.documents)
            ctx = Context(self.sim, self.creator, document.base_url)
            for verb in document.response.verbs:
                name = type(verb).__name__
                self.sim.timeline.add(self.sim.now, self.creator.call_id, "verb-start",
                                      verb=name, line=verb.line or None, conference=self.name)
                try:
                    reason = yield from self._run(ctx, verb)
                except EndCall as failure:
                    reason = failure.cause
                self.sim.timeline.add(self.sim.now, self.creator.call_id, "verb-end",
                                      verb=name, line=verb.line or None, conference=self.name,
                                      reason=reason)

    def _run(self, ctx: Context, verb: nodes.Node):
        """Run one conference verb; returns ``completed`` or ``ignored`` (a documented no-op)."""
        sim, done = self.sim, True
        if isinstance(verb, nodes.SpeakSentence):
            spans, seconds = yield from speech_spans(ctx, verb)
            yield from self._play(spans, seconds)
        elif isinstance(verb, nodes.PlayAudio):
            spans, seconds = yield from audio_spans(ctx, verb)
            yield from self._play(spans, seconds)
        elif isinstance(verb, nodes.StartRecording):
            done = self.recorder.current is None  # a second one is ignored (README #12)
            if done:
                rec = sim.new_recording(self.creator, verb="StartRecording", node=verb,
                                        base=ctx.base_url, channels=1)
                self.recorder.start(rec, sim.now)
        elif isinstance(verb, nodes.PauseRecording):
            done = self.recorder.pause(sim.now)
        elif isinstance(verb, nodes.ResumeRecording):
            done = self.recorder.resume(sim.now)
        elif isinstance(verb, nodes.StopRecording):
            recording = self.recorder.stop(sim.now, "stop-recording")
            done = recording is not None
            if done:
                self._recording_stopped(recording)
        return "completed" if done else "ignored"

    def _play(self, spans, seconds: float):
        """Play into the room: on its track and to every member that hears."""
        tracks = [self.played] + [m.leg.played for m in self.members if m.hears]
        added = [(track, track.add(span)) for track in tracks for span in spans]
        try:
            yield Sleep(seconds)
        except BaseException:  # the room ended: playback stops now
            for track, index in added:
                track.cut(index, self.sim.now)
            raise

    # -- recordings --------------------------------------------------------------------------

    def _recording_stopped(self, rec: Recording) -> None:
        sim = self.sim
        sim.timeline.add(sim.now, self.creator.call_id, "recording-stop", verb=rec.verb,
                         recordingId=rec.recording_id, endReason=rec.end_reason,
                         duration=rec.duration, conference=self.name)
        sim.clock.call_at(sim.now, lambda: self._process(rec), LATE)

    def _voices(self, start: float, end: float) -> tuple:
        """Spans of the members the room heard, each clipped to its membership."""
        spans = []
        for member in self.attendance:
            if not member.heard:
                continue
            left = member.left_at if member.left_at is not None else end
            for span in member.leg.remote.between(max(start, member.joined_at), min(end, left)):
                span = clip_start(span, member.joined_at)
                spans.append(attrs.evolve(span, end=min(span.end, left)))
        return tuple(spans)

    def _process(self, rec: Recording) -> None:
        sim = self.sim
        segments = tuple(rec.segments)
        first = segments[0][0] if segments else rec.start_at
        last = segments[-1][1] if segments else rec.start_at

        def written(path: str) -> None:
            rec.file = path

        sim.post(RecordingDone(recording_id=rec.recording_id, call_id=rec.call_id,
                               file_format=rec.file_format, channels=1, segments=segments,
                               remote=self._voices(first, last),
                               played=self.played.between(first, last)), written)
        node = rec.node
        if node.recording_available_url:
            payload = sim.payloads.conference_recording_available(
                self.envelope, at=sim.now, recording_id=rec.recording_id, start=rec.start_at,
                end=rec.end_at, duration=rec.duration, file_format=rec.file_format)
            webhook = sim.webhook(self.creator, payload, url=node.recording_available_url,
                                  base=rec.base_url, method=node.recording_available_method,
                                  node=node, sync=False, timeout=self.timeout)
            sim.post(webhook)


def conference(ctx: Context, node: nodes.Conference):
    """Join (creating if needed) the named room; stay until the call ends."""
    refuse_on_b_leg(ctx, node)
    rooms = _ROOMS.setdefault(ctx.sim, {})
    room = rooms.get(node.name.strip())
    if room is None:
        room = rooms[node.name.strip()] = Room(ctx, node)
    member = room.join(ctx.leg, node)
    try:
        yield never(ctx.sim)
    finally:
        room.leave(member)


register(nodes.Conference, conference)
