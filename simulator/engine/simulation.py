"""The simulation kernel: clock, legs, seeded RNG, timeline, and the runner protocol. No I/O.

Runner protocol (sans-I/O, like h11)::

    sim = Simulation(call=..., base_url=..., catalogue=CATALOGUE, caller=steps, seed=0,
                     media={path: samples})
    effect = sim.start()
    while effect is not None:
        effect = sim.send(answer_to(effect))   # Webhook -> Delivery, FetchAudio -> FetchedAudio,
                                                # RecordingDone -> relative file path (str)
    sim.calls_json(), sim.callbacks, sim.recordings, sim.timeline

The engine hands out one effect at a time and never advances virtual time while an effect is
outstanding, so the runner may take as long as it likes. Sync webhooks block the verb flow that
sent them (it resumes after ``Delivery.elapsed`` virtual seconds); async webhooks, audio fetches
and finished recordings are answered the same way but block nothing.

The kernel imports none of the modules built on it (the document interpreter, the verbs, REST):
what a run executes comes in as a :class:`Catalogue` (engine/catalogue.py composes the full
one; a test may pass a smaller one), like SimPy's Environment, which knows no process.
"""

from __future__ import annotations

import functools
import random
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urljoin

import attrs
import numpy as np

from simulator.audio.synth import SpeechCache
from simulator.bxml import nodes
from simulator.callbacks import (ACCOUNT_ID, APPLICATION_ID, CallEnvelope, IdFactory, Payloads,
                                 query_params)
from simulator.engine.caller import caller_flow, unmet_wait_for
from simulator.engine.clock import LATE, URGENT, Clock
from simulator.engine.effects import Auth, Delivery, RecordingDone, Webhook
from simulator.engine.legs import Leg, LegInput, LegState
from simulator.engine.process import Flow, Process, Signal
from simulator.engine.recorder import Recording, spoken_text, transcription_status
from simulator.engine.runtime import Key, LegRuntime
from simulator.engine.signals import CallerHangup, CallTimeout, EngineBug
from simulator.scenario import model
from simulator.timeline import Entry, Timeline, ms

T = TypeVar("T")

#: urljoin memoised: a pure function of two strings, asked for the same few URLs at every verb
#: of a run (and by every run of a suite).
_joined = functools.lru_cache(maxsize=4096)(urljoin)

#: What a leg gives its (A-leg) envelope: CallEnvelope field -> Leg attribute. The one list
#: ``Simulation.envelope`` builds an envelope of and reuses a made one by.
_ENVELOPE_OF_LEG = {"call_id": "call_id", "from_": "from_", "to": "to",
                    "direction": "direction", "start_time": "start_at",
                    "answer_time": "answer_at", "tag": "tag",
                    "parent_call_id": "parent_call_id"}


@functools.lru_cache(maxsize=None)
def _never_has(cls: type, name: str) -> bool:
    """Whether no instance of ``cls`` has ``name``: an attrs class without such a field or
    class attribute (a BXML node's failed lookup goes through ``Node.__getattr__`` and an
    AttributeError: a few microseconds, at every verb)."""
    return attrs.has(cls) and name not in attrs.fields_dict(cls) and not hasattr(cls, name)


