"""<Conference> (bxml-verbs.md §7.3, callbacks.md §3.15): rooms, their events, BXML, recordings.

* A name with no live room creates one (new ``conferenceId``): ``conferenceCreated`` (sync),
  then ``conferenceMemberJoin`` (sync) for the member. Only the creating member's
  ``conferenceEventUrl`` (method, fallback, credentials, ``callbackTimeout``) counts; every
  event carries the creating call's tag (its tag when the room was created).
* A member stays until its call ends (or a REST redirect / PUT bxml moves it on); leaving
  sends ``conferenceMemberExit`` (sync), and the last member leaving ends the room: playback
  stops, a recording still running ends (``endReason: call-ended``), ``conferenceCompleted``
  (async). Ending the room by REST (:meth:`Room.complete`) ejects every member at once, in
  join order; each continues its BXML after ``<Conference>``.
* Replies to the sync events are conference BXML (context ``conference``: PlayAudio,
  SpeakSentence, Start/Stop/Pause/ResumeRecording). Documents are queued and run one at a
  time in arrival order; a document with another verb is refused whole, a failing verb is
  skipped, an empty reply does nothing (callbacks.md §1.6). The room survives all of these.
* Audio (who hears whom, the room's own audio, what its recordings hold) is
  engine/conference_mix.py: the room's ``Mix``, told when a member joins, leaves or changes
  ``mute``/``hold``/coaching (REST update member, :meth:`Room.update_member`).
* A room recording (conference StartRecording) is one channel. It ends with
  ``conferenceRecordingAvailable``; result.json lists it with the creating call's ``callId``
  (``Room.recordings`` tells a room's recordings apart: REST GET conference recordings).
* Every incarnation stays listed (:func:`rooms`) for the REST requests that name a conference
  (engine/rest_conference.py).
* Conference BXML runs verbs of its own (:data:`ROOM_FLOWS`: SpeakSentence, PlayAudio and the
  StartRecording family on the room), not the call verbs of engine/catalogue.py.
* A run stopped by an internal error ends its live rooms where they are (:meth:`Room.abandon`,
  engine/salvage.py): completed then, no member left, no event sent.
"""

from __future__ import annotations

import attrs

from simulator.bxml import nodes
from simulator.callbacks import ConferenceEnvelope
from simulator.engine.conference_mix import Mix
from simulator.engine.context import Context, Document, Outcome, read_bxml
from simulator.engine.effects import Delivery, RecordingDone
from simulator.engine.legs import Leg
from simulator.engine.process import Get, Mailbox, Signal, Wait
from simulator.engine.recorder import BackgroundRecorder, Recording
from simulator.engine.runtime import Key
from simulator.engine.signals import EndCall
from simulator.engine.simulation import Simulation
from simulator.engine.verbs.media import audio_spans, speech_spans
from simulator.errors import BxmlError


@attrs.define(eq=False)
class Rooms:
    """The conferences of one simulation: the live room of each name, and every incarnation."""

    live: dict[str, "Room"] = attrs.Factory(dict)
    every: list["Room"] = attrs.Factory(list)  # in creation order, ended ones included


ROOMS: Key[Rooms] = Key("conference.rooms")


def rooms(sim: Simulation) -> Rooms:
    """The conferences of ``sim`` (created on first use; ``sim`` holds them)."""
    return sim.extension(ROOMS, Rooms)


@attrs.define(eq=False)
class Member:
    """One call in a room; ``mute``/``hold``/``coaching`` are its settings now (what they
    mean for the audio: engine/conference_mix.py)."""

    leg: Leg
    joined_at: float
    released: Signal  # fired when the room ends under the member (REST status=completed)
    mute: bool = False
    hold: bool = False
    coaching: tuple[str, ...] = ()  # callIds this member coaches (callIdsToCoach)
    left_at: float | None = None


