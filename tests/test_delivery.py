"""simulator.delivery: the webhook delivery policy of spec/callbacks.md 1.1-1.6."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from apps.live_server import closed_port_url
from simulator.callbacks import query_params
from simulator.delivery import USER_AGENT, basic_auth, deliver, encoded_payload
from simulator.engine.effects import Auth, Webhook
from simulator.scenario.model import AppSettings, Route
from simulator.transports import (BODY_LIMIT, HttpTransport, Transport, TransportReply,
                                  make_transport, too_large_error)

APPS = Path(__file__).parent / "apps"
PRIMARY = "http://app.test/answer"
FALLBACK = "http://backup.test/answer"
PAYLOAD = {"eventType": "answer", "callId": "c-1", "from": "+15555550100",
           "diversion": {"reason": "unavailable"}, "tag": None}


def ok(body="<Response/>", status=200, elapsed=0.0):
    return TransportReply(status, body.encode(), {}, elapsed, None)


def refused(elapsed=0.0):
    return TransportReply(None, b"", {}, elapsed, "connection refused")


def timeout(seconds=15.0):
    return TransportReply(None, b"", {}, seconds, f"timeout after {seconds:g} s")


class Scripted(Transport):
    """Replies in order per URL (the last one repeats) and remembers every request."""

    def __init__(self, script):
        self.script = {url: list(replies) for url, replies in script.items()}
        self.requests = []

    def send(self, method, url, *, headers=None, params=None, json=None, timeout, **_):
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}),
                              "params": params, "json": json, "timeout": timeout})
        replies = self.script[url]
        return replies.pop(0) if len(replies) > 1 else replies[0]


def webhook(**changes):
    fields = dict(event_type="answer", call_id="c-1", url=PRIMARY, payload=PAYLOAD, sync=True)
    fields.update(changes)
    return Webhook(**fields)


def outcome(delivery):
    return [(a.attempt, a.url, a.fallback, a.status, a.error) for a in delivery.attempts]


# ---- the policy table -----------------------------------------------------------------------


def test_primary_ok_is_one_attempt_and_its_body():
    transport = Scripted({PRIMARY: [ok("<Response><Hangup/></Response>", elapsed=0.3)]})
    delivery = deliver(transport, webhook(fallback_url=FALLBACK))
    assert delivery.ok and delivery.error is None
    assert delivery.body == "<Response><Hangup/></Response>"
    assert delivery.url == PRIMARY and delivery.elapsed == 0.3
    assert outcome(delivery) == [(1, PRIMARY, False, 200, None)]


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_success(status):
    delivery = deliver(Scripted({PRIMARY: [ok("", status=status)]}), webhook(sync=False))
    assert delivery.ok


def test_sync_empty_body_is_a_success_with_empty_body():
    delivery = deliver(Scripted({PRIMARY: [ok("")]}), webhook())
    assert delivery.ok and delivery.body == ""


def test_garbage_body_is_passed_on_for_the_engine_to_judge():
    delivery = deliver(Scripted({PRIMARY: [ok("this is not <xml")]}), webhook())
    assert delivery.ok and delivery.body == "this is not <xml"


def test_primary_5xx_then_fallback_ok():
    transport = Scripted({PRIMARY: [ok("down", status=503, elapsed=0.5)],
                          FALLBACK: [ok("<Response/>", elapsed=0.25)]})
    delivery = deliver(transport, webhook(fallback_url=FALLBACK))
    assert delivery.ok and delivery.url == FALLBACK and delivery.body == "<Response/>"
    assert outcome(delivery) == [(1, PRIMARY, False, 503, "HTTP 503"),
                                 (2, FALLBACK, True, 200, None)]
    assert delivery.attempts[0].body == "down"
    assert [a.started for a in delivery.attempts] == [0.0, 0.5]
    assert delivery.elapsed == 0.75


@pytest.mark.parametrize("failure", [refused(), timeout(15.0), ok("", status=404),
                                     ok("", status=302)])
def test_any_failure_of_a_sync_primary_goes_to_the_fallback_once(failure):
    transport = Scripted({PRIMARY: [failure], FALLBACK: [ok()]})
    delivery = deliver(transport, webhook(fallback_url=FALLBACK))
    assert delivery.ok
    assert [r["url"] for r in transport.requests] == [PRIMARY, FALLBACK]


def test_both_failing_is_not_ok_with_an_error_naming_each_attempt():
    transport = Scripted({PRIMARY: [ok("", status=500)], FALLBACK: [refused()]})
    delivery = deliver(transport, webhook(fallback_url=FALLBACK, fallback_method="GET"))
    assert not delivery.ok and delivery.body is None and delivery.url is None
    assert delivery.error == (f"HTTP 500 from POST {PRIMARY}, "
                              f"then connection refused from GET {FALLBACK}")
    assert outcome(delivery) == [(1, PRIMARY, False, 500, "HTTP 500"),
                                 (2, FALLBACK, True, None, "connection refused")]
    assert delivery.attempts[1].body is None


def test_sync_failure_without_fallback_is_one_attempt():
    transport = Scripted({PRIMARY: [refused()]})
    delivery = deliver(transport, webhook())
    assert not delivery.ok and len(delivery.attempts) == 1
    assert delivery.error == f"connection refused from POST {PRIMARY}"


def test_timeout_through_a_delayed_route_costs_the_callback_timeout():
    routes = {"/answer": Route(bxml="<Response/>", delay=30.0)}
    with make_transport(AppSettings(routes=routes), APPS) as transport:
        delivery = deliver(transport, webhook(timeout=7.5))
    assert not delivery.ok
    assert outcome(delivery) == [(1, PRIMARY, False, None, "timeout after 7.5 s")]
    assert delivery.elapsed == 7.5


def test_timeout_is_passed_to_every_attempt():
    transport = Scripted({PRIMARY: [timeout(4.0)], FALLBACK: [ok()]})
    deliver(transport, webhook(timeout=4.0, fallback_url=FALLBACK))
    assert [r["timeout"] for r in transport.requests] == [4.0, 4.0]


# ---- asynchronous webhooks -------------------------------------------------------------------


def test_async_retries_the_same_url_once_after_a_connection_error():
    transport = Scripted({PRIMARY: [refused(elapsed=0.1), ok("", status=204)]})
    delivery = deliver(transport, webhook(sync=False, event_type="disconnect"))
    assert delivery.ok
    assert outcome(delivery) == [(1, PRIMARY, False, None, "connection refused"),
                                 (2, PRIMARY, False, 204, None)]
    assert delivery.attempts[1].started == 0.1


@pytest.mark.parametrize("failure", [timeout(15.0), ok("", status=503)])
def test_async_does_not_retry_after_a_timeout_or_an_error_status(failure):
    transport = Scripted({PRIMARY: [failure]})
    delivery = deliver(transport, webhook(sync=False, event_type="disconnect"))
    assert not delivery.ok and len(delivery.attempts) == 1


def test_async_goes_to_the_fallback_after_the_retry_failed():
    transport = Scripted({PRIMARY: [refused()], FALLBACK: [ok("", status=201)]})
    delivery = deliver(transport, webhook(sync=False, fallback_url=FALLBACK,
                                          event_type="machineDetectionComplete"))
    assert delivery.ok
    assert outcome(delivery) == [(1, PRIMARY, False, None, "connection refused"),
                                 (2, PRIMARY, False, None, "connection refused"),
                                 (3, FALLBACK, True, 201, None)]


def test_sync_does_not_retry_the_same_url():
    transport = Scripted({PRIMARY: [refused(), ok()]})
    assert not deliver(transport, webhook()).ok
    assert len(transport.requests) == 1


# ---- encoding and headers --------------------------------------------------------------------


def test_post_sends_the_payload_as_json():
    transport = Scripted({PRIMARY: [ok()]})
    deliver(transport, webhook())
    request = transport.requests[0]
    assert request["method"] == "POST" and request["json"] == PAYLOAD
    assert request["params"] is None
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == USER_AGENT == "BandwidthAPI/v2"


def test_get_sends_the_payload_as_query_parameters():
    transport = Scripted({PRIMARY: [ok()]})
    delivery = deliver(transport, webhook(method="get"))
    request = transport.requests[0]
    assert request["method"] == "GET" and request["json"] is None
    assert request["params"] == query_params(PAYLOAD) == encoded_payload(PAYLOAD, "GET")
    assert json.loads(request["params"]["diversion"]) == {"reason": "unavailable"}
    assert "tag" not in request["params"]
    assert "Content-Type" not in request["headers"]
    assert delivery.attempts[0].method == "GET"


def test_post_payload_on_the_wire_is_the_payload_itself():
    assert encoded_payload(PAYLOAD, "POST") is PAYLOAD


def test_fallback_uses_its_own_method():
    transport = Scripted({PRIMARY: [refused()], FALLBACK: [ok()]})
    deliver(transport, webhook(fallback_url=FALLBACK, fallback_method="GET"))
    assert [r["method"] for r in transport.requests] == ["POST", "GET"]


def decode(header):
    scheme, _, token = header.partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(token).decode()


def test_primary_and_fallback_carry_their_own_credentials():
    transport = Scripted({PRIMARY: [ok("", status=500)], FALLBACK: [ok()]})
    deliver(transport, webhook(auth=Auth("user", "pässword"), fallback_url=FALLBACK,
                               fallback_auth=Auth("fbuser", "fbpass")))
    primary, fallback = transport.requests
    assert decode(primary["headers"]["Authorization"]) == "user:pässword"
    assert decode(fallback["headers"]["Authorization"]) == "fbuser:fbpass"


def test_no_credentials_no_authorization_header():
    transport = Scripted({PRIMARY: [ok("", status=500)], FALLBACK: [ok()]})
    deliver(transport, webhook(auth=Auth("user", "pw"), fallback_url=FALLBACK))
    primary, fallback = transport.requests
    assert "Authorization" in primary["headers"]
    assert "Authorization" not in fallback["headers"]


def test_basic_auth_header_value():
    assert basic_auth(Auth("Aladdin", "open sesame")) == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="


# ---- through real transports -----------------------------------------------------------------


def test_flask_app_sees_auth_user_agent_and_json():
    with make_transport(AppSettings(wsgi="flask_app:app"), APPS) as transport:
        delivery = deliver(transport, webhook(url="http://app.test/echo", auth=Auth("u", "p")))
    seen = json.loads(delivery.body)
    assert delivery.ok and delivery.elapsed == 0.0
    assert seen["json"] == PAYLOAD and decode(seen["authorization"]) == "u:p"
    assert seen["user_agent"] == "BandwidthAPI/v2"
    assert seen["content_type"] == "application/json"


def test_starlette_app_sees_get_query_parameters():
    with make_transport(AppSettings(asgi="starlette_app:app"), APPS) as transport:
        delivery = deliver(transport, webhook(url="http://app.test/echo", method="GET"))
    assert json.loads(delivery.body)["args"] == query_params(PAYLOAD)


@pytest.mark.network
def test_real_server_5xx_then_refused_fallback_then_nothing_lost(starlette_server):
    with HttpTransport() as transport:
        delivery = deliver(transport, webhook(url=f"{starlette_server}/status/502",
                                              fallback_url=f"{closed_port_url()}/answer"))
    assert not delivery.ok
    assert [(a.status, a.error) for a in delivery.attempts] == [
        (502, "HTTP 502"), (None, "connection refused")]


@pytest.mark.network
def test_real_server_hanging_is_cut_at_the_timeout_then_fallback(starlette_server):
    with HttpTransport() as transport:
        delivery = deliver(transport, webhook(url=f"{starlette_server}/slow?seconds=1", timeout=0.2,
                                              fallback_url=f"{starlette_server}/answer"))
    assert delivery.ok and delivery.url == f"{starlette_server}/answer"
    assert delivery.attempts[0].error == "timeout after 0.2 s"
    assert delivery.attempts[0].elapsed == 0.2
    assert "Starlette" in delivery.body


@pytest.mark.network
def test_real_server_async_refused_is_retried_then_dropped():
    url = f"{closed_port_url()}/disconnect"
    with HttpTransport() as transport:
        delivery = deliver(transport, webhook(url=url, sync=False, event_type="disconnect"))
    assert not delivery.ok
    assert [(a.attempt, a.error) for a in delivery.attempts] == [
        (1, "connection refused"), (2, "connection refused")]


def test_a_2xx_whose_body_was_over_the_limit_is_a_failure_not_retried():
    too_big = TransportReply(200, b"", {}, 0.0, too_large_error(BODY_LIMIT))
    transport = Scripted({PRIMARY: [too_big], FALLBACK: [ok()]})
    sync = deliver(transport, webhook(fallback_url=FALLBACK))
    assert outcome(sync) == [(1, PRIMARY, False, 200, too_large_error(BODY_LIMIT)),
                             (2, FALLBACK, True, 200, None)]
    dropped = deliver(Scripted({PRIMARY: [too_big]}), webhook(sync=False))
    assert not dropped.ok and len(dropped.attempts) == 1
    assert dropped.error == f"{too_large_error(BODY_LIMIT)} from POST {PRIMARY}"