def attribute(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)``, without the failed lookup for the classes that have
    no such attribute."""
    return None if _never_has(type(obj), name) else getattr(obj, name, None)


#: A verb's flow: ``flow(ctx, node)`` -> a generator (engine/context.py: Context; process.py:
#: what it may yield), returning an Outcome or None.
VerbFlow = Callable[[Any, Any], Flow]


@attrs.frozen
class Catalogue:
    """What a simulation runs, composed outside the kernel (engine/catalogue.py).

    ``flows``: the flow of each verb, by node class; a verb without one is "not simulated"
    (the call ends with application-error). ``starts``: what runs, in order, when the
    simulation starts (the scenario's call; the app's REST schedule)."""

    flows: Mapping[type[nodes.Node], VerbFlow]
    starts: tuple[Callable[["Simulation"], None], ...] = ()

    def flow_for(self, node: nodes.Node) -> VerbFlow | None:
        return self.flows.get(type(node))


class Simulation:
    """One simulated run: every leg, every webhook, every recording."""

    def __init__(self, *, call: model.CallSettings, base_url: str, catalogue: Catalogue,
                 caller: tuple[model.Step, ...] = (), seed: int = 0,
                 epoch: str = "2026-01-01T00:00:00.000Z",
                 media: Mapping[Path, np.ndarray] | None = None,
                 parties: Mapping[str, model.Party] | None = None,
                 calls: Mapping[str, model.CreatedCall] | None = None,
                 rest: tuple[model.RestAction, ...] = (), ring: model.CreatedCall | None = None,
                 account_id: str = ACCOUNT_ID, application_id: str = APPLICATION_ID,
                 tts: str = "model", processing: model.RecordingProcessing | None = None) -> None:
        self.settings = call
        # how long a finished recording takes to process (its recording_available and
        # transcription_delay); None: at the recording's end
        self.processing = processing
        self.catalogue = catalogue
        # "model": SpeakSentence/say audio from the deterministic speech model (audio/synth);
        # "espeak": real TTS the runner synthesises (SynthesizeSpeech effects, audio/tts.py)
        self.tts = tts
        self.account_id, self.application_id = account_id, application_id  # in every payload
        # An outbound main call placed by REST createCall (the Voice API emulator): it rings
        # per ``ring.status``/``answer_after``/``call_timeout`` before
        # its answer webhook; None: answered at once, as scenarios have always had it.
        self.ring = ring
        self.base_url = base_url
        self.caller_steps = tuple(caller)
        self.seed = seed
        self.media = dict(media or {})
        self.parties = dict(parties or {})
        self.clock = Clock()
        self.timeline = Timeline()
        self.rng = random.Random(seed)
        self.audio_rng = random.Random(f"{seed}:audio")  # speech seeds; independent of ids
        self.ids = IdFactory(self.rng)
        self.payloads = Payloads(epoch, ids=self.ids)
        self.legs: dict[str, Leg] = {}
        self.runtime: dict[str, LegRuntime] = {}
        self.recordings: list[Recording] = []
        # speech synthesised once per run: detection renders it, then the recording file
        self.speech = SpeechCache()
        self.callbacks: list[dict[str, Any]] = []
        self._webhook_entries: dict[int, tuple[Webhook, Entry]] = {}  # id -> (it, its entry)
        self._envelopes: dict[str, tuple[tuple, CallEnvelope]] = {}  # callId -> (state, it)
        self._outbox: deque[tuple[Any, Callable[[Any], None] | None, float]] = deque()
        self._outstanding: tuple[Any, Callable[[Any], None] | None, float] | None = None
        self._crashed: list[Process] = []
        # Calls the app creates by REST (engine/rest.py) and its timed REST actions. Ids are
        # drawn now, main call first (the same id it always had), so canned bodies can name them.
        self.extra_calls = dict(calls or {})
        self.rest_actions = tuple(rest)
        self.call_ids = {"main": self.ids.call_id(),
                         **{name: self.ids.call_id() for name in self.extra_calls}}
        # State that engine modules built on this one keep per simulation (verbs/conference.py:
        # its rooms; verbs/bridge.py: its live links), created on first use by ``extension`` so
        # this module imports none of them.
        self._extensions: dict[str, object] = {}  # Key.name -> that key's state

    def extension(self, key: Key[T], create: Callable[[], T]) -> T:
        """The per-simulation state ``key`` of a module built on this one (``create()`` the
        first time it is asked for)."""
        if key.name not in self._extensions:
            self._extensions[key.name] = create()
        return cast(T, self._extensions[key.name])

    # -- runner protocol ---------------------------------------------------------------------

    def start(self) -> Any:
        """Run the catalogue's starts (the scenario's call, the app's REST schedule), then
        until the first effect (None: nothing to do)."""
        for start in self.catalogue.starts:
            start(self)
        return self._next()

    def send(self, answer: Any) -> Any:
        """Answer the outstanding effect; returns the next effect, or None when the run is over."""
        if self._outstanding is None:
            raise RuntimeError("send() without an outstanding effect; call start() first")
        effect, handler, sent_at = self._outstanding
        self._outstanding = None
        if isinstance(effect, Webhook):
            self._log_delivery(effect, answer, sent_at)
        if handler is not None:
            handler(answer)
        return self._next()

    @property
    def now(self) -> float:
        return self.clock.now

    def _next(self) -> Any:
        while True:
            self._raise_crash()
            if self._outbox:
                self._outstanding = self._outbox.popleft()
                return self._outstanding[0]
            if not self.clock.step():
                self._raise_crash()
                return None

    def _raise_crash(self) -> None:
        if self._crashed:
            process = self._crashed[0]
            raise EngineBug(process, self.now) from process.error

    # -- processes and effects ---------------------------------------------------------------

    def spawn(self, flow, name: str, *, deferred: bool = False) -> Process:
        """Start a generator flow as a process, now; ``deferred``: after the current action
        (so the flow that caused it, e.g. the verb that answered, first sets itself up)."""
        process = Process(self.clock, flow, name=name, emit=self._emit_from)
        process.on_done.append(self._check_crash)
        if deferred:
            self.clock.call_at(self.now, process.start)
            return process
        return process.start()

    def _check_crash(self, process: Process) -> None:
        if process.error is not None:
            self._crashed.append(process)

    def _emit_from(self, effect: Any, process: Process | None) -> None:
        self._outbox.append((effect, process.answer if process else None, self.now))

    def post(self, effect: Any, handler: Callable[[Any], None] | None = None) -> None:
        """Hand a non-blocking effect (async webhook, finished recording) to the runner."""
        self._outbox.append((effect, handler, self.now))

    # -- webhooks ----------------------------------------------------------------------------

    def resolve(self, url: str, base: str | None) -> str:
        """A BXML URL made absolute against the URL that returned the document (spec §1.4)."""
        return _joined(base or self.base_url, url)

    def webhook(self, leg: Leg, payload: dict, *, url: str, base: str | None, method: str = "POST",
                node: Any = None, fallback_url: str | None = None,
                fallback_method: str = "POST", sync: bool,
                timeout: float | None = None) -> Webhook:
        """A Webhook with the auth of ``node`` (username/password, fallback credentials) and
        the call's callbackTimeout (:meth:`callback_timeout`) unless ``timeout`` says otherwise
        (a Conference's own)."""
        auth = fallback_auth = None
        if node is not None:
            if attribute(node, "username") is not None:
                auth = Auth(node.username, node.password or "")
            if attribute(node, "fallback_username") is not None:
                fallback_auth = Auth(node.fallback_username, node.fallback_password or "")
        webhook = Webhook(
            event_type=payload["eventType"], call_id=leg.call_id, url=self.resolve(url, base),
            payload=payload, sync=sync, method=method.upper(), auth=auth,
            fallback_url=self.resolve(fallback_url, base) if fallback_url else None,
            fallback_method=fallback_method.upper(), fallback_auth=fallback_auth,
            timeout=timeout or self.callback_timeout(leg))
        # Keyed by identity; the webhook is kept alive with its entry so no id is ever reused.
        self._webhook_entries[id(webhook)] = webhook, self.timeline.add(
            self.now, leg.call_id, "webhook", eventType=webhook.event_type, url=webhook.url,
            method=webhook.method, sync=sync)
        return webhook

    def callback_timeout(self, leg: Leg) -> float:
        """The webhook timeout of ``leg``: its createCall's ``callbackTimeout``, else the
        scenario call's (``call.callback_timeout``)."""
        rt = self.runtime.get(leg.call_id)
        own = rt.callback_timeout if rt is not None else None
        return own if own is not None else self.settings.callback_timeout

    def _log_delivery(self, webhook: Webhook, delivery: Delivery, sent_at: float) -> None:
        """One ``callbacks`` entry per attempt; the outcome on the webhook's timeline entry."""
        sent, entry = self._webhook_entries.pop(id(webhook), (None, None))
        if sent is webhook:
            last = delivery.attempts[-1] if delivery.attempts else None
            self.timeline.amend(entry, ok=delivery.ok, status=last.status if last else None,
                                error=last.error if last else delivery.error,
                                attempts=len(delivery.attempts),
                                fallback=any(a.fallback for a in delivery.attempts))
            if last is not None and last.note:  # e.g. the bare document's "no app" reply
                self.timeline.amend(entry, note=last.note)
            raised = next((a for a in delivery.attempts if a.app_error), None)
            if raised is not None:  # C2: the first exception the app raised, in one line
                self.timeline.amend(entry, appError=raised.app_error_text)
        for attempt in delivery.attempts:
            payload = query_params(webhook.payload) if attempt.method == "GET" else webhook.payload
            record = {
                "at": ms(sent_at + attempt.started), "eventType": webhook.event_type,
                "url": attempt.url, "method": attempt.method, "attempt": attempt.attempt,
                "fallback": attempt.fallback, "payload": payload, "status": attempt.status,
                "responseBody": attempt.body, "error": attempt.error}
            if attempt.app_error:  # C2 (only then: results of apps that never raise unchanged)
                record["appError"] = attempt.app_error
            self.callbacks.append(record)

    def envelope(self, leg: Leg) -> CallEnvelope:
        parent = self.legs.get(leg.parent_call_id) if leg.parent_call_id else None
        if parent is not None:  # a B-leg: the A-leg's from/to + transfer fields (callbacks §3.10)
            return self.envelope(parent).transfer_leg(
                call_id=leg.call_id, from_=leg.from_, to=leg.to, start_time=leg.start_at,
                answer_time=leg.answer_at, tag=leg.tag)
        # The same (frozen) envelope while the leg's fields it holds are those it was made
        # of: a call's webhooks are built from a few states of it, and each build validated
        # the direction and made the call URL again.
        state = tuple(getattr(leg, name) for name in _ENVELOPE_OF_LEG.values())
        made = self._envelopes.get(leg.call_id)
        if made is not None and made[0] == state:
            return made[1]
        envelope = CallEnvelope(**dict(zip(_ENVELOPE_OF_LEG, state)),
                                account_id=self.account_id,
                                application_id=self.application_id)
        self._envelopes[leg.call_id] = state, envelope
        return envelope

    # -- legs --------------------------------------------------------------------------------

    def add_leg(self, *, direction: str, from_: str, to: str, parent_call_id: str | None = None,
                caller_steps: tuple[model.Step, ...] = (), call_id: str | None = None) -> Leg:
        """A new leg, now. ``caller_steps``: its far end's script (a party's ``caller``);
        ``call_id``: a reserved id (``call_ids``), else a new one."""
        leg = Leg(call_id=call_id or self.ids.call_id(), direction=direction, from_=from_, to=to,
                  start_at=self.now, parent_call_id=parent_call_id)
        self.legs[leg.call_id] = leg
        self.runtime[leg.call_id] = LegRuntime(leg=leg, verb_started=Signal(self.clock),
                                               caller_steps=tuple(caller_steps))
        self.timeline.add(self.now, leg.call_id, "call-start", direction=direction,
                          **{"from": from_, "to": to})
        return leg

    def rt(self, leg: Leg) -> LegRuntime:
        return self.runtime[leg.call_id]

    def answer(self, leg: Leg, verb: str | None = None,
               where: Mapping[str, Any] | None = None) -> None:
        """Answer ``leg`` now (idempotent); starts the far end's script. ``verb``/``where``:
        the verb that answered it and its position (engine/context.py ``Context.position``)."""
        if leg.answered or not leg.up:
            return
        leg.apply(LegInput.ANSWER)
        leg.answer_at = self.now
        self.timeline.add(self.now, leg.call_id, "answer", verb=verb, **(where or {}))
        rt = self.rt(leg)
        rt.caller = self.spawn(caller_flow(self, leg, rt.caller_steps), f"caller {leg.call_id}",
                              deferred=True)

    def verb_started(self, leg: Leg, node: nodes.Node) -> None:
        rt, name = self.rt(leg), type(node).__name__
        leg.verb_starts.append((self.now, name))
        rt.running.append(name)
        rt.last_started = node
        rt.verb_started.fire(name)

    def verb_ended(self, leg: Leg, name: str) -> None:
        self.rt(leg).running.remove(name)

    def digit(self, leg: Leg, digit: str) -> None:
        """The far end pressed ``digit`` (at tone start)."""
        far_end = self.rt(leg).far_end
        self.timeline.add(self.now, leg.call_id, "digit", digit=digit)
        if far_end.capture is not None:
            far_end.capture.put(digit)
        gather = far_end.reporting_to()
        if gather is not None:
            node = gather.node
            payload = self.payloads.dtmf(self.envelope(leg), at=self.now, digit=digit)
            self.post(self.webhook(leg, payload, url=node.dtmf_url, base=gather.base_url,
                                   method=node.dtmf_method, node=node, sync=False))

    def remote_hangup(self, leg: Leg) -> None:
        """The far end hangs up: thrown into the leg's document flow before anything else now."""
        rt = self.rt(leg)
        if not leg.up or not rt.far_end.hang_up():
            return
        self.timeline.add(self.now, leg.call_id, "remote-hangup")
        if rt.flow is not None and not rt.flow.done:
            rt.flow.interrupt(CallerHangup())

    def arm_max_duration(self, leg: Leg) -> None:
        rt = self.rt(leg)

        def expire() -> None:
            if leg.up and rt.flow is not None:
                rt.flow.interrupt(CallTimeout())

        rt.max_timer = self.clock.call_at(leg.start_at + self.settings.max_duration, expire, URGENT)

    def end_leg(self, leg: Leg, cause: str, message: str | None = None) -> None:
        """Tear ``leg`` down: its StartRecording, the end hooks registered on it (streams,
        answering-machine detection), StartGather, caller script, disconnect webhook."""
        if not leg.up:
            return
        rt = self.rt(leg)
        reason = "hangup" if rt.far_end.hung_up else "call-ended"
        recording = rt.recorder.stop(self.now, reason)
        if recording is not None:
            self.recording_stopped(leg, recording)
        rt.ended(reason)
        rt.far_end.call_ended()
        if rt.caller is not None:
            if not rt.caller.done:
                unmet_wait_for(self, leg)
            rt.caller.kill()
        if rt.max_timer is not None:
            rt.max_timer.cancel()
        leg.apply(LegInput.HANGUP)
        leg.end_at = self.now
        leg.cause = cause
        leg.error_message = message
        self.timeline.add(self.now, leg.call_id, "call-end", cause=cause, errorMessage=message)
        if rt.disconnect_url:
            payload = self.payloads.disconnect(self.envelope(leg), at=self.now, cause=cause,
                                               error_message=message)
            self.post(self.webhook(leg, payload, url=rt.disconnect_url, base=self.base_url,
                                   method=rt.disconnect_method, node=rt.credentials,
                                   sync=False))

    # -- recordings --------------------------------------------------------------------------

    def new_recording(self, leg: Leg, *, verb: str, node: Any, base: str | None,
                      channels: int, where: Mapping[str, Any]) -> Recording:
        """A recording of ``leg`` by ``node`` (at ``where``, its position), starting now."""
        recording = Recording(
            recording_id=self.ids.recording_id(), call_id=leg.call_id, verb=verb, node=node,
            base_url=base, start_at=self.now, file_format=node.file_format, channels=channels,
            name=node.recording_name)
        self.recordings.append(recording)
        self.timeline.add(self.now, leg.call_id, "recording-start", verb=verb, **where,
                          recordingId=recording.recording_id)
        return recording

    def processing_delays(self) -> tuple[float, float]:
        """(recording, transcription) processing time in seconds after a recording's end."""
        if self.processing is None:
            return 0.0, 0.0
        return self.processing.recording_available, self.processing.transcription_delay

    def after_processing(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` seconds from now, after everything else of that instant
        (LATE: a recordComplete reply that hangs up at the same instant sends disconnect
        first, callbacks.md §4)."""
        self.clock.call_at(self.now + delay, action, LATE)

    def recording_stopped(self, leg: Leg, recording: Recording) -> None:
        """Log the end; the file and its webhooks come once it is processed."""
        self.timeline.add(self.now, leg.call_id, "recording-stop", verb=recording.verb,
                          recordingId=recording.recording_id, endReason=recording.end_reason,
                          duration=recording.duration)
        delay, _ = self.processing_delays()
        self.after_processing(delay, lambda: self._process_recording(leg, recording))

    def recording_done(self, leg: Leg, rec: Recording) -> RecordingDone:
        """The effect that has a finished recording rendered and written (answer: its file)."""
        segments = list(rec.segments)
        first = segments[0][0] if segments else rec.start_at
        last = segments[-1][1] if segments else rec.start_at
        remote = leg.remote.between(first, last) if segments else ()
        played = leg.played.between(first, last) if segments else ()
        return RecordingDone(recording_id=rec.recording_id, call_id=leg.call_id,
                             file_format=rec.file_format, channels=rec.channels,
                             segments=tuple(segments), remote=remote, played=played)

    def _process_recording(self, leg: Leg, rec: Recording) -> None:
        """The recording is processed: its file is written, recordingAvailable sent; its
        transcription follows (at once when both delays are equal)."""
        done = self.recording_done(leg, rec)

        def written(path: Any) -> None:
            rec.file = path

        self.post(done, written)
        node = rec.node
        if node.recording_available_url:
            payload = self.payloads.recording_available(
                self.envelope(leg), at=self.now, channels=rec.channels, **_recording_fields(rec))
            self.post(self.webhook(leg, payload, url=node.recording_available_url,
                                   base=rec.base_url, method=node.recording_available_method,
                                   node=node, sync=False))
        if node.transcribe:
            recording_delay, transcription_delay = self.processing_delays()
            later = max(0.0, transcription_delay - recording_delay)
            if later:
                self.after_processing(later, lambda: self._transcribe(leg, rec, done.remote))
            else:
                self._transcribe(leg, rec, done.remote)

    def transcribe_on_request(self, leg: Leg, rec: Recording, request: Any) -> None:
        """A transcription of the finished ``rec`` the app asked for through the API
        (voice-api.md §5.1, a ``model.TranscribeRecording``): ``processing`` now, done after
        the scenario's transcription processing time (``recording_processing``: the time
        between the file and the transcription), replacing any earlier one; its
        transcriptionAvailable goes to the request's ``callback_url``."""
        transcription_id = self.ids.transcription_id()
        rec.transcription = {"id": transcription_id, "status": "processing", "text": None}
        remote = self.recording_done(leg, rec).remote
        recording_delay, transcription_delay = self.processing_delays()
        self.after_processing(max(0.0, transcription_delay - recording_delay),
                              lambda: self._transcribe(leg, rec, remote, request=request,
                                                       transcription_id=transcription_id))

    def _transcribe(self, leg: Leg, rec: Recording, remote, *, request: Any = None,
                    transcription_id: str | None = None) -> None:
        """The transcription is done: kept on the recording, transcriptionAvailable sent (to
        the verb's transcriptionAvailableUrl, or to ``request``'s callbackUrl: a
        transcription asked for through the API)."""
        status = transcription_status(rec.duration)
        text = spoken_text(remote, list(rec.segments)) if status == "available" else None
        # the id exists with or without a webhook: the REST metadata carries it too
        transcription_id = transcription_id or self.ids.transcription_id()
        rec.transcription = {"id": transcription_id, "status": status, "text": text}
        if request is not None:  # when it was done: not the recording's end + processing
            rec.transcription["completedAt"] = ms(self.now)
        envelope, timeout = self.envelope(leg), None
        if request is None:
            node, base = rec.node, rec.base_url
            url, method = node.transcription_available_url, node.transcription_available_method
        else:
            node, base, timeout = request, None, request.callback_timeout
            url, method = request.callback_url, request.callback_method
            if request.tag is not None:  # §5.1: the request's tag is copied into the callback
                envelope = attrs.evolve(envelope, tag=request.tag)
        if url:
            payload = self.payloads.transcription_available(
                envelope, at=self.now, transcription_id=transcription_id, status=status,
                text=text, **_recording_fields(rec))
            self.post(self.webhook(leg, payload, url=url, base=base, method=method, node=node,
                                   sync=False, timeout=timeout))

    # -- results -----------------------------------------------------------------------------

    def calls_json(self) -> list[dict[str, Any]]:
        out = []
        for leg in self.legs.values():
            out.append({
                "callId": leg.call_id, "parentCallId": leg.parent_call_id,
                "direction": leg.direction, "from": leg.from_, "to": leg.to,
                "startTime": self.payloads.time(leg.start_at),
                "answerTime": self.payloads.time(leg.answer_at),
                "endTime": self.payloads.time(leg.end_at),
                "disconnectCause": leg.cause, "errorMessage": leg.error_message})
        return out

    def recordings_json(self) -> list[dict[str, Any]]:
        out = []
        for rec in self.recordings:
            if rec.end_at is None:  # cannot happen once the run is over; guard for partial runs
                continue
            out.append({
                "recordingId": rec.recording_id, "callId": rec.call_id, "verb": rec.verb,
                "file": rec.file, "fileFormat": rec.file_format, "channels": rec.channels,
                "sampleRate": 8000, "duration": ms(rec.duration), "startAt": ms(rec.start_at),
                "endAt": ms(rec.end_at),
                "segments": [{"startAt": ms(a), "endAt": ms(b)} for a, b in rec.segments],
                "endReason": rec.end_reason, "recordingName": rec.name,
                "transcription": rec.transcription})
        return out

    @property
    def finished(self) -> bool:
        return all(leg.state is LegState.DISCONNECTED for leg in self.legs.values())


def _recording_fields(rec: Recording) -> dict[str, Any]:
    """The fields recordingAvailable and transcriptionAvailable share."""
    return dict(recording_id=rec.recording_id, start=rec.start_at, end=rec.end_at,
                duration=rec.duration, file_format=rec.file_format)
