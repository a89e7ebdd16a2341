"""Coverage data: what exists in the apps a suite talked to, and what its runs reached.

A :class:`Coverage` holds, per app (``universe.App``: scenarios talking to the same app add
up), its documents with their verbs (by element path, with line:col), each Gather's outcomes
(expected: ``outline.gather_outcomes``; seen: counted per run), and its webhook routes. It is
built from result.json objects only (``add_run``), merges with another (``merge``: -j workers,
pytest-xdist workers, CI shards) and round-trips through JSON (``to_json``/``from_json``,
``"format": "bxmlsim-coverage/1"``) with a stable order, so the same suite gives the same file.

The numbers (``Totals``): documents reached of those known; verbs run of the verbs in those
documents; Gather outcomes seen of those expected; routes reached of the routes known. The
**total** is (verbs run + outcomes seen) / (verbs + outcomes), as coverage.py adds branches to
statements. For code-generated BXML (in-process apps, real servers) only the documents some run
received are known, so their denominators are what the runs saw: the app's ``notes`` say so.
"""

from __future__ import annotations

from typing import Any

import attrs

from simulator.coverage.outline import ANY_INPUT, ANY_SPEECH, SAY, TIMEOUT, Outline, \
    gather_outcome, gather_outcomes
from simulator.coverage.trace import Document, outline_of, trace
from simulator.coverage.universe import App, app_id

FORMAT = "bxmlsim-coverage/1"


@attrs.define
class VerbCoverage:
    verb: str
    path: str | None
    line: int | None
    col: int | None
    hits: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"verb": self.verb, "path": self.path, "line": self.line, "col": self.col,
                "hits": self.hits}


@attrs.define
class GatherCoverage:
    path: str
    line: int | None
    col: int | None
    expected: list[str]
    seen: dict[str, int] = attrs.Factory(dict)

    @property
    def covered(self) -> list[str]:
        """Expected outcomes seen (``input`` is covered by any digits, ``speech`` by anything
        said)."""
        digits = any(o not in (TIMEOUT, "hangup") and _is_digits(o) for o in self.seen)
        speech = any(o.startswith(SAY) for o in self.seen)
        return [o for o in self.expected if o in self.seen or (o == ANY_INPUT and digits)
                or (o == ANY_SPEECH and speech)]

    @property
    def missing(self) -> list[str]:
        covered = self.covered
        return [o for o in self.expected if o not in covered]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "col": self.col,
                "expected": list(self.expected), "seen": dict(sorted(self.seen.items())),
                "missing": self.missing}


def _is_digits(outcome: str) -> bool:
    return bool(outcome) and all(c in "0123456789*#ABCD" for c in outcome)


@attrs.define
class DocumentCoverage:
    key: str
    url: str | None
    source: str  # answer | route | static (known up front) | generated | unknown
    file: str | None
    text: str | None
    error: str | None  # the document does not parse
    order: int  # its place among the app's known documents (generated: after them)
    hits: int = 0  # runs that received it
    verbs: dict[str, VerbCoverage] = attrs.Factory(dict)
    gathers: dict[str, GatherCoverage] = attrs.Factory(dict)

    @classmethod
    def new(cls, key: str, url: str | None, source: str, file: str | None, text: str | None,
            shape: Outline, order: int) -> DocumentCoverage:
        document = cls(key, url, source, file, text, shape.error, order)
        for verb in shape.verbs:
            document.verbs[verb.path] = VerbCoverage(verb.name, verb.path, verb.line, verb.col)
            if verb.name == "Gather":
                document.gathers[verb.path] = GatherCoverage(
                    verb.path, verb.line, verb.col, list(gather_outcomes(verb.node)))
        return document

    @property
    def known(self) -> bool:
        return self.source in ("answer", "route", "static")

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "url": self.url, "source": self.source, "file": self.file,
                "error": self.error, "hits": self.hits,
                "verbs": [v.to_json() for v in self.verbs.values()],
                "gathers": [g.to_json() for g in self.gathers.values()], "text": self.text}


@attrs.define
class RouteCoverage:
    route: str
    known: bool
    hits: int = 0
    statuses: dict[str, int] = attrs.Factory(dict)

    def to_json(self) -> dict[str, Any]:
        return {"route": self.route, "known": self.known, "hits": self.hits,
                "statuses": dict(sorted(self.statuses.items()))}


@attrs.frozen
class Count:
    hit: int = 0
    total: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.hit + other.hit, self.total + other.total)

    @property
    def percent(self) -> float | None:
        return None if not self.total else 100.0 * self.hit / self.total

    def to_json(self) -> dict[str, Any]:
        percent = self.percent
        return {"hit": self.hit, "total": self.total,
                "percent": None if percent is None else round(percent, 2)}


