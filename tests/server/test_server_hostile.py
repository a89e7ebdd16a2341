"""`bxmlsim serve` under hostile requests: every malformed body is a Bandwidth-style 4xx
VoiceApiError (``{type, description, id}``), never a 500 (docs/server.md, docs/limits.md)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from simulator.scenario import model
from simulator.server.app import make_app
from simulator.server.callee import callee_from_mapping
from simulator.server.state import Store
from simulator.voice_api.http import MAX_BODY, MAX_DEPTH

ACCOUNT = "9901234"
CALLS = f"/api/v2/accounts/{ACCOUNT}/calls"
APP = model.AppSettings(base_url="http://app.test",
                        routes={"/answer": model.Route(bxml="<Response><Hangup/></Response>")})
GOOD = {"from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
        "answerUrl": "http://app.test/answer"}
FIELDS = ["from", "to", "applicationId", "answerUrl", "answerMethod", "disconnectUrl",
          "callTimeout", "callbackTimeout", "tag", "privacy", "uui", "displayName",
          "machineDetection", "priority", "username", "password", "answerFallbackUrl"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("serve") / "out", callee_from_mapping({}), app=APP)
    with TestClient(make_app(store), raise_server_exceptions=False) as client:
        yield client
    store.close()


def post(client, body: bytes, path: str = CALLS):
    return client.post(path, content=body, headers={"content-type": "application/json"})


def assert_api_error(response, status: int | None = None) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status
    body = response.json()
    assert set(body) == {"type", "description", "id"}
    return body


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
], ids=["array", "object"])
def test_100000_deep_json_is_a_400(client, body):
    error = assert_api_error(post(client, body), 400)
    assert f"nested deeper than {MAX_DEPTH} levels" in error["description"]


def test_a_body_over_the_limit_is_a_413(client):
    assert_api_error(post(client, b" " * (MAX_BODY + 1)), 413)


@pytest.mark.parametrize("field, value", [
    ("privacy", 5), ("privacy", "yes"), ("privacy", [True]), ("privacy", {}),
    ("uui", 12), ("uui", {"x": 1}), ("uui", ["a"]), ("displayName", 3), ("from", 5),
    ("callTimeout", "x"), ("machineDetection", [1]), ("tag", 7), ("answerUrl", None),
])
def test_wrong_types_are_a_400_naming_the_field(client, field, value):
    error = assert_api_error(post(client, json.dumps({**GOOD, field: value}).encode()), 400)
    assert field in error["description"]


@pytest.mark.parametrize("text", [
    b'{"from": "\\ud800", "to": "+15555550111"}', b"\xff\xfe", b"[1, 2]", b'"text"', b"{",
    b'{"callTimeout": ' + b"9" * 5000 + b"}", b'{"callTimeout": NaN}'])
def test_not_json_or_not_text_is_a_400(client, text):
    assert_api_error(post(client, text), 400)


def test_unknown_fields_are_ignored_as_bandwidth_does(client):
    response = post(client, json.dumps({**GOOD, "bogus": {"deep": [1]}}).encode())
    assert response.status_code == 201 and "bogus" not in response.json()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6),
       st.sampled_from(["", "/c-unknown", "/c-unknown/recording", "/c-unknown/bxml"]))
def test_no_body_gets_a_500(client, fields, path):
    body = {**GOOD, **fields} if not path else fields
    method = "PUT" if path.endswith(("recording", "bxml")) else "POST"
    response = client.request(method, CALLS + path, content=json.dumps(body).encode(),
                              headers={"content-type": "application/json"})
    assert response.status_code < 500, (response.status_code, response.text[:300])
