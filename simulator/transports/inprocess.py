"""In-process apps: a WSGI app (Flask, ...) or an ASGI app (FastAPI, Starlette) called without
sockets.

Apps are named or given as the scenario says (``apps.py``: import strings, objects, factories);
``asgi.py``'s :class:`AsgiBridge` runs an ASGI app on its own event-loop thread (lifespan
included) and exposes it as WSGI through ``a2wsgi``; :class:`InProcessTransport` sends requests
to the WSGI callable as httpx2's WSGI transport does, on a worker thread watched by the caller.
Requests take 0 virtual seconds, so runs stay deterministic; an app still busy after a generous
wall limit (``InProcessTransport.HANG_LIMIT``) is taken for a hang and timed out like a server
that never answers. An exception raised in the app, whether it escapes or the framework logs it
and answers 500, is the reply's ``app_error`` (``app_errors.py``). Setup problems raise
``TransportError`` saying what was expected.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
import logging
import os
import queue
import sys
import threading
import traceback

import attrs
import httpx2

from simulator.errors import TransportError
from simulator.hermetic.binding import as_app

from . import app_errors
from .app_errors import AppExit
from .base import BODY_LIMIT, NOTE_HEADER, TransportReply, timeout_error
from .client import _ClientTransport, _read_reply, read_limited

#: httpx2's own logger: the in-process path logs each request as ``Client.send`` does.
_HTTPX2_LOG = logging.getLogger("httpx2")
#: Reply headers whose handling is the client's (content decoding, cookies kept for the next
#: request): a reply carrying one is read through httpx2's Response as the client reads it.
_CLIENT_HEADERS = ("content-encoding", "set-cookie", "set-cookie2")
#: Taken while a transport makes its client (InProcessTransport.client).
_CLIENT_MADE = threading.Lock()
#: Methods ``httpx2.Request`` gives ``Content-Length: 0`` when they carry no body.
_BODY_METHODS = ("POST", "PUT", "PATCH", "QUERY")

try:   # httpx2's own encoding of a request body (its headers and stream), private
    from httpx2._content import encode_request as _encode_request
except ImportError:   # pragma: no cover - moved in another httpx2: the client's path
    _encode_request = None
try:   # the body of a WSGI reply as WSGITransport streams it, private
    from httpx2._transports.wsgi import WSGIByteStream as _WSGIByteStream
except ImportError:   # pragma: no cover - moved in another httpx2: WSGITransport's own call
    _WSGIByteStream = None


class InProcessTransport(_ClientTransport):
    """A WSGI app (or an ASGI app bridged by ``a2wsgi``) called in-process, no sockets.

    Every request reaches the app whatever its host. ``elapsed`` is 0 virtual seconds however
    long the app takes in wall time, so an app that answers never times out and runs stay
    deterministic. Requests run one at a time on a worker thread. One still running after
    ``HANG_LIMIT`` wall seconds is taken for a hang: the attempt is a timeout at the webhook's
    callbackTimeout, as for a server that never answers (plus a note), and its thread is
    abandoned: a daemon, which Python cannot kill and which cannot keep the process alive; it
    exits when the app returns, and meanwhile the app may see later requests concurrently.
    An exception escaping the app becomes a 500 reply carrying the exception text; a handler
    that raises ``SystemExit`` or ``KeyboardInterrupt`` (trying to end the process) raises
    TransportError naming the app (``name``) and the raising line: the scenario's error. Any
    exception raised in the app while it handled the request (escaping, or logged with
    exc_info by a framework that answered 500 itself) is the reply's ``app_error``. A request
    sent after ``close()`` gets the closed client's answer (no status, an ``invalid request``
    error, as from ``HttpTransport``), the app not asked."""

    #: Wall seconds after which a request is a hang. Generous, so a slow machine or a loaded
    #: CI run never turns an answer into a timeout (which would break determinism).
    HANG_LIMIT = 30.0

    def _failure(self, exc: Exception) -> TransportReply:
        if isinstance(exc, AppExit):   # not an answer: handed to send() on the caller's thread
            raise exc
        # What a real server answers when the app raises; the body says what was raised.
        app_errors.report(exc)
        return TransportReply(500, f"{exc.__class__.__name__}: {exc}".encode(),
                              {"content-type": "text/plain; charset=utf-8"}, 0.0)

    def __init__(self, wsgi_app, *, on_close=None, name: str = "in-process app",
                 threads: tuple[int | None, ...] = ()) -> None:
        self._wsgi = httpx2.WSGITransport(app=wsgi_app, raise_app_exceptions=True)
        self._client: httpx2.Client | None = None   # made when first needed (``client``)
        self._closed = False
        self.name = name
        self._on_close = on_close
        self._threads = threads  # threads of the app besides the worker (an ASGI event loop)
        self._worker: _Worker | None = None
        self.abandoned = 0   # requests cut off while the app was still running them

    @property
    def client(self) -> httpx2.Client:   # type: ignore[override]
        """httpx2's client of this transport (the cookies the app sets, the client's own path),
        made the first time it is needed: a plain request takes only the headers a fresh client
        adds (``_fresh_client_headers``), so a run whose app sets no cookie makes none (one
        costs 0.07-0.1 ms to make)."""
        if self._client is None:
            with _CLIENT_MADE:   # one client, also when an abandoned request still runs
                if self._client is None:
                    client = httpx2.Client(transport=self._wsgi, follow_redirects=False)
                    if self._closed:   # what a closed transport's client is: closed
                        client.close()
                    self._client = client
        return self._client

    def send(self, method, url, *, headers=None, params=None, json=None, timeout,
             max_bytes=BODY_LIMIT):
        if self._closed:   # the closed client's answer, as real HTTP's: the app is not asked,
            # so no worker is taken (one taken now would never be given back)
            return _ClientTransport(self.client).send(
                method, url, headers=headers, params=params, json=json, timeout=timeout,
                max_bytes=max_bytes)
        if self._worker is None:
            self._worker = _Worker.take()
        capture = app_errors.open_capture(self._worker.ident, *self._threads)
        try:
            reply = self._request(method, url, headers, params, json, timeout, max_bytes)
        finally:
            app_errors.close_capture(capture)
        error = capture.error
        return reply if error is None else attrs.evolve(reply, app_error=error)

    def _request(self, method, url, headers, params, json, timeout, max_bytes) -> TransportReply:
        done = self._worker.run(lambda: super(InProcessTransport, self).send(
            method, url, headers=headers, params=params, json=json, timeout=timeout,
            max_bytes=max_bytes))
        try:
            reply = done.get(timeout=self.HANG_LIMIT)
        except queue.Empty:   # stuck in the app: its thread ends whenever the app returns
            self._worker.stop()
            self._worker, self.abandoned = None, self.abandoned + 1
            note = (f"the in-process app did not return within {self.HANG_LIMIT:g} s (wall "
                    "clock): taken for a hang; its request thread was abandoned")
            return TransportReply(None, b"", {NOTE_HEADER: note}, timeout,
                                  timeout_error(timeout))
        if isinstance(reply, BaseException):   # what escaped _ClientTransport.send's net
            exited = _process_exit(reply)
            if exited is not None:
                raise _exit_error(f"app {self.name!r} raised {exited!r} while handling "
                                  f"{method} {url}", exited)
            return self._failure(reply)
        return reply

    def _exchange(self, method, url, headers, params, json, timeout,
                  max_bytes) -> TransportReply:
        """What ``Client.stream`` does for one request, without its layers for what an
        in-process app never needs (auth flows, redirects followed, event hooks, timing):
        the client builds the request (its headers, cookies, body: the environ the app gets is
        the one ``WSGITransport`` makes of it; ``_plain_parts`` makes the same headers and
        body in half the time when it can, and the app gets them without an ``httpx2.Request``
        made of them unless a step after the reply needs one: 5-6 us less a request), the app
        is called as the WSGI transport calls it (``_call_app``, ``_call_wsgi``), and the
        client's steps after a reply are taken (cookies kept, the
        request logged, a redirect's next request built); the body is read as ``_read_reply``
        reads it, through httpx2's decoders when the reply is encoded, and a reply that
        matters to the client in none of these ways (no cookie, no encoding, not a 3xx) is
        read without a ``Response`` made (0.1-0.13 ms less a webhook than the whole client
        path, then 0.012 ms less for the request, 0.02 ms for the reply). A URL with
        credentials (the client adds Basic auth from it) and a closed client take the client's
        own path."""
        made = self._client
        if self._closed or (made is not None and made.is_closed):
            return super()._exchange(method, url, headers, params, json, timeout, max_bytes)
        if isinstance(url, str):
            url = _url(url)
        plain = (_plain_parts(_fresh_client_headers(), False, method, url, headers, params, json)
                 if made is None else
                 _plain_parts(made.headers.raw, bool(made.cookies), method, url, headers, params,
                              json))
        request = None
        if plain is None or url.username or url.password or _WSGIByteStream is None:
            request = (_request_of(method, url, *plain, timeout) if plain is not None else
                       self.client.build_request(method, url, headers=headers, params=params,
                                                 json=json, timeout=timeout))
            if request.url.username or request.url.password:
                response = self.client.send(request, stream=True)
                try:
                    return _read_reply(response, max_bytes)
                finally:
                    response.close()
            status, raw, stream = _call_app(self._wsgi, request)   # the app runs here
        else:   # the request's parts straight to the app: no httpx2.Request made of them
            fields, body = plain
            status, raw, stream = _call_wsgi(self._wsgi, url, method.upper(), fields,
                                             b"".join(body))   # the app runs here
        response = None
        try:
            headers = {key.decode("ascii").lower(): value.decode("ascii") for key, value in raw}
            special = any(name in headers for name in _CLIENT_HEADERS)
            if not special and status // 100 != 3:   # nothing for the client: no Response
                if request is None:
                    _log_request(method.upper(), url, status)
                else:
                    _log_request(request.method, request.url, status)
                return read_limited(status, headers, stream, max_bytes)
            if request is None:   # the client's steps after a reply take the Request
                request = _request_of(method, url, *plain, timeout)
            response = httpx2.Response(status, headers=raw, stream=stream)
            response.request = request
            if special:
                self.client.cookies.extract_cookies(response)
            _log_request(request.method, request.url, status)
            if response.has_redirect_location:
                with contextlib.suppress(httpx2.RemoteProtocolError):
                    response.next_request = self.client._build_redirect_request(request,
                                                                                response)
            if special:
                return _read_reply(response, max_bytes)
            return _read_plain(response, headers, max_bytes)
        finally:
            if response is not None:
                response.close()
            else:
                stream.close()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.release()
            self._worker = None
        self._closed = True
        if self._client is not None:
            self._client.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()


@functools.lru_cache(maxsize=1024)
def _url(text: str) -> httpx2.URL:
    """``httpx2.URL(text)``, memoised: a URL is immutable, and a run sends its webhooks to a
    few URLs again and again (parsing one is a fifth of the client's work for a request)."""
    return httpx2.URL(text)


def _log_request(method: str, url: httpx2.URL, status: int) -> None:
    """The line ``Client.send`` logs for a request (a reply made here has no extensions: HTTP/1.1
    and the status's own reason phrase, what ``Response.http_version``/``reason_phrase`` say).
    The phrase is looked up only when the line is logged (what ``Logger.info`` itself asks
    first): httpx2's lookup costs 2.5-4 us, and the logger is mostly off."""
    if _HTTPX2_LOG.isEnabledFor(logging.INFO):
        _HTTPX2_LOG.info('HTTP Request: %s %s "%s %d %s"', method, url, "HTTP/1.1",
                         status, httpx2.codes.get_reason_phrase(status))


def _plain_request(client: httpx2.Client, method: str, url: httpx2.URL, headers, params, json,
                   timeout) -> httpx2.Request | None:
    """``client.build_request(method, url, headers=headers, json=json, timeout=timeout)``
    without its copies and lookups of the headers (4 ``Headers`` made, each looked up by name
    again and again: 12 us of 25 a webhook), read; None when the client's own path is needed
    (``_plain_parts``). tests/test_transports_inprocess_path.py compares both."""
    plain = _plain_parts(client.headers.raw, bool(client.cookies), method, url, headers, params,
                         json)
    return None if plain is None else _request_of(method, url, *plain, timeout)


@functools.cache
def _fresh_client_headers() -> tuple[tuple[bytes, bytes], ...]:
    """The headers a new ``httpx2.Client`` sends (Accept, Accept-Encoding, Connection,
    User-Agent): the same for every client of this httpx2, made once."""
    client = httpx2.Client(transport=httpx2.WSGITransport(app=None))
    client.close()
    return tuple(client.headers.raw)


def _plain_parts(client_headers, cookies: bool, method: str, url: httpx2.URL, headers, params,
                 json):
    """``(headers, body stream)`` of the request ``client.build_request`` would make, for a
    client whose headers are ``client_headers`` (raw byte pairs), with ``cookies`` to send or
    not: the same
    headers in the same order (raw byte pairs) and body. The client's headers, then
    ``headers`` (a name given replaces the client's), then the body's own
    (``Content-Length``, ``Content-Type``) unless given, with ``Host`` (and
    ``Content-Length: 0`` for a body-less POST) in front, as ``Request`` orders them. None when
    the client's own path is needed: cookies to send (the client's jar), query parameters, a
    relative URL, headers other than ``str`` names and values, or an httpx2 without
    ``encode_request``."""
    if (_encode_request is None or params is not None or cookies
            or url.is_relative_url or (headers is not None and not _all_str(headers))):
        return None
    given = httpx2.Headers(headers)   # what the client normalises (and refuses: non-ASCII)
    names = {raw.lower() for raw, _ in given.raw}
    items = [(raw, value) for raw, value in client_headers if raw.lower() not in names]
    items += given.raw
    defaults, stream = _encode_request(json=json)
    names.update(raw.lower() for raw, _ in items)
    for name, value in defaults.items():   # Request._prepare: setdefault, each name once
        key = name.lower().encode("ascii")
        if key in names or (key == b"content-length" and b"transfer-encoding" in names) or (
                key == b"transfer-encoding" and b"content-length" in names):
            continue
        items.append((name.encode("ascii"), value.encode("ascii")))
        names.add(key)
    auto = []
    if b"host" not in names and url.host:
        auto.append((b"Host", url.netloc))
    if (b"content-length" not in names and b"transfer-encoding" not in names
            and method.upper() in _BODY_METHODS):
        auto.append((b"Content-Length", b"0"))
    return auto + items, stream


def _request_of(method: str, url: httpx2.URL, headers, stream, timeout) -> httpx2.Request:
    """The ``httpx2.Request`` of ``_plain_parts``, read (for the client's steps after a reply:
    cookies, redirects)."""
    request = httpx2.Request(method, url, headers=headers, stream=stream,
                             extensions={"timeout": httpx2.Timeout(timeout).as_dict()})
    request.read()
    return request


def _all_str(headers) -> bool:
    return isinstance(headers, dict) and all(
        type(name) is str and type(value) is str for name, value in headers.items())


def _call_app(wsgi: httpx2.WSGITransport, request: httpx2.Request):
    """``wsgi.handle_request(request)`` without the ``Response`` it wraps the reply in (its
    headers copied and decoded again): the app called with the same environ, its reply's
    status, headers (as the Response would hold them) and body stream, the same errors
    raised (an app that raises or passes ``exc_info``, no ``start_response``, a status or a
    header that is not one). tests/test_transports_inprocess_path.py compares both."""
    if _WSGIByteStream is None:   # another httpx2 (tests/test_transports_inprocess_path.py)
        response = wsgi.handle_request(request)
        return response.status_code, response.headers.raw, response.stream
    return _call_wsgi(wsgi, request.url, request.method, request.headers.raw, request.read())


def _call_wsgi(wsgi: httpx2.WSGITransport, url: httpx2.URL, method: str, raw, content: bytes):
    """``_call_app`` of a request's parts: its URL, method, raw headers and body."""
    port = url.port or {"http": 80, "https": 443}[url.scheme]
    environ = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(content),
        "wsgi.errors": wsgi.wsgi_errors or sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": wsgi.script_name,
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query.decode("ascii"),
        "SERVER_NAME": url.host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": wsgi.remote_addr,
    }
    if content and not any(key.lower() == b"content-length" for key, _ in raw):
        environ["CONTENT_LENGTH"] = str(len(content))
    for header_key, header_value in raw:
        key = header_key.decode("ascii").upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = header_value.decode("ascii")
    seen = []   # start_response's (status, headers, exc_info), the last call's

    def start_response(status, response_headers, exc_info=None):
        seen[:] = [(status, response_headers, exc_info)]
        return lambda _: None

    stream = _WSGIByteStream(wsgi.app(environ, start_response))
    status, response_headers, exc_info = seen[0] if seen else (None, None, None)
    if __debug__ and (status is None or response_headers is None):
        raise AssertionError   # WSGITransport's asserts: the app never started its reply
    if exc_info and exc_info[0] and wsgi.raise_app_exceptions:
        raise exc_info[1]
    status_code = int(status.split()[0])
    headers = [(key.encode("ascii"), value.encode("ascii")) for key, value in response_headers]
    return status_code, headers, stream


