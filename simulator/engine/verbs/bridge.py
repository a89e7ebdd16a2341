"""<Bridge> (bxml-verbs.md §7.2, callbacks.md §3.13-3.14): two independently controlled calls.

The call executing ``<Bridge>target</Bridge>`` (the *bridger*) joins the target call, another
call of the simulation the app controls (the scenario's call or one of its ``calls:``):

* Bridging cancels the BXML the target was executing: its current verb stops (timeline reason
  ``bridged``; a Record ends with ``endReason: redirected``), the rest of its document is
  discarded, a Conference it was in sees it leave. Then the two calls hear each other
  (:class:`~simulator.engine.media_bridge.MediaBridge`), so a recording on either holds both.
* The bridge ends when either call leaves it: hang-up (far end, ``<Hangup>`` cannot run while
  bridged, REST ``state=completed``) or a REST redirect / PUT bxml of that call.
  Exactly one event goes to the side that remains:

  - the **target** left → ``bridgeComplete`` (sync, no ``cause``) on the bridger when
    ``bridgeCompleteUrl`` is set, its BXML replaces the rest of the bridger's document;
    without it the bridger continues after ``<Bridge>``;
  - the **bridger** left → ``bridgeTargetComplete`` (sync) on the target when
    ``bridgeTargetCompleteUrl`` is set, its BXML runs on the target; without it the target is
    hung up (cause ``hangup``).

* Bridging is impossible (``bridgeComplete`` at once with ``cause``/``errorMessage``, its BXML
  runs on the bridger; without the URL the bridger continues after ``<Bridge>``):

  ===========================================  =========  =====================================
  target                                       cause      errorMessage
  ===========================================  =========  =====================================
  no such callId                               unknown    ``call <id> does not exist``
  the bridger itself                           unknown    ``call <id> cannot be bridged with itself``
  a call that has ended                        unknown    ``call <id> has already ended``
  an unanswered call                           rejected   ``call <id> is not answered``
  a call executing ``<Forward>``               rejected   ``call <id> is executing <Forward>``
  a Transfer B-leg / forwarded leg, or a call  busy       ``call <id> is already bridged with
  already in a bridge (either side)                       another call``
  ===========================================  =========  =====================================

Timeline: ``bridge`` (on the bridger, ``detail.callId`` = target) when they start hearing each
other; ``bridge-end`` (on the bridger, ``detail.left`` = ``target`` | ``bridger``).
"""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.context import Context, Outcome, sync_webhook
from simulator.engine.legs import Leg
from simulator.engine.media_bridge import MediaBridge
from simulator.engine.process import Signal, Wait
from simulator.engine.runtime import Key
from simulator.engine.signals import EndCall, Interrupted
from simulator.engine.simulation import Simulation


LINKS: Key[dict[str, BridgeLink]] = Key("bridge.links")


def links(sim: Simulation) -> dict[str, BridgeLink]:
    """The live bridges of ``sim``, by the callId of either side."""
    return sim.extension(LINKS, dict)


def bridge_failure(sim: Simulation, leg: Leg, target_id: str) -> tuple[str, str] | None:
    """(cause, errorMessage) why ``leg`` cannot be bridged with ``target_id``; None if it can."""
    target = sim.legs.get(target_id)
    if target is None:
        return "unknown", f"call {target_id} does not exist"
    if target is leg:
        return "unknown", f"call {target_id} cannot be bridged with itself"
    if not target.up:
        return "unknown", f"call {target_id} has already ended"
    if not target.answered:
        return "rejected", f"call {target_id} is not answered"
    rt = sim.rt(target)
    if isinstance(rt.last_started, nodes.Forward):  # Forward is terminal
        return "rejected", f"call {target_id} is executing <Forward>"
    flow = rt.flow
    if target.parent_call_id is not None or target_id in links(sim) \
            or flow is None or flow.done:
        return "busy", f"call {target_id} is already bridged with another call"
    return None


class BridgeLink:
    """One live bridge: the bridger's <Bridge> flow and the target's waiting flow meet here."""

    def __init__(self, ctx: Context, node: nodes.Bridge, target: Leg) -> None:
        self.sim, self.a, self.t, self.node, self.base_url = \
            ctx.sim, ctx.leg, target, node, ctx.base_url
        self.media = MediaBridge(self.a, target)
        self.target_gone = Signal(self.sim.clock)
        self.bridger_gone = Signal(self.sim.clock)
        self.left: str | None = None  # "target" | "bridger" once the bridge is over
        self.where = ctx.position(node)  # the <Bridge>'s, for the bridge entries
        live = links(self.sim)
        live[self.a.call_id] = live[target.call_id] = self

    def connect(self) -> None:
        """The target's BXML has unwound: the calls hear each other from now."""
        self.media.connect(self.sim.now)
        self.sim.timeline.add(self.sim.now, self.a.call_id, "bridge", verb="Bridge",
                              **self.where, callId=self.t.call_id)

    def leave(self, who: str) -> None:
        """``who`` (``target`` | ``bridger``) left; only the first leaving counts."""
        if self.left is not None:
            return
        sim = self.sim
        self.left = who
        self.media.release(sim.now)
        live = links(sim)
        for call_id in (self.a.call_id, self.t.call_id):
            if live.get(call_id) is self:
                del live[call_id]
        sim.timeline.add(sim.now, self.a.call_id, "bridge-end", verb="Bridge",
                         **self.where, callId=self.t.call_id, left=who)
        (self.target_gone if who == "target" else self.bridger_gone).fire(who)

    def target_side(self):
        """The target's document flow while bridged; returns its next Document, if any."""
        try:
            if self.left is None:
                self.connect()
                yield Wait(self.bridger_gone)
        except BaseException:  # the target hung up or was redirected
            self.leave("target")
            raise
        node, sim = self.node, self.sim
        if not node.bridge_target_complete_url:
            raise EndCall("hangup")
        payload = sim.payloads.bridge_target_complete(sim.envelope(self.t), at=sim.now)
        return (yield from sync_webhook(
            Context(sim, self.t, self.base_url), payload, url=node.bridge_target_complete_url,
            method=node.bridge_target_complete_method, node=node,
            fallback_url=node.bridge_target_complete_fallback_url,
            fallback_method=node.bridge_target_complete_fallback_method))


def bridge(ctx: Context, node: nodes.Bridge):
    sim = ctx.sim
    target_id = node.target_call_id.strip()
    failure = bridge_failure(sim, ctx.leg, target_id)
    if failure is not None:
        cause, message = failure
        outcome, detail, fields = "bridge-failed", {"target": target_id, "cause": cause}, \
            {"cause": cause, "error_message": message}
    else:
        link = BridgeLink(ctx, node, sim.legs[target_id])
        target_flow = sim.rt(link.t).flow
        target_flow.on_done.append(lambda _process: link.leave("target"))
        target_flow.interrupt(Interrupted("bridged", link.target_side))
        try:
            if link.left is None:
                yield Wait(link.target_gone)
        except BaseException:  # this call hung up or was redirected
            link.leave("bridger")
            raise
        outcome, detail, fields = "target-left", {"target": target_id}, {}
    if not node.bridge_complete_url:
        return Outcome(outcome, None, detail)
    payload = sim.payloads.bridge_complete(sim.envelope(ctx.leg), at=sim.now, **fields)
    document = yield from sync_webhook(
        ctx, payload, url=node.bridge_complete_url, method=node.bridge_complete_method,
        node=node, fallback_url=node.bridge_complete_fallback_url,
        fallback_method=node.bridge_complete_fallback_method)
    return Outcome(outcome, document, detail)


FLOWS = {nodes.Bridge: bridge}