@attrs.frozen
class Totals:
    documents: Count = Count()
    verbs: Count = Count()
    outcomes: Count = Count()
    routes: Count = Count()

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.documents + other.documents, self.verbs + other.verbs,
                      self.outcomes + other.outcomes, self.routes + other.routes)

    @property
    def total(self) -> Count:
        return self.verbs + self.outcomes

    def to_json(self) -> dict[str, Any]:
        return {"documents": self.documents.to_json(), "verbs": self.verbs.to_json(),
                "outcomes": self.outcomes.to_json(), "routes": self.routes.to_json(),
                "total": self.total.to_json()}


@attrs.define
class AppCoverage:
    id: str
    name: str
    kind: str
    generated: bool
    routes_known: bool
    notes: list[str] = attrs.Factory(list)
    scenarios: list[str] = attrs.Factory(list)
    documents: dict[str, DocumentCoverage] = attrs.Factory(dict)
    routes: dict[str, RouteCoverage] = attrs.Factory(dict)
    runs: int = 0
    unattributed: int = 0  # verbs run whose document is not in result.json (PUT bxml)

    @classmethod
    def of(cls, app: App) -> AppCoverage:
        coverage = cls(app.id, app.name, app.kind, app.generated, app.routes_known,
                       list(app.notes))
        for order, known in enumerate(app.documents):
            coverage.documents[known.url] = DocumentCoverage.new(
                known.url, known.url, known.source, known.file, known.text, known.outline, order)
        for route in app.routes:
            coverage.routes[route] = RouteCoverage(route, True)
        return coverage

    def totals(self) -> Totals:
        documents = list(self.documents.values())
        parsed = [d for d in documents if d.error is None]
        verbs = [v for d in parsed for v in d.verbs.values()]
        gathers = [g for d in parsed for g in d.gathers.values()]
        routes = [r for r in self.routes.values() if r.known]
        return Totals(
            Count(sum(1 for d in documents if d.hits), len(documents)),
            Count(sum(1 for v in verbs if v.hits), len(verbs)),
            Count(sum(len(g.covered) for g in gathers), sum(len(g.expected) for g in gathers)),
            Count(sum(1 for r in routes if r.hits), len(routes)))

    def sorted_documents(self) -> list[DocumentCoverage]:
        return sorted(self.documents.values(),
                      key=lambda d: (not d.known, d.order if d.known else 0, d.key))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "generated": self.generated, "routesKnown": self.routes_known,
                "notes": list(self.notes), "scenarios": sorted(self.scenarios),
                "runs": self.runs, "unattributed": self.unattributed,
                "totals": self.totals().to_json(),
                "documents": [d.to_json() for d in self.sorted_documents()],
                "routes": [r.to_json() for r in sorted(self.routes.values(),
                                                       key=lambda r: (not r.known, r.route))]}

    # ---- recording one run -----------------------------------------------------------------

    def add_run(self, app: App, result: dict[str, Any], scenario: str) -> None:
        """Count what the run ``result`` (a result.json object) reached in this app."""
        self.runs += 1
        if scenario not in self.scenarios:
            self.scenarios.append(scenario)
        run = trace(result)
        for request in run.requests:
            for attempt in request.attempts:  # a failed attempt reached its route too
                url = attempt.get("url") or request.url
                route = app.route_of(url, attempt.get("method") or request.method)
                key = route or url.split("?", 1)[0]
                entry = self.routes.setdefault(key, RouteCoverage(key, False))
                entry.hits += 1
                status = attempt.get("status")
                label = str(status) if status is not None else \
                    (attempt.get("error") or "no response")
                entry.statuses[label] = entry.statuses.get(label, 0) + 1
        reached = set()
        for document in run.documents:
            if document.body is not None and document.body.strip():
                reached.add(self._document(app, document.url, document.body).key)
        for key in reached:
            self.documents[key].hits += 1
        for executed in run.executed:
            document = executed.document
            if document is None or document.body is None:
                self.unattributed += 1
                continue
            target = self._document(app, document.url, document.body)
            key = executed.path or f"L{executed.line} {executed.verb}"
            verb = target.verbs.setdefault(key, VerbCoverage(
                executed.verb, executed.path, executed.line, executed.col))
            verb.hits += 1
            if executed.verb == "Gather" and executed.end_detail is not None:
                gather = target.gathers.setdefault(key, GatherCoverage(
                    key, executed.line, executed.col, [TIMEOUT, ANY_INPUT]))
                outcome = gather_outcome(executed.end_detail)
                gather.seen[outcome] = gather.seen.get(outcome, 0) + 1

    def _document(self, app: App, url: str | None, body: str) -> DocumentCoverage:
        """The coverage entry of a document a run received: the known one served at ``url``,
        else one per distinct body (made by code)."""
        known = app.document_of(url) if url is not None else None
        if known is not None and known.url in self.documents:
            return self.documents[known.url]
        key = Document(url, body).key
        if key not in self.documents:
            self.documents[key] = DocumentCoverage.new(
                key, url, "generated", None, body, outline_of(body), len(self.documents))
        return self.documents[key]

    # ---- merging ---------------------------------------------------------------------------

    def merge(self, other: AppCoverage) -> None:
        self.runs += other.runs
        self.unattributed += other.unattributed
        self.notes += [n for n in other.notes if n not in self.notes]
        self.scenarios += [s for s in other.scenarios if s not in self.scenarios]
        for key, document in other.documents.items():
            mine = self.documents.get(key)
            if mine is None:
                self.documents[key] = document
                continue
            mine.hits += document.hits
            for path, verb in document.verbs.items():
                target = mine.verbs.setdefault(path, VerbCoverage(verb.verb, verb.path,
                                                                  verb.line, verb.col))
                target.hits += verb.hits
            for path, gather in document.gathers.items():
                target = mine.gathers.setdefault(path, GatherCoverage(
                    gather.path, gather.line, gather.col, list(gather.expected)))
                target.expected += [o for o in gather.expected if o not in target.expected]
                for outcome, count in gather.seen.items():
                    target.seen[outcome] = target.seen.get(outcome, 0) + count
        for key, route in other.routes.items():
            mine = self.routes.setdefault(key, RouteCoverage(route.route, route.known))
            mine.known = mine.known or route.known
            mine.hits += route.hits
            for status, count in route.statuses.items():
                mine.statuses[status] = mine.statuses.get(status, 0) + count


