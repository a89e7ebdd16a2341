"""The app's own error: an exception raised in an in-process app is the reply's app_error.

Real Flask, FastAPI and Starlette apps (tests/apps/broken_apps.py): each framework hides the
exception its own way (Flask logs it and answers 500, Starlette re-raises after its 500), and
every way ends in the same C2 object: type, message, traceback.
"""

from __future__ import annotations

import logging
import threading

import pytest

from apps import broken_apps
from simulator.transports import AsgiBridge, InProcessTransport
from simulator.transports import app_errors


def wsgi(app):
    return InProcessTransport(app)


def asgi(app):
    bridge = AsgiBridge(app)
    return InProcessTransport(bridge.wsgi_app, on_close=bridge.close,
                              threads=(bridge.thread_ident,))


def post(transport, path):
    with transport:
        return transport.send("POST", "http://app.test" + path, json={"eventType": "gather"},
                              timeout=15)


# (how the app is served, path, error type, message, the app's frame in the traceback)
RAISING = [
    ("flask", lambda: wsgi(broken_apps.flask_app), "/gather", "ZeroDivisionError",
     "division by zero", "in average"),
    ("fastapi sync", lambda: asgi(broken_apps.fastapi_app), "/gather", "ZeroDivisionError",
     "division by zero", "in fastapi_gather"),
    ("fastapi async", lambda: asgi(broken_apps.fastapi_app), "/gather-async", "KeyError",
     "'missing'", "in fastapi_gather_async"),
    ("starlette", lambda: asgi(broken_apps.starlette_app), "/gather", "ZeroDivisionError",
     "division by zero", "in starlette_gather"),
    ("raw wsgi", lambda: wsgi(broken_apps.raw_wsgi), "/gather", "KeyError", "'/gather'",
     "in raw_wsgi"),
    ("raw asgi", lambda: asgi(broken_apps.raw_asgi), "/gather", "LookupError", "/gather",
     "in raw_asgi"),
]


@pytest.mark.parametrize("name, make, path, kind, message, frame", RAISING,
                         ids=[r[0] for r in RAISING])
def test_an_exception_in_the_app_is_a_500_with_its_type_message_and_traceback(
        name, make, path, kind, message, frame):
    reply = post(make(), path)
    assert reply.status == 500
    error = reply.app_error
    assert (error["type"], error["message"]) == (kind, message)
    trace = error["traceback"]
    assert trace.startswith("Traceback (most recent call last):")
    assert frame in trace and "broken_apps.py" in trace
    assert trace.rstrip().endswith(f"{kind}: {message}")


def test_the_traceback_leaves_out_the_simulator_and_shows_paths_from_the_working_folder(
        monkeypatch, tmp_path):
    reply = post(wsgi(broken_apps.flask_app), "/gather")
    trace = reply.app_error["traceback"]
    assert "simulator/transports" not in trace and "threading.py" not in trace
    assert 'File "tests/apps/broken_apps.py"' in trace or "/broken_apps.py" in trace


def test_an_exception_the_app_logs_and_survives_is_still_its_error():
    reply = post(wsgi(broken_apps.flask_app), "/logged")
    assert reply.status == 200
    assert reply.app_error["type"] == "ConnectionError"
    assert reply.app_error["message"] == "CRM unreachable for +15555550100"


def test_a_request_that_goes_well_has_no_app_error():
    reply = post(wsgi(broken_apps.flask_app), "/answer")
    assert reply.status == 200 and reply.app_error is None


def test_an_error_logged_without_a_traceback_or_below_error_is_not_an_app_error():
    def app(environ, start_response):
        logging.getLogger("quiet").error("plain error, no exc_info")
        try:
            raise ValueError("handled")
        except ValueError:
            logging.getLogger("quiet").warning("a warning", exc_info=True)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<Response/>"]

    assert post(wsgi(app), "/x").app_error is None


def test_the_error_of_one_request_does_not_leak_into_the_next():
    transport = wsgi(broken_apps.flask_app)
    with transport:
        first = transport.send("POST", "http://app.test/gather", json={}, timeout=15)
        second = transport.send("POST", "http://app.test/answer", json={}, timeout=15)
    assert first.app_error is not None and second.app_error is None


def test_exceptions_logged_by_other_threads_while_no_request_runs_are_ignored():
    capture = app_errors.open_capture(threading.get_ident())
    app_errors.close_capture(capture)
    try:
        raise RuntimeError("elsewhere")
    except RuntimeError:
        logging.getLogger("other").exception("not during a request")
    assert capture.error is None
