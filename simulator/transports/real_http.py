"""Requests sent with ``httpx2``: to a real server, and the shared path of in-process apps.

:class:`HttpTransport` talks to a real server through one pooled ``httpx2.Client``.
``_ClientTransport`` is the request path both it and the in-process transport
(``inprocess.py``) use: httpx2 errors become replies (``connection refused``, ``timeout after
N s``, ``connection error: ...``), and the body is read in chunks up to the request's
``max_bytes`` (after decompression, so a gzip bomb is cut like any large body).

A reply that comes back takes 0 virtual seconds, however long it took in wall time, like an
in-process app's: runs stay deterministic, and a flow that redirects to itself without virtual
time passing is cut by the engine's zero-time loop guard whatever the transport. A request cut
at its ``timeout`` takes exactly ``timeout``.

``timeout`` is one deadline for the whole attempt over real HTTP (connect, sending the
request, headers and body together): every socket operation of the attempt waits at most for
what is left of it (:class:`_DeadlineBackend`), so a server that drips one byte at a time is
cut at the deadline and reported as a timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import httpcore2
import httpx2

from .base import (BODY_LIMIT, CLOSED, REFUSED, RESET, Transport, TransportReply,
                   timeout_error, too_large_error)

POOL_SIZE = 10  # connections kept to a real server; keep-alive limit is the same (no churn)


def _causes(exc: BaseException):
    """``exc`` and the exceptions it was raised from (httpx2 wraps httpcore wraps OSError)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _error_text(exc: httpx2.HTTPError, timeout: float) -> str:
    """The reply's ``error``: the same words the canned faults use (base.py) where they apply."""
    if isinstance(exc, httpx2.TimeoutException):
        return timeout_error(timeout)
    causes = list(_causes(exc))
    if any(isinstance(cause, ConnectionResetError) for cause in causes):
        return RESET
    if isinstance(exc, httpx2.ConnectError):
        refused = (any(isinstance(cause, ConnectionRefusedError) for cause in causes)
                   or "refused" in str(exc).lower())
        return REFUSED if refused else f"connection error: {exc}"
    if isinstance(exc, httpx2.RemoteProtocolError) and "without sending" in str(exc):
        return CLOSED   # httpcore's words when the server closed (or reset) before replying
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def _read_reply(response: httpx2.Response, max_bytes: int) -> TransportReply:
    """Status, headers and the decoded body, read chunk by chunk and never past ``max_bytes``."""
    headers = {key.lower(): value for key, value in response.headers.multi_items()}
    return read_limited(response.status_code, headers, response.iter_bytes(), max_bytes,
                        declared="content-encoding" not in headers)


def read_limited(status: int, headers: dict[str, str], chunks: Iterable[bytes], max_bytes: int,
                 *, declared: bool = True) -> TransportReply:
    """The reply of ``status``, ``headers`` (keys in lower case) and the body of ``chunks``,
    read never past ``max_bytes``: a longer body is a too-large error and no body. With
    ``declared``, a Content-Length over the limit refuses it before any chunk is read (not for
    an encoded body, whose declared length is not the decoded one)."""
    length = headers.get("content-length", "")
    if declared and length.isdigit() and int(length) > max_bytes:
        return TransportReply(status, b"", headers, 0.0, too_large_error(max_bytes))
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            return TransportReply(status, b"", headers, 0.0, too_large_error(max_bytes))
    return TransportReply(status, bytes(body), headers, 0.0)