def _read_plain(response: httpx2.Response, headers: dict[str, str],
                max_bytes: int) -> TransportReply:
    """``_read_reply`` of a reply without a content encoding (``headers``: its headers, keys
    in lower case): the same status, headers and body, the app's chunks read straight from
    the WSGI stream (no decoder, no chunker: both would pass them through as they are)."""
    return read_limited(response.status_code, headers, response.stream, max_bytes)


def _process_exit(exc: BaseException) -> BaseException | None:
    """The ``SystemExit``/``KeyboardInterrupt`` an app raised, if ``exc`` is or carries one."""
    for cause in (exc, exc.__cause__):
        if isinstance(cause, (SystemExit, KeyboardInterrupt)):
            return cause
    return None


def _exit_error(message: str, exited: BaseException) -> TransportError:
    frames = traceback.extract_tb(exited.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None
    return TransportError(message, where=where,
                          expected="an app that answers or raises an exception, never one "
                                   "that exits the process")


class _Worker:
    """One daemon thread running the app's requests in order; each ``run`` returns a queue
    that receives the reply. A daemon, because a thread stuck in the app must not keep the
    process alive after the run.

    A transport takes a worker when it sends its first request (:meth:`take`) and gives it
    back when it closes (:meth:`release`): an idle worker serves the next transport's app,
    so a run does not start a thread of its own (0.11 ms of CPU a run). A thread holds
    nothing of a run: each request runs in a copy of its runner's context (:meth:`run`), the
    app objects are the transport's, and the loop lets go of a request's call before handing
    back its reply (:meth:`_loop`). A closed transport takes no worker. A worker abandoned in
    a hang is never given back."""

    #: Idle workers kept for the next transports: as many as runs go on at once in a process.
    IDLE_LIMIT = 4

    _idle: list[_Worker] = []

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        thread = threading.Thread(target=self._loop, name="inprocess-app", daemon=True)
        # started in an empty context: the thread outlives the run, and keeps none of its marks
        # (hermetic/patches.py binds a thread started in a run to that run)
        contextvars.Context().run(thread.start)
        self.ident = thread.ident

    @classmethod
    def take(cls) -> _Worker:
        """An idle worker, else a new one."""
        try:
            return cls._idle.pop()
        except IndexError:   # none idle (list.pop is atomic: concurrent runs are safe)
            return cls()

    def release(self) -> None:
        """Back to the idle workers (its thread ends when there are enough of them)."""
        if len(self._idle) < self.IDLE_LIMIT:
            self._idle.append(self)
        else:
            self.stop()

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            call, done = job
            job = None
            try:
                result = call()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, never lost
                result = exc
            # An idle worker keeps nothing of the run it served (its context copy, transport,
            # app: a finalizer run later, on this thread, would land in the next run's
            # capture). Dropped before the reply is handed back, while the run's capture is
            # still open: what the run's objects do as they go is the run's own.
            call = None
            done.put(result)
            done = result = None

    def run(self, call) -> queue.SimpleQueue:
        """``call`` runs in a copy of the caller's context, marked as the app's code: the run
        it works for follows it (simulator/hermetic/binding.py)."""
        done: queue.SimpleQueue = queue.SimpleQueue()
        context, in_app = contextvars.copy_context(), as_app(call)
        self._jobs.put((lambda: context.run(in_app), done))
        return done

    def stop(self) -> None:
        self._jobs.put(None)


def idle_threads() -> set[int]:
    """The idents of the worker threads idle in the pool: waiting for a next run's request,
    running no app code, holding no lock (what the console script's exit may ignore)."""
    return {worker.ident for worker in list(_Worker._idle)}


# A forked child has none of its parent's threads: the idle workers are not there to take.
os.register_at_fork(after_in_child=_Worker._idle.clear)
