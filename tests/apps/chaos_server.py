"""Hostile HTTP servers on 127.0.0.1 (port 0) for the chaos tests: each connection's requests
are answered by a script that writes raw bytes (drip, slowloris, huge or gzip-bomb bodies, a
reset mid-body). Every server stops by itself when its ``with`` block ends; a connection's
script is bounded in time (``wall_limit``)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable

#: writes the reply to one request: (connection, request head bytes, is_time_up) -> keep open?
Script = Callable[[socket.socket, bytes, Callable[[], bool]], bool]


def _read_request(conn: socket.socket) -> bytes | None:
    """One request head and its Content-Length body; None when the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head


@contextlib.contextmanager
def chaos_server(script: Script, *, wall_limit: float = 10.0):
    """Serve ``script`` on a free loopback port; yield the base URL; stop on exit."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    conns: list[socket.socket] = []

    def handle(conn: socket.socket) -> None:
        started = time.monotonic()

        def time_up() -> bool:
            return stop.is_set() or time.monotonic() - started > wall_limit

        conn.settimeout(wall_limit)
        with conn:
            try:
                while not time_up():
                    head = _read_request(conn)
                    if head is None or not script(conn, head, time_up):
                        return
            except OSError:   # the client hung up on us: that is the point of most scripts
                return

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:   # the accept timeout: look at stop again
                continue
            conns.append(conn)
            thread = threading.Thread(target=handle, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=run, name="chaos-server", daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(2)
        for conn in conns:   # wake handlers waiting for a next request on a kept-alive socket
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(2)
        listener.close()


def reply(body: bytes, *, status: str = "200 OK", content_type: str = "application/xml",
          extra: str = "") -> Script:
    """A well-behaved keep-alive reply with ``body``."""
    def script(conn, head, time_up) -> bool:
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{extra}"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        return True
    return script


def drip_body(interval: float) -> Script:
    """Headers at once, then the body one byte every ``interval`` seconds (never finishing)."""
    def script(conn, head, time_up) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        while not time_up():
            conn.sendall(b" ")
            time.sleep(interval)
        return False
    return script


def slowloris(interval: float) -> Script:
    """The status line, then header bytes one every ``interval`` seconds (headers never end)."""
    def script(conn, head, time_up) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not time_up():
            conn.sendall(b"X")
            time.sleep(interval)
        return False
    return script


def endless_chunks(chunk: bytes = b"<" * 65536) -> Script:
    """A chunked body that never ends (as fast as the client reads)."""
    def script(conn, head, time_up) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while not time_up():
            conn.sendall(frame)
        return False
    return script


def reset_mid_body() -> Script:
    """Half a body, then an RST (SO_LINGER 0)."""
    def script(conn, head, time_up) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<Resp")
        time.sleep(0.05)   # let the client read the head before the RST
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False
    return script
