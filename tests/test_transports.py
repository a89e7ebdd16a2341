"""simulator.transports: canned routes, in-process WSGI/ASGI apps, real HTTP."""

from __future__ import annotations

import gc
import json
import logging
import sys
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import pytest
import soundfile

from apps.live_server import closed_port_url, rude_server
from simulator.errors import TransportError
from simulator.scenario.model import AppSettings, Route
from simulator.transports import (AsgiBridge, HttpTransport, InProcessTransport,
                                  RoutesTransport, TransportReply, load_app, make_transport)
from simulator.transports.inprocess import _Worker

APPS = Path(__file__).parent / "apps"
BASE = "http://app.test"


def post(transport, url, *, timeout=15.0, **kwargs):
    return transport.send("POST", url, timeout=timeout, **kwargs)


# ---- TransportReply ---------------------------------------------------------------------


def test_reply_text_uses_the_charset_of_the_content_type():
    reply = TransportReply(200, "café".encode("latin-1"),
                           {"content-type": "text/plain; charset=ISO-8859-1"}, 0.0, None)
    assert reply.text == "café"


def test_reply_text_defaults_to_utf8():
    assert TransportReply(200, "café".encode(), {}, 0.0, None).text == "café"


def test_timed_out_only_for_timeout_errors():
    assert TransportReply(None, b"", {}, 15.0, "timeout after 15 s").timed_out
    assert not TransportReply(None, b"", {}, 0.0, "connection refused").timed_out
    assert not TransportReply(504, b"", {}, 0.0, None).timed_out


# ---- canned routes ----------------------------------------------------------------------


def routes_transport(routes, **kwargs):
    return RoutesTransport(routes, BASE, **kwargs)


def test_path_keys_resolve_against_base_url():
    transport = routes_transport({"/answer": Route(bxml="<Response/>")})
    reply = post(transport, "http://app.test/answer")
    assert (reply.status, reply.text, reply.error) == (200, "<Response/>", None)
    assert reply.headers["content-type"] == "application/xml; charset=utf-8"
    assert reply.elapsed == 0.0


def test_absolute_url_keys_match_that_url_only():
    transport = routes_transport({"https://other.example/x": Route(bxml="<Response/>")})
    assert post(transport, "https://other.example/x").status == 200
    assert post(transport, "http://app.test/x").status == 404


def test_query_string_of_a_request_is_ignored_for_matching():
    transport = routes_transport({"/gather": Route(bxml="<Response/>")})
    reply = transport.send("GET", "http://app.test/gather?step=2", params={"digits": "1"},
                           timeout=15)
    assert reply.status == 200


def test_unknown_route_is_a_404_naming_the_request_and_the_known_routes():
    transport = routes_transport({"/answer": Route(bxml="<Response/>")})
    reply = post(transport, "http://app.test/nope")
    assert reply.status == 404
    assert "POST http://app.test/nope" in reply.text
    assert "http://app.test/answer" in reply.text


def test_explicit_body_wins_and_status_is_injected():
    transport = routes_transport({"/flaky": Route(bxml="<Response/>", body="down", status=503)})
    reply = post(transport, "http://app.test/flaky")
    assert (reply.status, reply.text) == (503, "down")


def test_content_type_can_be_set():
    transport = routes_transport({"/j": Route(body="{}", content_type="application/json")})
    assert post(transport, "http://app.test/j").headers["content-type"] == "application/json"


def test_delay_below_timeout_is_the_elapsed_virtual_time():
    transport = routes_transport({"/slow": Route(bxml="<Response/>", delay=4.5)})
    reply = post(transport, "http://app.test/slow", timeout=5.0)
    assert (reply.status, reply.elapsed) == (200, 4.5)


