"""The far end's script (scenario ``caller:`` steps) as a process on one leg.

The script starts when the leg is answered; steps run one after the other, or at
``answer + at`` seconds when a step carries ``at`` (a time already past runs at once).

* ``say``: a speech span on the leg's ``remote`` track (``seconds`` or 0.4 s a word); its text
  feeds transcriptions. With ``tts: espeak`` the text is spoken by espeak-ng (a male en_US
  voice) and the step lasts the synthesised speech, or ``seconds`` when longer (a minimum:
  silence follows the speech).
* ``silence``: nothing is heard for that long.
* ``press``: per key a DTMF tone of ``tone`` seconds, ``gap`` seconds between keys (none after
  the last). The key *event* (Gather, Record terminatingDigits, StartGather) happens when the
  tone **starts**: so a terminating key ends a Record before its tone is recorded and a key
  stops a Gather prompt at once (barge-in).
* ``play``: the file's samples (read by the runner, handed in as ``media[path]``).
* ``wait_for``: until that verb starts on this leg, or at once when it is executing there as
  the step begins (a Gather prompt counts). A start at or after the step's moment counts even
  if that verb has already ended (zero-time verbs); earlier, finished ones do not, and one start
  satisfies one ``wait_for``.
* ``hangup``: the far end hangs up (thrown into the call's flow).

When the script runs out, the far end stays on the line in silence. When the call ends while
the script is still at a ``wait_for``, the steps after it never run: the leg's end logs an
``unmet-wait-for`` entry (:func:`unmet_wait_for`), which fails the scenario unless its
expectations name it (scenario/defaults.py).
"""

from __future__ import annotations

import attrs

from simulator.audio.synth import SAMPLE_RATE, Span
from simulator.engine.effects import SynthesizeSpeech
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep, Wait
from simulator.scenario import model

SECONDS_PER_WORD = 0.4
# With ``tts: espeak`` the far end speaks as a male en_US voice (a SpeakSentence defaults to a
# female one), so the two sides sound different in a mixed recording.
CALLER_GENDER, CALLER_LOCALE = "male", "en_US"


def caller_flow(sim, leg: Leg, steps):
    rt = sim.rt(leg)
    answer_at = leg.answer_at
    seen = 0  # verb starts before this index already satisfied a wait_for
    for number, step in enumerate(steps, 1):
        if step.at is not None:
            delay = answer_at + step.at - sim.now
            if delay > 0:
                yield Sleep(delay)
        if isinstance(step, model.WaitFor):
            begun = sim.now
            if step.verb in rt.running:
                seen = len(leg.verb_starts)
                continue
            rt.waiting_for = Waiting(step, number, begun)
            while True:
                match = next((i for i in range(seen, len(leg.verb_starts))
                              if leg.verb_starts[i][1] == step.verb
                              and leg.verb_starts[i][0] >= begun), None)
                if match is not None:
                    seen = match + 1
                    break
                yield Wait(rt.verb_started)
            rt.waiting_for = None
        elif isinstance(step, model.Say):
            if sim.tts != "model":
                seconds = yield from _spoken(sim, leg, step)
            else:
                seconds = step.seconds if step.seconds is not None else \
                    SECONDS_PER_WORD * max(1, len(step.text.split()))
                _send(sim, leg, Span(sim.now, sim.now + seconds, "speech", text=step.text,
                                     seed=sim.audio_rng.getrandbits(32)))
            sim.timeline.add(sim.now, leg.call_id, "speech", line=step.line or None,
                             text=step.text, seconds=seconds)
            yield Sleep(seconds)
        elif isinstance(step, model.Silence):
            yield Sleep(step.seconds)
        elif isinstance(step, model.Press):
            for i, key in enumerate(step.digits):
                if i:
                    yield Sleep(step.gap)
                _send(sim, leg, Span(sim.now, sim.now + step.tone, "dtmf", digit=key))
                sim.digit(leg, key)
                yield Sleep(step.tone)
        elif isinstance(step, model.Play):
            samples = sim.media[step.path]
            seconds = len(samples) / SAMPLE_RATE
            _send(sim, leg, Span(sim.now, sim.now + seconds, "samples", samples=samples))
            sim.timeline.add(sim.now, leg.call_id, "audio", line=step.line or None,
                             file=step.path.name, seconds=seconds)
            yield Sleep(seconds)
        elif isinstance(step, model.Hangup):
            sim.remote_hangup(leg)
            return


@attrs.frozen
class Waiting:
    """The ``wait_for`` step a far end is at: the step, its number in the script (from 1) and
    since when it waits."""

    step: model.WaitFor
    number: int
    since: float


def unmet_wait_for(sim, leg: Leg) -> None:
    """The call ends now: log the ``wait_for`` its far end was still at, if any."""
    waiting = sim.rt(leg).waiting_for
    if waiting is None:
        return
    sim.timeline.add(sim.now, leg.call_id, "unmet-wait-for", verb=waiting.step.verb,
                     line=waiting.step.line or None, step=waiting.number, since=waiting.since)


def _send(sim, leg: Leg, span: Span) -> None:
    """The far end sends ``span``: it goes on the leg's ``remote`` track, and the hooks that
    follow the far end's audio hear of it (an answering-machine detection re-decides)."""
    leg.remote.add(span)
    sim.rt(leg).far_end_audio()


def _spoken(sim, leg: Leg, step: model.Say):
    """A ``say`` spoken by the runner's TTS (``tts: espeak``) in the caller's voice; returns
    how long the step lasts: the speech, or ``seconds`` when that is longer (a minimum)."""
    reply = yield SynthesizeSpeech(call_id=leg.call_id, text=step.text, voice=None,
                                   gender=CALLER_GENDER, locale=CALLER_LOCALE, engine=sim.tts)
    spoken = len(reply.samples) / SAMPLE_RATE
    if spoken > 0:
        _send(sim, leg, Span(sim.now, sim.now + spoken, "samples", text=step.text,
                             samples=reply.samples))
    return max(spoken, step.seconds or 0.0)
