"""A real uvicorn server on 127.0.0.1 (port 0) in a background thread, for network tests
and benchmarks."""

import contextlib
import socket
import threading
import time

import uvicorn


@contextlib.contextmanager
def serve(app, *, wall_limit: float = 10.0):
    """Run ``app`` on a free loopback port; yield its base URL; stop it on exit."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="on",
                            access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + wall_limit
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn test server did not start")
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(wall_limit)


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
