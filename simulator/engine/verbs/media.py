"""The media verbs (bxml-verbs.md §3): SpeakSentence, PlayAudio, Pause, Ring, SendDtmf, and the
helpers that turn a verb into audio spans (also used by Gather prompts and conference BXML).

Media verbs put their audio on the leg's ``played`` track as spans (so recordings and
multiChannel channel 2 contain it) and block for its length; an interruption cuts the spans at
that instant. Durations (README #21): SpeakSentence = ``tts_seconds`` of its SSML parts (0.4 s a
word + breaks), or with ``tts: espeak`` the synthesised audio's length + breaks; PlayAudio = the fetched file's length; SendDtmf per its timing rules; Ring and
Pause their ``duration``.
"""

from __future__ import annotations

import functools

from simulator.audio.synth import SAMPLE_RATE, Span, tts_seconds
from simulator.bxml import nodes
from simulator.bxml.ssml import spoken_parts
from simulator.engine.context import Context
from simulator.engine.effects import Auth, FetchAudio, SynthesizeSpeech
from simulator.engine.process import Get, Mailbox, Sleep
from simulator.engine.signals import EndCall

RINGBACK = ((440.0, 480.0), 2.0, 4.0)  # North American ringback: 440+480 Hz, 2 s on, 4 s off


# -- media helpers -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def _spoken(text: str) -> tuple[tuple[str | float, float], ...]:
    """(part, its model seconds) of each spoken part of a SpeakSentence's text: a pure
    function of the text, which a suite's runs speak again and again (lxml parses the SSML)."""
    return tuple((part, tts_seconds([part])) for part in spoken_parts(text))


def speech_spans(ctx: Context, node: nodes.SpeakSentence):
    """TTS of a SpeakSentence as spans from now, and its length; ``<break>``s leave silence.

    A generator (``spans, seconds = yield from speech_spans(ctx, node)``): with the
    deterministic model (default) each text run is a ``speech`` span of ``tts_seconds``; with
    ``sim.tts == "espeak"`` each text run is asked of the runner (``SynthesizeSpeech``, no
    virtual time passes) and becomes a ``samples`` span as long as the synthesised audio.
    """
    t = start = ctx.now
    spans = []
    for part, model_seconds in _spoken(node.text):
        if isinstance(part, str) and ctx.sim.tts != "model":
            reply = yield SynthesizeSpeech(call_id=ctx.leg.call_id, text=part, voice=node.voice,
                                           gender=node.gender, locale=node.locale,
                                           engine=ctx.sim.tts)
            seconds = len(reply.samples) / SAMPLE_RATE
            if seconds > 0:
                spans.append(Span(t, t + seconds, "samples", text=part, samples=reply.samples))
        else:
            seconds = model_seconds
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


def listen_for(listen, timeout: float):
    """The next input of ``listen`` within ``timeout`` seconds, or None: a key from a Mailbox
    (a DTMF Gather), or whatever a listener's ``wait(timeout)`` generator returns (a speech
    Gather's keys and speech, verbs/gather_speech.py)."""
    if isinstance(listen, Mailbox):
        return (yield Get(listen, timeout=timeout))
    return (yield from listen.wait(timeout))


def play(ctx: Context, spans: list[Span], seconds: float, *, listen=None):
    """Put ``spans`` on the played track and block for ``seconds``.

    With ``listen`` (see :func:`listen_for`), an input arriving stops playback at once
    (barge-in) and is returned; otherwise returns None when playback finished.
    """
    track = ctx.leg.played
    indices = [track.add(span) for span in spans]

    def cut() -> None:
        for index in indices:
            track.cut(index, ctx.now)

    try:
        if listen is not None:
            key = yield from listen_for(listen, seconds)
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


FLOWS = {
    nodes.SpeakSentence: speak_sentence,
    nodes.PlayAudio: play_audio,
    nodes.Pause: pause,
    nodes.Ring: ring,
    nodes.SendDtmf: send_dtmf,
}