@pytest.mark.parametrize("delay", [5.0, 20.0])
def test_delay_reaching_the_timeout_is_a_timeout_cut_at_the_timeout(delay):
    transport = routes_transport({"/slow": Route(bxml="<Response/>", delay=delay)})
    reply = post(transport, "http://app.test/slow", timeout=5.0)
    assert reply.status is None
    assert reply.error == "timeout after 5 s"
    assert reply.elapsed == 5.0
    assert reply.timed_out


@pytest.mark.parametrize("fault, error", [("refused", "connection refused"),
                                          ("reset", "connection reset by peer")])
def test_a_fault_route_gives_no_http_response(fault, error):
    """No status, no body: the error says what the network did, after the route's delay."""
    transport = routes_transport({"/down": Route(fault=fault, delay=0.2)})
    reply = post(transport, "http://app.test/down")
    assert (reply.status, reply.content, reply.error, reply.elapsed) == (None, b"", error, 0.2)
    assert not reply.timed_out


def test_a_fault_slower_than_the_timeout_is_a_timeout():
    transport = routes_transport({"/down": Route(fault="refused", delay=30)})
    reply = post(transport, "http://app.test/down", timeout=5.0)
    assert (reply.error, reply.elapsed) == ("timeout after 5 s", 5.0)


def test_an_unknown_fault_is_a_setup_error():
    with pytest.raises(TransportError, match="unknown fault"):
        routes_transport({"/down": Route(fault="unplugged", line=7)})


def test_xml_file_is_served_as_bxml_text(tmp_path):
    (tmp_path / "flow.xml").write_text("<Response><Hangup/></Response>", encoding="utf-8")
    transport = routes_transport({"/answer": Route(file=Path("flow.xml"))}, base_dir=tmp_path)
    reply = post(transport, "http://app.test/answer")
    assert reply.text == "<Response><Hangup/></Response>"
    assert reply.headers["content-type"].startswith("application/xml")


@pytest.mark.parametrize("suffix, content_type", [(".wav", "audio/wav"), (".mp3", "audio/mpeg")])
def test_audio_files_are_served_as_bytes_with_an_audio_type(tmp_path, suffix, content_type):
    path = tmp_path / f"tone{suffix}"
    samples = np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000).astype(np.float32) * 0.5
    soundfile.write(path, samples, 8000, format=suffix[1:].upper())
    transport = routes_transport({"/media/tone": Route(file=path)})
    reply = transport.send("GET", "http://app.test/media/tone", timeout=15)
    assert reply.content == path.read_bytes()
    assert reply.headers["content-type"] == content_type


def test_missing_route_file_is_a_setup_error_naming_route_and_path(tmp_path):
    with pytest.raises(TransportError) as info:
        routes_transport({"/answer": Route(file=tmp_path / "nope.xml", line=7)})
    message = str(info.value)
    assert "'/answer'" in message and "nope.xml" in message and "line 7" in message


# ---- make_transport: choosing and combining ----------------------------------------------


def test_bxml_shorthand_is_the_reply_of_the_answer_url():
    with make_transport(AppSettings(bxml="<Response/>"), APPS, answer_url="/start") as transport:
        assert post(transport, "http://app.test/start").text == "<Response/>"
        assert post(transport, "http://app.test/answer").status == 404


def test_an_explicit_route_for_the_answer_url_wins_over_the_shorthand():
    app = AppSettings(bxml="<Response/>",
                      routes={"http://app.test/answer": Route(bxml="<Response><Hangup/></Response>")})
    with make_transport(app, APPS) as transport:
        assert "Hangup" in post(transport, "http://app.test/answer").text


def test_base_url_alone_means_real_http():
    transport = make_transport(AppSettings(base_url="http://127.0.0.1:9"), APPS)
    assert isinstance(transport, HttpTransport)
    transport.close()


def test_routes_win_over_the_app_and_the_rest_reaches_the_app():
    app = AppSettings(wsgi="flask_app:app", routes={"/answer": Route(bxml="<Response/>")})
    with make_transport(app, APPS) as transport:
        assert post(transport, "http://app.test/answer").text == "<Response/>"
        assert post(transport, "http://app.test/recordComplete").text == (
            "<Response><Hangup/></Response>")


