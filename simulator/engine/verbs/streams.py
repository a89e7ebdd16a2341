"""StartStream/StopStream and StartTranscription/StopTranscription (spec §8, callbacks §3.18-19).

No audio leaves the simulator: a stream or real-time transcription is a lifecycle with its
events. Rules:

* names are unique per call (a name defaults to the generated id); reusing the name of an
  active one is rejected with cause ``duplicate`` (the original is reported);
* at most 4 concurrent tracks per call across streams and transcriptions (``both`` = 2);
  over the limit -> rejected with cause ``track-limit``;
* StopStream/StopTranscription of an unknown name do nothing; StopTranscription without a name
  stops every real-time transcription; the end of the call stops everything (cause ``closed``);
* streams: mediaStreamStarted/Rejected/Stopped go to ``streamEventUrl`` when set;
* transcriptions: Started/Rejected/Stopped when both ``destination`` and
  ``transcriptionEventUrl`` are set, realTimeTranscriptionAvailable after the end whenever
  ``transcriptionEventUrl`` is set.

A leg's active streams and transcriptions are its :class:`LegStreams` (per-leg state held on
the leg's runtime); the first use registers the end-of-call stop on the leg.
"""

from __future__ import annotations

import attrs

from simulator.bxml import nodes
from simulator.callbacks import MediaStream, RealTimeTranscription
from simulator.engine.context import Context, Outcome
from simulator.engine.legs import Leg
from simulator.engine.recorder import spoken_text
from simulator.engine.runtime import Key
from simulator.engine.simulation import Simulation

MAX_TRACKS = 4


@attrs.define(eq=False)
class Active:
    """An active stream or transcription with the verb that started it."""

    record: MediaStream | RealTimeTranscription
    node: nodes.Node
    base_url: str | None


@attrs.frozen
class Transcribed:
    """A real-time transcription that has stopped: what it was and when it stopped (the Voice
    API's GET /calls/{id}/transcriptions reads these)."""

    record: RealTimeTranscription
    end: float


@attrs.define(eq=False)
class LegStreams:
    """The streams and real-time transcriptions active on one leg, by name; the
    transcriptions that stopped, in order."""

    streams: dict[str, Active] = attrs.Factory(dict)
    transcriptions: dict[str, Active] = attrs.Factory(dict)
    transcribed: list[Transcribed] = attrs.Factory(list)

    def tracks_in_use(self) -> int:
        return sum(len(a.record.tracks)
                   for a in (*self.streams.values(), *self.transcriptions.values()))


#: The leg's LegStreams, on its runtime.
STREAMS: Key[LegStreams] = Key("streams")


def leg_streams(sim: Simulation, leg: Leg) -> LegStreams:
    """The leg's :class:`LegStreams`; made on first use, with the hook that stops them all when
    the leg ends."""
    rt = sim.rt(leg)

    def create() -> LegStreams:
        active = LegStreams()
        rt.on_end(lambda reason: stop_all_streams(sim, leg, active))
        return active

    return rt.extension(STREAMS, create)


def _tracks(value: str) -> tuple[str, ...]:
    return ("inbound", "outbound") if value == "both" else (value,)


def _rejection(legs: LegStreams, active: dict[str, Active],
               record: MediaStream | RealTimeTranscription) -> tuple[Active | None, str | None]:
    """Why a new stream/transcription ``record`` is refused, with the same-name one it clashes
    with: "duplicate" (that name is active in ``active``), else "track-limit" (the call would
    carry more than MAX_TRACKS tracks), else no cause."""
    original = active.get(record.name)
    cause = "duplicate" if original else (
        "track-limit" if legs.tracks_in_use() + len(record.tracks) > MAX_TRACKS else None)
    return original, cause


def _send(sim: Simulation, leg: Leg, payload: dict, node: nodes.Node, base: str | None,
          url: str, method: str) -> None:
    sim.post(sim.webhook(leg, payload, url=url, base=base, method=method, node=node,
                         sync=False))


def start_stream(ctx: Context, node: nodes.StartStream):
    sim, leg = ctx.sim, ctx.leg
    legs = leg_streams(sim, leg)
    stream_id = sim.ids.stream_id()
    stream = MediaStream(id=stream_id, destination=node.destination,
                         tracks=_tracks(node.tracks), start=ctx.now, name=node.name or stream_id)
    env = sim.envelope(leg)
    original, cause = _rejection(legs, legs.streams, stream)
    url, method = node.stream_event_url, node.stream_event_method
    if cause:
        if url:
            payload = sim.payloads.media_stream_rejected(
                env, at=ctx.now, stream=stream, cause=cause,
                original=original.record if original else None)
            _send(sim, leg, payload, node, ctx.base_url, url, method)
        return Outcome("rejected", None, {"name": stream.name, "cause": cause})
    legs.streams[stream.name] = Active(stream, node, ctx.base_url)
    sim.timeline.add(ctx.now, leg.call_id, "stream-start", verb="StartStream",
                     **ctx.position(node), name=stream.name)
    if url:
        _send(sim, leg, sim.payloads.media_stream_started(env, at=ctx.now, stream=stream), node,
              ctx.base_url, url, method)
    return Outcome("completed", None, {"name": stream.name})
    yield  # pragma: no cover


