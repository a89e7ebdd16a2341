"""<Refer> (bxml-verbs.md §7.6, callbacks.md §3.17): a SIP REFER asks the caller's endpoint to
move the call to the ``<SipUri>`` target; the platform only waits for the answer.

The caller's endpoint answers as the scenario's ``call.refer`` says (model.ReferResponse:
by default 202 Accepted, then a final NOTIFY 200 one second later). Choices where the spec is
silent (docs/two-party.md, ``<Refer>``):

* Only an inbound call whose ``from`` or ``to`` is a SIP URI can be referred. Any other call
  (E.164 numbers, outbound, created calls) fails at once with neither SIP code: no REFER can be
  sent, so no response was received.
* No final response to the REFER within ``REFER_TIMEOUT`` (32 s, SIP Timer F) is a
  failure without codes; a final NOTIFY that does not come within the same time after the 2xx
  (or comes later) is a failure with only ``referSipResponseCode``.
* Success tears the call down (cause ``hangup``: a normal clearing, the caller now talks to
  the target elsewhere), then ``referComplete`` is sent as information: the call is already
  gone, so its reply is never read and nothing waits for it.
* Failure keeps the call: ``referComplete``'s BXML replaces the rest of the document, or
  without ``referCompleteUrl`` the verbs after ``<Refer>`` run.
* The far end hanging up while the REFER is pending ends the call like any hang-up, with no
  referComplete (as a Transfer sends no transferComplete, README #27).

Timeline: one ``refer`` entry when the outcome is known (``target``, ``status``, the codes,
``reason``), then the verb ends with reason ``referred`` or ``refer-failed``.
"""

from __future__ import annotations

import attrs

from simulator.bxml import nodes
from simulator.engine.context import Context, Document, Outcome, sync_webhook
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep
from simulator.scenario.model import ReferResponse

#: Seconds the platform waits for the final response to the REFER, then (after a 2xx) for the
#: final NOTIFY: SIP's transaction timeout (Timer F = 64 x T1); Bandwidth documents neither.
REFER_TIMEOUT = 32.0
#: What a successful Refer leaves to run: nothing (the call is already torn down).
_NOTHING_LEFT = Document(nodes.Response(verbs=()), None)


@attrs.frozen
class ReferOutcome:
    """How the REFER ended: ``status`` success | failure, the SIP codes received, and
    ``reason`` for the timeline (transferred, rejected, no-response, notify-failure,
    notify-timeout, not-a-sip-call)."""

    status: str
    reason: str
    refer_code: int | None = None
    notify_code: int | None = None


def is_sip_uri(value: str) -> bool:
    return value.strip().lower().startswith(("sip:", "sips:"))


def can_refer(leg: Leg) -> bool:
    """An inbound SIP URI call: the only kind with a caller's SIP endpoint to send REFER to."""
    return leg.direction == "inbound" and (is_sip_uri(leg.from_) or is_sip_uri(leg.to))


def is_2xx(code: int | None) -> bool:
    return code is not None and 200 <= code < 300


def exchange(leg: Leg, far_end: ReferResponse):
    """The REFER and its NOTIFY in virtual time, as ``far_end`` (a model.ReferResponse)
    answers; returns the :class:`ReferOutcome`."""
    if not can_refer(leg):
        return ReferOutcome("failure", "not-a-sip-call")
    if far_end.response is None:
        yield Sleep(REFER_TIMEOUT)
        return ReferOutcome("failure", "no-response")
    if not is_2xx(far_end.response):
        return ReferOutcome("failure", "rejected", far_end.response)
    if far_end.notify is None or far_end.notify_after >= REFER_TIMEOUT:
        yield Sleep(REFER_TIMEOUT)
        return ReferOutcome("failure", "notify-timeout", far_end.response)
    if far_end.notify_after > 0:
        yield Sleep(far_end.notify_after)
    if is_2xx(far_end.notify):
        return ReferOutcome("success", "transferred", far_end.response, far_end.notify)
    return ReferOutcome("failure", "notify-failure", far_end.response, far_end.notify)


def refer(ctx: Context, node: nodes.Refer):
    sim, leg = ctx.sim, ctx.leg
    [target] = node.targets
    result = yield from exchange(leg, sim.settings.refer)  # the caller hears silence meanwhile
    sim.timeline.add(sim.now, leg.call_id, "refer", verb="Refer", **ctx.position(node),
                     target=target.uri.strip(), status=result.status,
                     referSipResponseCode=result.refer_code,
                     notifySipResponseCode=result.notify_code, reason=result.reason)
    if result.status == "success":
        sim.end_leg(leg, "hangup")
        if node.refer_complete_url:  # information only: posted, its reply never read
            sim.post(sim.webhook(leg, refer_complete(ctx, result), url=node.refer_complete_url,
                                 base=ctx.base_url, method=node.refer_complete_method,
                                 node=node, sync=True))
        return Outcome("referred", _NOTHING_LEFT)
    if not node.refer_complete_url:
        return Outcome("refer-failed")
    document = yield from sync_webhook(ctx, refer_complete(ctx, result),
                                       url=node.refer_complete_url,
                                       method=node.refer_complete_method, node=node)
    return Outcome("refer-failed", document)


def refer_complete(ctx: Context, result: ReferOutcome) -> dict:
    return ctx.sim.payloads.refer_complete(
        ctx.sim.envelope(ctx.leg), at=ctx.now, status=result.status,
        refer_sip_response_code=result.refer_code, notify_sip_response_code=result.notify_code)


FLOWS = {nodes.Refer: refer}
