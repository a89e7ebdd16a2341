"""What the run's Voice API refuses, as Bandwidth does (voice-api.md §1.1): an endpoint or
Bandwidth service not emulated, bad credentials, bad bodies; each a VoiceApiError body and a
``rest`` timeline entry, never a request leaving the machine. And the ``api:`` key's checks."""

from __future__ import annotations

import pytest

from simulator.api import load, run_loaded
from simulator.errors import ScenarioError

from test_clients import AUTH, BASE, probe_app, rest, run, state_url

requests = pytest.importorskip("requests")
FIXED = {"api": {"account_id": "5551234", "username": "api-user", "password": "api-password"}}


def bandwidth_error(response, status, kind="validation"):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"type", "description", "id"} and body["type"] == kind
    assert body["id"] is None
    return body["description"]


def test_an_endpoint_not_emulated_is_a_404_with_bandwidth_s_error_shape():
    seen, result = run(lambda e: bandwidth_error(requests.get(f"{BASE}/statistics", auth=AUTH),
                                                 404))
    assert seen == ["No such resource: /api/v2/accounts/9900000/statistics"]
    [entry] = rest(result)
    assert (entry["action"], entry["status"], entry["method"], entry["via"]) == (
        "unknown", 404, "GET", "api")


def test_another_bandwidth_host_is_answered_in_process_with_a_404_naming_it():
    def probe(event):
        return bandwidth_error(requests.post(
            "https://messaging.bandwidth.com/api/v2/users/9900000/messages",
            json={"to": ["+15555550100"], "text": "hi"}, auth=AUTH), 404)

    seen, result = run(probe)
    assert seen[0].startswith("messaging.bandwidth.com/api/v2/users/9900000/messages is not "
                              "emulated by bxmlsim")
    [entry] = rest(result)
    assert (entry["status"], entry["url"]) == (
        404, "https://messaging.bandwidth.com/api/v2/users/9900000/messages")


def test_a_wrong_method_is_a_405_naming_the_allowed_ones():
    def probe(event):
        response = requests.delete(state_url(event), auth=AUTH)
        return response.headers["Allow"], bandwidth_error(response, 405)

    [(allowed, text)] = run(probe)[0]
    assert allowed == "GET, POST" and text.startswith("Method DELETE not allowed")


@pytest.mark.parametrize("auth", [None, ("api-user", "wrong"), ("someone", "api-password")])
def test_bad_credentials_are_a_401_when_the_scenario_fixes_them(auth):
    url = "https://voice.bandwidth.com/api/v2/accounts/5551234/calls"
    seen, result = run(lambda e: bandwidth_error(requests.get(url, auth=auth), 401,
                                                 "authentication-error"), **FIXED)
    assert "the scenario's api.username/api.password" in seen[0]
    assert rest(result)[0]["status"] == 401


def test_another_account_is_a_401_when_the_scenario_fixes_the_account():
    seen, _ = run(lambda e: bandwidth_error(requests.get(f"{BASE}/calls", auth=AUTH), 401,
                                            "authentication-error"), **FIXED)
    assert seen == ["The credentials given have no access to account [9900000]"]


def test_the_fixed_account_is_in_every_webhook_and_in_the_api():
    url = "https://voice.bandwidth.com/api/v2/accounts/5551234/calls"
    seen, result = run(lambda e: (e["accountId"], requests.get(url, auth=AUTH).json()[0][
        "accountId"]), **FIXED)
    assert seen == [("5551234", "5551234")]


def test_the_sdk_raises_its_own_exceptions_for_refusals():
    bandwidth = pytest.importorskip("bandwidth")

    def probe(event):
        api = bandwidth.CallsApi(bandwidth.ApiClient(bandwidth.Configuration(
            username="api-user", password="wrong")))
        try:
            api.get_call_state("5551234", event["callId"])
        except bandwidth.exceptions.UnauthorizedException as refused:
            return refused.status

    assert run(probe, **FIXED)[0] == [401]


