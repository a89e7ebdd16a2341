"""The runner: drives a :class:`~simulator.engine.simulation.Simulation` through I/O.

``simulate(scenario, out_dir) -> Result`` is the only bridge from the pure engine to the
outside world:

* webhooks go through the scenario's transport (``simulator.transports.make_transport``) under
  the delivery policy of ``simulator.delivery.deliver`` (fallback, retries, auth, timeouts in
  virtual time);
* ``<PlayAudio>`` media is fetched with a GET through the same transport and decoded by
  ``audio.sink.decode_playable`` (WAV and MP3 only, as Bandwidth: audio/playback.py); the caller's ``play`` files are read up front with ``read_audio``;
* with ``tts: espeak`` (opt-in) SpeakSentence text and caller ``say`` steps are spoken by
  espeak-ng (``audio.tts``), checked to be installed before the run starts;
* each finished recording is rendered segment by segment from the leg's media tracks with
  ``audio.synth.render`` and streamed block by block into ``audio.sink.RecordingSink`` at
  ``OUT/recordings/<recordingId>.<wav|mp3>`` -- a three-hour recording never sits in memory.

Without ``out_dir`` no audio is written (``file`` in result.json still names the path it would
have, so the JSON is the same either way); durations come from the engine, not the files.
Recordings finished before a failure are written and listed like any other.

An internal error (a simulator bug: anything unexpected escaping the run loop, not a
``SimulatorError``) does not lose the run: ``simulate`` returns a *partial* Result with the
calls, callbacks and timeline so far, an ``internal-error`` timeline entry, every recording
written (those still running finalised as ``call-ended``: engine/salvage.py), ``passed`` false,
one failure ``internal error: Type: message (please report; the run stopped at T s)`` at the
scenario's line, and ``Result.internal_error`` holding the traceback.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from simulator.audio.sink import RecordingSink, decode_playable, read_audio
from simulator.audio.synth import SpeechCache, render
from simulator.delivery import USER_AGENT, basic_auth, deliver
from simulator.engine.effects import (FetchAudio, FetchedAudio, RecordingDone, SynthesizeSpeech,
                                      SynthesizedSpeech, Webhook)
from simulator.engine.catalogue import CATALOGUE
from simulator.engine.salvage import culprit, salvage, stop_at_limit
from simulator.engine.simulation import Simulation
from simulator.errors import MediaError, SimulatorError
from simulator.hermetic import hermetic
from simulator.hermetic.transport import ApiTransport
from simulator.output import output_error
from simulator.result import Result
from simulator.timeline import TimelineFull
from simulator.scenario import model
from simulator.scenario.defaults import internal_errors
from simulator.scenario.refs import expand, resolve_app
from simulator.transports import MEDIA_LIMIT, Transport, make_transport
from simulator.voice_api.auth import Credentials
from simulator.voice_api.run import RunApi

RECORDINGS_DIR = "recordings"
BLOCK_SECONDS = 10.0  # render/write granularity: 80 000 samples a channel


def simulate(scenario: model.Scenario, out_dir: Path | None = None, *,
             between: Callable[[Simulation], None] | None = None, **engine: Any) -> Result:
    """Run ``scenario`` to its end; write recordings under ``out_dir`` when given.

    For the Voice API emulator (simulator/server): ``engine`` holds extra ``Simulation``
    keywords (``ring``: the outbound call rings first, like one placed by createCall;
    ``account_id``/``application_id`` of its webhooks); ``between(sim)`` is called whenever the
    engine waits on an effect, before and after the runner answers it, so REST requests the
    app made meanwhile can be put on the clock at that virtual instant. ``engine`` may also
    name the ``catalogue`` to run (default: engine/catalogue.py ``CATALOGUE``)."""
    media = load_caller_media(scenario)
    check_tts(scenario)
    sim = _simulation(scenario, media, engine)
    # Scenario strings may name calls by {{calls.NAME.callId}}; the ids are drawn from the seed
    # when the Simulation is made, so a scenario that has references is expanded and run by a
    # second Simulation of the same seed: the same ids.
    expanded = expand(scenario, sim.call_ids)
    if expanded is not scenario:
        scenario, sim = expanded, _simulation(expanded, media, engine)
    out = Path(out_dir) if out_dir is not None else None
    api = voice_api(scenario, sim, out)
    transport = ApiTransport(api, make_transport(
        resolve_app(scenario.app, sim.call_ids), scenario.base_dir,
        answer_url=scenario.call.answer_url,
        source=str(scenario.file) if scenario.file is not None else None))
    internal: Exception | None = None
    try:
        with hermetic(api):
            drive(sim, transport, out, between, api=api)
    except SimulatorError:
        raise
    except Exception as error:  # a simulator bug, or the timeline limit: keep the run so far
        limited = isinstance(culprit(error), TimelineFull)
        if not limited:
            internal = error
            trace = traceback.format_exc()
        for effect, written in (stop_at_limit if limited else salvage)(sim, error):
            try:
                written(write_recording(effect, out, sim.speech))
            except Exception:  # noqa: BLE001 - best effort: its `file` stays null
                pass
    finally:
        api.close()
        transport.close()
    result = Result(name=scenario.name, file=_display_path(scenario.file), seed=scenario.seed,
                    calls=sim.calls_json(), callbacks=sim.callbacks, out_dir=out,
                    recordings=sim.recordings_json(), timeline=sim.timeline.to_json(),
                    call_ids=dict(sim.call_ids))
    if internal is not None:  # the failure is read from salvage's internal-error entry
        result.internal_error = trace
        result.passed = False
        result.failures = [f.to_json() for f in
                           internal_errors({"timeline": result.timeline.to_json()}, scenario.line)]
    return result


def _simulation(scenario: model.Scenario, media: dict, engine: dict) -> Simulation:
    fixed = {"account_id": scenario.api.account_id} if scenario.api.account_id else {}
    return Simulation(call=scenario.call, base_url=scenario.app.base_url,
                      caller=scenario.caller, seed=scenario.seed, epoch=scenario.epoch,
                      media=media, parties=scenario.parties, calls=scenario.calls,
                      rest=scenario.rest, tts=scenario.tts,
                      processing=scenario.recording_processing,
                      **{"catalogue": CATALOGUE, **fixed, **engine})


def voice_api(scenario: model.Scenario, sim: Simulation, out_dir: Path | None) -> RunApi:
    """The run's own Voice API (voice_api/run.py, docs/hermetic.md), with the credentials the
    scenario fixed (``api:``)."""
    settings = scenario.api
    credentials = Credentials(settings.username, settings.password, settings.account_id,
                              where="the scenario's api.username/api.password")
    api = RunApi(sim, credentials=credentials, out_dir=out_dir, name=scenario.name,
                 render=lambda effect, path: render_recording(effect, path, sim.speech))
    api.network = settings.network
    return api


def drive(sim: Simulation, transport: Transport, out_dir: Path | None,
          between: Callable[[Simulation], None] | None = None, *,
          api: RunApi | None = None) -> None:
    """The runner loop: answer every effect until the simulation is over.

    With ``api`` (the run's Voice API) the engine steps under ``api.lock`` and waits on
    effects without it, so the app's requests see the simulation at rest; ``api.between``
    lands what they asked for whenever the engine waits."""
    lock = api.lock if api is not None else contextlib.nullcontext()
    hooks = [hook for hook in (between, api.between if api is not None else None) if hook]
    with lock:
        effect = sim.start()
    while effect is not None:
        with lock:
            for hook in hooks:
                hook(sim)
        if isinstance(effect, Webhook):
            answer: Any = deliver(transport, effect)
        elif isinstance(effect, FetchAudio):
            answer = fetch_audio(transport, effect, sim.settings.callback_timeout)
        elif isinstance(effect, SynthesizeSpeech):
            answer = synthesize_speech(effect)
        elif isinstance(effect, RecordingDone):
            answer = write_recording(effect, out_dir, sim.speech)
            if api is not None:
                api.recording_written(effect, answer)
        else:  # pragma: no cover - the engine only emits the four kinds above
            raise TypeError(f"unknown effect {effect!r}")
        with lock:
            for hook in hooks:
                hook(sim)
            effect = sim.send(answer)


def load_caller_media(scenario: model.Scenario) -> dict[Path, np.ndarray]:
    """Samples of every ``play`` step (caller, parties, created calls), read up front."""
    steps = list(scenario.caller)
    for party in [*scenario.parties.values(), *scenario.calls.values()]:
        steps += list(party.caller)
    media: dict[Path, np.ndarray] = {}
    for step in steps:
        if isinstance(step, model.Play) and step.path not in media:
            try:
                media[step.path] = read_audio(step.path)
            except MediaError as error:  # point at the scenario's `play:` line, not only the file
                raise MediaError(f"play: {error.message} {step.path}",
                                 where=f"{scenario.file or '<mapping>'}:{step.line}",
                                 expected=error.expected, got=error.got) from None
    return media


def check_tts(scenario: model.Scenario) -> None:
    """``tts: espeak`` needs espeak-ng: fail before the run, at the scenario's ``tts:`` line
    (or its name's, when ``--tts`` asked for it), when the tts extra is missing."""
    if scenario.tts != "espeak":
        return
    from simulator.audio.tts import EspeakVoice   # the tts extra's engine: only when asked for

    try:
        EspeakVoice.get()
    except MediaError as error:
        raise MediaError(error.message, where=f"{scenario.file or '<mapping>'}:"
                         f"{scenario.tts_line or scenario.line}",
                         expected=error.expected, got=error.got) from None


def synthesize_speech(effect: SynthesizeSpeech) -> SynthesizedSpeech:
    """Speak a SpeakSentence text run or a caller ``say`` with espeak-ng (audio/tts.py)."""
    from simulator.audio.tts import EspeakVoice   # imported by check_tts before the run

    return SynthesizedSpeech(EspeakVoice.get().speak(effect.text, voice=effect.voice,
                                                     gender=effect.gender, locale=effect.locale))


def fetch_audio(transport: Transport, effect: FetchAudio, timeout: float) -> FetchedAudio:
    """GET a PlayAudio URL and decode it; failures become an error text (README #22)."""
    headers = {"User-Agent": USER_AGENT}
    if effect.auth is not None:
        headers["Authorization"] = basic_auth(effect.auth)
    reply = transport.send("GET", effect.url, headers=headers, timeout=timeout,
                           max_bytes=MEDIA_LIMIT)
    if reply.status is None or reply.error:   # no response, or a body over the media limit
        return FetchedAudio(None, reply.error or "no response", reply.elapsed)
    if not 200 <= reply.status < 300:
        return FetchedAudio(None, f"HTTP {reply.status}", reply.elapsed)
    try:
        samples = decode_playable(reply.content, effect.url, reply.headers.get("content-type"))
    except MediaError as error:  # the engine's message names the URL already
        return FetchedAudio(None, str(error).removeprefix(f"{error.where}: "), reply.elapsed)
    return FetchedAudio(samples, None, reply.elapsed)


def recording_path(effect: RecordingDone) -> str:
    return f"{RECORDINGS_DIR}/{effect.recording_id}.{effect.file_format}"


def write_recording(effect: RecordingDone, out_dir: Path | None,
                    cache: SpeechCache | None = None) -> str:
    """Render and stream one recording to its file; returns the path relative to ``out_dir``.
    ``cache``: the run's speech already synthesised (Simulation.speech)."""
    relative = recording_path(effect)
    if out_dir is None:
        return relative
    try:
        render_recording(effect, out_dir / relative, cache)
    except OSError as exc:   # a full disk, a file-size limit: the run cannot be saved
        (out_dir / relative).unlink(missing_ok=True)   # never leave a truncated file
        raise output_error(exc, out_dir / relative) from None
    return relative


def render_recording(effect: RecordingDone, path: Path, cache: SpeechCache | None = None) -> None:
    """Stream the recording's audio into a WAV/MP3 file at ``path`` (OSError when it cannot)."""
    with RecordingSink(path, channels=effect.channels, file_format=effect.file_format) as sink:
        for block in recording_blocks(effect, cache):
            sink.write(block)


def recording_blocks(effect: RecordingDone, cache: SpeechCache | None = None):
    """The recording's audio, segment after segment, in blocks: (n,) mono or (n, 2). A mono
    mix of both sides may go past [-1, 1]: the sink clips every block as it converts it."""
    for start, end in effect.segments:
        remote = render(effect.remote, start, end, block_seconds=BLOCK_SECONDS, cache=cache)
        if effect.channels == 1 and not effect.played:   # the caller alone: no silence to add
            yield from remote
            continue
        played = render(effect.played, start, end, block_seconds=BLOCK_SECONDS, cache=cache)
        for caller_block, platform_block in zip(remote, played):
            if effect.channels == 2:
                yield np.column_stack((caller_block, platform_block))
            else:
                yield caller_block + platform_block


def _display_path(path: Path | None) -> str | None:
    """The scenario file relative to the working directory when inside it (stable output)."""
    if path is None:
        return None
    return _displayed(os.fspath(path), os.getcwd())


#: Scenario files whose displayed path is kept: more than any suite's (a warm pass over a suite
#: larger than the table would find none of its files in it, a least-recently-used table
#: being emptied in the order it is read).
_DISPLAYED_MAX = 8192


@functools.lru_cache(maxsize=_DISPLAYED_MAX)
def _displayed(path: str, cwd: str) -> str:
    """``_display_path`` of ``path`` seen from ``cwd``: the same for every run of a scenario
    in a process (a symlink test of the file, its folder's realpath walk, saved each time)."""
    try:
        if os.path.isabs(path):
            real, base = _real_file(path), _real_folder(cwd)
            if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
                return Path(os.path.relpath(path, cwd)).as_posix()
        return Path(path).as_posix()
    except ValueError:   # a path the system refuses (a NUL byte): shown as given
        return Path(path).as_posix()


def _real_file(path: str) -> str:
    """``os.path.realpath(path)`` of an absolute path: its folder's (once a process: a suite's
    files share a few folders, and the walk costs a stat per part of the path) joined with
    its name, which is all realpath does with a last part that is not a symlink."""
    folder, name = os.path.split(path)
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)   # a NUL byte: ValueError, as realpath
    except OSError:   # missing: realpath keeps the name as it is
        link = False
    if link or name in ("", ".", ".."):
        return os.path.realpath(path)
    return os.path.join(_real_folder(folder), name)


@functools.lru_cache(maxsize=1024)
def _real_folder(folder: str) -> str:
    """A folder with its symlinks resolved (the working directory, a scenario file's folder):
    once a process, not once a file."""
    return os.path.realpath(folder)