def test_wsgi_and_asgi_together_are_refused():
    with pytest.raises(TransportError, match="at most one"):
        make_transport(AppSettings(wsgi="a:b", asgi="c:d"), APPS)


# ---- in-process apps --------------------------------------------------------------------


@pytest.fixture(params=["wsgi", "asgi"])
def in_process(request):
    app = (AppSettings(wsgi="flask_app:app") if request.param == "wsgi"
           else AppSettings(asgi="starlette_app:app"))
    with make_transport(app, APPS) as transport:
        yield transport


def test_in_process_app_gets_method_json_headers_and_takes_no_virtual_time(in_process):
    reply = post(in_process, "http://app.test/echo", json={"eventType": "answer"},
                 headers={"Authorization": "Basic dTpw", "User-Agent": "BandwidthAPI/v2"})
    seen = json.loads(reply.text)
    assert reply.status == 200 and reply.elapsed == 0.0
    assert seen["method"] == "POST" and seen["json"] == {"eventType": "answer"}
    assert seen["authorization"] == "Basic dTpw" and seen["user_agent"] == "BandwidthAPI/v2"


def test_in_process_app_gets_query_params(in_process):
    reply = in_process.send("GET", "http://app.test/echo", params={"eventType": "dtmf", "n": "1"},
                            timeout=15)
    assert json.loads(reply.text)["args"] == {"eventType": "dtmf", "n": "1"}


def test_query_params_are_added_to_the_query_the_url_already_has(in_process):
    reply = in_process.send("GET", "http://app.test/echo?step=2", params={"eventType": "gather"},
                            timeout=15)
    assert json.loads(reply.text)["args"] == {"step": "2", "eventType": "gather"}


def test_in_process_status_is_passed_through(in_process):
    assert post(in_process, "http://app.test/status/503").status == 503


def test_an_app_that_raises_gives_a_500(in_process):
    assert post(in_process, "http://app.test/boom").status == 500


def test_an_exception_escaping_a_wsgi_app_is_a_500_carrying_its_text():
    with make_transport(AppSettings(wsgi="flask_app:app"), APPS) as transport:
        reply = post(transport, "http://app.test/boom")
    assert reply.status == 500
    assert reply.text == "RuntimeError: the app broke"


def test_asgi_lifespan_runs_at_start_and_at_close():
    app = load_app("starlette_app:app", APPS, kind="asgi")
    state = sys.modules["starlette_app"].STATE
    before = dict(state)
    transport = make_transport(AppSettings(asgi="starlette_app:app"), APPS)
    assert load_app("starlette_app:app", APPS, kind="asgi") is app  # loaded once, not afresh
    assert state["started"] == before["started"] + 1
    transport.close()
    assert state["stopped"] == before["stopped"] + 1
    transport.close()  # idempotent
    assert state["stopped"] == before["stopped"] + 1


def test_an_asgi_app_failing_at_startup_is_a_setup_error(tmp_path):
    (tmp_path / "failing.py").write_text(
        "async def app(scope, receive, send):\n"
        "    await receive()\n"
        "    await send({'type': 'lifespan.startup.failed', 'message': 'no database'})\n")
    with pytest.raises(TransportError, match="no database"):
        make_transport(AppSettings(asgi="failing:app"), tmp_path)


def test_an_asgi_app_without_lifespan_support_is_fine(tmp_path):
    (tmp_path / "bare.py").write_text(
        "async def app(scope, receive, send):\n"
        "    assert scope['type'] == 'http'\n"
        "    await send({'type': 'http.response.start', 'status': 201, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'ok'})\n")
    with make_transport(AppSettings(asgi="bare:app"), tmp_path) as transport:
        assert post(transport, "http://app.test/").status == 201


