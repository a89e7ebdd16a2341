"""createCall ``machineDetection`` on the emulated Voice REST API (spec voice-api.md §3.1):
the body is checked as ``MachineDetectionConfiguration`` and detection runs on the call."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from simulator.scenario import model
from simulator.voice_api import bodies as requests
from simulator.server.app import make_app
from simulator.server.callee import callee_from_mapping
from simulator.server.state import Store

ACCOUNT = "9901234"
BASE = f"/api/v2/accounts/{ACCOUNT}"
APP = model.AppSettings(base_url="http://app.test", routes={
    "/answer": model.Route(bxml="<Response><Pause duration='20'/></Response>"),
    "/amd": model.Route(status=204), "/bye": model.Route(status=204)})
GREETING = [{"say": "Hi, this is Sam, leave a message after the tone. " * 3, "seconds": 12}]


def body(**machine_detection):
    return {"from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
            "answerUrl": "http://app.test/answer", "disconnectUrl": "http://app.test/bye",
            "machineDetection": machine_detection}


@pytest.fixture
def emulator(tmp_path):
    warnings: list[str] = []
    store = Store(tmp_path / "out", callee_from_mapping({"caller": GREETING}), app=APP)
    with TestClient(make_app(store, warn=warnings.append)) as client:
        yield store, client, warnings
    store.close()


def run_call(emulator, request_body) -> dict:
    store, client, _ = emulator
    response = client.post(f"{BASE}/calls", json=request_body)
    assert response.status_code == 201, response.text
    call_id = response.json()["callId"]
    assert store.wait(call_id, 10)
    return json.loads((store.out_root / call_id / "result.json").read_text())


def test_the_body_becomes_the_detection_settings_with_spec_defaults():
    parsed = requests.create_call(body(mode="sync", speechThreshold=6, delayResult=True,
                                       machineSpeechEndThreshold=2, unknownKey=1))
    assert parsed.machine_detection == model.MachineDetection(
        mode="sync", speech_threshold=6, delay_result=True, machine_speech_end_threshold=2)
    assert requests.create_call({**body(), "machineDetection": None}).machine_detection is None


def test_null_fields_mean_their_defaults_mode_included():
    parsed = requests.create_call(body(mode=None, detectionTimeout=None, delayResult=None,
                                       callbackMethod=None))
    assert parsed.machine_detection == model.MachineDetection()
    assert requests.create_call(body(detectionTimeout=14400)).machine_detection \
        .detection_timeout == 14400
    assert "machineDetection" not in requests.CreateCall.NOT_SIMULATED


@pytest.mark.parametrize("machine_detection, says", [
    ({"mode": "later"}, "Invalid 'machineDetection.mode' [later]: must be sync or async"),
    ({"detectionTimeout": 0}, "'machineDetection.detectionTimeout' [0]: must be a number "
                              "of seconds > 0"),
    ({"silenceTimeout": "10"}, "'machineDetection.silenceTimeout' [10]"),
    ({"detectionTimeout": 1e8}, "Invalid 'machineDetection.detectionTimeout' [100000000.0]: "
                                "must be a number of seconds > 0 and at most 14400"),
    ({"speechEndThreshold": 14400.5}, "'machineDetection.speechEndThreshold' [14400.5]"),
    ({"delayResult": "true"}, "'machineDetection.delayResult' [true]: must be true or false"),
    ({"callbackUrl": "/amd"}, "'machineDetection.callbackUrl' [/amd]: only absolute http"),
    ({"fallbackMethod": "PUT"}, "'machineDetection.fallbackMethod' [PUT]: must be GET or POST"),
    ({"password": "p" * 1025}, "'machineDetection.password': at most 1024 characters"),
])
def test_bad_machine_detection_is_400_naming_the_field(emulator, machine_detection, says):
    _, client, _ = emulator
    response = client.post(f"{BASE}/calls", json=body(**machine_detection))
    assert response.status_code == 400
    assert says in response.json()["description"]


def test_bad_machine_detection_that_is_not_an_object_is_400(emulator):
    _, client, _ = emulator
    response = client.post(f"{BASE}/calls", json={**body(), "machineDetection": "sync"})
    assert response.status_code == 400
    assert response.json()["description"] == "Invalid 'machineDetection': must be an object"


def test_sync_detection_holds_the_answer_webhook_for_the_result(emulator):
    result = run_call(emulator, body(mode="sync"))
    [answer] = [c for c in result["callbacks"] if c["eventType"] == "answer"]
    assert answer["payload"]["machineDetectionResult"]["value"] == "answering-machine"
    assert answer["at"] == pytest.approx(10.0, abs=0.2)
    assert not emulator[2]  # nothing reported as "accepted but not simulated"


def test_async_detection_posts_machine_detection_complete(emulator):
    result = run_call(emulator, body(callbackUrl="http://app.test/amd", delayResult=True,
                                     detectionTimeout=30))
    assert [c["eventType"] for c in result["callbacks"]] == [
        "answer", "machineDetectionComplete", "disconnect"]
    [complete] = [c for c in result["callbacks"] if c["eventType"] == "machineDetectionComplete"]
    assert complete["payload"]["machineDetectionResult"] == {"value": "answering-machine",
                                                             "duration": "PT17S"}
