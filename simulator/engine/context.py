"""What a verb flow works with: its :class:`Context` (simulation, leg, the document's base URL),
the :class:`Outcome` it returns, the :class:`Document` a webhook answered, and the helpers that
turn a sync webhook's reply into that document (:func:`sync_webhook`, :func:`parse_document`,
:func:`read_bxml`). A document's text is parsed once a process: :func:`read_bxml` keeps the
trees of the documents it parsed (frozen nodes, every position found; a memo of a pure
function of the text), and logs their warnings in every run that reads them.

Where a verb is (contract C1) is said here, once: :meth:`Context.position` gives the
``line``/``col``/``path``/``document`` of a timeline entry about a node, from the node's own
position and its :class:`Document` (its ``source`` identifier, and the element paths of
bxml/paths.py, found when the tree is parsed, or on first use for a tree made otherwise).

Every verb module (engine/verbs/) and the document interpreter (engine/documents.py) build on
this module; it builds only on the kernel (engine/simulation.py) and the signals.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Generator
from typing import Any, TypedDict

import attrs

from simulator.bxml import nodes
from simulator.bxml.parse import parse_bxml_with_warnings
from simulator.bxml.paths import element_paths
from simulator.engine.legs import Leg
from simulator.engine.process import Sleep
from simulator.engine.runtime import LegRuntime
from simulator.engine.signals import EndCall
from simulator.engine.simulation import Simulation
from simulator.errors import BxmlError


class Position(TypedDict):
    """Where a node is, as timeline entries carry it (``Timeline.add`` keywords)."""

    line: int | None
    col: int | None
    path: str | None
    document: str | None


#: The position of something that is in no BXML document.
NOWHERE = Position(line=None, col=None, path=None, document=None)


@attrs.frozen
class Document:
    """A parsed BXML document, the URL it came from (base for its relative URLs) and
    ``source``, what identifies it in the timeline's ``document``: the absolute URL whose reply
    it is, or ``PUT /calls/<callId>/bxml#<n>`` / ``PUT /conferences/<conferenceId>/bxml#<n>``
    for the n-th PUT bxml of a call or conference (engine/rest.py, verbs/conference.py)."""

    response: nodes.Response
    base_url: str | None
    source: str | None = None
    _paths: dict[int, str] = attrs.field(factory=dict, init=False, eq=False, repr=False)

    def path_of(self, node: nodes.Node) -> str | None:
        """The element path of one of this document's nodes (all computed on first use, or
        those ``_parse`` found for its tree)."""
        paths = self._paths
        if not paths:
            root, known = self.response.__dict__.get(_PATHS, (_NO_TREE, None))
            paths.update(known if root() is self.response else   # not a copy's
                         ((id(node), path) for node, path in element_paths(self.response)))
        return paths.get(id(node))

    def position(self, node: nodes.Node) -> Position:
        return Position(line=node.line or None, col=node.col or None, path=self.path_of(node),
                        document=self.source)


@attrs.frozen
class Outcome:
    """How a verb flow ended: ``reason`` for the timeline; ``document`` replaces the rest."""

    reason: str = "completed"
    document: Document | None = None
    detail: dict = attrs.Factory(dict)


@attrs.define(eq=False)
class Context:
    """What a verb flow works with: the simulation, its leg, the document's base URL, and the
    document its verbs come from (None for a context that only sends a webhook)."""

    sim: Simulation
    leg: Leg
    base_url: str | None
    document: Document | None = None

    @classmethod
    def of(cls, sim: Simulation, leg: Leg, document: Document) -> Context:
        """The context of ``document``'s verbs on ``leg``."""
        return cls(sim, leg, document.base_url, document)

    def position(self, node: nodes.Node) -> Position:
        """Where ``node`` is (contract C1): its line/col, element path and document; only
        line/col when the context has no document."""
        if self.document is None:
            return Position(line=node.line or None, col=node.col or None, path=None,
                            document=None)
        return self.document.position(node)

    @property
    def rt(self) -> LegRuntime:
        return self.sim.rt(self.leg)

    @property
    def now(self) -> float:
        return self.sim.now


