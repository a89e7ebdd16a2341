"""Real HTTP: :class:`HttpTransport` talks to a real server through one pooled ``httpx2.Client``,
on the request path it shares with in-process apps (``client.py``: httpx2 errors become
replies, the body read up to ``max_bytes``).

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

import httpcore2
import httpx2

from .client import _ClientTransport

POOL_SIZE = 10  # connections kept to a real server; keep-alive limit is the same (no churn)


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
