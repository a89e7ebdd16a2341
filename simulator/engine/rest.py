"""What the app does through the Voice REST API, in virtual time (spec voice-api.md).

The scenario names the calls the app creates (``calls:``, REST createCall §3.1) and the REST
requests it makes at given times (``rest:``). :func:`schedule` puts both on the clock when the
run starts. Every request is a timeline entry of kind ``rest`` on the target call with
``detail = {action, status, ...}`` (``error`` says why a request failed).

* ``create_call`` (201): an outbound leg to ``to``; its far end rings per ``status`` /
  ``answer_after`` (``busy`` ends it at once, ``no-answer`` after ``call_timeout``: causes
  ``busy`` / ``timeout``, no answer webhook). Answered: the outbound lifecycle of
  ``documents.outbound_flow`` (answer webhook to ``answer_url``, its BXML, disconnect).
* ``update_call`` ``state: active`` (200): the verb executing stops, the rest of the document
  is discarded (spec bxml-verbs.md §1.3), ``redirect`` (sync) goes to ``redirect_url`` and its
  BXML runs. A Record cut short ends with ``endReason: redirected`` (no recordComplete,
  recordingAvailable still sent: README #4); a call in a Bridge or Conference leaves it.
  ``tag`` sets the call's tag first (``""`` clears it).
* ``update_call`` ``state: completed`` (200): an answered call is hung up (cause ``hangup``);
  a ringing outbound call is cancelled (``cancel``); an unanswered inbound call is rejected
  (``hangup``, README #16).
* ``put_bxml`` (204): the document is replaced by the body (``<Bxml>`` or ``<Response>`` root,
  README #8) without a webhook; its relative URLs resolve against the call's most recent
  webhook URL (README #10). Invalid BXML: 400, the call carries on. The ``rest`` entry carries
  the body as read (``bxml``, references substituted) and, once read, ``bxmlDocument``: the
  ``document`` its verbs name (``PUT /calls/<callId>/bxml#<n>``).
* ``recording`` ``paused`` / ``recording`` (200): pause / resume the StartRecording recording;
  pause while paused and resume while recording are no-ops (200). No such recording: 409
  (README #5).

Failures (the call-state rule of simulator/rest_rules.py ``call_refusal``, shared with the
emulator and the API inside a run): a call not created yet → 404; a call that has ended → 409;
redirect / PUT bxml / recording on an unanswered outbound call → 409 (it has no BXML running
yet).

Requests on a conference (``RestAction.conference``) are engine/rest_conference.py's; the
refusal and the ``rest`` entry, engine/rest_requests.py's.
"""

from __future__ import annotations

import attrs

from simulator.engine.context import Context, Document, read_bxml, sync_webhook
from simulator.engine.documents import arm_created, outbound_flow
from simulator.engine.legs import Leg
from simulator.engine.rest_conference import perform_on_conference
from simulator import rest_rules as rules
from simulator.engine.rest_requests import Refused, carry_out, refused_update
from simulator.engine.runtime import Key
from simulator.engine.signals import EndCall, Interrupted
from simulator.engine.simulation import Simulation
from simulator.errors import BxmlError
from simulator.scenario import model
from simulator.scenario.refs import substitute


def schedule(sim: Simulation) -> None:
    """Put the scenario's created calls and REST actions on the clock (the catalogue's second
    start, engine/catalogue.py)."""
    for name, spec in sim.extra_calls.items():
        sim.clock.call_at(spec.at, lambda name=name, spec=spec: create_call(sim, name, spec))
    for action in sim.rest_actions:
        sim.clock.call_at(action.at, lambda action=action: perform(sim, action))


# -- createCall -----------------------------------------------------------------------------------

def app_number(main: Leg) -> str:
    """The app's own number: what the main call dialled (inbound) or dialled from (outbound)."""
    return main.to if main.direction == "inbound" else main.from_


