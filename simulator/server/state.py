"""The emulator's memory: every call created through REST, its simulation and its outcome.

``Store.create(account_id, request)`` registers a call (state ``queued``) and returns its
:class:`CallRecord`; ``Store.start(record)`` runs the call in a worker thread (the HTTP layer
starts it only once the 201 has been sent, because an app may handle the answer webhook only
after its createCall returned). The worker builds a :class:`~simulator.scenario.model.Scenario`
for the call -- outbound, ``answerUrl``/``disconnectUrl`` of the request, real HTTP to the app,
the callee's script (``server/callee.py``) as the far end -- and runs it with
``simulator.runner.simulate`` in virtual time, writing ``OUT/<callId>/result.json`` and
``recordings/``.

Call ids: the simulation draws its call's id first from ``IdFactory(Random(seed))``
(``Simulation.call_ids["main"]``), so the store draws the same id up front with the seed it
gives the call: the callId of the 201 is the callId of every webhook. Seeds count up from 0 in
creation order (a fresh server gives the same ids again).

Conferences live in the simulation of the call that runs ``<Conference>`` (each created call
is its own simulation): :meth:`Store.conferences` lists every one of an account (call creation
order, then room creation order), :meth:`Store.conference` finds one by id among them.

Live REST requests (update call, PUT bxml, pause/resume recording; update conference, PUT
conference bxml, update member) are answered at once from the call's (or conference's) state
(the app may be waiting on them inside a webhook, while the simulation waits on that webhook)
and queued; the runner's ``between`` hook puts them on the simulation's clock at the virtual
instant the engine waits (``engine/rest.perform`` then carries them out and logs
a ``rest`` timeline entry). Virtual time only advances while no webhook is outstanding, so a
request the app sends while handling a webhook lands at that webhook's instant.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from simulator.callbacks import IdFactory
from simulator.engine.rest import perform
from simulator.engine.verbs.conference import rooms
from simulator.scenario import model
from simulator.server.callee import Callee
from simulator.voice_api.auth import Authority, Credentials
from simulator.voice_api.backend import Backend
from simulator.voice_api.bodies import CreateCall
from simulator.voice_api.http import ApiError


@attrs.define(eq=False)
class CallRecord:
    """One created call. ``phase``: queued -> running -> done; ``sim`` is the running
    simulation (published by the runner's ``between`` hook), ``result`` its result.json."""

    call_id: str
    account_id: str
    request: CreateCall
    seed: int
    epoch: str  # wall-clock time of creation; payload time zero of the simulation
    out_dir: Path
    # the platform's recording processing time (the callee file's recording_processing)
    processing: model.RecordingProcessing = attrs.Factory(model.RecordingProcessing)
    phase: str = "queued"
    sim: Any = None
    result: dict | None = None
    error: str | None = None  # why the simulation could not run or stopped (internal error)
    cancelled: bool = False  # state=completed while still queued: never simulated
    pending: list = attrs.Factory(list)  # model.RestAction waiting for the engine
    deleted: set = attrs.Factory(set)  # recording ids deleted (metadata, media, transcription)
    media_deleted: set = attrs.Factory(set)
    transcription_deleted: set = attrs.Factory(set)
    lock: threading.Lock = attrs.Factory(threading.Lock)
    done: threading.Event = attrs.Factory(threading.Event)

    # what voice_api/views.py reads of a call (a run's own API has calls of other kinds)
    direction = "outbound"
    parent_call_id = None

    @property
    def application_id(self) -> str:
        return self.request.application_id

    @property
    def enqueued_time(self) -> str:
        return self.epoch

    @property
    def to(self) -> str:
        return self.request.to

    @property
    def from_(self) -> str:
        return self.request.from_


class Store(Backend):
    """Calls by id; runs each one's simulation. Thread-safe. The backend of the Voice API's
    routes (voice_api/routes.py) for ``bxmlsim serve``."""

    def __init__(self, out_root: str | Path, callee: Callee | None = None, *,
                 app: model.AppSettings | None = None,
                 on_done: Callable[[CallRecord], None] | None = None,
                 credentials: Credentials | None = None) -> None:
        """``out_root``: folder of the calls' outputs; ``callee``: the far end;
        ``app``: where webhooks go instead of real HTTP to the answerUrl's server (tests);
        ``on_done(record)``: called in the worker once a call is over; ``credentials``: what
        requests must carry (default: anything)."""
        self.credentials = credentials or Credentials()
        self.authority = Authority(self.credentials)
        self.out_root = Path(out_root)
        self.callee = callee or Callee()
        self.app = app
        self.on_done = on_done
        self.calls: dict[str, CallRecord] = {}
        self._lock = threading.Lock()
        self._next_seed = 0
        self._threads: list[threading.Thread] = []

    # -- creating and finding calls -------------------------------------------------------

    def create(self, account_id: str, request: CreateCall) -> CallRecord:
        with self._lock:
            while True:  # a seed whose first call id is new (collisions are astronomically rare)
                seed, self._next_seed = self._next_seed, self._next_seed + 1
                call_id = IdFactory(random.Random(seed)).call_id()
                if call_id not in self.calls:
                    break
            record = CallRecord(call_id=call_id, account_id=account_id, request=request,
                                seed=seed, epoch=_now(), out_dir=self.out_root / call_id,
                                processing=self.callee.recording_processing)
            self.calls[call_id] = record
        return record

    def get(self, account_id: str, call_id: str) -> CallRecord:
        record = self.calls.get(call_id)
        if record is None or record.account_id != account_id:
            raise ApiError(404, f"Call [{call_id}] not found")
        return record

    def of_account(self, account_id: str) -> list[CallRecord]:
        with self._lock:
            return [r for r in self.calls.values() if r.account_id == account_id]

    def wait(self, call_id: str, timeout: float | None = None) -> bool:
        """Block until the call's simulation is over; False on timeout."""
        return self.calls[call_id].done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Wait for the running simulations (each ends by itself in virtual time)."""
        for thread in list(self._threads):
            thread.join(timeout)

    # -- running -------------------------------------------------------------------------

    def start(self, record: CallRecord) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(record,), daemon=True,
                                  name=f"bxmlsim-call-{record.call_id}")
        with self._lock:  # background tasks may start calls from several threads
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def run(self, record: CallRecord) -> None:
        """Simulate the call to its end (in the calling thread)."""
        try:
            with record.lock:
                if record.cancelled:
                    record.phase = "done"
                    return
                record.phase = "running"
            self._simulate(record)
        finally:
            with record.lock:
                record.phase = "done"
                record.pending.clear()
            record.done.set()
            if self.on_done is not None:
                self.on_done(record)

    def _simulate(self, record: CallRecord) -> None:
        from simulator.api import make_out_dir, write_result
        from simulator.errors import SimulatorError
        from simulator.runner import simulate

        request = record.request
        party = self.callee.party(request.to)
        ring = request.created_call(party)
        try:
            make_out_dir(record.out_dir)
            result = simulate(self.scenario(record, party), record.out_dir,
                              between=lambda sim: self._between(record, sim), ring=ring,
                              account_id=record.account_id,
                              application_id=request.application_id)
            write_result(result, record.out_dir)
        except SimulatorError as error:
            record.error = str(error)
            return
        except Exception as error:  # noqa: BLE001 - a bug must not kill the server
            record.error = f"internal error: {type(error).__name__}: {error}"
            return
        record.result = result.to_json()
        if result.internal_error is not None:
            record.error = result.failures[0]["message"]

    def scenario(self, record: CallRecord, party: model.Party) -> model.Scenario:
        """The call as a scenario: outbound from ``from`` to ``to``; webhooks over real HTTP
        to the answerUrl's server (or ``self.app``)."""
        request = record.request
        parts = urlsplit(request.answer_url)
        app = self.app or model.AppSettings(base_url=f"{parts.scheme}://{parts.netloc}",
                                            unmatched="http")
        call = model.CallSettings(
            direction="outbound", from_=request.from_, to=request.to,
            answer_url=request.answer_url, answer_method=request.answer_method,
            disconnect_url=request.disconnect_url, tag=request.tag,
            callback_timeout=request.callback_timeout,
            machine_detection=request.machine_detection)  # run by engine/documents.py call_flow
        return model.Scenario(name=f"createCall {request.from_} -> {request.to}",
                              seed=record.seed, call=call, app=app, caller=party.caller,
                              parties=dict(self.callee.parties), epoch=record.epoch,
                              base_dir=Path.cwd(), recording_processing=record.processing)

    def _between(self, record: CallRecord, sim) -> None:
        """The runner's hook: publish the simulation; queued REST requests land now, before
        the engine reads the answer of the effect it waits on (a change sent while that
        webhook was handled supersedes its reply: engine/process.py)."""
        with record.lock:
            record.sim = sim
            actions, record.pending = record.pending, []
        for action in actions:
            perform(sim, action)

    # -- live state -------------------------------------------------------------------------

    def conferences(self, account_id: str) -> list[tuple[CallRecord, Any]]:
        """Every conference of the account's calls, live or completed, as (the call whose
        simulation holds it, its engine/verbs/conference.py ``Room``): calls in creation order,
        each call's rooms in creation order."""
        out = []
        for record in self.of_account(account_id):
            with record.lock:
                sim = record.sim
                every = list(rooms(sim).every) if sim is not None else []
            out.extend((record, room) for room in every)
        return out

    def accept(self, record: CallRecord, action: model.RestAction) -> None:
        """Queue an accepted change for the call's simulation (``_between`` lands it)."""
        record.pending.append(action)

    def media(self, record: CallRecord, entry: dict) -> Path:
        """The file of a finished recording (404 when the output folder lost it)."""
        path = record.out_dir / entry["file"]
        if not path.is_file():
            raise ApiError(404, f"Media for recording [{entry['recordingId']}] not found "
                                f"(no file {path}: was the output folder changed?)")
        return path


def _now() -> str:
    moment = datetime.now(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
