"""Every way an app reaches the Voice API inside a run: the official SDK 23.x (Basic and OAuth2),
requests, httpx (sync and async), httpx2, urllib.request / http.client, from the webhook's
thread or from threads the app starts; the legacy 6.x SDK in a subprocess (docs/hermetic.md)."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from simulator.api import load, run_loaded

BASE = "https://voice.bandwidth.com/api/v2/accounts/9900000"
AUTH = ("api-user", "api-password")
HEADERS = {"Authorization": "Basic " + base64.b64encode(b"api-user:api-password").decode()}


def probe_app(probe):
    """A Flask app whose initiate handler runs ``probe(event)`` and keeps what it returns."""
    app = Flask("probe")
    app.seen = []

    @app.post("/answer")
    def answer():
        from flask import request
        app.seen.append(probe(request.get_json()))
        return "<Response><Hangup/></Response>"

    return app


def run(probe, **keys):
    app = probe_app(probe)
    [scenario] = load(name="clients", app=app, **keys)
    result = run_loaded(scenario).to_json()
    return app.seen, result


def rest(result):
    return [e["detail"] for e in result["timeline"] if e["kind"] == "rest"]


def state_url(event):
    return f"{BASE}/calls/{event['callId']}"


def test_requests_reaches_the_run():
    requests = pytest.importorskip("requests")
    seen, result = run(lambda e: requests.get(state_url(e), auth=AUTH).json())
    [state] = seen
    assert (state["callId"], state["state"], state["direction"]) == (
        result["calls"][0]["callId"], "initiated", "inbound")  # initiate: not answered yet
    assert [(d["action"], d["status"]) for d in rest(result)] == [("get_call_state", 200)]


def test_httpx_sync_and_async_reach_the_run():
    httpx = pytest.importorskip("httpx")

    async def read(url):
        async with httpx.AsyncClient(auth=AUTH) as client:
            return (await client.get(url)).json()["state"]

    def probe(event):
        sync = httpx.get(state_url(event), auth=AUTH).json()["state"]
        return sync, asyncio.run(read(state_url(event)))

    seen, result = run(probe)
    assert seen == [("initiated", "initiated")]
    assert len(rest(result)) == 2


def test_httpx2_reaches_the_run():
    import httpx2

    seen, _ = run(lambda e: httpx2.get(state_url(e), auth=AUTH).json()["state"])
    assert seen == ["initiated"]


def test_urllib_and_http_client_reach_the_run():
    import http.client

    def probe(event):
        opened = urllib.request.urlopen(urllib.request.Request(state_url(event),
                                                               headers=HEADERS))
        connection = http.client.HTTPSConnection("voice.bandwidth.com")
        body = json.dumps({"state": "completed"})
        connection.request("POST", f"/api/v2/accounts/9900000/calls/{event['callId']}", body,
                           {**HEADERS, "Content-Type": "application/json"})
        changed = connection.getresponse()
        return json.load(opened)["state"], changed.status, changed.read()

    seen, result = run(probe)
    assert seen == [("initiated", 200, b"")]
    updates = [d for d in rest(result) if d["action"] == "update_call"]
    assert [(d["status"], d["state"], d["via"]) for d in updates] == [(200, "completed", "api")]
    assert result["calls"][0]["disconnectCause"] == "hangup"  # rejected by the REST hang-up


def test_requests_from_threads_the_app_starts_reach_the_same_run():
    requests = pytest.importorskip("requests")

    def probe(event):
        out = {}
        worker = threading.Thread(target=lambda: out.update(
            thread=requests.get(state_url(event), auth=AUTH).json()["callId"]))
        worker.start()
        worker.join()
        with ThreadPoolExecutor(max_workers=1) as pool:
            out["pool"] = pool.submit(lambda: requests.get(state_url(event), auth=AUTH).json()[
                "callId"]).result()
        return out

    seen, result = run(probe)
    call_id = result["calls"][0]["callId"]
    assert seen == [{"thread": call_id, "pool": call_id}]


def test_the_sdk_with_oauth2_gets_a_token_from_the_run_and_uses_it():
    bandwidth = pytest.importorskip("bandwidth")

    def probe(event):
        api = bandwidth.CallsApi(bandwidth.ApiClient(bandwidth.Configuration(
            client_id="api-user", client_secret="api-password")))
        return api.get_call_state("9900000", event["callId"]).state

    seen, result = run(probe, api={"username": "api-user", "password": "api-password"})
    assert seen == ["initiated"]
    assert [(d["action"], d["status"], d["url"]) for d in rest(result)] == [
        ("get_access_token", 200, "https://api.bandwidth.com/api/v1/oauth2/token"),
        ("get_call_state", 200, state_url({"callId": result["calls"][0]["callId"]}))]


def test_oauth2_with_wrong_client_credentials_gets_no_token():
    bandwidth = pytest.importorskip("bandwidth")

    def probe(event):
        api = bandwidth.CallsApi(bandwidth.ApiClient(bandwidth.Configuration(
            client_id="api-user", client_secret="wrong")))
        try:
            api.get_call_state("9900000", event["callId"])
        except KeyError as missing:  # the SDK reads body["access_token"] of the 401
            return str(missing)

    seen, result = run(probe, api={"username": "api-user", "password": "api-password"})
    assert seen == ["'access_token'"]
    [token] = rest(result)
    assert (token["action"], token["status"]) == ("get_access_token", 401)
    assert "client authentication failed" in token["error"]


def test_a_bearer_token_the_run_did_not_issue_is_refused():
    requests = pytest.importorskip("requests")
    seen, _ = run(lambda e: requests.get(state_url(e), headers={
        "Authorization": "Bearer made-up"}).json(),
        api={"username": "api-user", "password": "api-password"})
    assert seen[0]["type"] == "authentication-error"


def test_a_client_library_the_app_imports_during_the_run_is_caught_too():
    """A run imports no client library itself (no start-up cost for apps that use none); one
    the app imports in a handler is patched as it loads."""
    import subprocess
    import sys

    pytest.importorskip("httpx")
    code = '''
import json, sys
from simulator.api import load, run_loaded

def app(environ, start_response):
    import httpx  # first imported here, while the run is active
    event = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
    state = httpx.get("https://voice.bandwidth.com/api/v2/accounts/9900000/calls/"
                      + event["callId"], auth=("u", "p")).json()["state"]
    start_response("200 OK", [("Content-Type", "application/xml")])
    return [f"<Response><SpeakSentence>{state}</SpeakSentence></Response>".encode()]

assert "httpx" not in sys.modules
[scenario] = load(name="lazy", app=app)
result = run_loaded(scenario).to_json()
print(result["callbacks"][0]["responseBody"])
'''
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "<Response><SpeakSentence>initiated</SpeakSentence></Response>"
