"""Per-leg document execution: the first webhook, verbs in order, document switches, the end.

A leg's document flow is one process::

    initiate (inbound) / answer (outbound) webhook -> document
    loop: run the verbs of the document in order; a verb may return a new document
          (Redirect, Gather/Record with a completion URL) which replaces the rest
    end of document (or <Response/>) -> implicit Hangup

Ways a call ends, and the disconnect ``cause`` (spec callbacks.md §3.3):

* ``hangup``: <Hangup>, end of the document, empty document, or the far end hung up;
* ``callback-error``: a sync webhook could not be delivered (after its fallback);
* ``invalid-bxml``: a sync webhook answered with something that is not valid BXML
  (bad XML, unknown verb or attribute, a ``<Bxml>`` root: README #8);
* ``application-error``: something the platform cannot do (PlayAudio that cannot be fetched or
  decoded, README #22; a verb whose simulation is not available);
* ``timeout``: the call ran past ``call.max_duration``; also a flow that keeps switching
  documents without virtual time passing (a zero-time Redirect loop), which would otherwise
  never reach max_duration.
"""

from __future__ import annotations

from typing import Any

import attrs

from simulator.bxml import nodes
from simulator.engine.amd import start_detection
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep
from simulator.engine.simulation import (CallerHangup, CallTimeout, EndCall, Interrupted,
                                         Simulation)

#: Documents a leg may switch to without virtual time passing before the loop is cut.
MAX_INSTANT_DOCUMENTS = 1000

#: Verbs that answer an unanswered inbound call when they start (README #20).
NOT_ANSWERING = frozenset({"Tag", "Redirect", "Hangup", "Forward", "Refer"})


@attrs.frozen
class Document:
    """A parsed BXML document and the URL it came from (base for its relative URLs)."""

    response: nodes.Response
    base_url: str | None


@attrs.frozen
class Outcome:
    """How a verb flow ended: ``reason`` for the timeline; ``document`` replaces the rest."""

    reason: str = "completed"
    document: Document | None = None
    detail: dict = attrs.Factory(dict)


@attrs.define(eq=False)
class Context:
    """What a verb flow works with: the simulation, its leg, the document's base URL."""

    sim: Simulation
    leg: Leg
    base_url: str | None

    @property
    def rt(self):
        return self.sim.rt(self.leg)

    @property
    def now(self) -> float:
        return self.sim.now


def read_bxml(sim: Simulation, call_id: str, text: str, *, source: str, context: str = "call",
              roots: tuple[str, ...] = ("Response",)) -> nodes.Response:
    """Parse BXML the engine is about to run; each parser warning becomes a ``bxml-warning``
    timeline entry on ``call_id`` (code, message, line). Raises ``BxmlError`` on errors."""
    from simulator.bxml.parse import parse_bxml_with_warnings

    response, warnings = parse_bxml_with_warnings(text, source=source, context=context,
                                                  roots=roots)
    for warning in warnings:
        sim.timeline.add(sim.now, call_id, "bxml-warning", line=warning.line or None,
                         code=warning.code, message=warning.message)
    return response


def parse_document(sim: Simulation, leg: Leg, body: str | None, url: str | None, event: str,
                   *, context: str = "call") -> Document:
    """The BXML a sync webhook returned; empty means ``<Response/>`` (README #3)."""
    from simulator.errors import BxmlError

    text = (body or "").strip()
    if not text:
        return Document(nodes.Response(verbs=()), url)
    try:
        response = read_bxml(sim, leg.call_id, text, source=url or event, context=context)
    except BxmlError as error:  # includes a <Bxml> root, not allowed in replies (README #8)
        raise EndCall("invalid-bxml", f"{event} reply from {url}: {error}") from None
    return Document(response, url)


def sync_webhook(ctx: Context, payload: dict, *, url: str, method: str, node: Any = None,
                 fallback_url: str | None = None, fallback_method: str = "POST",
                 context: str = "call"):
    """Send a BXML webhook and wait for it; returns the Document it answered (parsed in
    ``context``: ``transferAnswer`` replies have their own rules, spec §9)."""
    webhook = ctx.sim.webhook(ctx.leg, payload, url=url, base=ctx.base_url, method=method,
                              node=node, fallback_url=fallback_url,
                              fallback_method=fallback_method, sync=True)
    delivery = yield webhook
    if delivery.elapsed > 0:
        yield Sleep(delivery.elapsed)
    if not delivery.ok:
        raise EndCall("callback-error",
                      f"{webhook.event_type} webhook could not be delivered: {delivery.error}")
    return parse_document(ctx.sim, ctx.leg, delivery.body, delivery.url, webhook.event_type,
                          context=context)


