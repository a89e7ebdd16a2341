"""Webhooks end to end: scenarios run through simulator.runner against canned routes,
in-process Flask/Starlette apps and a real local server; checked on result.json."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from apps.live_server import closed_port_url
from simulator.runner import simulate
from simulator.scenario.load import load_mapping
from simulator.transports import InProcessTransport

APPS = Path(__file__).parent / "apps"
LEAVE_MESSAGE = [{"wait_for": "Record"}, {"say": "hi it's Sam"}, {"press": "#"}]


def scenario(**sections):
    return load_mapping({"name": "webhooks e2e", **sections}, base_dir=APPS)[0]


def run(sc):
    return simulate(sc, None).to_json()


def events(result):
    return [(c["eventType"], c["attempt"], c["fallback"], c["status"], c["error"])
            for c in result["callbacks"]]


def the_call(result):
    (call,) = result["calls"]
    return call


def test_flask_app_answers_with_a_record_and_gets_record_complete():
    result = run(scenario(app={"wsgi": "flask_app:app"}, call={"disconnect_url": "/disconnect"},
                          caller=LEAVE_MESSAGE))
    assert events(result) == [("initiate", 1, False, 200, None),
                              ("recordComplete", 1, False, 200, None),
                              ("disconnect", 1, False, 204, None)]
    record_complete = result["callbacks"][1]
    assert record_complete["url"] == "http://app.test/recordComplete"
    assert record_complete["responseBody"] == "<Response><Hangup/></Response>"
    assert the_call(result)["disconnectCause"] == "hangup"
    (recording,) = result["recordings"]
    assert recording["endReason"] == "terminating-digit"


def test_starlette_app_in_process():
    result = run(scenario(app={"asgi": "starlette_app:app"}))
    assert events(result) == [("initiate", 1, False, 200, None)]
    assert "Hello from Starlette" in result["callbacks"][0]["responseBody"]
    assert the_call(result)["disconnectCause"] == "hangup"


def test_failing_sync_webhook_ends_the_call_with_callback_error_and_disconnect_goes_out():
    result = run(scenario(app={"routes": {"/answer": {"status": 503, "body": "down"},
                                          "/disconnect": {"status": 204}}},
                          call={"disconnect_url": "/disconnect"}))
    assert events(result) == [("initiate", 1, False, 503, "HTTP 503"),
                              ("disconnect", 1, False, 204, None)]
    assert result["callbacks"][0]["responseBody"] == "down"
    call = the_call(result)
    assert call["disconnectCause"] == "callback-error"
    assert "HTTP 503" in call["errorMessage"]
    assert result["callbacks"][1]["payload"]["cause"] == "callback-error"


def test_unknown_route_is_a_callback_error_whose_attempt_shows_the_404():
    result = run(scenario(app={"routes": {"/other": "<Response/>"}}))
    (attempt,) = result["callbacks"]
    assert (attempt["status"], attempt["error"]) == (404, "HTTP 404")
    assert "no route for POST http://app.test/answer" in attempt["responseBody"]
    assert the_call(result)["disconnectCause"] == "callback-error"


def test_timeout_via_delay_costs_the_callback_timeout_in_virtual_time():
    result = run(scenario(app={"routes": {"/answer": {"bxml": "<Response/>", "delay": 20}}},
                          call={"callback_timeout": 5}))
    (attempt,) = result["callbacks"]
    assert (attempt["status"], attempt["error"]) == (None, "timeout after 5 s")
    assert the_call(result)["disconnectCause"] == "callback-error"
    assert the_call(result)["endTime"] == "2026-01-01T00:00:05.000Z"


def test_invalid_bxml_reply_ends_the_call_with_invalid_bxml():
    result = run(scenario(app={"wsgi": "flask_app:app"}, call={"answer_url": "/garbage"}))
    assert events(result) == [("initiate", 1, False, 200, None)]
    assert the_call(result)["disconnectCause"] == "invalid-bxml"


def test_fallback_attempts_are_all_listed_in_result_json():
    redirect = ('<Response><Redirect redirectUrl="/down" redirectFallbackUrl="/fb" '
                'redirectFallbackMethod="GET"/></Response>')
    result = run(scenario(app={"bxml": redirect, "routes": {
        "/down": {"status": 500, "delay": 1.5}, "/fb": "<Response><Hangup/></Response>"}}))
    assert events(result) == [("initiate", 1, False, 200, None),
                              ("redirect", 1, False, 500, "HTTP 500"),
                              ("redirect", 2, True, 200, None)]
    primary, fallback = result["callbacks"][1:]
    assert (primary["url"], primary["method"]) == ("http://app.test/down", "POST")
    assert (fallback["url"], fallback["method"]) == ("http://app.test/fb", "GET")
    assert fallback["at"] == primary["at"] + 1.5
    assert all(isinstance(value, str) for value in fallback["payload"].values())  # query params
    assert the_call(result)["disconnectCause"] == "hangup"


@pytest.mark.parametrize("fault, error", [("refused", "connection refused"),
                                          ("reset", "connection reset by peer")])
def test_async_webhook_is_retried_once_after_a_connection_fault_and_the_call_goes_on(fault,
                                                                                      error):
    result = run(scenario(app={"wsgi": "flask_app:app", "routes": {"/down": {"fault": fault}}},
                          call={"disconnect_url": "/down"}, caller=LEAVE_MESSAGE))
    assert events(result)[-2:] == [("disconnect", 1, False, None, error),
                                   ("disconnect", 2, False, None, error)]
    assert the_call(result)["disconnectCause"] == "hangup"


def test_sync_answer_refused_is_a_callback_error():
    """The answer URL refuses the connection: not retried (sync), the call ends with
    callback-error and the disconnect event still goes out, saying why."""
    result = run(scenario(app={"routes": {"/answer": {"fault": "refused", "delay": 0.5},
                                          "/disconnect": ""}},
                          call={"disconnect_url": "/disconnect"}))
    assert events(result) == [("initiate", 1, False, None, "connection refused"),
                              ("disconnect", 1, False, 200, None)]
    call = the_call(result)
    assert call["disconnectCause"] == "callback-error"
    assert "connection refused from POST http://app.test/answer" in call["errorMessage"]
    assert result["callbacks"][1]["at"] == result["callbacks"][0]["at"] + 0.5


def test_zero_time_redirect_loop_is_cut():
    result = run(scenario(app={"bxml": '<Response><Redirect redirectUrl="/answer"/></Response>'}))
    assert the_call(result)["disconnectCause"] == "timeout"
    assert len(result["callbacks"]) > 10


def test_slow_redirect_loop_ends_at_max_duration():
    loop = '<Response><Redirect redirectUrl="/loop"/></Response>'
    result = run(scenario(app={"bxml": loop, "routes": {"/loop": {"bxml": loop, "delay": 2}}},
                          call={"max_duration": 9}))
    assert the_call(result)["disconnectCause"] == "timeout"
    assert the_call(result)["endTime"] == "2026-01-01T00:00:09.000Z"


@pytest.mark.network
def test_real_server_answers_over_http(starlette_server):
    result = run(scenario(app={"base_url": starlette_server}))
    (attempt,) = result["callbacks"]
    assert (attempt["url"], attempt["status"]) == (f"{starlette_server}/answer", 200)
    assert the_call(result)["disconnectCause"] == "hangup"


@pytest.mark.network
def test_real_closed_port_is_a_callback_error_not_a_traceback():
    result = run(scenario(app={"base_url": closed_port_url()}))
    (attempt,) = result["callbacks"]
    assert (attempt["status"], attempt["error"]) == (None, "connection refused")
    assert the_call(result)["disconnectCause"] == "callback-error"


def webhook_outcomes(result):
    return [{k: e["detail"][k] for k in ("eventType", "ok", "status", "error", "attempts",
                                         "fallback")}
            for e in result["timeline"] if e["kind"] == "webhook"]


def test_timeline_webhook_entries_record_how_the_delivery_ended():
    redirect = '<Response><Redirect redirectUrl="/down" redirectFallbackUrl="/fb"/></Response>'
    result = run(scenario(app={"bxml": redirect, "routes": {
        "/down": {"status": 500}, "/fb": "<Response><Hangup/></Response>"}}))
    assert webhook_outcomes(result) == [
        {"eventType": "initiate", "ok": True, "status": 200, "error": None, "attempts": 1,
         "fallback": False},
        {"eventType": "redirect", "ok": True, "status": 200, "error": None, "attempts": 2,
         "fallback": True}]


def test_timeline_webhook_entry_of_a_failed_delivery_has_the_last_error():
    result = run(scenario(app={"wsgi": "flask_app:app", "routes": {"/down": {"fault": "refused"}}},
                          call={"disconnect_url": "/down"}, caller=LEAVE_MESSAGE))
    assert webhook_outcomes(result)[-1] == {
        "eventType": "disconnect", "ok": False, "status": None, "error": "connection refused",
        "attempts": 2, "fallback": False}


def test_an_in_process_app_that_hangs_is_cut_like_a_hanging_server(tmp_path, monkeypatch):
    monkeypatch.setattr(InProcessTransport, "HANG_LIMIT", 0.5)   # 30 s in real use
    (tmp_path / "stuck.py").write_text(
        "import threading\nRELEASE = threading.Event()\n\n"
        "def app(environ, start_response):\n"
        "    RELEASE.wait(30)   # a deadlock, as far as the simulator can tell\n"
        "    start_response('200 OK', [])\n"
        "    return [b'<Response/>']\n")
    sc = load_mapping({"name": "stuck app", "app": {"wsgi": "stuck:app"},
                       "call": {"callback_timeout": 1}}, base_dir=tmp_path)[0]
    try:
        result = run(sc)
    finally:
        sys.modules["stuck"].RELEASE.set()
    assert events(result) == [("initiate", 1, False, None, "timeout after 1 s")]
    assert the_call(result)["disconnectCause"] == "callback-error"
    (webhook,) = [e for e in result["timeline"] if e["kind"] == "webhook"]
    assert "in-process app did not return within 0.5 s" in webhook["detail"]["note"]


@pytest.mark.parametrize("caller, department", [
    ([{"wait_for": "Gather"}, {"say": "support please"}], "support"),
    ([{"wait_for": "Gather"}, {"silence": 1}, {"press": "1"}], "sales"),
])
def test_an_sdk_built_speech_menu_in_flask_routes_by_voice_or_key(caller, department):
    pytest.importorskip("bandwidth")
    result = run(scenario(app={"wsgi": "speech_menu_flask:app"}, caller=caller))
    gather = next(c for c in result["callbacks"] if c["eventType"] == "gather")
    redirect = next(c for c in result["callbacks"] if c["eventType"] == "redirect")
    partials = [(c["payload"]["speechResult"]["text"], c["status"])
                for c in result["callbacks"] if c["eventType"] == "partialResult"]
    assert redirect["url"] == f"http://app.test/{department}"
    if department == "support":   # said: the partial results came as the words were spoken
        assert gather["payload"]["speechResult"]["text"] == "support please"
        assert partials == [("support", 204), ("support please", 204)]
    else:
        assert (gather["payload"]["digits"], partials) == ("1", [])
