"""Answering-machine detection (AMD) on an outbound call: createCall ``machineDetection``.

Owns the verdict, a pure function of what the far end sends (:func:`classify`), and the
detection on a leg (:class:`Detection`): it starts at the answer, re-decides whenever the far
end sends more audio, and hands the result over -- in ``sync`` mode to the answer webhook,
which waits for it (engine/documents.py call_flow), in ``async`` mode as a machineDetectionComplete
webhook to ``callback_url`` (async delivery: fallback, auth; its body is ignored).

The verdict (spec voice-api.md §3.1; times are seconds since the answer):

* The far end's audio (the leg's ``remote`` track: ``say``, ``play``, ``press``) is cut into
  20 ms frames; a frame is *sound* unless :func:`~simulator.audio.detect.silent_frames` finds
  it silent (-40 dBFS), the very test Record's silenceTimeout uses.
* *Speech* starts at the first sound and carries on across silent gaps shorter than
  ``speech_end_threshold`` (pauses between words, or between two ``say`` steps); a silent run
  of ``speech_end_threshold`` ends it where the silence began.
* ``silence``: no sound before ``silence_timeout``; decided at ``silence_timeout``.
* ``answering-machine``: speech has lasted ``speech_threshold`` (gaps included); decided at that
  moment, or when sound resumes if the threshold passed during a gap (its frame's start, but
  never before the sound came: a verdict is not dated before it is taken). With ``delay_result`` it
  is held until the greeting ends: ``machine_speech_end_threshold`` of silence (decided at its
  end), else at ``detection_timeout``.
* ``human``: speech that ended (``speech_end_threshold`` of silence) shorter than
  ``speech_threshold``; decided when that silence is complete.
* ``timeout``: nothing decided by ``detection_timeout``. A verdict due exactly then wins.

DTMF and tones are sound like speech (no tone detection: ``tone-detected`` is an account
option Bandwidth enables; ``error`` never happens here). The far end hanging up, or the call
ending otherwise, before a verdict gives no result at all: no machineDetectionComplete, and in
sync mode no answer webhook (the call just ends); a timeline entry says why. A verdict due at
the very instant of a hang-up loses (decisions run after everything else of an instant).
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from simulator.audio.detect import FRAME_SECONDS, silent_frames
from simulator.audio.synth import SAMPLE_RATE, render
from simulator.callbacks import MachineDetectionResult
from simulator.callbacks.formats import milliseconds
from simulator.engine.clock import LATE
from simulator.engine.legs import Leg
from simulator.engine.process import Signal, Wait
from simulator.engine.simulation import Simulation
from simulator.scenario.model import MachineDetection

FRAME_SAMPLES = int(round(FRAME_SECONDS * SAMPLE_RATE))
_EPS = 1e-9


@attrs.frozen
class Decision:
    """A verdict (``value`` of callbacks.md §3.16) and when it falls, in seconds since the
    answer (the result's ``duration``)."""

    value: str
    at: float = attrs.field(converter=float)


def classify(sound: np.ndarray, config: MachineDetection,
             frame: float = FRAME_SECONDS) -> Decision:
    """The verdict for the far end's audio as per-frame sound flags from the answer on.

    Frames past the end of ``sound`` are silence, up to ``detection_timeout``: that silence is
    one run, never allocated, so the cost follows ``len(sound)``, not the timeout. Pure: the
    same flags and thresholds always give the same verdict (module docstring)."""
    limit = config.detection_timeout
    needed = max(1, math.ceil(limit / frame - _EPS))
    flags = np.asarray(sound, dtype=bool)[:needed]
    speech_start = machine_at = None
    for lo, hi, is_sound in _runs(flags, needed):
        start, end = round(lo * frame, 9), min(round(hi * frame, 9), limit)
        if start >= limit:
            break
        if is_sound:  # a run of sound
            if speech_start is None:
                speech_start = start
            if machine_at is None and end - speech_start >= config.speech_threshold - _EPS:
                machine_at = max(speech_start + config.speech_threshold, start)
                if not config.delay_result:
                    return Decision("answering-machine", machine_at)
        elif speech_start is None:  # silence before any sound
            if end >= config.silence_timeout - _EPS:
                return Decision("silence", config.silence_timeout)
        else:  # silence after speech: a gap, or the end of it
            quiet = config.machine_end_threshold if machine_at is not None \
                else config.speech_end_threshold
            if end >= start + quiet - _EPS:
                return Decision("answering-machine" if machine_at is not None else "human",
                                start + quiet)
    return Decision("answering-machine" if machine_at is not None else "timeout", limit)


def _runs(flags: np.ndarray, total: int) -> list[list]:
    """``(first, stop, sound?)`` runs of frames ``0 .. total``: those of ``flags``, then
    silence to ``total`` (joined to a last silent run)."""
    runs = []
    if len(flags):
        bounds = np.r_[0, np.flatnonzero(np.diff(flags.astype(np.int8))) + 1, len(flags)]
        runs = [[int(lo), int(hi), bool(flags[lo])] for lo, hi in zip(bounds[:-1], bounds[1:])]
    if len(flags) < total:
        if runs and not runs[-1][2]:
            runs[-1][1] = total
        else:
            runs.append([len(flags), total, False])
    return runs


class Detection:
    """AMD running on one answered outbound leg, hooked on the leg while it runs: the far end's
    audio (:meth:`heard`) and the leg's end (:meth:`stop`, engine/runtime.py hooks).

    Not a process: a timer at the verdict due for the audio known so far (LATE priority, so a
    hang-up or new audio of the same instant is seen first), moved whenever the far end sends
    more. Audio before now never changes (the far end
    only adds spans starting now), so frames that ended are rendered once and kept.

    Memory follows the audio the far end sent, never ``detection_timeout``: flags are kept
    only up to the last sound frame (silence after it is implicit, see :func:`classify`), and
    the known audio is rendered in blocks up to its end."""

    def __init__(self, sim: Simulation, leg: Leg, config: MachineDetection) -> None:
        self.sim, self.leg, self.config = sim, leg, config
        self.start = leg.answer_at
        self.result: MachineDetectionResult | None = None
        self.decided = Signal(sim.clock)  # fires with the result (sync: the answer waits)
        self.over = False
        self._first_sample = int(round(self.start * SAMPLE_RATE))
        self._frames = math.ceil(int(round(config.detection_timeout * SAMPLE_RATE))
                                 / FRAME_SAMPLES)  # frames up to detectionTimeout
        self._ended = 0  # frames that have ended (their audio is final)
        self._final = np.zeros(0, dtype=bool)  # their sound flags, to the last sound frame
        self._timer = None

    @property
    def sync(self) -> bool:
        return self.config.mode == "sync"

    # -- deciding ------------------------------------------------------------------------------

    def heard(self) -> None:
        """The far end sent audio: the verdict may move."""
        if not self.over:
            self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        decision = classify(self.sound(), self.config)
        now = self.sim.now - self.start
        if decision.at < now:  # sound resumed inside a frame begun before it: decided now
            decision = Decision(decision.value, now)
        self._timer = self.sim.clock.call_at(self.start + decision.at,
                                             lambda: self._conclude(decision), LATE)

    def _conclude(self, decision: Decision) -> None:
        if self.over:
            return
        self.over = True
        sim, leg, config = self.sim, self.leg, self.config
        self._unhook()
        # eventTime - answerTime, both to the ms as payloads write them: exactly the duration
        duration = (milliseconds(sim.now) - milliseconds(self.start)) / 1000
        self.result = MachineDetectionResult(decision.value, duration)
        sim.timeline.add(sim.now, leg.call_id, "machine-detection", mode=config.mode,
                         value=decision.value, duration=duration)
        if not self.sync and config.callback_url:
            payload = sim.payloads.machine_detection_complete(sim.envelope(leg), at=sim.now,
                                                              result=self.result)
            sim.post(sim.webhook(leg, payload, url=config.callback_url, base=sim.base_url,
                                 method=config.callback_method, node=config,
                                 fallback_url=config.fallback_url,
                                 fallback_method=config.fallback_method, sync=False))
        self.decided.fire(self.result)

    def stop(self, reason: str) -> None:
        """No verdict: the call ended (``hangup``: the far end hung up; ``call-ended``) or, in
        sync mode, its BXML was replaced before the answer webhook (``redirected``, ...)."""
        if self.over:
            return
        self.over = True
        if self._timer is not None:
            self._timer.cancel()
        sim = self.sim
        self._unhook()
        sim.timeline.add(sim.now, self.leg.call_id, "machine-detection", mode=self.config.mode,
                         value=None, duration=sim.now - self.start, reason=reason)

    def _hook(self) -> None:
        rt = self.sim.rt(self.leg)
        rt.on_far_end_audio(self.heard)
        rt.on_end(self.stop)  # ended before a verdict: no result

    def _unhook(self) -> None:
        rt = self.sim.rt(self.leg)
        rt.forget(self.heard)
        rt.forget(self.stop)

    def wait(self):
        """(In the call's flow) until the verdict; returns the result."""
        if self.result is None:
            yield Wait(self.decided)
        return self.result

    # -- the far end's audio ---------------------------------------------------------------

    def sound(self) -> np.ndarray:
        """Sound flags of the far end's frames from the answer to its last sound frame before
        detectionTimeout, as the remote track holds them now (after it: silence, until more
        comes)."""
        now_sample = int(round(self.sim.now * SAMPLE_RATE))
        ended = min(self._frames, max(0, (now_sample - self._first_sample) // FRAME_SAMPLES))
        if self._ended < ended:
            self._final = _joined(self._final, self._ended, self._render(self._ended, ended))
            self._ended = ended
        return _joined(self._final, ended, self._render(ended, self._frames))

    def _render(self, first: int, stop: int) -> np.ndarray:
        """Sound flags of frames ``first`` .. ``stop`` (frame 0 starts at the answer), up to the
        end of the audio known now: shorter when it ends before ``stop``."""
        begin, end = self._time(first), self._time(stop)
        spans = [span for span in self.leg.remote.between(begin, end) if span.kind != "silence"]
        if not spans:
            return np.zeros(0, dtype=bool)
        last = min(end, max(span.end for span in spans))
        heard_to = min(stop, first + math.ceil(
            (int(round(last * SAMPLE_RATE)) - self._time_sample(first)) / FRAME_SAMPLES))
        if heard_to <= first:
            return np.zeros(0, dtype=bool)
        # 10 s blocks are whole frames: flags block by block are those of the whole audio
        blocks = [~silent_frames(block) for block in render(spans, begin, self._time(heard_to),
                                                            cache=self.sim.speech)]
        return np.concatenate(blocks)

    def _time_sample(self, frame: int) -> int:
        return self._first_sample + frame * FRAME_SAMPLES

    def _time(self, frame: int) -> float:
        return self._time_sample(frame) / SAMPLE_RATE


def _joined(flags: np.ndarray, at: int, more: np.ndarray) -> np.ndarray:
    """``flags`` (silence after them), then ``more`` from frame ``at`` on, cut after the last
    sound frame."""
    sounds = np.flatnonzero(more)
    if not len(sounds):
        return flags
    return np.concatenate([flags, np.zeros(at - len(flags), dtype=bool),
                           more[:sounds[-1] + 1]])


def start_detection(sim: Simulation, leg: Leg,
                    config: MachineDetection | None) -> Detection | None:
    """Start AMD on ``leg`` (just answered) when ``config`` asks for it."""
    if config is None:
        return None
    detection = Detection(sim, leg, config)
    detection._hook()
    detection._schedule()
    return detection