def start_call(sim: Simulation, settings) -> Leg:
    """Create the scenario's call (the A-leg) and start its document flow."""
    leg = sim.add_leg(direction=settings.direction, from_=settings.from_, to=settings.to,
                      caller_steps=sim.caller_steps, call_id=sim.call_ids.get("main"))
    leg.tag = settings.tag or None
    rt = sim.rt(leg)
    if settings.disconnect_url:
        rt.disconnect_url = settings.disconnect_url
    sim.arm_max_duration(leg)
    if sim.ring is not None and settings.direction == "outbound":  # placed by REST createCall
        from simulator.engine.rest import outbound_flow  # rest imports this module

        rt.disconnect_method = sim.ring.disconnect_method
        rt.flow = sim.spawn(outbound_flow(sim, leg, sim.ring, settings), f"call {leg.call_id}")
        return leg
    rt.flow = sim.spawn(call_flow(sim, leg, settings), f"call {leg.call_id}")
    return leg


def call_flow(sim: Simulation, leg: Leg, settings):
    """The whole life of one leg's BXML control."""
    ctx = Context(sim, leg, sim.base_url)
    cause, message = "hangup", None
    try:
        detection = None
        if leg.direction == "inbound":
            payload = sim.payloads.initiate(sim.envelope(leg), at=sim.now)
        else:
            sim.answer(leg)
            detection = start_detection(sim, leg, settings.machine_detection)
        try:
            if leg.direction == "outbound":  # sync AMD: the answer webhook waits for the result
                result = (yield from detection.wait()) if detection and detection.sync else None
                payload = sim.payloads.answer(sim.envelope(leg), at=sim.now,
                                              machine_detection=result)
            document = yield from sync_webhook(ctx, payload, url=settings.answer_url,
                                               method=settings.answer_method)
        except Interrupted as interruption:  # a REST interruption before the first document
            if detection is not None and detection.sync:
                detection.stop(interruption.reason)  # no answer webhook to carry a result
            document = interruption
        yield from run_documents(sim, leg, document)
    except EndCall as end:
        cause, message = end.cause, end.message
    except CallerHangup:
        cause = "hangup"
    except CallTimeout:
        cause = "timeout"
        message = (f"the call ran past max_duration={settings.max_duration:g} s "
                   f"and was ended by the simulator")
    if cause not in ("hangup",):
        sim.timeline.add(sim.now, leg.call_id, "error", cause=cause, message=message)
    sim.end_leg(leg, cause, message)


def run_documents(sim: Simulation, leg: Leg, document: Document | Interrupted):
    """Run ``document`` and every document it switches to; returns at the implicit Hangup.

    An :class:`Interrupted` thrown in (REST redirect / PUT bxml, becoming a Bridge target)
    discards what runs and continues with the document its ``follow()`` flow returns."""
    last_time, streak = sim.now, 0
    while document is not None:
        try:
            if isinstance(document, Interrupted):
                document = yield from document.follow()
                if document is None:
                    return
            document = yield from run_document(Context(sim, leg, document.base_url), document)
        except Interrupted as interruption:
            document = interruption
            continue
        if document is None:
            return
        if sim.now == last_time:
            streak += 1
            if streak >= MAX_INSTANT_DOCUMENTS:
                raise EndCall("timeout", f"{streak} BXML documents at t={sim.now:.3f} s without "
                                         f"virtual time passing (a redirect loop); the call "
                                         f"would never reach max_duration="
                                         f"{sim.settings.max_duration:g} s")
        else:
            last_time, streak = sim.now, 0


def run_document(ctx: Context, document: Document):
    """Run the verbs of one document; returns the next document or None (implicit Hangup)."""
    for node in document.response.verbs:
        outcome = yield from run_verb(ctx, node)
        if outcome is not None and outcome.document is not None:
            return outcome.document
    return None


def run_verb(ctx: Context, node: nodes.Node, *, nested: bool = False, flow=None):
    """Log, answer if needed, apply ``tag``, run the verb's flow, log its end.

    ``nested``/``flow``: a Gather prompt, played by Gather's own ``flow`` (with barge-in)."""
    from simulator.engine.verbs import flow_for

    sim, leg = ctx.sim, ctx.leg
    name = type(node).__name__
    line = node.line or None
    detail = {"nested": True} if nested else {}
    sim.timeline.add(sim.now, leg.call_id, "verb-start", verb=name, line=line, **detail)
    sim.verb_started(leg, name)
    try:
        if name not in NOT_ANSWERING and not (name == "Ring" and not node.answer_call):
            sim.answer(leg, name, line)
        tag = getattr(node, "tag", None)
        if tag is not None and name != "Tag":
            leg.tag = tag or None
        try:
            outcome = yield from (flow or flow_for(node))(ctx, node)
        except (CallerHangup, CallTimeout, EndCall, Interrupted) as stop:
            reason = (getattr(stop, "cause", None) or getattr(stop, "reason", None)
                      or ("hangup" if isinstance(stop, CallerHangup) else "timeout"))
            sim.timeline.add(sim.now, leg.call_id, "verb-end", verb=name, line=line, **detail,
                             reason=reason)
            raise
        outcome = outcome or Outcome()
        sim.timeline.add(sim.now, leg.call_id, "verb-end", verb=name, line=line, **detail,
                         reason=outcome.reason, **outcome.detail)
        return outcome
    finally:
        sim.verb_ended(leg, name)