class Coverage:
    """Coverage of every app a suite talked to."""

    def __init__(self) -> None:
        self.apps: dict[str, AppCoverage] = {}
        self._described: dict[str, App] = {}

    def add_run(self, scenario, result: dict[str, Any]) -> None:
        """Count the run ``result`` of ``scenario`` (a loaded ``model.Scenario``)."""
        app = self._app(scenario)
        label = f"{result.get('scenario', {}).get('file') or '<mapping>'}::{scenario.name}"
        self.apps[app.id].add_run(app, result, label)

    def add_app(self, scenario) -> AppCoverage:
        """The app of ``scenario`` with its known documents and routes (nothing reached yet)."""
        return self.apps[self._app(scenario).id]

    def _app(self, scenario) -> App:
        key = app_id(scenario)
        app = self._described.get(key)
        if app is None:
            app = self._described[key] = App.of(scenario)
            self.apps.setdefault(app.id, AppCoverage.of(app))
        return app

    def merge(self, other: Coverage) -> Coverage:
        for key, app in other.apps.items():
            if key in self.apps:
                self.apps[key].merge(app)
            else:
                self.apps[key] = app
        return self

    def totals(self) -> Totals:
        total = Totals()
        for app in self.apps.values():
            total = total + app.totals()
        return total

    def sorted_apps(self) -> list[AppCoverage]:
        return sorted(self.apps.values(), key=lambda a: (a.name, a.id))

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "totals": self.totals().to_json(),
                "apps": [a.to_json() for a in self.sorted_apps()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Coverage:
        """Read back ``to_json`` (KeyError/TypeError/ValueError on a malformed object)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a coverage file: format {data.get('format')!r}, expected "
                             f"{FORMAT!r}")
        coverage = cls()
        for raw in data["apps"]:
            app = AppCoverage(raw["id"], raw["name"], raw["kind"], bool(raw["generated"]),
                              bool(raw["routesKnown"]), list(raw["notes"]),
                              list(raw["scenarios"]), runs=int(raw["runs"]),
                              unattributed=int(raw["unattributed"]))
            for order, doc in enumerate(raw["documents"]):
                document = DocumentCoverage(doc["key"], doc["url"], doc["source"], doc["file"],
                                            doc["text"], doc["error"], order, int(doc["hits"]))
                for verb in doc["verbs"]:
                    key = verb["path"] or f"L{verb['line']} {verb['verb']}"
                    document.verbs[key] = VerbCoverage(verb["verb"], verb["path"], verb["line"],
                                                       verb["col"], int(verb["hits"]))
                for gather in doc["gathers"]:
                    document.gathers[gather["path"]] = GatherCoverage(
                        gather["path"], gather["line"], gather["col"], list(gather["expected"]),
                        {k: int(v) for k, v in gather["seen"].items()})
                app.documents[document.key] = document
            for route in raw["routes"]:
                app.routes[route["route"]] = RouteCoverage(
                    route["route"], bool(route["known"]), int(route["hits"]),
                    {k: int(v) for k, v in route["statuses"].items()})
            coverage.apps[app.id] = app
        return coverage


