"""Chaos: hostile webhook servers on 127.0.0.1 never hang a run, blow its memory or go unnamed.

callbackTimeout is one deadline per attempt (connect + request + headers + body), bodies are
read up to their limit after decompression (docs/limits.md), and a real-HTTP app whose BXML
redirects to itself ends like an in-process one: by the engine's zero-time loop guard.
"""

from __future__ import annotations

import gzip
import time

import pytest

from apps.chaos_server import (chaos_server, drip_body, endless_chunks, reply, reset_mid_body,
                               slowloris)
from simulator.api import run_scenario
from simulator.transports import BODY_LIMIT, HttpTransport, InProcessTransport, too_large_error

pytestmark = pytest.mark.network


@pytest.fixture
def http():
    with HttpTransport() as transport:
        yield transport


def post(transport, url, timeout=15.0, **kwargs):
    return transport.send("POST", url, json={"eventType": "answer"}, timeout=timeout, **kwargs)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# ---- one deadline per attempt --------------------------------------------------------------


def test_a_dripping_body_is_cut_at_the_timeout_and_reported_as_a_timeout(http):
    with chaos_server(drip_body(0.05)) as url:
        answer, wall = timed(lambda: post(http, f"{url}/answer", timeout=0.4))
    assert (answer.status, answer.error, answer.elapsed) == (None, "timeout after 0.4 s", 0.4)
    assert answer.timed_out and wall < 1.5


def test_slowloris_headers_are_cut_at_the_timeout(http):
    with chaos_server(slowloris(0.05)) as url:
        answer, wall = timed(lambda: post(http, f"{url}/answer", timeout=0.4))
    assert (answer.status, answer.error) == (None, "timeout after 0.4 s")
    assert wall < 1.5


def test_the_deadline_is_per_attempt_a_prompt_server_after_a_slow_one_is_answered(http):
    with chaos_server(drip_body(0.05)) as slow, chaos_server(reply(b"<Response/>")) as fast:
        assert post(http, f"{slow}/a", timeout=0.3).timed_out
        answer = post(http, f"{fast}/b", timeout=0.3)
    assert (answer.status, answer.text, answer.error) == (200, "<Response/>", None)


def test_a_reset_mid_body_is_a_connection_reset(http):
    with chaos_server(reset_mid_body()) as url:
        answer = post(http, f"{url}/answer")
    assert (answer.status, answer.error) == (None, "connection reset by peer")


# ---- body limits ---------------------------------------------------------------------------


def test_a_declared_huge_body_is_not_read(http):
    body = b"x" * (BODY_LIMIT + 1)
    with chaos_server(reply(body)) as url:
        answer = post(http, f"{url}/answer")
    assert (answer.status, answer.content, answer.error) == (200, b"", too_large_error(BODY_LIMIT))


def test_an_endless_chunked_body_stops_at_the_limit(http):
    with chaos_server(endless_chunks()) as url:
        answer, wall = timed(lambda: post(http, f"{url}/answer", timeout=10))
    assert (answer.status, answer.content, answer.error) == (200, b"", too_large_error(BODY_LIMIT))
    assert wall < 5


def test_a_gzip_bomb_is_cut_after_decompression(http):
    bomb = gzip.compress(b"\0" * (64 * BODY_LIMIT), compresslevel=9)   # 64 MB in ~64 KB
    assert len(bomb) < BODY_LIMIT // 8
    with chaos_server(reply(bomb, extra="Content-Encoding: gzip\r\n")) as url:
        answer = post(http, f"{url}/answer")
    assert (answer.status, answer.content, answer.error) == (200, b"", too_large_error(BODY_LIMIT))


def test_a_small_gzip_body_is_decoded(http):
    with chaos_server(reply(gzip.compress(b"<Response/>"),
                            extra="Content-Encoding: gzip\r\n")) as url:
        answer = post(http, f"{url}/answer")
    assert (answer.status, answer.text, answer.error) == (200, "<Response/>", None)


def test_an_in_process_app_streaming_forever_is_cut_at_the_limit():
    def endless(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/xml")])
        return iter(lambda: b"<" * 65536, None)

    with InProcessTransport(endless) as transport:
        answer = post(transport, "http://app.test/answer")
    assert (answer.status, answer.content, answer.error) == (200, b"", too_large_error(BODY_LIMIT))


def test_the_media_limit_is_the_callers_choice(http):
    body = b"x" * (BODY_LIMIT + 10)
    with chaos_server(reply(body, content_type="audio/wav")) as url:
        answer = http.send("GET", f"{url}/a.wav", timeout=5, max_bytes=2 * BODY_LIMIT)
    assert (answer.status, len(answer.content), answer.error) == (200, len(body), None)


# ---- whole runs against hostile servers ----------------------------------------------------


def scenario(url: str, **call) -> dict:
    return {"name": "chaos", "app": {"base_url": url},
            "call": {"answer_url": "/answer", **call}}


def test_a_real_http_app_redirecting_to_itself_ends_like_an_in_process_one():
    loop = b'<Response><Redirect redirectUrl="/answer"/></Response>'
    with chaos_server(reply(loop)) as url:
        cpu = time.process_time()
        result, wall = timed(lambda: run_scenario(scenario(url)))
        cpu = time.process_time() - cpu
    call = result.calls[0]
    assert call["disconnectCause"] == "timeout"
    assert "redirect loop" in call["errorMessage"]
    assert 1000 <= len(result.callbacks) <= 1002
    # the bound is the work (this process serves the app too): CPU time, which a loaded machine
    # does not stretch; the wall limit only tells a hang from a slow machine
    assert cpu < 30 and wall < 300


def test_a_huge_answer_body_fails_the_call_with_the_limit_named():
    with chaos_server(endless_chunks()) as url:
        result = run_scenario(scenario(url))
    call = result.calls[0]
    assert call["disconnectCause"] == "callback-error"
    assert too_large_error(BODY_LIMIT) in call["errorMessage"]
    attempt = result.callbacks[0]
    assert (attempt["status"], attempt["responseBody"], attempt["error"]) == (
        200, "", too_large_error(BODY_LIMIT))


def test_a_dripping_answer_ends_the_call_at_the_callback_timeout():
    with chaos_server(drip_body(0.05)) as url:
        result, wall = timed(lambda: run_scenario(
            {**scenario(url), "call": {"answer_url": "/answer", "callback_timeout": 1}}))
    assert result.calls[0]["disconnectCause"] == "callback-error"
    assert result.callbacks[0]["error"] == "timeout after 1 s"
    assert wall < 3