@pytest.mark.parametrize("body, text", [
    ({"state": "bogus"}, "Invalid 'state' [bogus]: must be active or completed"),
    ({"state": "active"}, "Missing required field(s): redirectUrl"),
    ({"state": "active", "redirectUrl": "ftp://x"},
     "Invalid 'redirectUrl' [ftp://x]: only absolute http or https URLs are allowed"),
    ({"state": "completed", "tag": "t"}, "tag not allowed when state is completed"),
])
def test_bad_update_bodies_are_a_400_naming_the_field(body, text):
    seen, result = run(lambda e: bandwidth_error(requests.post(state_url(e), json=body,
                                                               auth=AUTH), 400))
    assert seen[0].startswith(text)
    [entry] = rest(result)
    assert (entry["action"], entry["status"]) == ("update_call", 400)


def test_a_bad_create_call_body_is_a_400_and_creates_nothing():
    seen, result = run(lambda e: bandwidth_error(requests.post(f"{BASE}/calls", json={
        "to": "5550123", "from": "+15555550100", "answerUrl": "http://a.test/x",
        "applicationId": "x"}, auth=AUTH), 400))
    assert seen[0].startswith("Invalid 'to' [5550123]")
    assert len(result["calls"]) == 1


def test_a_json_body_of_another_content_type_is_a_415_and_bad_json_a_400():
    def probe(event):
        return (bandwidth_error(requests.post(state_url(event), data="state=completed", auth=AUTH,
                                              headers={"Content-Type": "text/plain"}), 415),
                bandwidth_error(requests.post(state_url(event), data="{", auth=AUTH,
                                              headers={"Content-Type": "application/json"}), 400))

    [(unsupported, broken)] = run(probe)[0]
    assert unsupported.startswith("Content type [text/plain] not supported")
    assert broken.startswith("The request body is not valid JSON")


def test_a_change_of_a_call_that_ended_is_a_409_and_a_read_still_answers():
    """The disconnect webhook comes after the call ended: a redirect sent from its handler
    is refused as on the platform (§10), the call's state reads ``disconnected``."""
    seen = []
    app = probe_app(lambda e: None)

    @app.post("/bye")
    def bye():
        from flask import request
        call = state_url(request.get_json())
        seen.append((bandwidth_error(requests.post(call, json={
            "redirectUrl": "http://app.test/x"}, auth=AUTH), 409),
            requests.get(call, auth=AUTH).json()["state"]))
        return "", 204

    [scenario] = load(name="ended", app=app, call={"disconnect_url": "/bye"})
    result = run_loaded(scenario).to_json()
    call_id = result["calls"][0]["callId"]
    assert seen == [(f"Call [{call_id}] cannot be modified in its current state: it has "
                     f"already ended", "disconnected")]
    assert [(d["action"], d["status"]) for d in rest(result)] == [
        ("update_call", 409), ("get_call_state", 200)]


@pytest.mark.parametrize("api, where, expected", [
    ({"account_id": "abc"}, "api.account_id", "digits only"),
    ({"username": "u"}, "api.username", "api.password beside api.username"),
    ({"network": "open"}, "api.network", "block"),
    ({"username": "u" * 1025, "password": "p"}, "api.username", "at most 1024 characters"),
    ({"hosts": []}, "api.hosts", "unknown key"),
])
def test_the_api_key_is_checked_when_the_scenario_loads(api, where, expected):
    with pytest.raises(ScenarioError) as raised:
        load(name="api", api=api)
    text = str(raised.value)
    assert f"$.{where}" in text and expected in text, text


def test_an_internal_error_of_the_api_is_a_500_to_the_app_and_a_rest_entry(monkeypatch):
    from simulator.voice_api import routes

    def broken(exchange, call_id):
        raise KeyError("a bug")

    [get_call] = [r for r in routes.ROUTES if r.action == "get_call_state"]
    monkeypatch.setattr(routes, "ROUTES", tuple(
        routes.Route(r.method, r.template, broken, r.action) if r is get_call else r
        for r in routes.ROUTES))
    seen, result = run(lambda e: bandwidth_error(requests.get(state_url(e), auth=AUTH), 500))
    assert seen[0].startswith("bxmlsim internal error answering GET /api/v2/accounts/")
    assert seen[0].endswith("KeyError: 'a bug'")
    [entry] = rest(result)
    assert (entry["action"], entry["status"]) == ("unknown", 500)