class _ClientTransport(Transport):
    """Shared request path of the in-process and real-HTTP transports."""

    def __init__(self, client: httpx2.Client) -> None:
        self.client = client

    def send(self, method, url, *, headers=None, params=None, json=None, timeout,
             max_bytes=BODY_LIMIT):
        try:
            if params:  # keep the URL's own query ("/gather?step=2"); httpx2 would replace it
                url, params = httpx2.URL(url).copy_merge_params(params), None
            with self._deadline(timeout):
                return self._exchange(method, url, headers, params, json, timeout, max_bytes)
        except httpx2.HTTPError as exc:
            elapsed = timeout if isinstance(exc, httpx2.TimeoutException) else 0.0
            return TransportReply(None, b"", {}, elapsed, _error_text(exc, timeout))
        except Exception as exc:  # noqa: BLE001 - never a traceback for what the app does
            return self._failure(exc)

    def _exchange(self, method, url, headers, params, json, timeout,
                  max_bytes) -> TransportReply:
        """One request through the client, its reply read (httpx2's errors raised)."""
        with self.client.stream(method, url, headers=headers, params=params, json=json,
                                timeout=timeout) as response:
            return _read_reply(response, max_bytes)

    def _deadline(self, timeout: float):
        """A context in which the attempt must end within ``timeout`` wall seconds."""
        return _NO_DEADLINE

    def _failure(self, exc: Exception) -> TransportReply:
        """A request that failed outside httpx2's own errors (e.g. an unusable URL)."""
        return TransportReply(None, b"", {}, 0.0, f"invalid request: {exc}")

    def close(self) -> None:
        self.client.close()


class _NoDeadline:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> None:
        return None


_NO_DEADLINE = _NoDeadline()


class _DeadlineBackend(httpcore2.NetworkBackend):
    """httpcore's sync network backend under one deadline per attempt.

    httpcore applies a timeout to each socket operation, so a server sending a byte just under
    the timeout keeps an attempt alive forever. Here every connect, read and write waits at most
    until the deadline of the attempt running on this thread (``start``/``stop``), and one
    starting after it fails at once as a timeout."""

    def __init__(self) -> None:
        self._inner = httpcore2.SyncBackend()
        self._local = threading.local()

    def start(self, timeout: float) -> _DeadlineBackend:
        self._local.deadline = time.monotonic() + timeout
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info) -> None:
        self._local.deadline = None

    def left(self, timeout: float | None, error: type[Exception]) -> float | None:
        """What an operation allowing ``timeout`` may wait now; ``error`` once time is up."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return timeout
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise error("the attempt's deadline (callbackTimeout) has passed")
        return remaining if timeout is None else min(timeout, remaining)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = self._inner.connect_tcp(host, port, self.left(timeout, httpcore2.ConnectTimeout),
                                         local_address, socket_options)
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        stream = self._inner.connect_unix_socket(
            path, self.left(timeout, httpcore2.ConnectTimeout), socket_options)
        return _DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:  # pragma: no cover - retries are off
        self._inner.sleep(seconds)


class _DeadlineStream(httpcore2.NetworkStream):
    """A connection whose reads and writes stop at the running attempt's deadline."""

    def __init__(self, inner: httpcore2.NetworkStream, backend: _DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._backend.left(timeout, httpcore2.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._backend.left(timeout, httpcore2.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        tls = self._inner.start_tls(ssl_context, server_hostname,
                                    self._backend.left(timeout, httpcore2.ConnectTimeout))
        return _DeadlineStream(tls, self._backend)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class HttpTransport(_ClientTransport):
    """Real HTTP through one pooled ``httpx2.Client`` (keep-alive pool == connection pool, so
    bursts reuse connections). Redirects are not followed: a 3xx is a failed delivery. Each
    attempt has one deadline, its ``timeout``, for connect, request, headers and body."""

    def __init__(self, *, pool_size: int = POOL_SIZE) -> None:
        limits = httpx2.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        self._backend = _DeadlineBackend()
        http = httpx2.HTTPTransport(limits=limits)
        # httpx2's HTTPTransport takes no network backend; its pool hands this one to every
        # connection it opens (tests/test_chaos.py proves the deadline holds).
        http._pool._network_backend = self._backend
        super().__init__(httpx2.Client(transport=http, follow_redirects=False))

    def _deadline(self, timeout: float):
        return self._backend.start(timeout)
