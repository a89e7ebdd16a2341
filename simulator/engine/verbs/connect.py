"""Connection verbs: <Transfer>, <Forward> (bxml-verbs.md §7.1, §7.4), and dialling the
scenario's parties.

Choices where the spec is silent are in docs/two-party.md; the essentials:

* Every dialled leg is a new outbound leg with ``parentCallId`` = the dialling call. Its far
  end is the scenario party with that number (``parties``): ``busy`` fails at once, ``no-answer``
  (and any number absent from ``parties``) rings until ``callTimeout``, ``answer`` answers after
  ``answer_after`` seconds and then follows the party's ``caller`` steps.
* Transfer: all targets ring at once; the first to answer wins and the others are cancelled at
  that instant (ties: document order). transferAnswer BXML runs on the winner (context
  ``transferAnswer``), then the legs are bridged. The transfer ends when the winner ends or
  every target failed: a transferDisconnect per leg, then transferComplete on the A-leg (or the
  verbs after <Transfer>). An A-leg that goes away ends every B-leg and sends no
  transferComplete (README #27).
* Bridged legs hear each other (engine/media_bridge.py ``MediaBridge``), so an A-leg
  StartRecording holds both parties; with multiChannel the B-leg is on the "played" channel
  (spec §5.2).
* Bridge lives in engine/verbs/bridge.py (it joins two calls the app controls).
"""

from __future__ import annotations

import attrs

from simulator.bxml import nodes
from simulator.engine.context import Context, Outcome, sync_webhook
from simulator.engine.documents import run_documents
from simulator.engine.legs import Leg
from simulator.engine.media_bridge import MediaBridge
from simulator.engine.process import Get, Mailbox, Process, Signal, Sleep, Wait
from simulator.engine.signals import CallerHangup, EndCall
from simulator.engine.simulation import Simulation


# -- dialling -------------------------------------------------------------------------------------

def ring(sim: Simulation, leg: Leg, call_timeout: float):
    """Ring ``leg`` per its party; answers it and returns None, or returns the failure cause."""
    party = sim.parties.get(leg.to)
    status = party.status if party is not None else "no-answer"
    if status == "busy":
        return "busy"
    if status == "answer" and party.answer_after < call_timeout:
        if party.answer_after > 0:
            yield Sleep(party.answer_after)
        sim.answer(leg)
        return None
    yield Sleep(call_timeout)
    return "timeout"


def dial(sim: Simulation, parent: Leg, *, from_: str, to: str) -> Leg:
    """A new outbound leg to ``to``; its far end runs the script of the party with that number."""
    party = sim.parties.get(to)
    return sim.add_leg(direction="outbound", from_=from_, to=to, parent_call_id=parent.call_id,
                       caller_steps=party.caller if party is not None else ())


def never(sim: Simulation) -> Wait:
    """Block until an exception (a hang-up) is thrown in."""
    return Wait(Signal(sim.clock))


def remote_party_number(leg: Leg) -> str:
    """The number of the A-leg's far end: the default transferCallerId (spec §7.1)."""
    return leg.from_ if leg.direction == "inbound" else leg.to


# -- <Transfer> -----------------------------------------------------------------------------------

@attrs.define(eq=False)
class Dialled:
    """One target of a Transfer and its B-leg."""

    noun: nodes.Node
    leg: Leg
    process: Process | None = None
    ended: bool = False


class TransferCall:
    """Coordinates the B-legs of one <Transfer>; B-leg flows report to it synchronously."""

    def __init__(self, ctx: Context, node: nodes.Transfer) -> None:
        self.ctx, self.sim, self.node, self.a = ctx, ctx.sim, node, ctx.leg
        self.targets: list[Dialled] = []
        self.winner: Dialled | None = None
        self.media: MediaBridge | None = None
        self.done = Mailbox(self.sim.clock)  # receives the Dialled that transferComplete describes

    def dial_all(self) -> None:
        caller_id = self.node.transfer_caller_id or remote_party_number(self.a)
        for noun in self.node.targets:
            number = noun.number if isinstance(noun, nodes.PhoneNumber) else noun.uri
            leg = dial(self.sim, self.a, from_=caller_id, to=number.strip())
            leg.tag = noun.tag or None
            self.targets.append(Dialled(noun, leg))
        for dialled in self.targets:  # legs first, so ids do not depend on ring outcomes
            if not dialled.ended:
                process = self.sim.spawn(b_leg_flow(self, dialled), f"b-leg {dialled.leg.call_id}")
                dialled.process = process
                self.sim.rt(dialled.leg).flow = process

    def answered(self, dialled: Dialled) -> None:
        """First answer wins; the legs still ringing are cancelled now."""
        self.winner = dialled
        for other in self.targets:
            if other is not dialled:
                self.end(other, "cancel")

    def bridge(self, dialled: Dialled) -> None:
        self.media = MediaBridge(self.a, dialled.leg)
        self.media.connect(self.sim.now)
        self.sim.timeline.add(self.sim.now, self.a.call_id, "bridge", verb="Transfer",
                              **self.ctx.position(self.node), callId=dialled.leg.call_id)

    def end(self, dialled: Dialled, cause: str, message: str | None = None, *,
            kill: bool = True) -> None:
        """End a B-leg (idempotent): transferDisconnect, and the transfer when none is left."""
        if dialled.ended:
            return
        dialled.ended = True
        sim, leg, noun = self.sim, dialled.leg, dialled.noun
        if dialled is self.winner and self.media is not None:
            self.media.release(sim.now)
        sim.end_leg(leg, cause, message)
        if noun.transfer_disconnect_url:
            payload = sim.payloads.transfer_disconnect(sim.envelope(leg), at=sim.now,
                                                       cause=cause, error_message=message)
            sim.post(sim.webhook(leg, payload, url=noun.transfer_disconnect_url,
                                 base=self.ctx.base_url, method=noun.transfer_disconnect_method,
                                 node=noun, sync=False))
        if kill and dialled.process is not None:
            dialled.process.kill()
        if all(t.ended for t in self.targets):
            self.done.put(self.winner or self.targets[0])

    def abandon(self) -> None:
        """The A-leg is going away: answered B-legs hang up, ringing ones are cancelled."""
        for dialled in self.targets:
            self.end(dialled, "hangup" if dialled.leg.answered else "cancel")