def read_bxml(sim: Simulation, call_id: str, text: str, *, source: str, context: str = "call",
              origin: str = "reply", document: str | None = None) -> nodes.Response:
    """Parse BXML the engine is about to run: a webhook's reply, or a PUT body (``origin``;
    its roots by ``nodes.roots_for``, the rule lint applies too). Each parser warning becomes a
    ``bxml-warning`` timeline entry on ``call_id`` (code, message; line, col and ``document``,
    the identifier the Document will have). Raises ``BxmlError`` on errors."""
    roots = nodes.roots_for(context, origin)
    if len(text) <= MEMO_TEXT_LIMIT:
        response, warnings = _parsed(text, source, context, roots)
    else:
        response, warnings = _parse(text, source, context, roots)
    for warning in warnings:
        sim.timeline.add(sim.now, call_id, "bxml-warning", line=warning.line or None,
                         col=warning.col or None, document=document, code=warning.code,
                         message=warning.message)
    return response


#: The key of a parsed tree's element paths in its root's ``__dict__`` (``_parse``).
_PATHS = "_element_paths"


def _NO_TREE() -> None:   # the weak reference of a tree no _parse kept
    return None


#: Documents up to this many characters are parsed once a process (``_parsed``).
MEMO_TEXT_LIMIT = 16 * 1024


def _parse(text: str, source: str, context: str,
           roots: tuple[str, ...]) -> tuple[nodes.Response, tuple]:
    """The tree and warnings of a document, every node's line/col found now: a tree
    ``_parsed`` keeps is shared by runs, and may be by threads (server/state.py), so no
    position is left to be found lazily in a shared scan (bxml/nodes.py ``Node.__getattr__``)."""
    response, warnings = parse_bxml_with_warnings(text, source=source, context=context,
                                                  roots=roots)
    paths = {}
    for node, path in element_paths(response):
        node.line  # noqa: B018 - resolves line and col
        # what found them holds the text and lxml's tree: ~0.2 MB a kept 16 KB document
        node.__dict__.pop("_where", None)
        node.__dict__.pop("_index", None)
        paths[id(node)] = path
    # kept with the tree (a node's __dict__ holds what the reader left too: bxml/nodes.py),
    # so a Document of it need not walk it again; the tree's own (a weak reference: a copy's
    # __dict__ names the original, whose nodes' ids are not the copy's)
    response.__dict__[_PATHS] = weakref.ref(response), paths
    return response, tuple(warnings)


#: A pure function of its arguments, asked for the same few documents by every run of a
#: suite (an app answers each event with the same BXML); the nodes are frozen, so runs may
#: share them (a run keys nothing by a node's identity beyond its Document's own paths).
#: A document with errors raises BxmlError and is not kept.
_parsed = functools.lru_cache(maxsize=256)(_parse)


def parse_document(sim: Simulation, leg: Leg, body: str | None, url: str | None, event: str,
                   *, context: str = "call") -> Document:
    """The BXML a sync webhook returned; empty means ``<Response/>`` (README #3)."""
    text = (body or "").strip()
    if not text:
        return Document(nodes.Response(verbs=()), url, url)
    try:
        response = read_bxml(sim, leg.call_id, text, source=url or event, context=context,
                             document=url)
    except BxmlError as error:  # includes a <Bxml> root, not allowed in replies (README #8)
        first = next((d for d in error.diagnostics if d.severity == "error"),
                     error.diagnostics[0] if error.diagnostics else None)
        raise EndCall("invalid-bxml", f"{event} reply from {url}: {error}", document=url,
                      line=(first.line or None) if first else None,
                      col=(first.col or None) if first else None) from None
    return Document(response, url, url)


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
