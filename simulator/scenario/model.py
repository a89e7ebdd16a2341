"""The scenario as typed data: what the YAML loader produces and the runner consumes.

Field names follow the YAML keys of design/contract.md (``from`` becomes ``from_``).
Every object remembers the ``line`` (1-based, 0 when built in Python) it came from so that
failures can point back at the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

import attrs


@attrs.frozen
class ReferResponse:
    """How the caller's SIP endpoint answers a ``<Refer>`` (scenario ``call.refer``).

    The defaults are a cooperative SIP phone: REFER accepted (202 Accepted), and one second
    later the final NOTIFY reports that the new call was answered (200 OK). What the engine
    does with it, and its timeouts: engine/verbs/refer.py."""

    response: int | None = 202  # final SIP response to the REFER; 2xx accepts it; None: none
    notify: int | None = 200  # status the final NOTIFY carries; 2xx = success; None: never sent
    notify_after: float = 1.0  # seconds from the accepting response to the final NOTIFY


#: ``machine_detection.mode`` values (createCall ``machineDetection.mode``).
MACHINE_DETECTION_MODES = ("sync", "async")
#: Upper bound of every duration and time in a scenario (``max_duration``, caller step lengths,
#: ``at:``, delays), in seconds: 24 hours, Bandwidth's longest conference. Past it a value is a
#: load error (NaN and infinities too), so no user-supplied number can size memory or time.
MAX_SECONDS = 86400.0

#: Upper bound of every ``machine_detection`` timing, in seconds: 4 hours, the longest call the
#: simulator runs by default (``call.max_duration``). The spec gives no maximum (only > 0);
#: detection cannot outlast the call, and refusing more keeps absurd values (1e8 s) out.
MACHINE_DETECTION_MAX_SECONDS = 14400.0


@attrs.frozen
class MachineDetection:
    """Answering-machine detection of an outbound call: createCall ``machineDetection``
    (voice-api.md §3.1) with snake_case names and the spec's defaults; seconds are virtual.
    How the result is decided from what the far end does: engine/amd.py."""

    mode: str = "async"  # sync: the answer webhook waits and carries the result
    detection_timeout: float = 15.0  # nothing decided by then: `timeout`
    silence_timeout: float = 10.0  # no sound by then: `silence`
    speech_threshold: float = 10.0  # speech this long: `answering-machine`
    speech_end_threshold: float = 5.0  # silence that ends speech (shorter: `human`)
    machine_speech_end_threshold: float | None = None  # None: speech_end_threshold
    delay_result: bool = False  # hold `answering-machine` until the greeting ends
    callback_url: str | None = None  # async only: machineDetectionComplete goes there
    callback_method: str = "POST"
    username: str | None = None
    password: str | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    fallback_username: str | None = None
    fallback_password: str | None = None
    line: int = 0

    @property
    def machine_end_threshold(self) -> float:
        """The silence that ends a machine greeting (defaults to speech_end_threshold)."""
        if self.machine_speech_end_threshold is None:
            return self.speech_end_threshold
        return self.machine_speech_end_threshold


#: The longest recording processing time a scenario may ask for (a day, in seconds).
MAX_PROCESSING_SECONDS = 86400.0


@attrs.frozen
class RecordingProcessing:
    """How long the platform takes to process a finished recording (scenario
    ``recording_processing``, virtual seconds from the recording's end; docs/engine.md): the
    file and recordingAvailable / conferenceRecordingAvailable after ``recording_available``,
    the transcription and transcriptionAvailable after ``transcription_available`` (None: the
    same as ``recording_available``; never before it, the transcription needs the file)."""

    recording_available: float = 0.0
    transcription_available: float | None = None

    @property
    def transcription_delay(self) -> float:
        return (self.recording_available if self.transcription_available is None
                else self.transcription_available)


@attrs.frozen
class CallSettings:
    direction: str = "inbound"  # inbound | outbound
    from_: str = "+15555550100"
    to: str = "+15555550199"
    answer_url: str = "/answer"
    answer_method: str = "POST"
    disconnect_url: str | None = None
    tag: str | None = None
    max_duration: float = 14400.0
    callback_timeout: float = 15.0
    refer: ReferResponse = attrs.Factory(ReferResponse)  # the far end's answer to <Refer>
    machine_detection: MachineDetection | None = None  # outbound only; None: no AMD


#: Text-to-speech engines of scenario ``tts:`` / ``bxmlsim run --tts`` (docs/audio.md).
TTS_ENGINES = ("model", "espeak")

#: Network faults a canned route can inject instead of a reply (``Route.fault``).
ROUTE_FAULTS = ("refused", "reset")


@attrs.frozen
class Route:
    """A canned reply. ``bxml``/``file`` give the body; the rest injects faults."""

    bxml: str | None = None  # inline body (BXML or anything else)
    file: Path | None = None  # absolute path of a body file (BXML or audio)
    status: int = 200
    delay: float = 0.0  # virtual seconds before the reply (or the fault)
    body: str | None = None  # explicit body; wins over bxml/file
    content_type: str | None = None
    line: int = 0
    # "refused" | "reset" (ROUTE_FAULTS): no HTTP response at all, the connection is refused
    # or reset after ``delay``; status and body are then unused. None: a normal reply.
    fault: str | None = None


@attrs.frozen
class AppSettings:
    base_url: str = "http://app.test"
    bxml: str | None = None  # shorthand: the reply of answer_url
    routes: dict[str, Route] = attrs.Factory(dict)  # key: path ("/answer") or absolute URL
    wsgi: str | None = None  # "module:attr"
    asgi: str | None = None  # "module:attr"
    # a folder whose files are served under base_url (`/media/beep.wav` -> DIR/media/beep.wav,
    # `/next` -> DIR/next.xml); after the routes, before the wsgi/asgi app (transports/static.py)
    static: Path | None = None
    # what a request nothing above answers gets: "not-found" (a 404, scenario files),
    # "no-app" (a bare FLOW.xml: an empty 200 reply, a 404 for audio files) or "http" (sent to a
    # real server at base_url: `bxmlsim run FLOW.xml --app-url`). Not a YAML key.
    unmatched: str = "not-found"
    line: int = 0  # the `app:` key
    # an app given from Python (simulator.harness): a WSGI/ASGI app object, a factory returning
    # one (called for every run), or a "module:attr" string whose kind is told apart. Not a
    # YAML key; the wsgi/asgi keys are the file's way of naming an app.
    target: object = attrs.field(default=None, eq=False)
    # line of each key written under `app:` ("wsgi", "asgi", "base_url", ...), for errors found
    # when the run sets the app up (a module that cannot be imported)
    lines: dict[str, int] = attrs.Factory(dict)

    def line_of(self, key: str) -> int:
        """The line of ``app.<key>``, else of ``app:``; 0 when unknown (built in Python)."""
        return self.lines.get(key) or self.line


# ---- caller steps: one class per step kind; ``at`` = seconds since answer, else sequential


@attrs.frozen
class WaitFor:
    verb: str  # any BXML verb name: wait until it starts on this leg
    at: float | None = None
    line: int = 0


@attrs.frozen
class Say:
    text: str
    seconds: float | None = None  # default 0.4 s per word
    at: float | None = None
    line: int = 0


@attrs.frozen
class Silence:
    seconds: float
    at: float | None = None
    line: int = 0


@attrs.frozen
class Press:
    digits: str
    tone: float = 0.1  # seconds each tone lasts
    gap: float = 0.1  # seconds between tones
    at: float | None = None
    line: int = 0


@attrs.frozen
class Play:
    path: Path  # absolute path (resolved against the scenario's folder)
    at: float | None = None
    line: int = 0


@attrs.frozen
class Hangup:
    at: float | None = None
    line: int = 0


Step = Union[WaitFor, Say, Silence, Press, Play, Hangup]


@attrs.frozen
class Party:
    """Another number reachable by Transfer/Bridge/Forward."""

    status: str = "answer"  # answer | busy | no-answer
    answer_after: float = 0.0
    caller: tuple[Step, ...] = ()
    line: int = 0


@attrs.frozen
class CreatedCall:
    """A call the app creates with REST createCall (scenario ``calls:``), by name.

    It follows the outbound lifecycle: rings ``to`` from ``at`` (virtual seconds since the
    first call's start), then ``answer`` webhook to ``answer_url`` and its BXML; its far end
    follows ``status``/``answer_after``/``caller`` like a party."""

    to: str
    from_: str | None = None  # None: the app's number (main call's `to`, or `from` if outbound)
    answer_url: str = "/answer"
    answer_method: str = "POST"
    disconnect_url: str | None = None
    disconnect_method: str = "POST"
    tag: str | None = None
    at: float = 0.0
    call_timeout: float = 30.0
    status: str = "answer"  # answer | busy | no-answer
    answer_after: float = 0.0
    caller: tuple[Step, ...] = ()
    line: int = 0
    machine_detection: MachineDetection | None = None  # createCall machineDetection
    # createCall's webhook settings (voice-api.md §3.1, callbacks.md §1.3-§1.6): the timeout of
    # every webhook of the call (None: the scenario call's callback_timeout), the answer
    # webhook's fallback, Basic auth for answer_url and disconnect_url, and for the fallback.
    callback_timeout: float | None = None
    answer_fallback_url: str | None = None
    answer_fallback_method: str = "POST"
    username: str | None = None
    password: str | None = None
    fallback_username: str | None = None
    fallback_password: str | None = None


@attrs.frozen
class Redirect:
    """The redirect webhook of a REST update (POST /calls/{id}, POST /conferences/{id}): where
    it goes, its fallback and their credentials."""

    redirect_url: str | None = None
    redirect_method: str = "POST"
    redirect_fallback_url: str | None = None
    redirect_fallback_method: str = "POST"
    username: str | None = None
    password: str | None = None
    fallback_username: str | None = None
    fallback_password: str | None = None


@attrs.frozen
class UpdateCall(Redirect):
    """POST /calls/{id} (voice-api.md §3.4): ``active`` redirects, ``completed`` hangs up."""

    state: str = "active"  # active | completed
    tag: str | None = None


@attrs.frozen
class UpdateConference(Redirect):
    """POST /conferences/{id} (voice-api.md §7.3): ``active`` sends ``conferenceRedirect`` to
    ``redirect_url`` (its BXML runs in the conference), ``completed`` ends the conference."""

    status: str = "active"  # active | completed


@attrs.frozen
class UpdateConferenceMember:
    """PUT /conferences/{id}/members/{callId} (voice-api.md §7.5); None leaves a field as is.

    ``member`` and ``call_ids_to_coach`` name calls like ``RestAction.call`` does (``main`` or
    a key of ``calls:``); the engine turns them into callIds."""

    member: str
    mute: bool | None = None
    hold: bool | None = None
    call_ids_to_coach: tuple[str, ...] | None = None  # () stops coaching


@attrs.frozen
class TranscribeRecording:
    """POST /calls/{id}/recordings/{recordingId}/transcription (voice-api.md §5.1): transcribe
    a finished recording on request; transcriptionAvailable goes to ``callback_url`` (None: no
    webhook) with Basic auth of ``username``/``password``, ``tag`` in its payload (None: the
    call's), at most ``callback_timeout`` seconds a delivery attempt."""

    callback_url: str | None = None
    callback_method: str = "POST"
    username: str | None = None
    password: str | None = None
    tag: str | None = None
    callback_timeout: float = 15.0
    detect_language: bool = False  # accepted; the simulated speech is English


@attrs.frozen
class RestAction:
    """One timed REST request of the app (scenario ``rest:``); exactly one action is set.

    Call actions (``update_call``, ``recording``, ``put_bxml``) target ``call``; conference
    actions (``update_conference``, ``put_conference_bxml``, ``update_conference_member``)
    target ``conference`` (a ``<Conference>`` name) and leave ``call`` unused."""

    at: float
    call: str = "main"  # a name of ``calls:``, or ``main`` (the scenario's call)
    update_call: UpdateCall | None = None
    recording: str | None = None  # PUT /calls/{id}/recording state: paused | recording
    put_bxml: str | None = None  # PUT /calls/{id}/bxml body
    line: int = 0
    conference: str | None = None  # the target of a conference action, by name
    update_conference: UpdateConference | None = None
    put_conference_bxml: str | None = None  # PUT /conferences/{id}/bxml body
    update_conference_member: UpdateConferenceMember | None = None
    # who sent it, when not the scenario: "api", a request the app made to the Voice API
    # (bxmlsim serve, or the API inside a run); the rest entry's detail says so. Not a YAML key.
    via: str | None = None
    # a transcription requested through the API (voice-api.md §5.1) of recording
    # ``recording_id`` of ``call``; an API request only, not a YAML key (not in CALL_ACTIONS)
    transcribe_recording: TranscribeRecording | None = None
    recording_id: str | None = None

    @property
    def action(self) -> str | None:
        """The scenario key of the action set (None when none is)."""
        return next((name for name in CALL_ACTIONS + CONFERENCE_ACTIONS
                     if getattr(self, name) is not None), None)


#: The REST actions on a call (``RestAction.call``) and on a conference (``.conference``).
CALL_ACTIONS = ("update_call", "recording", "put_bxml")
CONFERENCE_ACTIONS = ("update_conference", "put_conference_bxml", "update_conference_member")


#: ``api.network`` values: the guard refuses the app's connections beyond this machine, or not.
NETWORK_MODES = ("block", "allow")


@attrs.frozen
class ApiSettings:
    """The Voice REST API a run serves to its app (scenario ``api:``, docs/hermetic.md): the
    app's requests to Bandwidth are answered by the simulation. A field left None accepts
    anything (any account id in paths, any credentials or none)."""

    account_id: str | None = None  # also the accountId of every webhook payload
    username: str | None = None  # Basic auth; also the OAuth2 client id
    password: str | None = None  # ... and the OAuth2 client secret
    network: str = "block"  # NETWORK_MODES: the app's own connections beyond loopback
    line: int = 0


@attrs.frozen
class Condition:
    """A scenario's ``skip:`` or ``xfail:`` (pytest and ``bxmlsim run`` honour both): why, and
    when it applies (``tts``: only when the scenario runs with that text-to-speech engine)."""

    reason: str = ""
    tts: str | None = None  # None: always; else only under this engine (TTS_ENGINES)
    strict: bool = False  # xfail only: a run that passes is then a failure
    line: int = 0

    def applies(self, tts: str) -> bool:
        return self.tts is None or self.tts == tts


@attrs.frozen
class Scenario:
    name: str
    seed: int = 0
    call: CallSettings = attrs.Factory(CallSettings)
    app: AppSettings = attrs.Factory(AppSettings)
    caller: tuple[Step, ...] = ()
    parties: dict[str, Party] = attrs.Factory(dict)
    calls: dict[str, CreatedCall] = attrs.Factory(dict)  # extra calls the app creates (REST)
    rest: tuple[RestAction, ...] = ()  # timed REST actions
    expect: object | None = None  # simulator.scenario.expect.Expectations, owned there
    file: Path | None = None  # the YAML file, when loaded from one
    line: int = 0
    base_dir: Path = attrs.Factory(Path.cwd)  # folder for relative files and app imports
    epoch: str = "2026-01-01T00:00:00.000Z"  # payload time zero
    # who speaks SpeakSentence and caller `say` text (TTS_ENGINES): "model", the deterministic
    # speech-like synthesis, or "espeak", real speech from espeak-ng (the tts extra; opt-in)
    tts: str = "model"
    tts_line: int = 0  # the `tts:` key, for errors found when the run sets TTS up
    api: ApiSettings = attrs.Factory(ApiSettings)  # the Voice API served inside the run
    # strict mode: BXML warnings in any document the app returned fail the scenario too
    # (scenario/defaults.py); `bxmlsim run --strict` / `pytest --bxmlsim-strict` set it
    strict: bool = False
    skip: Condition | None = None  # not run (pytest skip; bxmlsim run SKIP)
    xfail: Condition | None = None  # expected to fail (pytest xfail; bxmlsim run XFAIL)
    markers: tuple[str, ...] = ()  # pytest marker names given to the scenario's test item
    recording_processing: RecordingProcessing = attrs.Factory(RecordingProcessing)
