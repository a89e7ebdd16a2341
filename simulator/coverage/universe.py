"""What an app can return, before any run: the denominators of coverage.

``App.of(scenario)`` describes the app a scenario talks to and everything knowable about it
up front:

* **canned routes** (``app.routes``, ``app.bxml`` as the answer URL's reply, the routes of
  ``calls:``): each route is a webhook route; each body that is BXML is a document, parsed
  whether or not a run reaches it (a route file is named by its file);
* **a static folder** (``app.static``, the folder of a bare FLOW.xml): each ``.xml``/``.bxml``
  file in it is a document (and a route), reached or not;
* **an in-process app** (``wsgi``/``asgi``): its BXML is made by code, so the documents it can
  return cannot be listed; only those runs saw are known. Its routes can be listed when it is a
  Flask (``url_map``) or Starlette/FastAPI (``routes``) app; a plain WSGI callable's cannot;
* **a real server** (``--app-url``, ``base_url`` alone): nothing is knowable.

``App.route_of(url)`` names the route a request reached; ``App.document_of(url)`` the known
document a reply came from (None for code-generated ones). Nothing here runs the app: an
in-process app is imported (to read its route table), never called.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import attrs

from simulator.coverage.outline import Outline, outline
from simulator.errors import SimulatorError
from simulator.scenario import model
from simulator.transports import RoutesTransport, StaticFolderTransport, load_app, route_key
from simulator.transports.static import AUDIO_SUFFIXES

BXML_SUFFIXES = (".xml", ".bxml")
#: routes FastAPI adds on its own (docs pages), not webhooks of the app
_FRAMEWORK_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@attrs.frozen
class KnownDocument:
    """A document the app can return, known without running it."""

    url: str  # the route (normal form) or the static file's URL (without its suffix)
    source: str  # "answer" | "route" | "static"
    text: str
    file: str | None = None  # the file backing it, relative to the scenario folder if inside
    outline: Outline = attrs.field(eq=False, repr=False, factory=Outline)


@attrs.frozen
class App:
    """The app of a scenario, as coverage sees it."""

    id: str
    name: str
    kind: str  # "routes" | "static" | "wsgi" | "asgi" | "http"
    generated: bool  # True: its BXML is made by code (documents not knowable up front)
    documents: tuple[KnownDocument, ...]
    routes: tuple[str, ...]  # known webhook routes ("/gather/<int:n>" patterns for Flask)
    routes_known: bool  # False: the route table cannot be read (plain WSGI, real server)
    notes: tuple[str, ...] = ()
    _canned: RoutesTransport | None = attrs.field(default=None, eq=False, repr=False)
    _static: StaticFolderTransport | None = attrs.field(default=None, eq=False, repr=False)
    _matcher: object = attrs.field(default=None, eq=False, repr=False)

    @classmethod
    def of(cls, scenario: model.Scenario) -> App:
        return describe(scenario)

    def route_of(self, url: str, method: str = "POST") -> str | None:
        """The known route that answers ``url``: a canned route, a static file, or the app's
        own rule; None when no known route does (or the routes cannot be known)."""
        if self._canned is not None and (key := self._canned.match(url)) is not None:
            return key
        if self._static is not None and (file := self._static.file_for(url)) is not None:
            return _static_url(self._static, file)
        if self._matcher is not None:
            return self._matcher(url, method)
        return None

    def document_of(self, url: str) -> KnownDocument | None:
        """The known document served at ``url`` (None: made by code, or not a document)."""
        route = None
        if self._canned is not None:
            route = self._canned.match(url)
        if route is None and self._static is not None:
            file = self._static.file_for(url)
            route = _static_url(self._static, file) if file is not None else None
        return next((d for d in self.documents if d.url == route), None) if route else None


def describe(scenario: model.Scenario) -> App:
    app = scenario.app
    base_dir = scenario.base_dir
    canned = _canned_routes(scenario)
    documents: list[KnownDocument] = []
    notes: list[str] = []
    transport = None
    if canned:
        transport = RoutesTransport(canned, app.base_url, base_dir=base_dir)
        answer = route_key(urljoin(app.base_url, scenario.call.answer_url))
        for key, route in canned.items():
            url = route_key(urljoin(app.base_url, key))
            text, file = _route_text(route, base_dir)
            if text is None:
                continue
            if url == answer and file is None and scenario.file is not None \
                    and Path(scenario.file).suffix.lower() in BXML_SUFFIXES:
                file = Path(scenario.file)  # a bare FLOW.xml: the answer document is that file
            document = KnownDocument(url, "answer" if url == answer else "route", text,
                                     _shown(file, scenario), outline(text))
            documents.insert(0 if url == answer else len(documents), document)
    static = None
    folder = app.static or (base_dir if app.unmatched == "no-app" else None)
    if folder is not None:
        static = StaticFolderTransport(folder, app.base_url)
        own = Path(scenario.file).resolve() if scenario.file is not None else None
        for file in sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in
                           BXML_SUFFIXES and p.is_file()):
            if own is not None and file.resolve() == own:
                continue  # a bare FLOW.xml is the answer document already
            text = file.read_text(encoding="utf-8", errors="replace")
            documents.append(KnownDocument(_static_url(static, file.resolve()), "static", text,
                                           _shown(file, scenario), outline(text)))
    routes = [route_key(urljoin(app.base_url, key)) for key, route in canned.items()
              if not _is_media(route)]
    routes += [d.url for d in documents if d.source == "static"]
    matcher, app_routes, known = None, [], True
    kind = _kind(scenario)
    if kind in ("wsgi", "asgi"):
        matcher, app_routes, why = _app_routes(app, base_dir, kind)
        if why:
            known = False
            notes.append(why)
        notes.append("its BXML is made by code: only the documents the runs saw are known")
    elif app.unmatched == "http" or kind == "http":
        known = False  # the canned routes are listed, the server's cannot be
        notes.append(f"a real server at {app.base_url}: the documents and routes it serves "
                     "cannot be known")
    generated = kind in ("wsgi", "asgi", "http") or app.unmatched == "http"
    return App(app_id(scenario), _app_name(scenario, kind), kind, generated, tuple(documents),
               tuple(dict.fromkeys(routes + app_routes)), known, tuple(notes), transport,
               static, matcher)


def _kind(scenario: model.Scenario) -> str:
    """wsgi | asgi (in-process app) | routes (canned) | static (a folder) | http (a server)."""
    app = scenario.app
    if app.wsgi or app.asgi:
        return "wsgi" if app.wsgi else "asgi"
    if app.routes or app.bxml is not None:
        return "routes"
    if app.static is not None or app.unmatched == "no-app":
        return "static"
    return "http"


def _canned_routes(scenario: model.Scenario) -> dict[str, model.Route]:
    """``app.routes`` plus ``app.bxml`` as the answer URL's reply (as the transport does)."""
    app = scenario.app
    routes = dict(app.routes)
    if app.bxml is not None:
        keys = {route_key(urljoin(app.base_url, key)) for key in routes}
        if route_key(urljoin(app.base_url, scenario.call.answer_url)) not in keys:
            routes[scenario.call.answer_url] = model.Route(bxml=app.bxml)
    return routes


