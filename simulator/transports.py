"""Webhook transports: where a webhook request goes and what comes back.

One request in, one :class:`TransportReply` out. Four ways to answer a request:

* **canned routes** (:class:`RoutesTransport`): replies written in the scenario, with fault
  injection (status, virtual ``delay``, ``status: 0`` = connection refused);
* **in-process WSGI** (Flask, ...) and **ASGI** (FastAPI, Starlette) apps
  (:class:`InProcessTransport`), loaded from ``"module:attr"`` with the scenario folder importable;
  ASGI apps are bridged to a synchronous call with ``a2wsgi.ASGIMiddleware``;
* **real HTTP** (:class:`HttpTransport`) through a pooled ``httpx2.Client``.

Routes combine with an in-process app: a request that matches a route gets the canned reply, any
other request reaches the app. :func:`make_transport` picks the combination from ``app:``.

Transports never raise for what the network or the app does: a refused connection, a timeout or
an app that crashes becomes a reply (``status=None`` plus ``error``, or a 500). Only a transport
that cannot be set up raises :class:`~simulator.errors.TransportError`.

``elapsed`` is in virtual seconds: the canned ``delay``; 0 for in-process apps (so runs stay
deterministic); the measured wall time for real HTTP (which makes timing non-deterministic).
"""

from __future__ import annotations

import abc
import asyncio
import importlib
import mimetypes
import queue
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import a2wsgi
import attrs
import httpx2

from simulator.errors import TransportError
from simulator.scenario.model import AppSettings, Route

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TEXT_SUFFIXES = {".xml", ".bxml", ".txt", ".html", ".json"}
AUDIO_CONTENT_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}
REFUSED = "connection refused"
POOL_SIZE = 10  # connections kept to a real server; keep-alive limit is the same (no churn)


def timeout_error(timeout: float) -> str:
    """The error text of a request cut at ``timeout`` seconds."""
    return f"timeout after {timeout:g} s"


@attrs.frozen
class TransportReply:
    """What came back from one request. ``status`` is None when no HTTP response came back;
    ``error`` then says why (``"connection refused"``, ``"timeout after 15 s"``, ...).
    ``headers`` keys are lower case. ``elapsed`` is in virtual seconds."""

    status: int | None
    content: bytes = b""
    headers: dict[str, str] = attrs.Factory(dict)
    elapsed: float = 0.0
    error: str | None = None

    @property
    def text(self) -> str:
        """The body decoded with the charset of its content type (UTF-8 by default)."""
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # unknown charset name: UTF-8 is the best guess
            return self.content.decode("utf-8", errors="replace")

    @property
    def timed_out(self) -> bool:
        return self.status is None and (self.error or "").startswith("timeout")


class Transport(abc.ABC):
    """Base class: ``send`` one request, get one reply; ``close`` releases resources."""

    @abc.abstractmethod
    def send(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
             params: Mapping[str, str] | None = None, json: object = None,
             timeout: float) -> TransportReply:
        """Send one request; failures of the network or the app come back as replies."""

    def close(self) -> None:
        """Release connections, threads and event loops (idempotent)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# ---- canned routes ------------------------------------------------------------------------


def route_key(url: str) -> str:
    """Normal form of an absolute URL for route lookup: lower-case scheme and host, "/" for an
    empty path, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


@attrs.frozen
class _Canned:
    status: int
    content: bytes
    content_type: str
    delay: float


