"""Speech input of ``<Gather input="speech|dtmf_speech">`` (SDK gather.py; spec README #14 and
its simulator choices in docs/engine.md "Speech input in Gather").

A :class:`SpeechListener` is what such a Gather listens with, in place of its bare key mailbox:

* **heard**: the caller's audio on the leg's ``remote`` track, on the rendered samples with the
  silence detector Record uses (engine/hearing.py), DTMF tones left out. The caller *starts
  speaking* at the first sounding frame (:func:`~simulator.engine.hearing.first_sound`); that
  stops a prompt at once (speech barge-in), as a key does.
* **an utterance** ends when ``speechTimeout`` seconds of silence follow the speech; with
  ``dtmf_speech`` a key of ``terminatingDigits`` ends it at once too (other keys are ignored
  then). What was said is the words of the caller's ``say`` steps heard from the Gather's
  start to that end (recorder.spoken_text), recognised with the hints and profanity filter
  (engine/recognition.py).
* **racing** (``dtmf_speech``): the first input wins. A key first makes it a DTMF Gather (the
  digit rules of spec §4.1; speech is then ignored); speech first makes it a speech Gather.
  With no input yet, the Gather waits after its prompt for the longer of
  ``firstDigitTimeout`` and ``speechTimeout`` (each input gets its whole window), then
  repeats the prompt (``repeatCount``) or ends with nothing.
* ``input="speech"``: keys are not input (ignored); the no-input wait is ``speechTimeout``.
* ``partialResultCallback``: while the caller speaks, an async ``partialResult`` event at the
  end of each word (words spread evenly over a ``say``, as transcription has them) with the
  transcript so far, when it changed (README #14).
"""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.context import Context
from simulator.engine.hearing import SilenceWatch, first_sound
from simulator.engine.process import Get, Mailbox
from simulator.engine.recognition import recognise
from simulator.engine.recorder import spoken_text

EPSILON = 1e-9
FRAME = 0.02  # a detector frame: how long the end of an utterance waits while sound goes on


class _Audio:
    """The far end sent audio: the listener looks again (put in the Gather's mailbox)."""


AUDIO = _Audio()


class SpeechStarted:
    """The caller started speaking at ``at`` (an input event, like a key)."""

    def __init__(self, at: float) -> None:
        self.at = at


class SpeechListener:
    """The input of one speech-capable Gather: its key mailbox plus the caller's speech."""

    def __init__(self, ctx: Context, node: nodes.Gather, box: Mailbox) -> None:
        self.ctx, self.node, self.box = ctx, node, box
        self.leg, self.sim = ctx.leg, ctx.sim
        self.origin = ctx.now  # where the Gather starts listening: its frames and its words
        self.dtmf = node.input == "dtmf_speech"
        self.keys_only = False  # a key came first: a DTMF Gather from then on
        self.ended = False
        self._partial_slots: set[tuple[float, int]] = set()
        self._last_partial = ""
        self._hook = ctx.rt.on_far_end_audio(lambda: box.put(AUDIO))

    def close(self) -> None:
        """The Gather ended: no more waking on audio, no more partial results."""
        self.ended = True
        self.ctx.rt.forget(self._hook)

    @property
    def no_input_timeout(self) -> float:
        """How long the Gather waits after its prompt for any input (module docstring)."""
        node = self.node
        return max(node.speech_timeout, node.first_digit_timeout) if self.dtmf \
            else node.speech_timeout

    def wait(self, timeout: float):
        """The next input within ``timeout`` seconds: a key (str), :class:`SpeechStarted`, or
        None. Keys are input only with ``dtmf_speech``; speech only until a key came."""
        ctx = self.ctx
        until = ctx.now + timeout
        while True:
            now = ctx.now
            onset = None
            if not self.keys_only:
                onset = first_sound(self.leg, self.origin, now, self.sim.speech,
                                    speech_only=True)
                if onset is not None and onset <= now + EPSILON:
                    return SpeechStarted(now)
            if now >= until - EPSILON:
                return None
            wake = until if onset is None else min(until, onset)
            item = yield Get(self.box, timeout=max(0.0, wake - now))
            if item is None or item is AUDIO:
                continue
            if self.dtmf:
                self.keys_only = True
                return item

    def utterance(self, started: SpeechStarted):
        """Listen to the caller from ``started`` until the utterance ends; returns
        ``(transcript, terminating digit, reason)``."""
        ctx, node = self.ctx, self.node
        watch = SilenceWatch(self.leg, started.at, node.speech_timeout, self.sim.speech,
                             speech_only=True)
        self._schedule_partials()
        terminator, reason = "", "speech-timeout"
        while True:
            due = watch.deadline(ctx.now)
            if due <= ctx.now + EPSILON:
                if watch.detector.silent_since is not None:
                    break
                due = ctx.now + FRAME  # speechTimeout 0 and still speaking: the next frame
            item = yield Get(self.box, timeout=due - ctx.now)
            if item is AUDIO:
                self._schedule_partials()
            elif item is not None and self.dtmf and item in node.terminating_digits:
                terminator, reason = item, "terminating-digit"
                break
        return self.transcript(ctx.now), terminator, reason

    def transcript(self, until: float) -> str:
        """What the Gather recognised of the caller's words said from its start to ``until``."""
        spans = self.leg.remote.between(self.origin, until)
        return recognise(spoken_text(spans, [(self.origin, until)]), hints=self.node.hints,
                         profanity_filter=self.node.profanity_filter)

    # -- partial results ---------------------------------------------------------------------

    def _schedule_partials(self) -> None:
        """A partialResult at the end of every word the caller has started to send."""
        if self.node.partial_result_callback is None:
            return
        for span in self.leg.remote.between(self.ctx.now, float("inf")):
            words = (getattr(span, "text", None) or "").split()
            if span.kind not in ("speech", "samples") or not words:
                continue
            slot = (span.end - span.start) / len(words)
            for i in range(len(words)):
                key = (span.start, i)
                at = span.start + (i + 1) * slot
                if key in self._partial_slots or at <= self.ctx.now:
                    continue
                self._partial_slots.add(key)
                self.sim.clock.call_at(at, self._partial)

    def _partial(self) -> None:
        if self.ended:
            return
        text = self.transcript(self.sim.now + EPSILON)
        if not text or text == self._last_partial:
            return
        self._last_partial = text
        node, sim = self.node, self.sim
        payload = sim.payloads.partial_result(sim.envelope(self.leg), at=sim.now, speech=text)
        sim.post(sim.webhook(self.leg, payload, url=node.partial_result_callback,
                             base=self.ctx.base_url, method=node.partial_result_callback_method,
                             node=node, sync=False))
