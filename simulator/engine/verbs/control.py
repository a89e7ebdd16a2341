"""Flow control (bxml-verbs.md §6): Hangup, Tag, Redirect."""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.context import Context, Outcome, sync_webhook
from simulator.engine.signals import EndCall


def hangup(ctx: Context, node: nodes.Hangup):
    raise EndCall("hangup")
    yield  # pragma: no cover - makes this a generator


def tag(ctx: Context, node: nodes.Tag):
    ctx.leg.tag = node.value.strip() or None
    ctx.sim.timeline.add(ctx.now, ctx.leg.call_id, "tag", verb="Tag", **ctx.position(node),
                         tag=ctx.leg.tag)
    return None
    yield  # pragma: no cover


def redirect(ctx: Context, node: nodes.Redirect):
    payload = ctx.sim.payloads.redirect(ctx.sim.envelope(ctx.leg), at=ctx.now)
    document = yield from sync_webhook(
        ctx, payload, url=node.redirect_url, method=node.redirect_method, node=node,
        fallback_url=node.redirect_fallback_url, fallback_method=node.redirect_fallback_method)
    return Outcome("redirected", document)


FLOWS = {
    nodes.Hangup: hangup,
    nodes.Tag: tag,
    nodes.Redirect: redirect,
}