def _stop_stream(sim: Simulation, leg: Leg, active: Active) -> None:
    stream, node = active.record, active.node
    sim.timeline.add(sim.now, leg.call_id, "stream-stop", name=stream.name)
    if node.stream_event_url:
        payload = sim.payloads.media_stream_stopped(sim.envelope(leg), at=sim.now, stream=stream)
        _send(sim, leg, payload, node, active.base_url, node.stream_event_url,
              node.stream_event_method)


def stop_stream(ctx: Context, node: nodes.StopStream):
    active = leg_streams(ctx.sim, ctx.leg).streams.pop(node.name, None)
    if active is None:
        return Outcome("ignored")
    _stop_stream(ctx.sim, ctx.leg, active)
    return Outcome("completed", None, {"name": node.name})
    yield  # pragma: no cover


def start_transcription(ctx: Context, node: nodes.StartTranscription):
    sim, leg = ctx.sim, ctx.leg
    legs = leg_streams(sim, leg)
    rtt_id = sim.ids.realtime_transcription_id()
    rtt = RealTimeTranscription(
        id=rtt_id, tracks=_tracks(node.tracks), start=ctx.now, name=node.name or rtt_id,
        destination=node.destination, stabilized=node.stabilized if node.destination else None)
    env = sim.envelope(leg)
    original, cause = _rejection(legs, legs.transcriptions, rtt)
    url, method = node.transcription_event_url, node.transcription_event_method
    lifecycle = bool(url and node.destination)
    if cause:
        if lifecycle:
            payload = sim.payloads.real_time_transcription_rejected(
                env, at=ctx.now, transcription=rtt, cause=cause,
                original=original.record if original else None)
            _send(sim, leg, payload, node, ctx.base_url, url, method)
        return Outcome("rejected", None, {"name": rtt.name, "cause": cause})
    legs.transcriptions[rtt.name] = Active(rtt, node, ctx.base_url)
    sim.timeline.add(ctx.now, leg.call_id, "transcription-start", verb="StartTranscription",
                     **ctx.position(node), name=rtt.name)
    if lifecycle:
        _send(sim, leg, sim.payloads.real_time_transcription_started(
            env, at=ctx.now, transcription=rtt), node, ctx.base_url, url, method)
    return Outcome("completed", None, {"name": rtt.name})
    yield  # pragma: no cover


def _stop_transcription(sim: Simulation, leg: Leg, active: Active) -> None:
    rtt, node = active.record, active.node
    leg_streams(sim, leg).transcribed.append(Transcribed(rtt, sim.now))
    sim.timeline.add(sim.now, leg.call_id, "transcription-stop", name=rtt.name)
    url, method = node.transcription_event_url, node.transcription_event_method
    if not url:
        return
    env = sim.envelope(leg)
    if node.destination:
        _send(sim, leg, sim.payloads.real_time_transcription_stopped(
            env, at=sim.now, transcription=rtt), node, active.base_url, url, method)
    _send(sim, leg, sim.payloads.real_time_transcription_available(
        env, at=sim.now, transcription=rtt), node, active.base_url, url, method)


def stop_transcription(ctx: Context, node: nodes.StopTranscription):
    active = leg_streams(ctx.sim, ctx.leg).transcriptions
    names = list(active) if node.name is None else ([node.name] if node.name in active else [])
    for name in names:
        _stop_transcription(ctx.sim, ctx.leg, active.pop(name))
    return Outcome("completed" if names else "ignored", None, {"names": names})
    yield  # pragma: no cover


def transcribed(sim: Simulation, leg: Leg) -> list[Transcribed]:
    """The leg's real-time transcriptions that have stopped, oldest first."""
    found = sim.rt(leg).existing(STREAMS)
    return list(found.transcribed) if found is not None else []


def transcripts(leg: Leg, done: Transcribed) -> list[tuple[str, str]]:
    """(track, text) of each track of a stopped transcription: the far end's words on
    ``inbound``, what was played to it (SpeakSentence) on ``outbound``, from its start to its
    stop (the words recognised exactly: the speech is simulated)."""
    window = [(done.record.start, done.end)]
    tracks = {"inbound": leg.remote, "outbound": leg.played}
    return [(track, spoken_text(tracks[track].between(*window[0]), window))
            for track in done.record.tracks]


def stop_all_streams(sim: Simulation, leg: Leg, active: LegStreams) -> None:
    """End of call: every stream and real-time transcription stops (cause ``closed``)."""
    for name in list(active.streams):
        _stop_stream(sim, leg, active.streams.pop(name))
    for name in list(active.transcriptions):
        _stop_transcription(sim, leg, active.transcriptions.pop(name))


FLOWS = {
    nodes.StartStream: start_stream,
    nodes.StopStream: stop_stream,
    nodes.StartTranscription: start_transcription,
    nodes.StopTranscription: stop_transcription,
}