# ---- an in-process app's worker between runs ----------------------------------------------


class _App:
    """A WSGI app object, owned by its transport alone (not a module global)."""

    def __init__(self, owned=None) -> None:
        self.owned = owned

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def test_an_idle_worker_keeps_nothing_of_the_run_it_served():
    app = _App()
    transport = InProcessTransport(app)
    assert post(transport, "http://app.test/", json={"eventType": "answer"}).status == 200
    gone = weakref.ref(app)
    transport.close()
    del app, transport
    gc.collect()
    assert gone() is None   # the worker, idle in the pool, no longer holds the app


def test_a_finished_runs_finalizer_is_no_app_error_of_the_next_run():
    """Run A's app is freed after its run: what its cleanup logs is not run B's app_error,
    though B's request runs on the worker thread A's did."""

    class Resource:
        def __del__(self):
            logging.getLogger("app_a").error("cleanup failed",
                                             exc_info=RuntimeError("run A's cleanup"))

    first = InProcessTransport(_App(Resource()))
    assert post(first, "http://app.test/").app_error is None
    first.close()
    del first
    second = InProcessTransport(_App())
    reply = post(second, "http://app.test/")
    second.close()
    assert (reply.status, reply.app_error) == (200, None)


def test_a_request_after_close_is_a_closed_clients_answer_and_takes_no_thread():
    before = threading.active_count()
    replies = []
    for _ in range(2 * _Worker.IDLE_LIMIT):   # more closed transports than idle workers
        transport = InProcessTransport(_App())
        transport.close()
        replies.append(post(transport, "http://app.test/"))
    assert threading.active_count() == before
    assert [(r.status, r.error, r.app_error) for r in replies] == [
        (None, "invalid request: Cannot send a request, as the client has been closed.", None)
    ] * len(replies)


# ---- in-process apps that hang -----------------------------------------------------------

HANGING_WSGI = """
import threading
RELEASE = threading.Event()

def app(environ, start_response):
    if environ["PATH_INFO"] == "/hang":
        RELEASE.wait(30)
    elif environ["PATH_INFO"] == "/exit":
        raise SystemExit("the app called sys.exit")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"answered"]
"""

HANGING_ASGI = """
import asyncio, time
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def hang(request):
    await asyncio.sleep(30)

async def block(request):
    time.sleep(float(request.query_params["seconds"]))   # blocks the event loop itself
    return PlainTextResponse("unblocked")

async def fast(request):
    return PlainTextResponse("answered")

app = Starlette(routes=[Route("/hang", hang, methods=["POST"]),
                        Route("/block", block, methods=["POST"]),
                        Route("/fast", fast, methods=["POST"])])
"""


HANG = 0.3   # the wall limit the hang tests set (InProcessTransport.HANG_LIMIT is 30 s)


@pytest.fixture
def hanging_wsgi(tmp_path, monkeypatch):
    monkeypatch.setattr(InProcessTransport, "HANG_LIMIT", HANG)
    (tmp_path / "hanging_wsgi.py").write_text(HANGING_WSGI)
    transport = make_transport(AppSettings(wsgi="hanging_wsgi:app"), tmp_path)
    yield transport
    transport.close()
    sys.modules["hanging_wsgi"].RELEASE.set()


def test_an_app_that_hangs_times_out_at_the_callback_timeout_like_a_silent_server(hanging_wsgi):
    reply = post(hanging_wsgi, "http://app.test/hang", timeout=15)
    assert (reply.status, reply.error, reply.elapsed) == (None, "timeout after 15 s", 15)
    assert reply.timed_out
    assert "did not return within 0.3 s (wall clock)" in reply.headers["x-bxmlsim-note"]
    assert hanging_wsgi.abandoned == 1


