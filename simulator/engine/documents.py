"""The document interpreter: per leg, the first webhook, verbs in order, document switches, the
end. ``start_call`` is the catalogue's first start (engine/catalogue.py).

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
  decoded, README #22; a verb the catalogue has no flow for);
* ``timeout``: the call ran past ``call.max_duration``; also a flow that keeps switching
  documents without virtual time passing (a zero-time Redirect loop), which would otherwise
  never reach max_duration.

Whether a verb answers an unanswered inbound call when it starts (README #20) is the node's own
``answers_call()`` (bxml/nodes.py), whether it may run on a Transfer B-leg its class's
``ON_B_LEG`` (spec §9: a B-leg reaching a connection verb ends with ``invalid-bxml``); which
flow runs it, the simulation's catalogue.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simulator.bxml import nodes
from simulator.callbacks import ERROR_MESSAGES
from simulator.engine.amd import start_detection
from simulator.engine.context import Context, Document, Outcome, sync_webhook
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep
from simulator.engine.signals import CallerHangup, CallStop, CallTimeout, EndCall, Interrupted
from simulator.engine.simulation import Simulation, VerbFlow, attribute
from simulator.scenario import model

#: Documents a leg may switch to without virtual time passing before the loop is cut.
MAX_INSTANT_DOCUMENTS = 1000


def start_call(sim: Simulation) -> Leg:
    """Create the scenario's call (the A-leg) and start its document flow."""
    settings = sim.settings
    leg = sim.add_leg(direction=settings.direction, from_=settings.from_, to=settings.to,
                      caller_steps=sim.caller_steps, call_id=sim.call_ids.get("main"))
    leg.tag = settings.tag or None
    rt = sim.rt(leg)
    if settings.disconnect_url:
        rt.disconnect_url = settings.disconnect_url
    sim.arm_max_duration(leg)
    if sim.ring is not None and settings.direction == "outbound":  # placed by REST createCall
        arm_created(rt, sim.ring)
        rt.flow = sim.spawn(outbound_flow(sim, leg, sim.ring, settings), f"call {leg.call_id}")
        return leg
    rt.flow = sim.spawn(call_flow(sim, leg, settings), f"call {leg.call_id}")
    return leg


def arm_created(rt, spec: model.CreatedCall) -> None:
    """What a createCall sets on its leg's runtime: where its disconnect webhook goes, its
    callbackTimeout (every webhook of the call), and ``spec`` as the holder of its
    username/password (answer_url, disconnect_url) and fallback credentials."""
    rt.disconnect_url = spec.disconnect_url or rt.disconnect_url
    rt.disconnect_method = spec.disconnect_method
    rt.callback_timeout = spec.callback_timeout
    rt.credentials = spec


def outbound_flow(sim: Simulation, leg: Leg, spec: model.CreatedCall, settings):
    """A call the app created (REST createCall): ring per the far end's ``status``; once
    answered, the outbound call lifecycle (:func:`call_flow`)."""
    try:
        failure = yield from ring(spec)
    except EndCall as end:  # REST state=completed while ringing: cancelled
        sim.end_leg(leg, end.cause, end.message)
        return
    except CallTimeout:
        sim.end_leg(leg, "timeout", "the call ran past max_duration while ringing")
        return
    if failure is not None:
        sim.end_leg(leg, failure, ERROR_MESSAGES.get(failure))
        return
    yield from call_flow(sim, leg, settings, created=spec)


def ring(spec: model.CreatedCall):
    """None once answered, else the failure cause (``busy`` at once, ``timeout``)."""
    if spec.status == "busy":
        return "busy"
    if spec.status == "answer" and spec.answer_after < spec.call_timeout:
        if spec.answer_after > 0:
            yield Sleep(spec.answer_after)
        return None
    yield Sleep(spec.call_timeout)
    return "timeout"


def call_flow(sim: Simulation, leg: Leg, settings, created: model.CreatedCall | None = None):
    """The whole life of one leg's BXML control. ``created``: the createCall that placed an
    outbound leg (its answer webhook's fallback and credentials)."""
    ctx = Context(sim, leg, sim.base_url)
    cause, message, where = "hangup", None, {}
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
            fallback = created.answer_fallback_url if created is not None else None
            document = yield from sync_webhook(
                ctx, payload, url=settings.answer_url, method=settings.answer_method,
                node=created, fallback_url=fallback,
                fallback_method=created.answer_fallback_method if fallback else "POST")
        except Interrupted as interruption:  # a REST interruption before the first document
            if detection is not None and detection.sync:
                detection.stop(interruption.reason)  # no answer webhook to carry a result
            document = interruption
        yield from run_documents(sim, leg, document)
    except EndCall as end:
        cause, message = end.cause, end.message
        where = {"document": end.document, "line": end.line, "col": end.col}
    except CallerHangup:
        cause = "hangup"
    except CallTimeout:
        cause = "timeout"
        message = (f"the call ran past max_duration={settings.max_duration:g} s "
                   f"and was ended by the simulator")
    if cause not in ("hangup",):  # invalid BXML: the error entry says where (document:line:col)
        sim.timeline.add(sim.now, leg.call_id, "error", cause=cause, message=message, **where)
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
            document = yield from run_document(Context.of(sim, leg, document), document)
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


def run_verb(ctx: Context, node: nodes.Node, *, nested: bool = False,
             flow: VerbFlow | None = None) -> Generator[Any, Any, Outcome]:
    """Log, answer if needed, apply ``tag``, refuse it on a B-leg (``ON_B_LEG``), run the
    verb's flow, log its end.

    ``nested``/``flow``: a Gather prompt, played by Gather's own ``flow`` (with barge-in)."""
    sim, leg = ctx.sim, ctx.leg
    name = type(node).__name__
    where = ctx.position(node)
    detail = {"nested": True} if nested else {}
    sim.timeline.add(sim.now, leg.call_id, "verb-start", verb=name, **where, **detail)
    sim.verb_started(leg, node)
    try:
        if node.answers_call():
            sim.answer(leg, name, where)
        tag = attribute(node, "tag")  # the verbs with a tag attribute set the call's tag
        if tag is not None:
            leg.tag = tag or None
        try:
            flow = flow or sim.catalogue.flow_for(node)
            if flow is not None and not node.ON_B_LEG and leg.parent_call_id is not None:
                raise EndCall("invalid-bxml", f"<{name}> at line {node.line} is not allowed in "
                                              f"transferAnswer (B-leg) BXML")
            outcome = yield from (flow or not_simulated)(ctx, node)
        except CallStop as stop:
            sim.timeline.add(sim.now, leg.call_id, "verb-end", verb=name, **where, **detail,
                             reason=stop.reason)
            raise
        outcome = outcome or Outcome()
        sim.timeline.add(sim.now, leg.call_id, "verb-end", verb=name, **where, **detail,
                         reason=outcome.reason, **outcome.detail)
        return outcome
    finally:
        sim.verb_ended(leg, name)


def not_simulated(ctx: Context, node: nodes.Node):
    """The flow of a verb the catalogue has none for: the call ends (application-error)."""
    raise EndCall("application-error",
                  f"<{type(node).__name__}> at line {node.line} is not simulated by this "
                  f"version of bxmlsim")
    yield  # pragma: no cover - makes this a generator
