"""Serving the emulator with uvicorn: in a background thread (``Emulator``, for tests and
Python callers) or in the foreground until Ctrl-C (``serve_forever``, for ``bxmlsim serve``).

The listening socket is bound here first, so port 0 resolves to the real port before anything
is printed or returned.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable

from simulator.server.app import API_PREFIX, make_app
from simulator.server.state import Store

START_LIMIT = 10.0  # wall seconds uvicorn may take to start listening


def bind(host: str, port: int) -> socket.socket:
    """A bound TCP socket (port 0: any free port); OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def api_url(sock: socket.socket) -> str:
    """``http://host:port/api/v2``: the SDK's ``Configuration(host=...)``."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{API_PREFIX}"


def _server(store: Store, *, username: str | None, password: str | None,
            warn: Callable[[str], None] | None):
    import uvicorn

    app = make_app(store, username=username, password=password, warn=warn)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def serve_forever(store: Store, sock: socket.socket, *, username: str | None = None,
                  password: str | None = None, warn: Callable[[str], None] | None = None,
                  announce: Callable[[], None] | None = None) -> None:
    """Serve on ``sock`` until Ctrl-C / SIGTERM; returns normally then (no traceback).
    ``announce()`` runs first, once a signal can no longer kill the process uncleanly."""
    server = _server(store, username=username, password=password, warn=warn)

    def stop(signum, frame) -> None:
        # a flag, not an exception: uvicorn checks it before its loop and on every tick, so a
        # signal is never lost, whenever it comes (before uvicorn's own handler is in place, or
        # after it, re-raised to us); a KeyboardInterrupt raised inside asyncio could hang it
        server.should_exit = True

    # both get ours: SIGTERM's default would kill us, and a SIGINT inherited as ignored (a
    # script's background job, some test runners) would lose a Ctrl-C: serve never stopped
    previous = {number: signal.signal(number, stop)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        if announce is not None:
            announce()
        server.run(sockets=[sock])
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        store.close()


class Emulator:
    """The emulator on a background thread::

        with Emulator(Store(tmp_path)) as url:   # http://127.0.0.1:PORT/api/v2
            ...
    """

    def __init__(self, store: Store, *, host: str = "127.0.0.1", port: int = 0,
                 username: str | None = None, password: str | None = None) -> None:
        self.store = store
        self._sock = bind(host, port)
        self.url = api_url(self._sock)
        self._server = _server(store, username=username, password=password, warn=None)
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]},
                                        name="bxmlsim-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_LIMIT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator's uvicorn server did not start")
            time.sleep(0.002)
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(START_LIMIT)
        self._sock.close()
        self.store.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
