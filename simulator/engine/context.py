"""What a verb flow works with: its :class:`Context` (simulation, leg, the document's base URL),
the :class:`Outcome` it returns, the :class:`Document` a webhook answered, and the helpers that
turn a sync webhook's reply into that document (:func:`sync_webhook`, :func:`parse_document`,
:func:`read_bxml`).

Every verb module (engine/verbs/) and the document interpreter (engine/documents.py) build on
this module; it builds only on the kernel (engine/simulation.py) and the signals.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import attrs

from simulator.bxml import nodes
from simulator.bxml.parse import parse_bxml_with_warnings
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep
from simulator.engine.runtime import LegRuntime
from simulator.engine.signals import EndCall
from simulator.engine.simulation import Simulation
from simulator.errors import BxmlError


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
    def rt(self) -> LegRuntime:
        return self.sim.rt(self.leg)

    @property
    def now(self) -> float:
        return self.sim.now


def read_bxml(sim: Simulation, call_id: str, text: str, *, source: str, context: str = "call",
              roots: tuple[str, ...] = ("Response",)) -> nodes.Response:
    """Parse BXML the engine is about to run; each parser warning becomes a ``bxml-warning``
    timeline entry on ``call_id`` (code, message, line). Raises ``BxmlError`` on errors."""
    response, warnings = parse_bxml_with_warnings(text, source=source, context=context,
                                                  roots=roots)
    for warning in warnings:
        sim.timeline.add(sim.now, call_id, "bxml-warning", line=warning.line or None,
                         code=warning.code, message=warning.message)
    return response


def parse_document(sim: Simulation, leg: Leg, body: str | None, url: str | None, event: str,
                   *, context: str = "call") -> Document:
    """The BXML a sync webhook returned; empty means ``<Response/>`` (README #3)."""
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
                 context: str = "call") -> Generator[Any, Any, Document]:
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


def refuse_on_b_leg(ctx: Context, node: nodes.Node) -> None:
    """Transfer/Bridge/Conference/Forward/Refer are not allowed in B-leg BXML (spec §9)."""
    if ctx.leg.parent_call_id is not None:
        raise EndCall("invalid-bxml", f"<{type(node).__name__}> at line {node.line} is not "
                                      f"allowed in transferAnswer (B-leg) BXML")
