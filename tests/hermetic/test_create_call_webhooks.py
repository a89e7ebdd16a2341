"""A call the app creates with the SDK's ``create_call`` gets its webhooks as createCall says
(spec voice-api.md §3.1, callbacks.md §1.3-§1.6): every webhook of the call times out at its
own ``callbackTimeout``, an answer webhook the ``answerUrl`` did not answer is retried once at
``answerFallbackUrl`` (``answerFallbackMethod``, the fallback credentials), and ``answerUrl``
and ``disconnectUrl`` carry Basic auth of its ``username``/``password``.

The app is a Flask app in the style of Bandwidth's samples; the scenario's canned routes stand
for the slow or failing parts of the app's web server (a route answers before the app)."""

import base64

import pytest

pytest.importorskip("bandwidth")

from bandwidth import ApiClient, CallsApi, Configuration  # noqa: E402
from bandwidth.models import CreateCall  # noqa: E402
from flask import Flask, request  # noqa: E402

from simulator.api import load, run_loaded  # noqa: E402

AGENT = "+15555550123"
calls_api = CallsApi(ApiClient(Configuration(username="api-user", password="api-password")))
app = Flask(__name__)
SEEN: list[tuple[str, str | None, str]] = []  # (path, Authorization, method) the app received
CREATE: dict = {}  # the CreateCall fields of the next create_call


@app.post("/inbound")
def inbound():
    event = request.get_json()
    calls_api.create_call("9900000", CreateCall(
        to=AGENT, var_from=event["to"], application_id="app-1", tag=event["callId"], **CREATE))
    return "<Response><Ring duration='30'/></Response>"


@app.route("/agent/<path:name>", methods=["GET", "POST"])
def agent(name):
    SEEN.append((name, request.headers.get("Authorization"), request.method))
    if name == "disconnect":
        return "", 204
    tag = request.args.get("tag") or request.get_json()["tag"]
    return f"<Response><SpeakSentence>agent</SpeakSentence><Bridge>{tag}</Bridge></Response>"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def run(routes=None, **fields):
    SEEN.clear()
    CREATE.clear()
    CREATE.update(fields)
    [scenario] = load(name="created call webhooks",
                      app={"wsgi": app, "routes": routes or {}},
                      call={"answer_url": "/inbound", "callback_timeout": 15},
                      caller=[{"say": "hello"}],
                      parties={AGENT: {"answer_after": 2, "caller": [
                          {"wait_for": "Bridge"}, {"say": "agent here"}, {"hangup": True}]}})
    return run_loaded(scenario).to_json()


def answers(result):
    return [c for c in result["callbacks"] if c["eventType"] == "answer"]


def test_the_answer_webhook_times_out_at_the_created_call_s_own_callback_timeout():
    slow = {"/agent/answer": {"delay": 5, "bxml": "<Response/>"}}
    result = run(slow, answer_url="http://app.test/agent/answer", callback_timeout=3)
    [answer] = answers(result)
    assert answer["error"] == "timeout after 3 s"
    agent = result["calls"][1]
    assert agent["disconnectCause"] == "callback-error"
    # the scenario's own call keeps its 15 s: the same 5 s route answers it in time
    result = run(slow, answer_url="http://app.test/agent/answer", callback_timeout=6)
    [answer] = answers(result)
    assert (answer["status"], answer["error"]) == (200, None)


def test_an_answer_the_answer_url_did_not_give_is_fetched_from_the_answer_fallback_url():
    failing = {"/agent/answer": {"status": 500, "body": "down"}}
    result = run(failing, answer_url="http://app.test/agent/answer", callback_timeout=2,
                 answer_fallback_url="http://app.test/agent/fallback",
                 answer_fallback_method="GET",
                 fallback_username="fb-user", fallback_password="fb-secret")
    primary, fallback = answers(result)
    assert (primary["status"], primary["fallback"]) == (500, False)
    assert (fallback["url"], fallback["method"], fallback["fallback"], fallback["status"]) == (
        "http://app.test/agent/fallback", "GET", True, 200)
    assert SEEN[0] == ("fallback", basic("fb-user", "fb-secret"), "GET")
    bridged = [e for e in result["timeline"] if e["kind"] == "bridge"]
    assert len(bridged) == 1  # the fallback's BXML ran: the agent was bridged
    # the 500 is still a failure of the run unless the scenario expects it (scenarios.md)
    assert [f["kind"] for f in result["failures"]] == ["webhook-status"]


def test_the_answer_and_disconnect_urls_carry_the_created_call_s_credentials():
    result = run(answer_url="http://app.test/agent/answer",
                 disconnect_url="http://app.test/agent/disconnect",
                 username="hook-user", password="hook-secret")
    assert [(name, auth) for name, auth, _ in SEEN] == [
        ("answer", basic("hook-user", "hook-secret")),
        ("disconnect", basic("hook-user", "hook-secret"))]
    assert result["passed"], result["failures"]


def test_without_callback_timeout_the_created_call_uses_the_default_15_s():
    slow = {"/agent/answer": {"delay": 14, "bxml": "<Response/>"}}
    [answer] = answers(run(slow, answer_url="http://app.test/agent/answer"))
    assert (answer["status"], answer["error"]) == (200, None)


def test_a_conference_the_created_call_starts_inherits_its_callback_timeout():
    """callbacks.md §1.5: a <Conference>'s webhooks default to the creating call's timeout."""
    routes = {"/agent/answer": {"bxml": "<Response><Conference conferenceEventUrl="
                                        "'/agent/conference'>room</Conference></Response>"},
              "/agent/conference": {"delay": 5, "bxml": "<Response/>"}}
    result = run(routes, answer_url="http://app.test/agent/answer", callback_timeout=3)
    events = [c for c in result["callbacks"] if c["eventType"].startswith("conference")]
    assert events and {c["error"] for c in events} == {"timeout after 3 s"}
