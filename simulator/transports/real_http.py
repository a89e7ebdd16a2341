"""Requests sent with ``httpx2``: to a real server, and the shared path of in-process apps.

:class:`HttpTransport` talks to a real server through one pooled ``httpx2.Client``; ``elapsed``
is the measured wall time (so timing varies from run to run). ``_ClientTransport`` is the
request path both it and the in-process transport (``inprocess.py``) use: httpx2 errors
become replies (``connection refused``, ``timeout after N s``, ``connection error: ...``).
"""

from __future__ import annotations

import time

import httpx2

from .base import CLOSED, REFUSED, RESET, Transport, TransportReply, timeout_error

POOL_SIZE = 10  # connections kept to a real server; keep-alive limit is the same (no churn)


def _reply_from_response(response: httpx2.Response, elapsed: float) -> TransportReply:
    headers = {key.lower(): value for key, value in response.headers.multi_items()}
    return TransportReply(response.status_code, response.content, headers, elapsed)


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