def b_leg_flow(call: TransferCall, dialled: Dialled):
    """Life of one B-leg: ring, transferAnswer BXML, bridged until a hang-up."""
    sim, leg = call.sim, dialled.leg
    cause, message = "hangup", None
    try:
        failure = yield from ring(sim, leg, call.node.call_timeout)
        if failure is not None:
            cause = failure
            return
        call.answered(dialled)
        if dialled.noun.transfer_answer_url:
            document = yield from transfer_answer(call, dialled)
            yield from run_documents(sim, leg, document)
        call.bridge(dialled)
        yield never(sim)
    except CallerHangup:
        cause = "hangup"
    except EndCall as end:
        cause, message = end.cause, end.message
    finally:  # also on kill (GeneratorExit), where end() has already run
        call.end(dialled, cause, message, kill=False)


def transfer_answer(call: TransferCall, dialled: Dialled):
    """transferAnswer (sync) for the B-leg; its reply parsed in the transferAnswer context."""
    sim, leg, noun = call.sim, dialled.leg, dialled.noun
    payload = sim.payloads.transfer_answer(sim.envelope(leg), at=sim.now)
    return (yield from sync_webhook(
        Context(sim, leg, call.ctx.base_url), payload, url=noun.transfer_answer_url,
        method=noun.transfer_answer_method, node=noun,
        fallback_url=noun.transfer_answer_fallback_url,
        fallback_method=noun.transfer_answer_fallback_method, context="transferAnswer"))


def transfer(ctx: Context, node: nodes.Transfer):
    sim = ctx.sim
    call = TransferCall(ctx, node)
    call.dial_all()
    try:
        described = yield Get(call.done)
    except BaseException:  # A-leg hang-up, max_duration, or the run being torn down
        call.abandon()
        raise
    leg = described.leg
    detail = {"callId": leg.call_id, "cause": leg.cause}
    if not node.transfer_complete_url:
        return Outcome("transfer-ended", None, detail)
    payload = sim.payloads.transfer_complete(
        sim.envelope(ctx.leg), at=sim.now, transfer_caller_id=leg.from_, transfer_to=leg.to,
        cause=leg.cause, error_message=leg.error_message)
    document = yield from sync_webhook(
        ctx, payload, url=node.transfer_complete_url, method=node.transfer_complete_method,
        node=node, fallback_url=node.transfer_complete_fallback_url,
        fallback_method=node.transfer_complete_fallback_method)
    return Outcome("transfer-ended", document, detail)


# -- <Forward> ------------------------------------------------------------------------------------

def forward(ctx: Context, node: nodes.Forward):
    """Terminal: the A-leg is connected to the forwarded leg until either side hangs up.

    The forwarded leg's far-end hang-up is routed to the A-leg's flow (both legs end with
    ``hangup`` either way). A failed forward ends the A-leg with the leg's cause.
    """
    sim, a = ctx.sim, ctx.leg
    if a.direction != "inbound" or a.answered:
        raise EndCall("application-error", f"<Forward> at line {node.line} needs an unanswered "
                                           f"inbound call")
    b = dial(sim, a, from_=node.from_ or a.to, to=node.to.strip())
    sim.rt(b).flow = sim.rt(a).flow
    media = MediaBridge(a, b)
    failure = None
    try:
        failure = yield from ring(sim, b, node.call_timeout)
        if failure is not None:
            raise EndCall(failure)
        sim.answer(a, "Forward", ctx.position(node))
        media.connect(sim.now)
        yield never(sim)
    finally:
        media.release(sim.now)
        sim.end_leg(b, failure or ("hangup" if b.answered else "cancel"))


FLOWS = {
    nodes.Transfer: transfer,
    nodes.Forward: forward,
}
