"""The request path of the httpx2 transports: a request sent through an ``httpx2.Client``, its
reply read into a :class:`~simulator.transports.base.TransportReply`.

``_ClientTransport`` is shared by the in-process transport (``inprocess.py``, through httpx2's
WSGI transport) and the real-HTTP one (``real_http.py``): httpx2 errors become replies
(``connection refused``, ``timeout after N s``, ``connection error: ...``), and the body is
read in chunks up to the request's ``max_bytes`` (after decompression, so a gzip bomb is cut
like any large body). Apart from ``real_http.py`` so that an in-process app's run never imports
httpcore2 (and anyio, h11) it has no use for: ~25 ms of start-up.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx2

from .base import (BODY_LIMIT, CLOSED, REFUSED, RESET, Transport, TransportReply,
                   timeout_error, too_large_error)


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
