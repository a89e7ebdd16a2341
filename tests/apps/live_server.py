"""A real uvicorn server on 127.0.0.1 (port 0) in a background thread, for network tests
and benchmarks."""

import contextlib
import socket
import struct
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


@contextlib.contextmanager
def rude_server(behaviour: str):
    """A raw TCP server that reads each request and then misbehaves; yields its base URL.

    ``"close"``: closes the connection without replying. ``"reset"``: starts a reply, then
    resets the connection (RST, via SO_LINGER 0) in the middle of the body."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:   # the accept timeout: look at stop again
                continue
            with conn:
                conn.recv(65536)
                if behaviour == "reset":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<Resp")
                    time.sleep(0.05)   # let the client read the head before the RST
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = threading.Thread(target=run, name=f"rude-{behaviour}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
