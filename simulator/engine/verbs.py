"""One generator flow per verb, and the registry that maps node classes to flows.

A flow has the signature ``flow(ctx, node) -> Generator[command | effect, answer, Outcome|None]``
(see process.py for the commands). It returns an :class:`Outcome` whose ``document``, when set,
replaces the rest of the current document. Hang-ups and max_duration arrive as exceptions
thrown into the flow; flows that hold resources clean up in ``except``/``finally``.

Media verbs put their audio on the leg's ``played`` track as spans (so recordings and
multiChannel channel 2 contain it) and block for its length; an interruption cuts the spans at
that instant. Durations (README #21): SpeakSentence = ``tts_seconds`` of its SSML parts (0.4 s a
word + breaks), or with ``tts: espeak`` the synthesised audio's length + breaks; PlayAudio = the fetched file's length; SendDtmf per its timing rules; Ring and
Pause their ``duration``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from simulator.audio.synth import SAMPLE_RATE, Span, tts_seconds
from simulator.bxml import nodes
from simulator.bxml.ssml import spoken_parts
from simulator.engine.documents import Context, Outcome, run_verb, sync_webhook
from simulator.engine.effects import Auth, FetchAudio, SynthesizeSpeech
from simulator.engine.process import Get, Mailbox, Sleep
from simulator.engine.simulation import EndCall

RINGBACK = ((440.0, 480.0), 2.0, 4.0)  # North American ringback: 440+480 Hz, 2 s on, 4 s off


# -- media helpers -------------------------------------------------------------------------------

def speech_spans(ctx: Context, node: nodes.SpeakSentence):
    """TTS of a SpeakSentence as spans from now, and its length; ``<break>``s leave silence.

    A generator (``spans, seconds = yield from speech_spans(ctx, node)``): with the
    deterministic model (default) each text run is a ``speech`` span of ``tts_seconds``; with
    ``sim.tts == "espeak"`` each text run is asked of the runner (``SynthesizeSpeech``, no
    virtual time passes) and becomes a ``samples`` span as long as the synthesised audio.
    """
    parts = spoken_parts(node.text)
    t = start = ctx.now
    spans = []
    for part in parts:
        if isinstance(part, str) and ctx.sim.tts != "model":
            reply = yield SynthesizeSpeech(call_id=ctx.leg.call_id, text=part, voice=node.voice,
                                           gender=node.gender, locale=node.locale,
                                           engine=ctx.sim.tts)
            seconds = len(reply.samples) / SAMPLE_RATE
            if seconds > 0:
                spans.append(Span(t, t + seconds, "samples", text=part, samples=reply.samples))
        else:
            seconds = tts_seconds([part])
            if isinstance(part, str) and seconds > 0:
                spans.append(Span(t, t + seconds, "speech", text=part,
                                  seed=ctx.sim.audio_rng.getrandbits(32)))
        t += seconds
    return spans, t - start


def audio_spans(ctx: Context, node: nodes.PlayAudio):
    """Fetch the PlayAudio media through the runner; the call fails if it cannot be played."""
    url = ctx.sim.resolve(node.url, ctx.base_url)
    auth = Auth(node.username, node.password or "") if node.username is not None else None
    reply = yield FetchAudio(call_id=ctx.leg.call_id, url=url, auth=auth)
    if reply.elapsed > 0:
        yield Sleep(reply.elapsed)
    if reply.error is not None or reply.samples is None:
        raise EndCall("application-error", f"PlayAudio {url}: {reply.error or 'no audio'}")
    seconds = len(reply.samples) / SAMPLE_RATE
    return [Span(ctx.now, ctx.now + seconds, "samples", samples=reply.samples)], seconds


def play(ctx: Context, spans: list[Span], seconds: float, *, listen: Mailbox | None = None):
    """Put ``spans`` on the played track and block for ``seconds``.

    With ``listen``, a key arriving in that mailbox stops playback at once (barge-in) and is
    returned; otherwise returns None when playback finished.
    """
    track = ctx.leg.played
    indices = [track.add(span) for span in spans]

    def cut() -> None:
        for index in indices:
            track.cut(index, ctx.now)

    try:
        if listen is not None:
            key = yield Get(listen, timeout=seconds)
            if key is not None:
                cut()
            return key
        yield Sleep(seconds)
        return None
    except BaseException:
        cut()
        raise


# -- blocking media verbs ------------------------------------------------------------------------

def speak_sentence(ctx: Context, node: nodes.SpeakSentence):
    spans, seconds = yield from speech_spans(ctx, node)
    yield from play(ctx, spans, seconds)


def play_audio(ctx: Context, node: nodes.PlayAudio):
    spans, seconds = yield from audio_spans(ctx, node)
    yield from play(ctx, spans, seconds)


def pause(ctx: Context, node: nodes.Pause):
    yield Sleep(node.duration)


def ring(ctx: Context, node: nodes.Ring):
    (low, high), on, off = RINGBACK
    spans, t, end = [], ctx.now, ctx.now + node.duration
    while t < end:
        stop = min(t + on, end)
        spans += [Span(t, stop, "tone", freq=low), Span(t, stop, "tone", freq=high)]
        t += on + off
    yield from play(ctx, spans, node.duration)


def dtmf_schedule(digits: str, tone_ms: float, interval_ms: float) -> tuple[list[tuple[float, float, str]], float]:
    """(offset, length, key) of each tone and the total length, in seconds (spec §3.5).

    Each tone is followed by ``toneInterval`` of silence, unless pause characters follow it:
    they *replace* the interval (``,``/``w`` 0.5 s, ``W`` 1 s).
    """
    tone, interval = tone_ms / 1000.0, interval_ms / 1000.0
    tones, t, i = [], 0.0, 0
    while i < len(digits):
        ch = digits[i]
        if ch in ",wW":
            t += 1.0 if ch == "W" else 0.5
            i += 1
            continue
        tones.append((t, tone, ch))
        t += tone
        if i + 1 >= len(digits) or digits[i + 1] not in ",wW":
            t += interval
        i += 1
    return tones, t


def send_dtmf(ctx: Context, node: nodes.SendDtmf):
    tones, total = dtmf_schedule(node.digits, node.tone_duration, node.tone_interval)
    spans = [Span(ctx.now + at, ctx.now + at + length, "dtmf", digit=key)
             for at, length, key in tones]
    yield from play(ctx, spans, total)


# -- flow control --------------------------------------------------------------------------------

def hangup(ctx: Context, node: nodes.Hangup):
    raise EndCall("hangup")
    yield  # pragma: no cover - makes this a generator


def tag(ctx: Context, node: nodes.Tag):
    ctx.leg.tag = node.value.strip() or None
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "tag", verb="Tag", line=node.line or None,
                         tag=ctx.leg.tag)
    return None
    yield  # pragma: no cover


def redirect(ctx: Context, node: nodes.Redirect):
    payload = ctx.sim.payloads.redirect(ctx.sim.envelope(ctx.leg), at=ctx.now)
    document = yield from sync_webhook(
        ctx, payload, url=node.redirect_url, method=node.redirect_method, node=node,
        fallback_url=node.redirect_fallback_url, fallback_method=node.redirect_fallback_method)
    return Outcome("redirected", document)


# -- Gather (spec §4.1, README #13) --------------------------------------------------------------

def gather(ctx: Context, node: nodes.Gather):
    rt = ctx.rt
    box = Mailbox(ctx.sim.clock)
    rt.capture, rt.capture_exclusive = box, True  # StartGather is paused during Gather
    try:
        digits, terminator, reason = yield from _collect(ctx, node, box)
    finally:
        rt.capture, rt.capture_exclusive = None, False
    detail = {"digits": digits, "terminatingDigit": terminator}
    if not node.gather_url:
        return Outcome(reason, None, detail)
    payload = ctx.sim.payloads.gather(ctx.sim.envelope(ctx.leg), at=ctx.now, digits=digits,
                                      terminating_digit=terminator)
    document = yield from sync_webhook(
        ctx, payload, url=node.gather_url, method=node.gather_method, node=node,
        fallback_url=node.gather_fallback_url, fallback_method=node.gather_fallback_method)
    return Outcome(reason, document, detail)


def _collect(ctx: Context, node: nodes.Gather, box: Mailbox):
    """(digits, terminating digit, reason) per the algorithm of spec §4.1."""
    plays = 0
    while True:
        plays += 1
        key = None
        for prompt in node.prompts:
            key = yield from _prompt(ctx, prompt, box)
            if key is not None:
                break
        if key is None:
            key = yield Get(box, timeout=node.first_digit_timeout)
            if key is None:
                if plays < node.repeat_count:
                    continue
                return "", "", "timeout"
        break
    digits = ""
    while True:
        if key in node.terminating_digits:
            return digits, key, "terminating-digit"
        digits += key
        if len(digits) >= node.max_digits:
            return digits, "", "max-digits"
        key = yield Get(box, timeout=node.inter_digit_timeout)
        if key is None:
            return digits, "", "inter-digit-timeout"


def _prompt(ctx: Context, prompt: nodes.Node, box: Mailbox):
    """Play one nested prompt with barge-in; returns the key that stopped it, if any."""
    key = None

    def flow(ctx: Context, prompt: nodes.Node):
        nonlocal key
        if isinstance(prompt, nodes.SpeakSentence):
            spans, seconds = yield from speech_spans(ctx, prompt)
        else:
            spans, seconds = yield from audio_spans(ctx, prompt)
        key = yield from play(ctx, spans, seconds, listen=box)
        return Outcome("barge-in" if key is not None else "completed")

    yield from run_verb(ctx, prompt, nested=True, flow=flow)
    return key


# -- StartGather / StopGather (spec §4.2, §4.3; README #26) --------------------------------------

def start_gather(ctx: Context, node: nodes.StartGather):
    ctx.rt.start_gather = (node, ctx.base_url)  # a second one replaces the first
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "gather-start", verb="StartGather",
                         line=node.line or None)
    return None
    yield  # pragma: no cover


def stop_gather(ctx: Context, node: nodes.StopGather):
    active = ctx.rt.start_gather is not None
    ctx.rt.start_gather = None
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "gather-stop", verb="StopGather",
                         line=node.line or None, ignored=not active)
    return None
    yield  # pragma: no cover


# -- registry ------------------------------------------------------------------------------------

def _not_simulated(ctx: Context, node: nodes.Node):
    name = type(node).__name__
    raise EndCall("application-error",
                  f"<{name}> at line {node.line} is not simulated by this version of bxmlsim")
    yield  # pragma: no cover


FLOWS: dict[type, Callable] = {
    nodes.SpeakSentence: speak_sentence,
    nodes.PlayAudio: play_audio,
    nodes.Pause: pause,
    nodes.Ring: ring,
    nodes.SendDtmf: send_dtmf,
    nodes.Hangup: hangup,
    nodes.Tag: tag,
    nodes.Redirect: redirect,
    nodes.Gather: gather,
    nodes.StartGather: start_gather,
    nodes.StopGather: stop_gather,
}


def register(node_class: type, flow: Callable) -> None:
    """Add or replace the flow of a verb (used by the recording, stream, connection and Refer
    modules)."""
    FLOWS[node_class] = flow


def flow_for(node: nodes.Node) -> Callable:
    _load_extensions()
    return FLOWS.get(type(node), _not_simulated)


@functools.cache
def _load_extensions() -> None:
    """Import the modules that register the other verbs (they import this one, so not at the
    top): recording, streams, Transfer/Forward, Bridge, Conference, Refer."""
    from simulator.engine import (bridge, conference, connect,  # noqa: F401
                                  verbs_recording, verbs_refer, verbs_stream)
