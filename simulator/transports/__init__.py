"""Webhook transports: where a webhook request goes and what comes back.

One request in, one :class:`TransportReply` out. Four ways to answer a request:

* **canned routes** (:class:`RoutesTransport`, ``routes.py``): replies written in the scenario,
  with fault injection (status, virtual ``delay``, a connection refused or reset);
* **in-process WSGI** (Flask, ...) and **ASGI** (FastAPI, Starlette) apps
  (:class:`InProcessTransport`, ``inprocess.py``), imported from ``"module:attr"`` or given as
  objects or factories from Python (``apps.py``: a factory is called for every transport, so
  every run has a fresh app); ASGI apps are bridged with ``a2wsgi.ASGIMiddleware``
  (``asgi.py``);
* **real HTTP** (:class:`HttpTransport`, ``real_http.py``) through a pooled ``httpx2.Client``;
* **a static folder** (:class:`StaticFolderTransport`, ``static.py``): ``app.static``, and the
  files next to a bare ``FLOW.xml`` (with the empty "no app" reply for anything else).

They combine: a request that matches a route gets the canned reply, else a file of the static
folder, else it reaches the app. :func:`make_transport` (here) picks the combination from
``app:``. The reply record and the interface are in ``base.py``.

Transports never raise for what the network or the app does: a refused connection, a timeout or
an app that crashes becomes a reply (``status=None`` plus ``error``, or a 500). Only a transport
that cannot be set up raises :class:`~simulator.errors.TransportError`.

``elapsed`` is in virtual seconds: the canned ``delay``; 0 for a reply of an in-process app or
a real server, however long it took in wall time (so runs stay deterministic); the
``timeout`` for a request cut at it. Bodies are read up to ``max_bytes`` (base.py).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from simulator.errors import TransportError
from simulator.scenario.model import AppSettings, Route

from .apps import load_app, make_app
from .base import (BODY_LIMIT, MEDIA_LIMIT, REFUSED, RESET, Transport, TransportReply,
                   timeout_error, too_large_error)
from .routes import RoutesTransport, absolute_key, route_key
from .static import NO_APP_NOTE, NOTE_HEADER, StaticFolderTransport

#: The in-process transport imports httpx2, the ASGI bridge asyncio and a2wsgi, real HTTP
#: httpcore2 (and anyio, h11): a tenth of a second and more of start-up, each paid on first use
#: only (a run answered by ``routes:`` alone pays none of it, one of WSGI apps only httpx2's).
#: ``simulator.transports.HttpTransport`` etc. still work.
_LAZY = {"AsgiBridge": "asgi", "InProcessTransport": "inprocess",
         "POOL_SIZE": "real_http", "HttpTransport": "real_http"}


def _lazy(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)


__getattr__ = _lazy  # PEP 562: the names of _LAZY, imported when first asked for

__all__ = ["BODY_LIMIT", "MEDIA_LIMIT", "NOTE_HEADER", "NO_APP_NOTE", "POOL_SIZE", "REFUSED",
           "RESET", "AsgiBridge", "HttpTransport", "InProcessTransport", "RoutesTransport",
           "StaticFolderTransport", "Transport", "TransportReply", "load_app", "make_app",
           "make_transport", "route_key", "timeout_error", "too_large_error"]


def make_transport(app: AppSettings, base_dir: Path, *, answer_url: str = "/answer",
                   source: str | None = None) -> Transport:
    """The transport for a scenario's ``app:`` section.

    ``app.bxml`` becomes the canned reply of ``answer_url`` (unless a route names that URL).
    Routes answer first, then files of ``app.static``; other requests go to the ``wsgi``/``asgi``
    app when one is set, else get what ``app.unmatched`` says (a 404; the empty "no app" reply
    of a bare document; real HTTP). With nothing but ``base_url``, requests go over real HTTP.
    Raises TransportError for an app that cannot be loaded or a route file that cannot be read;
    ``source`` (the scenario file) with ``app.lines`` places an app error that has no place of
    its own at its ``app.wsgi:``/``app.asgi:`` line.
    """
    if app.wsgi and app.asgi:
        raise TransportError("app: wsgi and asgi are both set", expected="at most one of them",
                             got=f"wsgi={app.wsgi!r}, asgi={app.asgi!r}")
    routes = dict(app.routes)
    if app.bxml is not None:
        keys = {absolute_key(app.base_url, key) for key in routes}
        if absolute_key(app.base_url, answer_url) not in keys:
            routes[answer_url] = Route(bxml=app.bxml)
    inner: Transport | None = None
    if app.wsgi or app.asgi or app.target is not None:
        inner = _in_process(app, base_dir, source)
    elif app.unmatched == "http":
        inner = _lazy("HttpTransport")()
    if app.static is not None or app.unmatched == "no-app":
        known = [absolute_key(app.base_url, key) for key in routes]
        inner = StaticFolderTransport(app.static or base_dir, app.base_url, fallthrough=inner,
                                      no_app=app.unmatched == "no-app", known=known)
    elif inner is None and not routes:
        return _lazy("HttpTransport")()
    if not routes:
        return inner
    try:
        return RoutesTransport(routes, app.base_url, base_dir=base_dir, fallthrough=inner)
    except TransportError:
        if inner is not None:
            inner.close()
        raise


def _in_process(app: AppSettings, base_dir: Path, source: str | None) -> Transport:
    """The transport of ``app.wsgi``/``app.asgi`` or of the Python ``app.target``; setup errors
    of a scenario file placed at that key's line."""
    key = "wsgi" if app.wsgi else "asgi" if app.asgi else None
    try:
        if key is not None:
            spec = app.wsgi or app.asgi
            kind, target = make_app(load_app(spec, base_dir, kind=key), kind=key,
                                    name=f"app.{key}: {spec!r}")
        elif isinstance(app.target, str):  # app="module:attr" from Python: kind told apart
            kind, target = make_app(load_app(app.target, base_dir, kind="app"),
                                    name=f"app: {app.target!r}")
        else:
            kind, target = make_app(app.target, name="app")
        label = _label(app.wsgi or app.asgi or app.target)
        transport = _lazy("InProcessTransport")
        if kind == "wsgi":
            return transport(target, name=label)
        bridge = _lazy("AsgiBridge")(target, spec=label)
        return transport(bridge.wsgi_app, on_close=bridge.close, name=label,
                         threads=(bridge.thread_ident,))
    except TransportError as exc:
        if exc.where is None and source is not None and key and app.line_of(key):
            exc.where = f"{source}:{app.line_of(key)}"
        raise


def _label(target: object) -> str:
    """How an app given from Python is named in messages."""
    if isinstance(target, str):
        return target
    name = getattr(target, "__qualname__", None) or type(target).__name__
    module = getattr(target, "__module__", None)
    return f"{module}:{name}" if module else str(name)