def test_a_slow_app_that_answers_takes_no_virtual_time_whatever_its_callback_timeout():
    """Determinism: wall time never turns an answer into a timeout (below the hang limit)."""
    with make_transport(AppSettings(asgi="starlette_app:app"), APPS) as transport:
        reply = post(transport, "http://app.test/slow?seconds=0.4", timeout=0.1)
    assert (reply.status, reply.text, reply.elapsed) == (200, "finally", 0.0)


def test_requests_after_a_hang_reach_the_app_on_a_fresh_thread(hanging_wsgi):
    post(hanging_wsgi, "http://app.test/hang", timeout=15)
    reply = post(hanging_wsgi, "http://app.test/answer", timeout=15)
    assert (reply.status, reply.text, reply.elapsed) == (200, "answered", 0.0)


def test_an_abandoned_thread_ends_when_the_app_finally_returns(hanging_wsgi):
    post(hanging_wsgi, "http://app.test/fast", timeout=5)   # the worker the hang will take
    [stuck] = [t for t in threading.enumerate() if t.ident == hanging_wsgi._worker.ident]
    post(hanging_wsgi, "http://app.test/hang", timeout=15)
    sys.modules["hanging_wsgi"].RELEASE.set()
    stuck.join(5)
    assert not stuck.is_alive()


def test_an_app_raising_system_exit_is_an_error_not_a_lost_request(hanging_wsgi):
    """Issue 14: not a 500 (the app tried to end the process); the worker stays usable."""
    with pytest.raises(TransportError, match="raised SystemExit"):
        post(hanging_wsgi, "http://app.test/exit", timeout=5)
    assert post(hanging_wsgi, "http://app.test/fast", timeout=5).status == 200


def test_an_asgi_request_awaiting_forever_is_cut_and_close_stays_prompt(tmp_path, monkeypatch):
    monkeypatch.setattr(InProcessTransport, "HANG_LIMIT", HANG)
    (tmp_path / "hanging_asgi.py").write_text(HANGING_ASGI)
    transport = make_transport(AppSettings(asgi="hanging_asgi:app"), tmp_path)
    reply = post(transport, "http://app.test/hang", timeout=15)
    assert (reply.status, reply.error) == (None, "timeout after 15 s")
    assert post(transport, "http://app.test/fast", timeout=15).text == "answered"
    started = time.monotonic()
    transport.close()
    assert time.monotonic() - started < 2


def test_an_asgi_app_blocking_its_event_loop_cannot_stall_close(tmp_path, monkeypatch):
    monkeypatch.setattr(InProcessTransport, "HANG_LIMIT", HANG)
    monkeypatch.setattr(AsgiBridge, "SHUTDOWN_WALL_LIMIT", 0.5)
    (tmp_path / "hanging_asgi.py").write_text(HANGING_ASGI)
    transport = make_transport(AppSettings(asgi="hanging_asgi:app"), tmp_path)
    reply = post(transport, "http://app.test/block?seconds=3", timeout=15)
    assert reply.error == "timeout after 15 s"
    started = time.monotonic()
    transport.close()   # the lifespan shutdown and the loop's stop share one 0.5 s deadline
    assert time.monotonic() - started < 1.5


# ---- loading "module:attr" ----------------------------------------------------------------


@pytest.mark.parametrize("spec", ["flask_app", "flask_app:", ":app", ""])
def test_a_spec_without_module_and_attr_is_refused(spec):
    with pytest.raises(TransportError, match="module:attr"):
        load_app(spec, APPS, kind="wsgi")


def test_a_missing_module_says_where_it_was_looked_for():
    with pytest.raises(TransportError) as info:
        load_app("no_such_app:app", APPS, kind="wsgi")
    assert "no_such_app" in str(info.value) and str(APPS) in str(info.value)


def test_a_missing_attribute_lists_what_the_module_has():
    with pytest.raises(TransportError) as info:
        load_app("flask_app:application", APPS, kind="wsgi")
    message = str(info.value)
    assert "'application'" in message and "answer" in message