def create_call(sim: Simulation, name: str | None, spec: model.CreatedCall, *,
                call_id: str | None = None, detail: dict | None = None) -> Leg:
    """The app's createCall: a new outbound leg, ringing now. ``name``: its key of the
    scenario's ``calls:`` (its id drawn up front, ``sim.call_ids``); an app's own request to the
    Voice API inside the run (voice_api/run.py) gives the ``call_id`` it answered with instead,
    and ``detail`` for the ``rest`` entry."""
    main = sim.legs[sim.call_ids["main"]]
    call_id = call_id or sim.call_ids[name]
    from_ = spec.from_ or app_number(main)
    named = {"name": name} if name is not None else {}
    sim.timeline.add(sim.now, call_id, "rest", action="create_call", status=201, **named,
                     to=spec.to, answerUrl=spec.answer_url, **(detail or {}))
    leg = sim.add_leg(direction="outbound", from_=from_, to=spec.to, caller_steps=spec.caller,
                      call_id=call_id)
    leg.tag = spec.tag or None
    rt = sim.rt(leg)
    arm_created(rt, spec)
    settings = attrs.evolve(sim.settings, direction="outbound", from_=from_, to=spec.to,
                            answer_url=spec.answer_url, answer_method=spec.answer_method,
                            disconnect_url=spec.disconnect_url, tag=spec.tag,
                            machine_detection=spec.machine_detection)
    sim.arm_max_duration(leg)
    rt.flow = sim.spawn(outbound_flow(sim, leg, spec, settings), f"call {leg.call_id}")
    return leg


# -- REST requests on a call ----------------------------------------------------------------------

def perform(sim: Simulation, action: model.RestAction) -> int:
    """Carry out one REST request now; logs it and returns its HTTP status."""
    if action.conference is not None:  # a conference action (engine/rest_conference.py)
        return perform_on_conference(sim, action)
    if action.transcribe_recording is not None:
        return transcribe_recording(sim, action)
    call_id = sim.call_ids.get(action.call, action.call)
    leg = sim.legs.get(call_id)
    detail = {"call": action.call}
    if action.update_call is not None:
        kind, detail["state"] = "update_call", action.update_call.state
        change = "hangup" if action.update_call.state == "completed" else "redirect"
        if action.update_call.redirect_url is not None:
            detail["redirectUrl"] = action.update_call.redirect_url
        handler = lambda: update_call(sim, leg, action.update_call)  # noqa: E731
    elif action.put_bxml is not None:
        kind, change = "put_bxml", "put_bxml"
        detail["bxml"] = substitute(action.put_bxml, sim.call_ids)
        handler = lambda: put_bxml(sim, leg, action.put_bxml, detail)  # noqa: E731
    else:
        kind, change, detail["state"] = "recording", "recording", action.recording
        handler = lambda: update_recording(sim, leg, action.recording)  # noqa: E731

    def request() -> int:
        refusal = rules.call_refusal(leg_state(leg), change,
                                     direction=leg.direction if leg is not None else "outbound")
        if refusal is not None:
            raise refused_call(refusal, call_id, action.call)
        return handler()

    return carry_out(sim, action, request, call_id=call_id, kind=kind, detail=detail)


def transcribe_recording(sim: Simulation, action: model.RestAction) -> int:
    """POST .../recordings/{id}/transcription (voice-api.md §5.1): 204, the recording's
    transcription starts now (Simulation.transcribe_on_request), whatever the call's state
    (a recording of a call that ended is transcribed too); 404 for a recording the call does
    not have."""
    call_id = sim.call_ids.get(action.call, action.call)
    rid = action.recording_id
    found = [r for r in sim.recordings if r.recording_id == rid and r.call_id == call_id
             and r.end_at is not None]

    def request() -> int:
        if not found:
            raise Refused(404, f"recording {rid} of call {call_id} not found")
        sim.transcribe_on_request(sim.legs[call_id], found[0], action.transcribe_recording)
        return 204

    return carry_out(sim, action, request, call_id=call_id, kind="transcribe_call_recording",
                     detail={"call": action.call, "recordingId": rid})


def leg_state(leg: Leg | None) -> str | None:
    """The call's state of GET /calls/{id} (rest_rules.CALL_STATES); None: not created yet."""
    if leg is None:
        return None
    if not leg.up:
        return "disconnected"
    return "answered" if leg.answered else "initiated"


