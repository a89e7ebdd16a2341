"""The Voice REST API of one run: the backend of voice_api/routes.py over the simulation that
is running (docs/hermetic.md).

Every run has one (runner.py builds it). The app's requests to Bandwidth's Voice API, caught
in process by simulator/hermetic/ or sent to the API served on 127.0.0.1, and the engine's own
fetches of ``mediaUrl`` (``<PlayAudio>`` of a recording) come to :meth:`RunApi.serve`. The
calls are the simulation's legs (the scenario's call, its B-legs, the calls it creates, the
calls the app creates here); recordings and conferences are the simulation's.

Time: the runner holds :attr:`RunApi.lock` while the engine steps and lets go of it while the
engine waits on an effect (a webhook, a media fetch). A request is answered under the lock, so
it sees the simulation at rest: one sent while a webhook is being handled is answered at that
webhook's virtual instant. Reads answer from the state now; a change (update call, PUT bxml,
recording, conference changes) and a createCall are checked now (the call-state rule of
rest_rules.py) and queued; :meth:`between` (the runner's hook, called whenever the engine waits)
has engine/rest.py carry them out at that same instant, before the engine reads the reply of
the webhook being handled (so a hang-up or redirect sent from a handler supersedes the BXML
the handler returns, as on the platform), and log their ``rest`` timeline entries. Every other request is logged here, as a ``rest`` entry with
``via: api``: reads, and refusals that never reach the engine (404, 409, 400, 401...).

A createCall draws its callId now (the 201 carries it), is ``queued`` until it lands, then
rings ``to`` like a Transfer target: the scenario's ``parties`` give its far end (a number not
in ``parties`` does not answer: it rings for its ``callTimeout``), and its ``answerUrl`` gets
the answer webhook from the same transport as every other webhook (the same app).

Recordings are downloadable once written: the file in the run's output folder, or, without
one, rendered again from the engine's record of it into memory on request (the same bytes).

The routes (voice_api/routes.py, with the request bodies and views) are imported by the first
request: a run whose app never calls the API does not pay for them (~10 ms of start-up, their
attrs classes and two dozen path patterns).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from simulator import rest_rules as rules
from simulator.callbacks import iso_time
from simulator.engine.effects import RecordingDone
from simulator.engine.rest import create_call, perform
from simulator.engine.simulation import Simulation
from simulator.engine.verbs.conference import rooms
from simulator.scenario import model
from simulator.voice_api.auth import TOKEN_PATH, Authority, Credentials
from simulator.voice_api.backend import Backend
from simulator.voice_api.http import ApiError, ApiRequest, ApiResponse

if TYPE_CHECKING:
    from simulator.voice_api.bodies import CreateCall
    from simulator.voice_api.routes import Outcome

#: Renders a finished recording to ``path`` (runner.write_recording's work, given to us).
Renderer = Callable[[RecordingDone, Path], Any]


@attrs.define(eq=False)
class RunCall:
    """A call of the run as the API sees it: a leg of the simulation, or a createCall not
    landed yet (``phase`` queued). What voice_api/views.py reads."""

    api: RunApi
    call_id: str
    request: CreateCall | None = None  # the createCall that made it, when the app did
    phase: str = "running"  # queued (createCall not landed) | running | done
    cancelled: bool = False  # hung up while queued: never created
    deleted: set = attrs.Factory(set)
    media_deleted: set = attrs.Factory(set)
    transcription_deleted: set = attrs.Factory(set)
    created_at: float | None = None  # the virtual instant of its createCall
    result = None  # the run's result.json is written after the run: the state is the sim's

    @property
    def sim(self) -> Simulation:
        return self.api.sim

    @property
    def lock(self) -> threading.RLock:
        return self.api.lock

    @property
    def leg(self):
        return self.sim.legs.get(self.call_id)

    @property
    def account_id(self) -> str:
        return self.sim.account_id

    @property
    def processing(self) -> model.RecordingProcessing:
        """The scenario's recording processing times (views date transcriptions by them)."""
        return self.sim.processing or model.RecordingProcessing()

    @property
    def application_id(self) -> str:
        return self.request.application_id if self.request is not None else \
            self.sim.application_id

    @property
    def epoch(self) -> str:
        """Payload time zero, as ISO text (views lay virtual seconds on it)."""
        return iso_time(self.sim.payloads.epoch, 0.0)

    @property
    def enqueued_time(self) -> str:
        """When the call was created: the createCall's instant, else the leg's start."""
        at = self.created_at if self.created_at is not None else self.leg.start_at
        return iso_time(self.sim.payloads.epoch, at)

    @property
    def to(self) -> str:
        return self.leg.to if self.leg is not None else self.request.to

    @property
    def from_(self) -> str:
        return self.leg.from_ if self.leg is not None else self.request.from_

    @property
    def direction(self) -> str:
        return self.leg.direction if self.leg is not None else "outbound"

    @property
    def parent_call_id(self) -> str | None:
        return self.leg.parent_call_id if self.leg is not None else None


