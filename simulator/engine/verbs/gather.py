"""Keys from the far end (bxml-verbs.md §4): Gather (spec §4.1, README #13) with its prompts
played with barge-in, its speech input (verbs/gather_speech.py, README #14), and
StartGather/StopGather (spec §4.2, §4.3; README #26).

Where a key goes (the Gather's or Record's mailbox, a StartGather's dtmf events) is the leg's
``FarEnd`` state (engine/runtime.py); these flows move it.
"""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.context import Context, Outcome, sync_webhook
from simulator.engine.documents import run_verb
from simulator.engine.process import Mailbox
from simulator.engine.verbs.gather_speech import SpeechListener, SpeechStarted
from simulator.engine.verbs.media import audio_spans, listen_for, play, speech_spans


def gather(ctx: Context, node: nodes.Gather):
    far_end = ctx.rt.far_end
    box = Mailbox(ctx.sim.clock)
    far_end.listen(box, exclusive=True)  # StartGather is paused during Gather
    # A speech Gather listens to the caller's speech as well (verbs/gather_speech.py).
    listen = SpeechListener(ctx, node, box) if "speech" in node.input else box
    try:
        digits, terminator, reason, speech = yield from _collect(ctx, node, listen)
    finally:
        far_end.stop_listening()
        if listen is not box:
            listen.close()
    detail = {"digits": digits, "terminatingDigit": terminator}
    if speech is not None:
        detail["speech"] = speech
    if not node.gather_url:
        return Outcome(reason, None, detail)
    payload = ctx.sim.payloads.gather(ctx.sim.envelope(ctx.leg), at=ctx.now, digits=digits,
                                      terminating_digit=terminator, speech=speech)
    document = yield from sync_webhook(
        ctx, payload, url=node.gather_url, method=node.gather_method, node=node,
        fallback_url=node.gather_fallback_url, fallback_method=node.gather_fallback_method)
    return Outcome(reason, document, detail)


def _collect(ctx: Context, node: nodes.Gather, listen):
    """(digits, terminating digit, reason, transcript or None for a DTMF Gather) per the
    algorithm of spec §4.1; a speech Gather's speech by verbs/gather_speech.py."""
    speech = None if isinstance(listen, Mailbox) else ""
    no_input = node.first_digit_timeout if speech is None else listen.no_input_timeout
    plays = 0
    while True:
        plays += 1
        key = None
        for prompt in node.prompts:
            key = yield from _prompt(ctx, prompt, listen)
            if key is not None:
                break
        if key is None:
            key = yield from listen_for(listen, no_input)
            if key is None:
                if plays < node.repeat_count:
                    continue
                return "", "", "timeout", speech
        break
    if isinstance(key, SpeechStarted):
        transcript, terminator, reason = yield from listen.utterance(key)
        return "", terminator, reason, transcript
    digits = ""
    while True:
        if key in node.terminating_digits:
            return digits, key, "terminating-digit", speech
        digits += key
        if len(digits) >= node.max_digits:
            return digits, "", "max-digits", speech
        key = yield from listen_for(listen, node.inter_digit_timeout)
        if key is None:
            return digits, "", "inter-digit-timeout", speech


def _prompt(ctx: Context, prompt: nodes.Node, listen):
    """Play one nested prompt with barge-in; returns the input that stopped it, if any."""
    key = None

    def flow(ctx: Context, prompt: nodes.Node):
        nonlocal key
        if isinstance(prompt, nodes.SpeakSentence):
            spans, seconds = yield from speech_spans(ctx, prompt)
        else:
            spans, seconds = yield from audio_spans(ctx, prompt)
        key = yield from play(ctx, spans, seconds, listen=listen)
        return Outcome("barge-in" if key is not None else "completed")

    yield from run_verb(ctx, prompt, nested=True, flow=flow)
    return key


# -- StartGather / StopGather (spec §4.2, §4.3; README #26) --------------------------------------

def start_gather(ctx: Context, node: nodes.StartGather):
    ctx.rt.far_end.gather_started(node, ctx.base_url)  # a second one replaces the first
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "gather-start", verb="StartGather",
                         **ctx.position(node))
    return None
    yield  # pragma: no cover


def stop_gather(ctx: Context, node: nodes.StopGather):
    active = ctx.rt.far_end.gather_stopped()
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "gather-stop", verb="StopGather",
                         **ctx.position(node), ignored=not active)
    return None
    yield  # pragma: no cover


FLOWS = {
    nodes.Gather: gather,
    nodes.StartGather: start_gather,
    nodes.StopGather: stop_gather,
}
