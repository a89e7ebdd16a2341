"""Canned replies written in the scenario (``app.routes``), with fault injection.

A route answers with a body (inline, or a file read once when the scenario starts), a status,
a virtual ``delay``, or a network fault (``fault``: the connection refused or reset). A request
that matches no route goes to the in-process app behind the routes when there is one, else gets
a 404 that lists the known routes.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import attrs

from simulator.errors import TransportError
from simulator.scenario.model import Route

from .base import (BODY_LIMIT, REFUSED, RESET, Transport, TransportReply, capped,
                   timeout_error)

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TEXT_SUFFIXES = {".xml", ".bxml", ".txt", ".html", ".json"}
AUDIO_CONTENT_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg"}
#: The error of each ``Route.fault`` (scenario ``fault:``): no HTTP response comes back.
FAULT_ERRORS = {"refused": REFUSED, "reset": RESET}


@functools.lru_cache(maxsize=4096)
def route_key(url: str) -> str:
    """Normal form of an absolute URL for route lookup: lower-case scheme and host, "/" for an
    empty path, no fragment. Memoised (a pure function of the text): a run asks for the same
    few keys at every request, and every run of a suite for those of its routes."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       parts.query, ""))


@functools.lru_cache(maxsize=4096)
def absolute_key(base_url: str, key: str) -> str:
    """``route_key`` of a route key (a path, or an absolute URL) resolved against ``base_url``;
    memoised like it (the transports of every run of a scenario resolve the same keys)."""
    return route_key(urljoin(base_url, key))


@attrs.frozen
class _Canned:
    status: int
    content: bytes
    content_type: str
    delay: float
    fault: str | None


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
    if route.fault is not None and route.fault not in FAULT_ERRORS:
        raise TransportError(f"route {key!r}: unknown fault", got=repr(route.fault),
                             where=f"line {route.line}" if route.line else None,
                             expected=" or ".join(map(repr, FAULT_ERRORS)))
    return _Canned(route.status, content, content_type or XML_CONTENT_TYPE, route.delay,
                   route.fault)


class RoutesTransport(Transport):
    """Canned replies by URL. Keys are paths (resolved against ``base_url``) or absolute URLs;
    the query string of a request is ignored unless a key names it. A request no route matches
    goes to ``fallthrough`` when given, else gets a 404 whose body lists the known routes.

    Fault injection: ``delay`` (virtual seconds) is the reply's ``elapsed``; a delay of at least
    the request's timeout is a timeout (``elapsed == timeout``); ``fault`` ``"refused"`` or
    ``"reset"`` means no HTTP response at all (``connection refused`` / ``connection reset by
    peer`` after ``delay``), which the delivery policy treats as a connection error."""

    def __init__(self, routes: Mapping[str, Route], base_url: str, *, base_dir: Path = Path("."),
                 fallthrough: Transport | None = None) -> None:
        self.fallthrough = fallthrough
        self._routes = {absolute_key(base_url, key): _canned(key, route, base_dir)
                        for key, route in routes.items()}

    def match(self, url: str) -> str | None:
        """The route (its normal form, ``route_key``) that answers ``url``, or None: the key
        with the query string when one names it, else without."""
        key = route_key(url)
        for candidate in (key, key.split("?", 1)[0]):
            if candidate in self._routes:
                return candidate
        return None

    @property
    def keys(self) -> list[str]:
        """Every route, in normal form, in the order written."""
        return list(self._routes)

    def send(self, method, url, *, headers=None, params=None, json=None, timeout,
             max_bytes=BODY_LIMIT):
        key = self.match(url)
        canned = self._routes[key] if key is not None else None
        if canned is None:
            if self.fallthrough is not None:
                return self.fallthrough.send(method, url, headers=headers, params=params,
                                             json=json, timeout=timeout, max_bytes=max_bytes)
            known = ", ".join(sorted(self._routes)) or "none"
            path = route_key(url).split("?", 1)[0]
            body = f"no route for {method} {path} (known routes: {known})"
            return TransportReply(404, body.encode(), {"content-type": "text/plain; charset=utf-8"})
        if canned.delay >= timeout:
            return TransportReply(None, b"", {}, timeout, timeout_error(timeout))
        if canned.fault is not None:
            return TransportReply(None, b"", {}, canned.delay, FAULT_ERRORS[canned.fault])
        return capped(TransportReply(canned.status, canned.content,
                                     {"content-type": canned.content_type}, canned.delay),
                      max_bytes)

    def close(self) -> None:
        if self.fallthrough is not None:
            self.fallthrough.close()