def _canned(key: str, route: Route, base_dir: Path) -> _Canned:
    """Turn a scenario route into the bytes it replies with (files are read once, here)."""
    content_type = route.content_type
    if route.body is not None:
        content = route.body.encode()
    elif route.bxml is not None:
        content = route.bxml.encode()
    elif route.file is not None:
        path = route.file if route.file.is_absolute() else base_dir / route.file
        where = f"line {route.line}" if route.line else None
        suffix = path.suffix.lower()
        try:
            if suffix in TEXT_SUFFIXES:
                content = path.read_text(encoding="utf-8").encode()
            else:
                content = path.read_bytes()
        except (OSError, UnicodeDecodeError) as exc:
            raise TransportError(f"route {key!r}: cannot read its file", where=where,
                                 expected="a readable file (UTF-8 for text files)",
                                 got=f"{path} ({exc.__class__.__name__}: {exc})") from None
        if content_type is None and suffix not in TEXT_SUFFIXES:
            content_type = (AUDIO_CONTENT_TYPES.get(suffix)
                            or mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    else:
        content = b""
    return _Canned(route.status, content, content_type or XML_CONTENT_TYPE, route.delay)


class RoutesTransport(Transport):
    """Canned replies by URL. Keys are paths (resolved against ``base_url``) or absolute URLs;
    the query string of a request is ignored unless a key names it. A request no route matches
    goes to ``fallthrough`` when given, else gets a 404 whose body lists the known routes.

    Fault injection: ``delay`` (virtual seconds) is the reply's ``elapsed``; a delay of at least
    the request's timeout is a timeout (``elapsed == timeout``); ``status: 0`` means the
    connection is refused (no HTTP response)."""

    def __init__(self, routes: Mapping[str, Route], base_url: str, *, base_dir: Path = Path("."),
                 fallthrough: Transport | None = None) -> None:
        self.fallthrough = fallthrough
        self._routes = {route_key(urljoin(base_url, key)): _canned(key, route, base_dir)
                        for key, route in routes.items()}

    def send(self, method, url, *, headers=None, params=None, json=None, timeout):
        key = route_key(url)
        canned = self._routes.get(key) or self._routes.get(key.split("?", 1)[0])
        if canned is None:
            if self.fallthrough is not None:
                return self.fallthrough.send(method, url, headers=headers, params=params,
                                             json=json, timeout=timeout)
            known = ", ".join(sorted(self._routes)) or "none"
            body = f"no route for {method} {key.split('?', 1)[0]} (known routes: {known})"
            return TransportReply(404, body.encode(), {"content-type": "text/plain; charset=utf-8"})
        if canned.delay >= timeout:
            return TransportReply(None, b"", {}, timeout, timeout_error(timeout))
        if canned.status == 0:
            return TransportReply(None, b"", {}, canned.delay, REFUSED)
        return TransportReply(canned.status, canned.content,
                              {"content-type": canned.content_type}, canned.delay)

    def close(self) -> None:
        if self.fallthrough is not None:
            self.fallthrough.close()


# ---- httpx2-based transports ----------------------------------------------------------------


def _reply_from_response(response: httpx2.Response, elapsed: float) -> TransportReply:
    headers = {key.lower(): value for key, value in response.headers.multi_items()}
    return TransportReply(response.status_code, response.content, headers, elapsed)


def _error_text(exc: httpx2.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx2.TimeoutException):
        return timeout_error(timeout)
    if isinstance(exc, httpx2.ConnectError):
        cause = exc.__context__ or exc.__cause__
        refused = isinstance(cause, ConnectionRefusedError) or "refused" in str(exc).lower()
        return REFUSED if refused else f"connection error: {exc}"
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


class _ClientTransport(Transport):
    """Shared request path of the in-process and real-HTTP transports."""

    measured = True  # elapsed = wall time (real HTTP) or 0 (in-process apps)

    def __init__(self, client: httpx2.Client) -> None:
        self.client = client

    def send(self, method, url, *, headers=None, params=None, json=None, timeout):
        started = time.perf_counter()
        try:
            if params:  # keep the URL's own query ("/gather?step=2"); httpx2 would replace it
                url, params = httpx2.URL(url).copy_merge_params(params), None
            response = self.client.request(method, url, headers=headers, params=params,
                                           json=json, timeout=timeout)
        except httpx2.HTTPError as exc:
            elapsed = min(time.perf_counter() - started, timeout) if self.measured else 0.0
            if isinstance(exc, httpx2.TimeoutException):
                elapsed = timeout
            return TransportReply(None, b"", {}, elapsed, _error_text(exc, timeout))
        except Exception as exc:  # noqa: BLE001 - never a traceback for what the app does
            return self._failure(exc)
        elapsed = time.perf_counter() - started if self.measured else 0.0
        return _reply_from_response(response, elapsed)

    def _failure(self, exc: Exception) -> TransportReply:
        """A request that failed outside httpx2's own errors (e.g. an unusable URL)."""
        return TransportReply(None, b"", {}, 0.0, f"invalid request: {exc}")

    def close(self) -> None:
        self.client.close()


class HttpTransport(_ClientTransport):
    """Real HTTP through one pooled ``httpx2.Client`` (keep-alive pool == connection pool, so
    bursts reuse connections). Redirects are not followed: a 3xx is a failed delivery."""

    def __init__(self, *, pool_size: int = POOL_SIZE) -> None:
        limits = httpx2.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        super().__init__(httpx2.Client(limits=limits, follow_redirects=False))


class InProcessTransport(_ClientTransport):
    """A WSGI app (or an ASGI app bridged by ``a2wsgi``) called in-process, no sockets.

    Every request reaches the app whatever its host. ``elapsed`` is 0 virtual seconds, so the
    callback timeout never fires (and an app that hangs cannot be cut: use a real server to test
    that). An exception escaping the app becomes a 500 reply carrying the exception text."""

    measured = False

    def _failure(self, exc: Exception) -> TransportReply:
        # What a real server answers when the app raises; the body says what was raised.
        return TransportReply(500, f"{exc.__class__.__name__}: {exc}".encode(),
                              {"content-type": "text/plain; charset=utf-8"}, 0.0)

    def __init__(self, wsgi_app, *, on_close=None) -> None:
        transport = httpx2.WSGITransport(app=wsgi_app, raise_app_exceptions=True)
        super().__init__(httpx2.Client(transport=transport, follow_redirects=False))
        self._on_close = on_close

    def close(self) -> None:
        super().close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()


# ---- loading in-process apps ----------------------------------------------------------------


def _local_module_file(module_name: str, base_dir: Path) -> Path | None:
    """The file under ``base_dir`` that ``module_name`` names, if there is one."""
    stem = base_dir.joinpath(*module_name.split("."))
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _where(exc: BaseException, base_dir: Path) -> str | None:
    """file:line of an import failure: the innermost frame in the scenario folder, if any."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    frames = traceback.extract_tb(exc.__traceback__)
    base = str(base_dir.resolve())
    local = [frame for frame in frames if frame.filename.startswith(base)]
    frame = (local or frames or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame is not None else None


def load_app(spec: str, base_dir: Path, *, kind: str):
    """Import the WSGI/ASGI app named by ``"module:attr"`` (attr may be dotted).

    The scenario folder ``base_dir`` goes first on ``sys.path``. A module of the same name that
    was imported from another folder (another scenario's ``app.py``) is imported afresh.
    Raises TransportError saying what was expected and what was found."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name.strip() or not attr.strip():
        raise TransportError(f"app.{kind}: {spec!r} does not name an app", got=repr(spec),
                             expected='"module:attr", e.g. "app:app" for an app.py defining app')
    module_name, attr = module_name.strip(), attr.strip()
    local = _local_module_file(module_name, base_dir)
    if local is not None:
        loaded = sys.modules.get(module_name)
        loaded_file = getattr(loaded, "__file__", None)
        if loaded is not None and (not loaded_file or Path(loaded_file).resolve() != local):
            for name in [n for n in sys.modules if n == module_name or n.startswith(module_name + ".")]:
                del sys.modules[name]
        folder = str(base_dir.resolve())
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise TransportError(f"app.{kind}: cannot import module {module_name!r}", got="no such module",
                                 expected=f"{module_name.replace('.', '/')}.py in {base_dir} "
                                          "or an installed module") from None
        raise TransportError(f"app.{kind}: module {module_name!r} failed to import",
                             where=_where(exc, base_dir), got=str(exc),
                             expected="its own imports to be installed") from None
    except Exception as exc:  # noqa: BLE001 - the user's module raised while importing
        raise TransportError(f"app.{kind}: module {module_name!r} failed to import",
                             where=_where(exc, base_dir), expected="a module that imports cleanly",
                             got=f"{exc.__class__.__name__}: {exc}") from None
    target = module
    for part in attr.split("."):
        if not hasattr(target, part):
            names = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
            raise TransportError(f"app.{kind}: module {module_name!r} has no attribute {attr!r}",
                                 where=getattr(module, "__file__", None),
                                 expected=f"a {kind.upper()} app named {attr!r}",
                                 got="callables: " + (", ".join(names) or "none"))
        target = getattr(target, part)
    if not callable(target):
        raise TransportError(f"app.{kind}: {spec!r} is not an app", got=type(target).__name__,
                             where=getattr(module, "__file__", None),
                             expected=f"a callable {kind.upper()} application")
    return target


class AsgiBridge:
    """Runs an ASGI app on its own event-loop thread and exposes it as ``wsgi_app``.

    Lifespan startup runs here and shutdown on ``close()`` (``a2wsgi`` and httpx2's
    ASGITransport run neither). An app without lifespan support is accepted as is."""

    STARTUP_WALL_LIMIT = 30.0  # wall seconds a lifespan handler may take

    def __init__(self, app, *, spec: str = "asgi app") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="asgi-app", daemon=True)
        self._thread.start()
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._sent: queue.Queue = queue.Queue()
        self._lifespan = asyncio.run_coroutine_threadsafe(self._run_lifespan(app), self.loop)
        self._supports_lifespan = True
        failed = self._step("lifespan.startup")
        if failed is not None:
            self.close()
            raise TransportError(f"app.asgi: {spec} failed to start", got=failed,
                                 expected="its lifespan startup to complete")
        self.wsgi_app = a2wsgi.ASGIMiddleware(app, loop=self.loop)

    async def _run_lifespan(self, app) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": {}}
        async def send(message: dict) -> None:
            self._sent.put(message)

        try:
            await app(scope, self._inbox.get, send)
        except BaseException:  # noqa: BLE001 - no lifespan support: the app rejects the scope
            pass
        self._sent.put({"type": "lifespan.done"})

    def _step(self, message: str) -> str | None:
        """Send a lifespan message; return the failure text, or None when it went well."""
        if not self._supports_lifespan:
            return None
        self.loop.call_soon_threadsafe(self._inbox.put_nowait, {"type": message})
        try:
            reply = self._sent.get(timeout=self.STARTUP_WALL_LIMIT)
        except queue.Empty:
            return f"no reply to {message} within {self.STARTUP_WALL_LIMIT:g} s"
        if reply["type"] == "lifespan.done":
            self._supports_lifespan = False
            return None
        if reply["type"].endswith(".failed"):
            return reply.get("message") or reply["type"]
        return None

    def close(self) -> None:
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            self._step("lifespan.shutdown")
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        self.loop.close()


# ---- choosing a transport -----------------------------------------------------------------


def make_transport(app: AppSettings, base_dir: Path, *,
                   answer_url: str = "/answer") -> Transport:
    """The transport for a scenario's ``app:`` section.

    ``app.bxml`` becomes the canned reply of ``answer_url`` (unless a route names that URL).
    Routes answer first; other requests go to the ``wsgi``/``asgi`` app when one is set, else get
    a 404. With nothing but ``base_url``, requests go over real HTTP.
    Raises TransportError for an app that cannot be loaded or a route file that cannot be read.
    """
    if app.wsgi and app.asgi:
        raise TransportError("app: wsgi and asgi are both set", expected="at most one of them",
                             got=f"wsgi={app.wsgi!r}, asgi={app.asgi!r}")
    routes = dict(app.routes)
    if app.bxml is not None:
        keys = {route_key(urljoin(app.base_url, key)) for key in routes}
        if route_key(urljoin(app.base_url, answer_url)) not in keys:
            routes[answer_url] = Route(bxml=app.bxml)
    inner: Transport | None = None
    if app.wsgi:
        inner = InProcessTransport(load_app(app.wsgi, base_dir, kind="wsgi"))
    elif app.asgi:
        bridge = AsgiBridge(load_app(app.asgi, base_dir, kind="asgi"), spec=app.asgi)
        inner = InProcessTransport(bridge.wsgi_app, on_close=bridge.close)
    elif not routes:
        return HttpTransport()
    if not routes:
        return inner
    try:
        return RoutesTransport(routes, app.base_url, base_dir=base_dir, fallthrough=inner)
    except TransportError:
        if inner is not None:
            inner.close()
        raise
