"""What only the whole exploration shows: Gathers whose keys change nothing, what no path
reached.

* ``same_document``: a menu Gather (one key, or a prompt offering several) of an app with code
  where every key tried led to the same next document (URL and body): the app does not look
  at the digits (a wrong field name, a handler that ignores them); likewise a Gather taking
  speech with two hints or more where every phrase said led to the same document (the app
  does not look at ``speechResult``). Keys and phrases are judged apart (an app may read
  one and not the other). Canned routes cannot branch on the input, so their Gathers are not
  judged.
* ``unreached``: known documents and webhook routes of the app (``coverage.universe``) that no
  explored path reached: with a complete exploration they cannot be reached by any caller;
  with one cut short by the bounds, not within them (the message says which);
* ``unreached_verbs``: verbs of documents some path reached that no path ran (the verbs after
  a Gather with a gatherUrl, after a Redirect, ...).
"""

from __future__ import annotations

from collections import defaultdict

from simulator.bxml import nodes
from simulator.coverage.data import Coverage
from simulator.coverage.outline import menu_keys, spoken_hints
from simulator.coverage.trace import Document, trace
from simulator.explore.paths import Finding
from simulator.explore.search import ExploredPath, Stats
from simulator.scenario import model


def coverage_of(base: model.Scenario, paths: list[ExploredPath]) -> Coverage:
    """The app's coverage by every explored path."""
    coverage = Coverage()
    coverage.add_app(base)
    for path in paths:
        coverage.add_run(base, path.result)
    return coverage


def same_document(paths: list[ExploredPath], base: model.Scenario) -> list[Finding]:
    if not (base.app.wsgi or base.app.asgi or base.app.unmatched == "http"):
        return []
    siblings: dict[tuple, list[tuple[str, str | None]]] = defaultdict(list)
    where: dict[tuple, str] = {}
    for path in paths:
        point, choice = path.branch.point, path.branch.choice
        if point is None or choice is None or choice.kind not in _INPUT \
                or not isinstance(point.node, nodes.Gather) or not point.node.gather_url:
            continue
        gather = point.node
        if choice.kind == "press" and gather.max_digits != 1 and len(menu_keys(gather)) < 2:
            continue  # an entry (PIN, account number), not a menu
        if choice.kind == "say" and len(spoken_hints(gather)) < 2:
            continue  # free speech (a name, a reason for calling), not a spoken menu
        key = (path.branch.parent, point.index, choice.kind)
        where[key] = point.where
        siblings[key].append((choice.label, _next_document(path)))
    found = []
    for key, tried in siblings.items():
        documents = {document for _, document in tried}
        if len(tried) >= 2 and len(documents) == 1 and None not in documents:
            (document,) = documents
            what, looked_at = _INPUT[key[2]]
            found.append(Finding(
                "same-document", f"every {what} at {where[key]} ({len(tried)} of them) led "
                f"to the same document, {document.split(' #')[0]}: the app does not look at "
                f"{looked_at}?", key[0], where=where[key]))
    return found


#: the choices judged by ``same_document``: how its message names them and what they fill in
_INPUT = {"press": ("key tried", "the digits"), "say": ("phrase said", "the speech")}


def _next_document(path: ExploredPath) -> str | None:
    """The document the path's own choice led to (the first one given after it)."""
    run = trace(path.result)
    anchor = path.branch.anchor
    main = (path.result.get("calls") or [{}])[0].get("callId")
    for request in run.requests:
        if request.index > anchor and request.call_id == main and request.sync:
            return f"{request.url} #{_digest(request.body)}" if request.ok else None
    return None


def _digest(body: str | None) -> str:
    return Document(None, body or "").digest


def unreached(coverage: Coverage, stats: Stats) -> list[Finding]:
    bounded = stats.unexplored or stats.beyond_depth
    scope = ("by any path within the bounds explored (raise --max-paths/--max-depth to look "
             "further)" if bounded else "by any caller behaviour tried")
    found = []
    for app in coverage.sorted_apps():
        documents = {d.url for d in app.documents.values()}
        for document in app.sorted_documents():
            if document.known and not document.hits:
                label = document.url + (f" ({document.file})" if document.file else "")
                found.append(Finding("unreached-document", f"{label} is never reached {scope}",
                                     where=document.url))
        for route in app.routes.values():
            if route.known and not route.hits and route.route not in documents:
                found.append(Finding("unreached-route", f"route {route.route} is never "
                                     f"requested {scope}", where=route.route))
    return found


def unreached_verbs(coverage: Coverage) -> list[Finding]:
    """Verbs of reached documents that no path ran (after a Gather with a gatherUrl, ...)."""
    found = []
    for app in coverage.sorted_apps():
        for document in app.sorted_documents():
            if not document.hits or document.error is not None:
                continue
            for verb in document.verbs.values():
                if not verb.hits:
                    found.append(Finding("unreached-verb", f"{document.url} {verb.line}:"
                                         f"{verb.col} {verb.verb} never runs",
                                         where=document.url))
    return found