def _route_text(route: model.Route, base_dir: Path) -> tuple[str | None, Path | None]:
    """The BXML a canned route replies with (None: not a document), and its file."""
    if route.fault is not None or not 200 <= route.status < 300:
        return None, None
    if route.body is not None or route.bxml is not None:
        text = route.body if route.body is not None else route.bxml
        return (text, None) if text.lstrip().startswith("<") else (None, None)
    if route.file is not None:
        path = route.file if route.file.is_absolute() else base_dir / route.file
        if path.suffix.lower() in BXML_SUFFIXES:
            return path.read_text(encoding="utf-8", errors="replace"), path
    return None, None


def _is_media(route: model.Route) -> bool:
    """A canned audio file (fetched by PlayAudio): not a webhook route."""
    if route.content_type is not None:
        return route.content_type.lower().startswith("audio/")
    return route.file is not None and route.file.suffix.lower() in AUDIO_SUFFIXES


def _static_url(static: StaticFolderTransport, file: Path) -> str:
    """The URL a static file is named by: under the base URL, without a BXML suffix (the
    ``/next`` that ``next.xml`` answers)."""
    relative = file.relative_to(static.folder).as_posix()
    if Path(relative).suffix.lower() in BXML_SUFFIXES:
        relative = relative.rsplit(".", 1)[0]
    return route_key(urljoin(urljoin(static.base_url, "."), relative))


def _shown(file: Path | None, scenario: model.Scenario) -> str | None:
    """A file as the report shows it: relative to the working folder when inside it."""
    if file is None:
        return None
    try:
        return Path(file).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(file).as_posix()


def app_id(scenario: model.Scenario) -> str:
    """Scenarios talking to the same app share this id (so their coverage adds up)."""
    app = scenario.app
    kind = _kind(scenario)
    if app.wsgi or app.asgi:
        return f"{kind}:{app.wsgi or app.asgi}@{Path(scenario.base_dir).resolve()}"
    canned = {key: attrs.asdict(route) for key, route in _canned_routes(scenario).items()}
    blob = json.dumps([app.base_url, str(app.static), app.unmatched, canned], sort_keys=True,
                      default=str)
    return f"{kind}:{hashlib.sha1(blob.encode()).hexdigest()[:12]}"


def _app_name(scenario: model.Scenario, kind: str) -> str:
    app = scenario.app
    if app.wsgi or app.asgi:
        return f"{app.wsgi or app.asgi} ({kind})"
    if kind == "http":
        return f"{app.base_url} (real server)"
    where = _shown(scenario.file, scenario) if scenario.file is not None else "<mapping>"
    return f"{where}: {scenario.name}"


def _app_routes(app: model.AppSettings, base_dir: Path, kind: str):
    """(matcher, route patterns, why unknown) of an in-process app's own route table."""
    try:
        target = load_app(app.wsgi or app.asgi, base_dir, kind=kind)
    except SimulatorError as exc:
        return None, [], f"its routes cannot be read: {exc}"
    url_map = getattr(target, "url_map", None)
    if url_map is not None and hasattr(url_map, "iter_rules"):  # Flask / werkzeug
        rules = [r for r in url_map.iter_rules() if r.endpoint != "static"]

        def match_flask(url: str, method: str) -> str | None:
            parts = urlsplit(url)
            try:
                rule, _ = url_map.bind(parts.netloc or "localhost").match(
                    parts.path or "/", method=method, return_rule=True)
            except Exception:  # noqa: BLE001 - werkzeug's NotFound, MethodNotAllowed, ...
                return None
            return rule.rule

        return match_flask, [r.rule for r in rules], None
    routes = [r for r in getattr(target, "routes", None) or []
              if hasattr(r, "path_regex") and getattr(r, "include_in_schema", True)
              and r.path not in _FRAMEWORK_ROUTES]
    if routes:  # Starlette / FastAPI

        def match_starlette(url: str, method: str) -> str | None:
            path = urlsplit(url).path or "/"
            return next((r.path for r in routes if r.path_regex.match(path)), None)

        return match_starlette, [r.path for r in routes], None
    return None, [], (f"its routes cannot be listed (a {kind.upper()} callable without a route "
                      "table): only the routes runs reached are shown")
