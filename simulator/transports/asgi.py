"""ASGI apps (FastAPI, Starlette) in process: :class:`AsgiBridge` runs the app on its own
event-loop thread, its lifespan included, and exposes it as a WSGI callable through
``a2wsgi`` for :class:`~simulator.transports.inprocess.InProcessTransport`.

Apart from ``inprocess.py`` so that a run of WSGI apps (Flask, ...) or canned routes never
imports asyncio and a2wsgi (~10 ms of start-up).
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time

import a2wsgi

from simulator.errors import TransportError

from . import app_errors
from .app_errors import AppExit


NO_RESPONSE = b"ASGI app returned without sending a response"


def _complete_responses(app):
    """``app`` with every HTTP response finished, as a real server does.

    a2wsgi waits forever for an app that returns without responding; uvicorn answers 500
    instead, and ends a response whose body was left open. So do we. An exception escaping
    the app (Starlette's ServerErrorMiddleware re-raises after its 500) is reported to the
    request's capture (``app_errors``) and, like uvicorn, not raised further: the client gets
    the 500 already sent, or one saying what was raised."""

    async def completed(scope, receive, send) -> None:
        state = {"started": False, "finished": False}

        async def tracking_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                state["finished"] = True
            await send(message)

        body = NO_RESPONSE
        try:
            await app(scope, receive, tracking_send)
        except (SystemExit, KeyboardInterrupt) as exc:   # would stop the event loop itself
            raise AppExit(repr(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - the app's error, shown in result.json
            if scope["type"] != "http":
                raise
            app_errors.report(exc)
            body = f"{exc.__class__.__name__}: {exc}".encode()
        if scope["type"] != "http" or state["finished"]:
            return
        if not state["started"]:
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": body})
        else:
            await send({"type": "http.response.body", "body": b""})

    return completed


class AsgiBridge:
    """Runs an ASGI app on its own event-loop thread and exposes it as ``wsgi_app``.

    Lifespan startup runs here and shutdown on ``close()`` (``a2wsgi`` and httpx2's
    ASGITransport run neither). An app without lifespan support is accepted as is."""

    STARTUP_WALL_LIMIT = 30.0  # wall seconds the lifespan startup may take
    # Shutdown, and stopping the loop, get less: a loop blocked by a hung request never answers.
    SHUTDOWN_WALL_LIMIT = 5.0

    def __init__(self, app, *, spec: str = "asgi app") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="asgi-app", daemon=True)
        self._thread.start()
        self.thread_ident = self._thread.ident  # the app runs here (app_errors attributes by it)
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._sent: queue.Queue = queue.Queue()
        self._lifespan = asyncio.run_coroutine_threadsafe(self._run_lifespan(app), self.loop)
        self._supports_lifespan = True
        self._closing = False
        failed = self._step("lifespan.startup", self.STARTUP_WALL_LIMIT)
        if failed is not None:
            self.close()
            raise TransportError(f"app.asgi: {spec} failed to start", got=failed,
                                 expected="its lifespan startup to complete")
        self.wsgi_app = a2wsgi.ASGIMiddleware(_complete_responses(app), loop=self.loop)

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

    def _step(self, message: str, limit: float) -> str | None:
        """Send a lifespan message; return the failure text, or None when it went well."""
        if not self._supports_lifespan:
            return None
        self.loop.call_soon_threadsafe(self._inbox.put_nowait, {"type": message})
        try:
            reply = self._sent.get(timeout=limit)
        except queue.Empty:
            return f"no reply to {message} within {limit:g} s"
        if reply["type"] == "lifespan.done":
            self._supports_lifespan = False
            return None
        if reply["type"].endswith(".failed"):
            return reply.get("message") or reply["type"]
        return None

    def close(self) -> None:
        if self.loop.is_closed() or self._closing:
            return
        self._closing = True
        if self._thread.is_alive():
            deadline = time.monotonic() + self.SHUTDOWN_WALL_LIMIT   # for both waits together
            self._step("lifespan.shutdown", self.SHUTDOWN_WALL_LIMIT)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(max(0.0, deadline - time.monotonic()))
            if self._thread.is_alive():   # blocked inside the app: leave it to its daemon thread
                return
        for task in asyncio.all_tasks(self.loop):   # requests still awaiting in the app
            task.cancel()
        self.loop.run_until_complete(asyncio.sleep(0))   # let the cancellations run
        self.loop.close()