def refused_call(refusal: rules.CallRefusal, call_id: str, name: str) -> Refused:
    """A call-state refusal (rest_rules.call_refusal) in the words of the ``rest`` entry."""
    if refusal.status == 404:
        return Refused(404, f"call {call_id} ({name}) not found: not created yet")
    if refusal.reason == rules.NOT_ANSWERED:
        return Refused(409, f"cannot {refusal.doing} call {call_id}: it {refusal.reason}")
    return Refused(refusal.status, f"call {call_id} ({name}) {refusal.reason}")


def interrupt(sim: Simulation, leg: Leg, exc: BaseException) -> None:
    """Throw ``exc`` into the call's BXML flow (or end the call when nothing runs on it)."""
    flow = sim.rt(leg).flow
    if flow is not None and not flow.done:
        flow.interrupt(exc)
    elif isinstance(exc, EndCall):
        sim.end_leg(leg, exc.cause, exc.message)


def update_call(sim: Simulation, leg: Leg, update: model.UpdateCall) -> int:
    refusal = refused_update(rules.CALL_UPDATE, update)
    if refusal is not None:
        raise refusal
    if update.state == "completed":
        cause = "cancel" if leg.direction == "outbound" and not leg.answered else "hangup"
        interrupt(sim, leg, EndCall(cause))
        return 200
    if update.tag is not None:
        leg.tag = update.tag or None
    interrupt(sim, leg, Interrupted("redirected", lambda: redirect_flow(sim, leg, update)))
    return 200


def redirect_flow(sim: Simulation, leg: Leg, update: model.UpdateCall):
    """The ``redirect`` webhook of a REST redirect; returns the Document it answered."""
    ctx = Context(sim, leg, sim.base_url)
    payload = sim.payloads.redirect(sim.envelope(leg), at=sim.now)
    return (yield from sync_webhook(
        ctx, payload, url=update.redirect_url, method=update.redirect_method, node=update,
        fallback_url=update.redirect_fallback_url,
        fallback_method=update.redirect_fallback_method))


def last_webhook_url(sim: Simulation, leg: Leg) -> str:
    """The URL of the call's most recent webhook (README #10), else the app's base URL."""
    for entry in reversed(sim.callbacks):
        if entry["payload"].get("callId") == leg.call_id and entry["status"] is not None:
            return entry["url"]
    return sim.base_url


#: How many PUT bxml bodies the engine read per call (put_source).
PUT_COUNTS: Key[dict[str, int]] = Key("rest.put_bxml")


def put_source(sim: Simulation, leg: Leg) -> str:
    """The ``document`` of the next PUT bxml body read for ``leg``:
    ``PUT /calls/<callId>/bxml#<n>`` for the n-th (invalid ones counted)."""
    counts = sim.extension(PUT_COUNTS, dict)
    counts[leg.call_id] = counts.get(leg.call_id, 0) + 1
    return f"PUT /calls/{leg.call_id}/bxml#{counts[leg.call_id]}"


def put_bxml(sim: Simulation, leg: Leg, body: str, detail: dict | None = None) -> int:
    """Replace the call's BXML by ``body``; ``detail`` (its ``rest`` entry's) gets the
    ``bxmlDocument``, the ``document`` the body's verbs name."""
    source = put_source(sim, leg)
    if detail is not None:
        detail["bxmlDocument"] = source
    try:
        response = read_bxml(sim, leg.call_id, substitute(body, sim.call_ids),
                             source="PUT bxml", origin="put", document=source)
    except BxmlError as error:
        raise Refused(400, f"invalid BXML: {error}") from None
    document = Document(response, last_webhook_url(sim, leg), source)
    interrupt(sim, leg, Interrupted("bxml-replaced", lambda: _just(document)))
    return 204


def _just(document: Document):
    return document
    yield  # pragma: no cover - makes this a generator


def update_recording(sim: Simulation, leg: Leg, state: str) -> int:
    recorder = sim.rt(leg).recorder
    current = recorder.current
    refusal = rules.recording_refusal(current is not None, state)
    if refusal is not None:
        raise Refused(refusal.status, f"call {leg.call_id} {refusal.reason}")
    changed = recorder.pause(sim.now) if state == "paused" else recorder.resume(sim.now)
    if changed:
        kind = "recording-pause" if state == "paused" else "recording-resume"
        sim.timeline.add(sim.now, leg.call_id, kind, recordingId=current.recording_id,
                         via="rest")
    return 200
