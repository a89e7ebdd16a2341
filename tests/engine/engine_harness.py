"""A tiny in-test driver for the engine: canned replies by URL path, audio kept in memory.

Not the real runner (simulator.runner uses transports, the delivery policy and audio sinks):
this keeps the engine tests pure and fast, as the sans-I/O design intends.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import attrs
import numpy as np

from simulator.audio.synth import render
from simulator.engine.effects import (Attempt, Delivery, FetchAudio, FetchedAudio,
                                      RecordingDone, Webhook)
from simulator.engine.catalogue import CATALOGUE
from simulator.engine.simulation import Catalogue, Simulation
from simulator.scenario.model import CallSettings

BASE = "http://app.test"


@attrs.frozen
class Reply:
    body: str = ""
    status: int = 200
    delay: float = 0.0


@attrs.define
class Run:
    sim: Simulation
    audio: dict[str, np.ndarray]  # recordingId -> (frames, channels)
    requests: list[Webhook]

    @property
    def leg(self):
        return next(iter(self.sim.legs.values()))

    def events(self) -> list[str]:
        return [c["eventType"] for c in self.sim.callbacks]

    def callback(self, event_type: str, n: int = 0) -> dict:
        return [c for c in self.sim.callbacks if c["eventType"] == event_type][n]

    def kinds(self, kind: str):
        return [e for e in self.sim.timeline if e.kind == kind]

    @property
    def recordings(self):
        return self.sim.recordings_json()


def render_recording(effect: RecordingDone) -> np.ndarray:
    channels = []
    for spans in (effect.remote, effect.played):
        parts = [np.concatenate(list(render(spans, a, b))) if b > a else np.zeros(0, np.float32)
                 for a, b in effect.segments]
        channels.append(np.concatenate(parts) if parts else np.zeros(0, np.float32))
    if effect.channels == 1:
        return np.clip(channels[0] + channels[1], -1, 1)[:, None]
    return np.stack(channels, axis=1)


def run(routes: dict, caller=(), *, seed: int = 0, media=None, audio_files=None,
        catalogue: Catalogue = CATALOGUE, **call) -> Run:
    """Run a call whose webhooks are answered from ``routes`` (path -> body | Reply | callable);
    ``catalogue``: the verb flows (and starts) to run, the engine's own by default."""
    settings = CallSettings(**{"disconnect_url": "/disconnect", **call})
    sim = Simulation(call=settings, base_url=BASE, caller=tuple(caller), seed=seed,
                     media=media or {}, catalogue=catalogue)
    audio: dict[str, np.ndarray] = {}
    requests: list[Webhook] = []
    effect = sim.start()
    while effect is not None:
        if isinstance(effect, Webhook):
            requests.append(effect)
            answer = _deliver(effect, routes)
        elif isinstance(effect, FetchAudio):
            samples = (audio_files or {}).get(urlsplit(effect.url).path)
            answer = FetchedAudio(samples, None if samples is not None else "HTTP 404")
        elif isinstance(effect, RecordingDone):
            audio[effect.recording_id] = render_recording(effect)
            answer = f"recordings/{effect.recording_id}.{effect.file_format}"
        else:
            raise AssertionError(f"unexpected effect {effect!r}")
        effect = sim.send(answer)
    return Run(sim, audio, requests)


def _deliver(webhook: Webhook, routes: dict) -> Delivery:
    path = urlsplit(webhook.url).path
    reply = routes.get(path, Reply("", 200) if not webhook.sync else Reply("", 404))
    if callable(reply):
        reply = reply(webhook.payload)
    if isinstance(reply, str):
        reply = Reply(reply)
    ok = 200 <= reply.status < 300
    attempt = Attempt(url=webhook.url, method=webhook.method, attempt=1, fallback=False,
                      status=reply.status, body=reply.body, error=None if ok else f"HTTP {reply.status}",
                      started=0.0, elapsed=reply.delay)
    return Delivery(webhook=webhook, attempts=(attempt,), ok=ok, body=reply.body if ok else None,
                    url=webhook.url if ok else None, elapsed=reply.delay,
                    error=None if ok else f"HTTP {reply.status} from {webhook.method} {webhook.url}")
