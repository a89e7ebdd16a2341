"""transports/inprocess.py sends a request to the app without the layers of httpx2's client
it never needs (InProcessTransport._exchange): what the app sees (its WSGI environ, the body)
and what comes back (status, headers, body, error, app error) are those of the whole client
path (``Client.stream``), request after request: cookies the app sets, encoded replies,
redirects, bodies over the limit, apps that raise or misbehave."""

from __future__ import annotations

import gzip
import sys

import pytest

import httpx2

from simulator.transports.inprocess import InProcessTransport, _plain_request
from simulator.transports.client import _ClientTransport


class ClientPath(InProcessTransport):
    """The same transport through httpx2's whole Client.stream (the reference)."""

    _exchange = _ClientTransport._exchange


def gen(*chunks):
    yield from chunks


class Closing(list):
    """A WSGI body whose close() is recorded."""

    def __init__(self, chunks, log):
        super().__init__(chunks)
        self.log = log

    def close(self):
        self.log.append("closed")


def replies(environ, start_response, log):
    """The reply of each path the tests ask for."""
    path = environ["PATH_INFO"]
    if path == "/plain":
        start_response("200 OK", [("Content-Type", "application/xml; charset=utf-8")])
        return [b"<Response>", b"", b"<Hangup/></Response>"]
    if path == "/lazy":   # start_response called while the first chunk is produced
        def body():
            start_response("201 Created", [("X-Late", "yes")])
            yield b""
            yield b"late"
        return body()
    if path == "/closing":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Closing([b"a", b"b"], log)
    if path == "/cookie":
        start_response("200 OK", [("Set-Cookie", "session=abc; Path=/"),
                                  ("Content-Type", "text/plain")])
        return [b"set"]
    if path == "/gzip":
        start_response("200 OK", [("Content-Encoding", "gzip"), ("Content-Type", "text/plain")])
        return [gzip.compress(b"unzipped " * 20)]
    if path == "/badgzip":
        start_response("200 OK", [("Content-Encoding", "gzip")])
        return [b"not gzip at all"]
    if path == "/redirect":
        start_response("302 Found", [("Location", "/plain")])
        return [b""]
    if path == "/badredirect":
        start_response("301 Moved", [("Location", "http://[::1")])
        return [b""]
    if path == "/big":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return gen(b"x" * 600, b"y" * 600, b"never read")
    if path == "/declared-big":
        start_response("200 OK", [("Content-Length", "5000")])
        return [b"small"]
    if path == "/dup":
        start_response("200 OK", [("X-Twice", "1"), ("x-twice", "2")])
        return [b""]
    if path == "/raise":
        raise KeyError("no such order")
    if path == "/raise-in-body":
        def body():
            start_response("200 OK", [])
            yield b"part"
            raise RuntimeError("broke midway")
        return body()
    if path == "/exc-info":
        try:
            raise ValueError("handled")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"oops"]
    if path == "/no-start":
        return [b"never started"]
    if path == "/non-ascii-header":
        start_response("200 OK", [("X-Name", "Zoë")])
        return [b""]
    if path == "/bad-status":
        start_response("two hundred", [])
        return [b""]
    if path == "/not-modified":   # a 3xx that is no redirect
        start_response("304 Not Modified", [("ETag", "x")])
        return [b""]
    if path == "/no-location":
        start_response("302 Found", [])
        return [b""]
    if path == "/restart":   # start_response called again: the last call counts
        start_response("200 OK", [("X-First", "1")])
        start_response("202 Accepted", [("X-Second", "2")])
        return [b"", b"", b"second"]
    if path == "/none-headers":
        start_response("200 OK", None)
        return [b""]
    if path == "/odd-status":   # no reason phrase httpx2 knows
        start_response("299 Whatever", [("X-Odd", "yes")])
        return [b"odd"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def make_app(seen, log):
    def app(environ, start_response):
        body = environ["wsgi.input"].read()
        seen.append(({k: v for k, v in environ.items() if k not in ("wsgi.input", "wsgi.errors")},
                     body))
        return replies(environ, start_response, log)
    return app


REQUESTS = [
    ("POST", "http://app.test/plain", {"json": {"eventType": "answer", "tag": "é ✓"}}),
    ("POST", "http://app.test/plain", {"json": {"eventType": "answer"},
                                       "headers": {"User-Agent": "BandwidthAPI/v2",
                                                   "Authorization": "Basic dTpw",
                                                   "Content-Type": "application/json"}}),
    ("GET", "http://app.test/plain?step=2", {"params": {"eventType": "gather", "n": "1 2"}}),
    ("GET", "https://App.Test:8443/a%20b/plain", {}),
    ("GET", "http://user:secret@app.test/plain", {}),
    ("POST", "http://app.test/lazy", {}),
    ("POST", "http://app.test/closing", {}),
    ("POST", "http://app.test/cookie", {}),
    ("POST", "http://app.test/plain", {}),   # sends the cookie back
    ("POST", "http://app.test/gzip", {}),
    ("POST", "http://app.test/badgzip", {}),
    ("POST", "http://app.test/redirect", {}),
    ("POST", "http://app.test/badredirect", {}),
    ("POST", "http://app.test/big", {"max_bytes": 1000}),
    ("POST", "http://app.test/declared-big", {"max_bytes": 1000}),
    ("POST", "http://app.test/dup", {}),
    ("POST", "http://app.test/raise", {}),
    ("POST", "http://app.test/raise-in-body", {}),
    ("POST", "http://app.test/exc-info", {}),
    ("POST", "http://app.test/no-start", {}),
    ("POST", "http://app.test/non-ascii-header", {}),
    ("POST", "http://app.test/bad-status", {}),
    ("POST", "http://app.test/missing", {}),
    ("PUT", "http://app.test/plain", {"json": {"n": 1}, "headers": {"accept": "text/xml",
                                                                   "USER-AGENT": "u"}}),
    ("PATCH", "http://app.test/plain", {"headers": {"Host": "other.test:81"}}),
    ("DELETE", "http://app.test/plain", {"json": [1, 2], "headers": {"Content-Length": "7"}}),
    ("POST", "http://app.test/plain", {"headers": {"Transfer-Encoding": "chunked"}}),
    ("POST", "http://app.test/plain", {"headers": {"X-Bytes": b"raw"}}),   # the client's path
    ("POST", "http://app.test/not-modified", {}),
    ("POST", "http://app.test/no-location", {}),
    ("POST", "http://app.test/restart", {}),
    ("POST", "http://app.test/none-headers", {}),
    ("POST", "http://app.test/odd-status", {}),
]

#: requests the client refuses before the app sees them (a header it cannot encode, a body)
REFUSED = [
    ("POST", "http://app.test/plain", {"headers": {"X-Tag": "é"}}),
    ("POST", "http://app.test/plain", {"json": {"x": float("nan")}}),
    ("POST", "http://app.test/plain", {"headers": {"X-Count": 1}}),
]


def exchange(transport_class, requests=REQUESTS):
    seen, log = [], []
    transport = transport_class(make_app(seen, log))
    out = []
    try:
        for method, url, keys in requests:
            reply = transport.send(method, url, timeout=15, **keys)
            error = reply.app_error and (reply.app_error["type"], reply.app_error["message"])
            out.append((reply.status, reply.content, reply.headers, reply.elapsed, reply.error,
                        error, list(log)))
    finally:
        transport.close()
    return out, seen


@pytest.mark.parametrize("httpx2_privates", ["found", "moved"])
def test_the_app_sees_and_answers_what_it_would_through_the_whole_client(monkeypatch,
                                                                        httpx2_privates):
    """Also when an httpx2 release has moved the private helpers the plain path uses: then
    the request is built, and the app called, as the client does it."""
    if httpx2_privates == "moved":
        from simulator.transports import inprocess

        monkeypatch.setattr(inprocess, "_encode_request", None)
        monkeypatch.setattr(inprocess, "_WSGIByteStream", None)
    fast, fast_seen = exchange(InProcessTransport)
    reference, reference_seen = exchange(ClientPath)
    assert len(fast_seen) == len(REQUESTS)
    for request, got, expected in zip(REQUESTS, fast_seen, reference_seen):
        assert got == expected, request
    for request, got, expected in zip(REQUESTS, fast, reference):
        assert got == expected, request


def test_a_request_the_client_refuses_is_refused_alike():
    fast, fast_seen = exchange(InProcessTransport, REFUSED)
    reference, _ = exchange(ClientPath, REFUSED)
    assert fast == reference and not fast_seen
    assert all(status == 500 for status, *_ in fast)


REQUEST_SHAPES = [
    ("POST", "http://app.test/answer", {"User-Agent": "BandwidthAPI/v2",
                                        "Content-Type": "application/json"}, {"eventType": "x"}),
    ("POST", "https://App.Test:8443/a%20b", {"Authorization": "Basic dTpw"}, {"tag": "é ✓"}),
    ("GET", "http://app.test/answer?step=2", {"User-Agent": "BandwidthAPI/v2"}, None),
    ("get", "http://app.test/", None, None),
    ("POST", "http://app.test/", {"user-agent": "a", "User-Agent": "b", "HOST": "h"}, None),
    ("PUT", "http://app.test/", {"content-length": "5"}, {"a": 1}),
    ("PATCH", "http://app.test/", {"Transfer-Encoding": "chunked"}, {"a": 1}),
    ("QUERY", "http://app.test/", {}, None),
    ("DELETE", "http://app.test/", {"Content-Type": "text/plain"}, {"a": None}),
]


@pytest.mark.parametrize("method, url, headers, json", REQUEST_SHAPES)
def test_the_plain_request_is_the_one_the_client_builds(method, url, headers, json):
    client = InProcessTransport(lambda environ, start_response: []).client
    expected = client.build_request(method, url, headers=headers, json=json, timeout=15)
    got = _plain_request(client, method, httpx2.URL(url), headers, None, json, 15)
    assert (got.method, got.url, got.headers.raw, got.content, got.extensions) == (
        expected.method, expected.url, expected.headers.raw, expected.content,
        expected.extensions)
    assert type(got.stream) is type(expected.stream)


def test_the_cookie_the_app_set_comes_back_on_the_next_request():
    seen, log = [], []
    with InProcessTransport(make_app(seen, log)) as transport:
        transport.send("POST", "http://app.test/cookie", timeout=15)
        transport.send("POST", "http://app.test/plain", timeout=15)
    assert "HTTP_COOKIE" not in seen[0][0] and seen[1][0]["HTTP_COOKIE"] == "session=abc"


def test_an_encoded_reply_is_decoded_and_a_closing_body_closed():
    seen, log = [], []
    with InProcessTransport(make_app(seen, log)) as transport:
        assert transport.send("POST", "http://app.test/gzip", timeout=15).content == \
            b"unzipped " * 20
        transport.send("POST", "http://app.test/closing", timeout=15)
    assert log == ["closed"]


@pytest.mark.parametrize("path", ["/plain", "/cookie"])
def test_each_request_is_logged_as_httpx2_logs_it(path, caplog):
    caplog.set_level("INFO", logger="httpx2")
    with InProcessTransport(make_app([], [])) as transport:
        transport.send("POST", f"http://app.test{path}", timeout=15)
    assert [r.getMessage() for r in caplog.records if r.name == "httpx2"] == [
        f'HTTP Request: POST http://app.test{path} "HTTP/1.1 200 OK"']


@pytest.mark.parametrize("path", ["/redirect", "/odd-status", "/missing", "/restart"])
def test_the_log_line_is_the_whole_clients(path, caplog):
    caplog.set_level("INFO", logger="httpx2")
    lines = []
    for transport_class in (InProcessTransport, ClientPath):
        caplog.clear()
        with transport_class(make_app([], [])) as transport:
            transport.send("POST", f"http://app.test{path}", timeout=15)
        lines.append([r.getMessage() for r in caplog.records if r.name == "httpx2"])
    assert lines[0] == lines[1] and len(lines[0]) == 1


def test_the_body_is_read_no_further_than_the_limit():
    with InProcessTransport(make_app([], [])) as transport:
        reply = transport.send("POST", "http://app.test/big", timeout=15, max_bytes=1000)
    assert reply.status == 200 and reply.content == b"" and "over" in reply.error
