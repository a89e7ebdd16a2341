"""A socket that answers HTTP from the run instead of the network (http.client's net).

patches.py gives an ``http.client`` connection to a Bandwidth host an :class:`ApiSocket`
instead of a TCP (and TLS) connection. What http.client writes to it is a whole HTTP/1.1
request; when it reads the response (``makefile``), the request is parsed (its body by
``Content-Length`` or chunked), answered by exchange.py ``answer`` and served back as bytes.
A kept-alive connection sends its next request on the same socket: each read answers the
request written since the previous one.
"""

from __future__ import annotations

import http.client
import io

from simulator.hermetic import exchange
from simulator.voice_api.http import ApiError, ApiResponse


class ApiSocket:
    """Enough of a socket for http.client: ``sendall``/``send``, ``makefile``, ``close``."""

    def __init__(self, scheme: str, host: str, port: int | None) -> None:
        self.origin = f"{scheme}://{host}" + (f":{port}" if port else "")
        self._written = bytearray()

    def sendall(self, data) -> None:
        self._written += bytes(data)

    def send(self, data) -> int:
        self.sendall(data)
        return len(data)

    def makefile(self, mode: str = "rb", *args, **kwargs) -> io.BytesIO:
        request, self._written = bytes(self._written), bytearray()
        return io.BytesIO(_serialized(self._answer(request)))

    def _answer(self, raw: bytes) -> ApiResponse:
        try:
            method, target, headers, body = parse_request(raw)
        except ValueError as exc:
            return ApiResponse.of_error(ApiError(400, f"bxmlsim: unreadable request: {exc}"))
        url = target if target.startswith(("http://", "https://")) else self.origin + target
        found = exchange.answer(method, url, headers, body)
        if found is None:  # the last run ended between connect and request
            return ApiResponse.of_error(ApiError(503, "bxmlsim: the simulation is over",
                                                 kind="error"))
        return found

    def settimeout(self, value) -> None:
        pass

    def setsockopt(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def parse_request(raw: bytes) -> tuple[str, str, list[tuple[str, str]], bytes]:
    """(method, target, headers, body) of one HTTP/1.1 request; ValueError when incomplete."""
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no end of headers")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    names = {name.lower(): value for name, value in headers}
    if "chunked" in names.get("transfer-encoding", "").lower():
        body = _unchunked(rest)
    else:
        body = rest[:int(names.get("content-length", "0") or 0)]
    return method, target, headers, body


def _unchunked(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return bytes(out)


def _serialized(response: ApiResponse) -> bytes:
    content = response.content()
    reason = http.client.responses.get(response.status, "")
    headers = {**response.headers, "content-length": str(len(content))}
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content