def coach_targets(text: str | None) -> tuple[str, ...]:
    """``callIdsToCoach="c-1, c-2"`` as a tuple of callIds."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


class Room:
    """One incarnation of a named conference."""

    def __init__(self, ctx: Context, node: nodes.Conference) -> None:
        self.sim, self.creator, self.node, self.base_url = ctx.sim, ctx.leg, node, ctx.base_url
        self.name = node.name.strip()
        self.envelope = ConferenceEnvelope(conference_id=self.sim.ids.conference_id(),
                                           name=self.name, tag=self.creator.tag,
                                           account_id=self.sim.account_id)
        # callbacks.md §1.5: the default is the creating call's timeout
        self.timeout = node.callback_timeout or self.sim.callback_timeout(self.creator)
        self.members: list[Member] = []
        self.attendance: list[Member] = []  # everyone who was ever in
        self.mix = Mix(self.sim.clock)
        self.recorder = BackgroundRecorder()
        self.recordings: list[Recording] = []  # every StartRecording of the room, in order
        self.documents = Mailbox(self.sim.clock)
        self.created_at = self.sim.now
        self.ended_at: float | None = None
        self.ended = False
        self.last_event_url: str | None = None  # base of PUT conference bxml (README #10)
        self.puts = 0  # REST PUT conference bxml requests so far (put_source)
        self.player = self.sim.spawn(self._play_documents(), f"conference {self.name}")
        self._event("conferenceCreated", self.sim.payloads.conference_created(
            self.envelope, at=self.sim.now), sync=True)

    # -- members -----------------------------------------------------------------------------

    def join(self, ctx: Context, node: nodes.Conference) -> Member:
        """The call of ``ctx`` joins, by its ``<Conference>`` ``node``."""
        leg = ctx.leg
        member = Member(leg, self.sim.now, Signal(self.sim.clock), mute=node.mute,
                        hold=node.hold)
        detail = {}
        targets = coach_targets(node.call_ids_to_coach)
        if targets:
            coach = self.coach()
            if coach is None:
                member.coaching = detail["callIdsToCoach"] = targets
            else:  # one coach per conference at a time: this one joins as a plain member
                detail["coachRefused"] = f"{coach.leg.call_id} already coaches in {self.name}"
        self.members.append(member)
        self.attendance.append(member)
        self.mix.join(member, self.members)
        self.sim.timeline.add(self.sim.now, leg.call_id, "conference-join", verb="Conference",
                              **ctx.position(node), conferenceId=self.envelope.conference_id,
                              name=self.name, **detail)
        self._event("conferenceMemberJoin", self.sim.payloads.conference_member_join(
            self.envelope, at=self.sim.now, member=self.sim.envelope(leg)), sync=True)
        return member

    def leave(self, member: Member) -> None:
        sim = self.sim
        member.left_at = sim.now
        self.mix.leave(member, self.members)
        self.members.remove(member)
        sim.timeline.add(sim.now, member.leg.call_id, "conference-exit", verb="Conference",
                         conferenceId=self.envelope.conference_id, name=self.name)
        self._event("conferenceMemberExit", sim.payloads.conference_member_exit(
            self.envelope, at=sim.now, member=sim.envelope(member.leg)), sync=True)
        if not self.members:
            self._end()

    def coach(self) -> Member | None:
        """The member coaching now (one per conference at a time), if any."""
        return next((m for m in self.members if m.coaching), None)

    def member(self, call_id: str) -> Member | None:
        return next((m for m in self.members if m.leg.call_id == call_id), None)

    def update_member(self, member: Member, *, mute: bool | None = None,
                      hold: bool | None = None, coaching: tuple[str, ...] | None = None) -> None:
        """Change a member's settings now (None: unchanged); the mix follows at once."""
        if mute is not None:
            member.mute = mute
        if hold is not None:
            member.hold = hold
        if coaching is not None:
            member.coaching = tuple(coaching)
        self.mix.remix(self.members)
        self.sim.timeline.add(self.sim.now, member.leg.call_id, "conference-member",
                              conferenceId=self.envelope.conference_id, name=self.name,
                              mute=member.mute, hold=member.hold,
                              callIdsToCoach=list(member.coaching))

    def complete(self) -> None:
        """End the room now (REST ``status=completed``): every member leaves, in join order
        (exit events, then completed), and is released to its BXML after ``<Conference>``."""
        for member in list(self.members):
            self.leave(member)
            member.released.fire()

    def _end(self) -> None:
        sim = self.sim
        self.ended = True
        self.ended_at = sim.now
        self.player.kill()
        recording = self.recorder.stop(sim.now, "call-ended")
        if recording is not None:
            self._recording_stopped(recording)
        live = rooms(sim).live
        if live.get(self.name) is self:
            del live[self.name]
        self._event("conferenceCompleted", sim.payloads.conference_completed(
            self.envelope, at=sim.now), sync=False)

    def abandon(self) -> None:
        """End the room now where an internal error left it (engine/salvage.py): its members
        are gone (their calls end there), no event is sent and no flow runs, not even the
        player's ``finally`` blocks. A room recording still running is salvage's to finalise."""
        sim = self.sim
        for member in self.members:
            member.left_at = sim.now
        self.mix.abandon(self.members)
        self.members = []
        self.ended, self.ended_at = True, sim.now
        live = rooms(sim).live
        if live.get(self.name) is self:
            del live[self.name]

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

    def redirect(self, update) -> None:
        """REST update conference ``status=active``: ``conferenceRedirect`` (sync) to the
        update's ``redirect_url`` (its credentials, fallback); its BXML is queued here."""
        sim = self.sim
        payload = sim.payloads.conference_redirect(self.envelope, at=sim.now)
        webhook = sim.webhook(self.creator, payload, url=update.redirect_url, base=sim.base_url,
                              method=update.redirect_method, node=update,
                              fallback_url=update.redirect_fallback_url,
                              fallback_method=update.redirect_fallback_method, sync=True,
                              timeout=self.timeout)
        sim.post(webhook, self._reply("conferenceRedirect"))

    def put_source(self) -> str:
        """The ``document`` of the next REST PUT conference bxml of this room:
        ``PUT /conferences/<conferenceId>/bxml#<n>`` for the n-th (refused ones counted)."""
        self.puts += 1
        return f"PUT /conferences/{self.envelope.conference_id}/bxml#{self.puts}"

    def queue_bxml(self, response: nodes.Response, source: str) -> None:
        """REST PUT conference bxml (``source``: its :meth:`put_source`): queued like an
        event's reply; relative URLs resolve against the room's latest event URL (else the
        creating document's)."""
        self._queue(Document(response, self.last_event_url or self.base_url, source))

    def _reply(self, kind: str):
        def arrived(delivery: Delivery) -> None:
            if delivery.ok:
                self.last_event_url = delivery.url
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
        try:
            response = read_bxml(self.sim, self.creator.call_id, delivery.body,
                                 source=delivery.url or kind, context="conference",
                                 document=delivery.url)
        except BxmlError as error:  # refused whole (bxml-verbs.md §7.3)
            self.sim.timeline.add(self.sim.now, self.creator.call_id, "error",
                                  cause="invalid-bxml", conference=self.name,
                                  message=f"{kind} reply refused: {error}")
            return None
        return Document(response, delivery.url, delivery.url)

    def _play_documents(self):
        """The room's BXML queue: one document at a time, a failing verb is skipped."""
        while True:
            document = yield Get(self.documents)
            ctx = Context.of(self.sim, self.creator, document)
            for verb in document.response.verbs:
                name = type(verb).__name__
                self.sim.timeline.add(self.sim.now, self.creator.call_id, "verb-start",
                                      verb=name, **ctx.position(verb), conference=self.name)
                try:
                    reason = yield from self._run(ctx, verb)
                except EndCall as failure:
                    reason = failure.cause
                self.sim.timeline.add(self.sim.now, self.creator.call_id, "verb-end",
                                      verb=name, **ctx.position(verb), conference=self.name,
                                      reason=reason)

    def _run(self, ctx: Context, verb: nodes.Node):
        """Run one conference verb; returns ``completed`` or ``ignored`` (a documented no-op)."""
        done = yield from ROOM_FLOWS[type(verb)](self, ctx, verb)
        return "completed" if done else "ignored"

    def _speak(self, ctx: Context, verb: nodes.SpeakSentence):
        spans, seconds = yield from speech_spans(ctx, verb)
        yield from self.mix.play(spans, seconds, self.members)
        return True

    def _play_audio(self, ctx: Context, verb: nodes.PlayAudio):
        spans, seconds = yield from audio_spans(ctx, verb)
        yield from self.mix.play(spans, seconds, self.members)
        return True

    def _start_recording(self, ctx: Context, verb: nodes.StartRecording):
        sim = self.sim
        if self.recorder.current is not None:  # a second one is ignored (README #12)
            return False
        rec = sim.new_recording(self.creator, verb="StartRecording", node=verb,
                                base=ctx.base_url, channels=1, where=ctx.position(verb))
        self.recorder.start(rec, sim.now)
        self.recordings.append(rec)
        return True
        yield  # pragma: no cover

    def _pause_recording(self, ctx: Context, verb: nodes.PauseRecording):
        return self.recorder.pause(self.sim.now)
        yield  # pragma: no cover

    def _resume_recording(self, ctx: Context, verb: nodes.ResumeRecording):
        return self.recorder.resume(self.sim.now)
        yield  # pragma: no cover

    def _stop_recording(self, ctx: Context, verb: nodes.StopRecording):
        recording = self.recorder.stop(self.sim.now, "stop-recording")
        if recording is not None:
            self._recording_stopped(recording)
        return recording is not None
        yield  # pragma: no cover

    # -- recordings --------------------------------------------------------------------------

    def _recording_stopped(self, rec: Recording) -> None:
        sim = self.sim
        sim.timeline.add(sim.now, self.creator.call_id, "recording-stop", verb=rec.verb,
                         recordingId=rec.recording_id, endReason=rec.end_reason,
                         duration=rec.duration, conference=self.name)
        delay, _ = sim.processing_delays()
        sim.after_processing(delay, lambda: self._process(rec))

    def recording_done(self, rec: Recording) -> RecordingDone:
        """The effect that renders a finished room recording: one channel, what the room
        heard (its members' voices, its own audio)."""
        segments = tuple(rec.segments)
        first = segments[0][0] if segments else rec.start_at
        last = segments[-1][1] if segments else rec.start_at
        remote, played = self.mix.between(first, last)
        return RecordingDone(recording_id=rec.recording_id, call_id=rec.call_id,
                             file_format=rec.file_format, channels=1, segments=segments,
                             remote=remote, played=played)

    def _process(self, rec: Recording) -> None:
        sim = self.sim

        def written(path: str) -> None:
            rec.file = path

        sim.post(self.recording_done(rec), written)
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
    """Join (creating if needed) the named room; stay until the call ends, the call is moved
    on (REST), or the room is ended by REST (then the verbs after <Conference> run)."""
    known = rooms(ctx.sim)
    room = known.live.get(node.name.strip())
    if room is None:
        room = known.live[node.name.strip()] = Room(ctx, node)
        known.every.append(room)
    member = room.join(ctx, node)
    try:
        yield Wait(member.released)
    finally:
        if member.left_at is None:
            room.leave(member)
    return Outcome(reason="conference-completed")


#: The verbs conference BXML may hold (bxml/nodes.py CONTEXTS["conference"]) and what each
#: does to the room: ``flow(room, ctx, node)`` returns whether it took effect.
ROOM_FLOWS = {
    nodes.SpeakSentence: Room._speak,
    nodes.PlayAudio: Room._play_audio,
    nodes.StartRecording: Room._start_recording,
    nodes.PauseRecording: Room._pause_recording,
    nodes.ResumeRecording: Room._resume_recording,
    nodes.StopRecording: Room._stop_recording,
}

FLOWS = {nodes.Conference: conference}