class RunApi(Backend):
    """The Voice API backend of one simulation (module docstring). ``credentials``: what the
    scenario fixed (``api:``); ``out_dir``: where the run writes recordings (None: nowhere,
    ``render`` makes a recording's bytes on request)."""

    def __init__(self, sim: Simulation, *, credentials: Credentials | None = None,
                 out_dir: Path | None = None, render: Renderer | None = None,
                 name: str = "run") -> None:
        self.sim = sim
        self.name = name
        self.lock = threading.RLock()
        self.authority = Authority(credentials)
        self.out_dir = out_dir
        self._render = render
        self._records: dict[str, RunCall] = {}
        self._pending: list[Callable[[], Any]] = []
        self._unwritten: dict[str, RecordingDone] = {}  # recording id -> its effect (no out_dir)
        self.over = False

    # -- what the runner calls ------------------------------------------------------------

    def serve(self, request: ApiRequest) -> ApiResponse:
        """Answer one request of the app (or of the engine's media fetch) now, and log it."""
        from simulator.voice_api import routes   # on the first request (module docstring)

        with self.lock:
            try:
                outcome = routes.handle(self, request)
            except Exception as error:  # noqa: BLE001 - a bug of ours: a 500 to the app and
                # a rest entry naming it, never an exception out of the app's own SDK call
                outcome = routes.Outcome(ApiResponse.of_error(ApiError(
                    500, f"bxmlsim internal error answering {request.method} {request.path}: "
                         f"{type(error).__name__}: {error}")))
            self._log(request, outcome)
        if outcome.response.after is not None:
            outcome.response.after()
        return outcome.response

    def between(self, sim: Simulation) -> None:
        """The runner's hook (the engine waits): what the app asked for lands now, before the
        engine reads the answer of the webhook it waits on (a change sent while that webhook
        was handled supersedes its reply, as on the platform: engine/process.py)."""
        with self.lock:
            landing, self._pending = self._pending, []
            for land in landing:
                land()

    def recording_written(self, effect: RecordingDone, path: str) -> None:
        """A recording was rendered (``path`` relative to the output folder); without an
        output folder keep what renders it again, for downloads."""
        if self.out_dir is None:
            with self.lock:
                self._unwritten[effect.recording_id] = effect

    def close(self) -> None:
        """The run is over: calls read as ended, changes are refused (409)."""
        with self.lock:
            self.over = True
            for record in self._records.values():
                record.phase = "done"

    def not_emulated(self, request: ApiRequest, what: str) -> ApiResponse:
        """The answer to a request for a Bandwidth host or service the simulator does not
        emulate (logged like every request): 404 with a VoiceApiError body naming it."""
        error = ApiError(404, f"{what} is not emulated by bxmlsim: only the Voice API "
                              f"(voice.bandwidth.com/api/v2) and its OAuth2 token "
                              f"(api.bandwidth.com{TOKEN_PATH}) are (docs/hermetic.md)")
        from simulator.voice_api.routes import Outcome

        response = ApiResponse.of_error(error)
        with self.lock:
            self._log(request, Outcome(response))
        return response

    def owns(self, kind: str, ident: str) -> bool:
        """Whether this run has the call (``kind`` calls) or conference of id ``ident``."""
        with self.lock:
            if kind == "calls":
                return ident in self.sim.legs or ident in self._records
            return any(room.envelope.conference_id == ident for room in rooms(self.sim).every)

    # -- the backend of voice_api/routes.py --------------------------------------------------

    def create(self, account_id: str, call: CreateCall) -> RunCall:
        """Draw the call's id now (the 201 has it); it rings once the engine next waits."""
        if self.over:
            raise ApiError(409, "The simulation is over: no call can be created any more")
        record = RunCall(self, self.sim.ids.call_id(), request=call, phase="queued",
                         created_at=self.sim.now)
        self._records[record.call_id] = record
        self._pending.append(lambda: self._land(record))
        return record

    def start(self, record: RunCall) -> None:
        """Nothing to start after the 201: the call lands with the engine's next wait."""

    def _land(self, record: RunCall) -> None:
        if record.cancelled:
            return
        record.phase = "running"
        request = record.request
        party = self.sim.parties.get(request.to.strip())
        spec = request.created_call(party, at=self.sim.now)
        detail = {"via": "api"}
        if party is None:
            detail["note"] = "not in parties: it does not answer"
        create_call(self.sim, None, spec, call_id=record.call_id, detail=detail)

    def get(self, account_id: str, call_id: str) -> RunCall:
        record = self._records.get(call_id)
        if record is None and call_id in self.sim.legs:
            record = self._records[call_id] = RunCall(self, call_id,
                                                      phase="done" if self.over else "running")
        if record is None:
            raise ApiError(404, f"Call [{call_id}] not found")
        return record

    def of_account(self, account_id: str) -> list[RunCall]:
        """Every call of the run: the legs in creation order, then createCalls still queued."""
        legs = [self.get(account_id, call_id) for call_id in self.sim.legs]
        queued = [r for r in self._records.values() if r.call_id not in self.sim.legs]
        return legs + queued

    def conferences(self, account_id: str) -> list[tuple[RunCall, Any]]:
        """Every conference of the run, with the call that created it, in creation order."""
        return [(self.get(account_id, room.creator.call_id), room)
                for room in list(rooms(self.sim).every)]

    def accept(self, record: RunCall, action: model.RestAction) -> None:
        self._pending.append(lambda: perform(self.sim, action))

    def media(self, record: RunCall, entry: dict) -> Path | bytes:
        """The recording's file, or its bytes rendered again (no output folder)."""
        if self.out_dir is not None:
            path = self.out_dir / entry["file"]
            if path.is_file():
                return path
        effect = self._unwritten.get(entry["recordingId"])
        if effect is None or self._render is None:
            raise ApiError(404, f"Media for recording [{entry['recordingId']}] not found")
        with tempfile.TemporaryDirectory(prefix="bxmlsim-media-") as folder:
            path = Path(folder) / Path(entry["file"]).name
            self._render(effect, path)
            return path.read_bytes()

    # -- the timeline ---------------------------------------------------------------------------

    def _log(self, request: ApiRequest, outcome: Outcome) -> None:
        """A ``rest`` entry for a request the engine does not log itself: reads, and any
        request refused here. Accepted changes and createCalls are logged when they land."""
        route, response = outcome.route, outcome.response
        if route is not None and route.change and response.status < 400:
            return
        params = outcome.params
        call_id = params.get("call_id")
        if call_id not in self.sim.legs:
            call_id = self._speaking_for() or self.sim.call_ids["main"]
        detail: dict[str, Any] = {"method": request.method,
                                  "url": _without_query(request.url), "via": "api"}
        for key in ("recording_id", "conference_id"):
            if key in params:
                detail[rules.rest_name(key)] = params[key]
        if response.error is not None:
            detail["error"] = response.error
        self.sim.timeline.add(self.sim.now, call_id, "rest", action=outcome.action,
                              status=response.status, **detail)

    def _speaking_for(self) -> str | None:
        """The call of the webhook being answered now, if one is (the last one logged)."""
        webhooks = self.sim.timeline.of_kind("webhook")
        return webhooks[-1].call_id if webhooks else None

    def blocked(self, host: str, port: int | None, what: str) -> None:
        """The hermetic guard refused a connection of the app (simulator/hermetic/guard.py)."""
        with self.lock:
            call_id = self._speaking_for() or self.sim.call_ids["main"]
            self.sim.timeline.add(self.sim.now, call_id, "network-blocked", host=host,
                                  port=port, what=what)


def _without_query(url: str) -> str:
    return url.split("?", 1)[0]