def test_a_module_that_raises_on_import_points_at_its_line(tmp_path):
    (tmp_path / "broken.py").write_text("import os\n\nraise ValueError('bad config')\n")
    with pytest.raises(TransportError) as info:
        load_app("broken:app", tmp_path, kind="wsgi")
    assert info.value.where == f"{tmp_path / 'broken.py'}:3"
    assert "ValueError: bad config" in str(info.value)


def test_a_syntax_error_points_at_its_line(tmp_path):
    (tmp_path / "typo.py").write_text("x = 1\ndef app(:\n")
    with pytest.raises(TransportError) as info:
        load_app("typo:app", tmp_path, kind="wsgi")
    assert info.value.where.endswith("typo.py:2")


def test_a_non_callable_attribute_is_not_an_app(tmp_path):
    (tmp_path / "notapp.py").write_text("app = 42\n")
    with pytest.raises(TransportError, match="not an app"):
        load_app("notapp:app", tmp_path, kind="wsgi")


def test_same_module_name_in_two_scenario_folders_loads_each_folders_own(tmp_path):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "hooks.py").write_text(
            "def app(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
            f"    return [b'{name}']\n")
    for name in ("one", "two"):
        with make_transport(AppSettings(wsgi="hooks:app"), tmp_path / name) as transport:
            assert post(transport, "http://app.test/").text == name


def test_a_module_loaded_from_the_same_file_is_reused_and_one_of_another_file_replaced(tmp_path):
    """The import rule a run relies on, whatever is memoised: the scenario folder's module is
    the one in sys.modules (reused when it is that file, replaced when another folder's)."""
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "reused_app.py").write_text(f"def app(e, s):\n    return [b'{name}']\n")
    first = load_app("reused_app:app", tmp_path / "one", kind="wsgi")
    assert load_app("reused_app:app", tmp_path / "one", kind="wsgi") is first
    other = load_app("reused_app:app", tmp_path / "two", kind="wsgi")
    assert other is not first and other([], None) == [b"two"]
    assert load_app("reused_app:app", tmp_path / "one", kind="wsgi")([], None) == [b"one"]


def test_a_module_of_a_folder_without_init_is_imported_afresh_each_run(tmp_path):
    """``apps.menu_app`` (a folder without __init__.py, as the bundled scenarios/apps/): its
    package has no file to compare, so its modules are imported again for every run and the
    app's module-level state does not leak from one scenario to the next."""
    (tmp_path / "nspkg").mkdir()
    (tmp_path / "nspkg" / "counting.py").write_text(
        "SEEN = []\n"
        "def app(environ, start_response):\n"
        "    SEEN.append(1)\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [str(len(SEEN)).encode()]\n")
    for _ in range(3):
        with make_transport(AppSettings(wsgi="nspkg.counting:app"), tmp_path) as transport:
            assert post(transport, "http://app.test/").text == "1"


# ---- real HTTP ----------------------------------------------------------------------------


@pytest.fixture
def http():
    with HttpTransport() as transport:
        yield transport


@pytest.mark.network
def test_real_http_round_trip(starlette_server, http):
    reply = post(http, f"{starlette_server}/echo", json={"eventType": "answer"},
                 headers={"User-Agent": "BandwidthAPI/v2"}, params={"a": "1"})
    seen = json.loads(reply.text)
    assert reply.status == 200 and reply.error is None
    assert reply.elapsed == 0.0   # an answer takes no virtual time, however long on the wire
    assert seen["json"] == {"eventType": "answer"} and seen["args"] == {"a": "1"}
    assert seen["user_agent"] == "BandwidthAPI/v2"
    assert reply.headers["content-type"] == "application/json"


@pytest.mark.network
def test_real_http_keeps_the_connection_alive(starlette_server, http):
    ports = {json.loads(post(http, f"{starlette_server}/echo", json={"n": n}).text)["client_port"]
             for n in range(20)}
    assert len(ports) == 1


@pytest.mark.network
def test_real_http_5xx_is_a_reply_not_an_error(starlette_server, http):
    reply = post(http, f"{starlette_server}/status/503")
    assert (reply.status, reply.text, reply.error) == (503, "status 503", None)


@pytest.mark.network
def test_real_http_slow_server_is_cut_at_the_timeout(starlette_server, http):
    reply = post(http, f"{starlette_server}/slow?seconds=1", timeout=0.2)
    assert (reply.status, reply.error, reply.elapsed) == (None, "timeout after 0.2 s", 0.2)


@pytest.mark.network
def test_real_http_slow_but_in_time_is_answered_in_no_virtual_time(starlette_server, http):
    """Like an in-process app: wall time never feeds virtual time (determinism, loop guard)."""
    reply = post(http, f"{starlette_server}/slow?seconds=0.05", timeout=5)
    assert (reply.status, reply.text, reply.elapsed) == (200, "finally", 0.0)


@pytest.mark.network
def test_real_http_closed_port_is_a_refused_connection(http):
    reply = post(http, f"{closed_port_url()}/answer")
    assert (reply.status, reply.error, reply.content) == (None, "connection refused", b"")


@pytest.mark.network
def test_real_http_connection_reset_mid_reply_is_named(http):
    with rude_server("reset") as url:
        reply = post(http, f"{url}/answer")
    assert (reply.status, reply.error, reply.content) == (None, "connection reset by peer", b"")


@pytest.mark.network
def test_real_http_connection_closed_before_a_reply_is_named(http):
    with rude_server("close") as url:
        reply = post(http, f"{url}/answer")
    assert (reply.status, reply.error) == (None, "connection closed without a response")
    assert not reply.timed_out   # a connection error: async webhooks retry it


def test_real_http_unusable_url_is_an_error_reply(http):
    reply = post(http, "notaurl://x/")
    assert reply.status is None and reply.error


# ---- an app cannot end the process ---------------------------------------------------------


@pytest.mark.parametrize("raised", ["SystemExit(3)", "KeyboardInterrupt()"])
def test_a_wsgi_handler_exiting_is_an_error_naming_the_app_and_line(tmp_path, raised):
    (tmp_path / "quitter.py").write_text(
        "def app(environ, start_response):\n"
        f"    raise {raised}\n")
    with make_transport(AppSettings(wsgi="quitter:app"), tmp_path) as transport:
        with pytest.raises(TransportError) as info:
            post(transport, "http://app.test/answer")
    assert info.value.where == f"{tmp_path / 'quitter.py'}:2"
    assert f"app 'quitter:app' raised {raised} while handling POST http://app.test/answer" \
        in str(info.value)


def test_an_asgi_handler_exiting_is_an_error_and_leaves_its_loop_running(tmp_path):
    (tmp_path / "aquit.py").write_text(
        "async def app(scope, receive, send):\n"
        "    if scope['type'] != 'http':\n"
        "        raise RuntimeError('no lifespan')\n"
        "    if scope['path'] == '/quit':\n"
        "        raise KeyboardInterrupt\n"
        "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
        "    await send({'type': 'http.response.body', 'body': b'alive'})\n")
    with make_transport(AppSettings(asgi="aquit:app"), tmp_path) as transport:
        with pytest.raises(TransportError, match="raised KeyboardInterrupt"):
            post(transport, "http://app.test/quit")
        assert post(transport, "http://app.test/next").text == "alive"


def test_a_module_calling_sys_exit_at_import_is_a_setup_error(tmp_path):
    (tmp_path / "exits.py").write_text("import sys\nsys.exit('no config')\n")
    with pytest.raises(TransportError) as info:
        load_app("exits:app", tmp_path, kind="wsgi")
    assert info.value.where == f"{tmp_path / 'exits.py'}:2"
    assert "module 'exits' exited while importing" in str(info.value)
    assert "SystemExit('no config')" in str(info.value)
