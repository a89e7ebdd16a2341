"""The emulated conference endpoints in process (starlette TestClient; spec voice-api.md §7.2
GET conference, §7.3 update, §7.4 PUT bxml, §7.5 members): shapes, checks and status codes
once the call that held the conference is over. Live requests (the app calling while the
conference runs) are in test_server_e2e.py."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from simulator.scenario import model
from simulator.server.app import make_app
from simulator.server.callee import callee_from_mapping
from simulator.server.state import Store

ACCOUNT = "9901234"
BASE = f"/api/v2/accounts/{ACCOUNT}"
APP = model.AppSettings(base_url="http://app.test", routes={
    "/answer": model.Route(bxml='<Response><Tag>room-tag</Tag>'
                                '<Conference conferenceEventUrl="/conf">standup</Conference>'
                                "</Response>"),
    "/conf": model.Route(status=204)})


@pytest.fixture
def finished(tmp_path):
    """A created call that joined `standup` and hung up at 4 s; (client, call id, conf id)."""
    store = Store(tmp_path / "out", callee_from_mapping([{"hangup": True, "at": 4}]), app=APP)
    with TestClient(make_app(store)) as client:
        created = client.post(f"{BASE}/calls", json={
            "from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
            "answerUrl": "http://app.test/answer"})
        call_id = created.json()["callId"]
        assert store.wait(call_id, 10)
        [conference_id] = {c["payload"]["conferenceId"] for c in store.calls[call_id]
                           .result["callbacks"] if c["eventType"] == "conferenceCreated"}
        yield client, call_id, conference_id
    store.close()


def error(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "description", "id"} and body["type"] == "validation"
    return body["description"]


def test_get_conference_after_it_completed(finished):
    client, call_id, conference_id = finished
    body = client.get(f"{BASE}/conferences/{conference_id}").json()
    assert body == {"id": conference_id, "name": "standup",
                    "createdTime": body["createdTime"], "completedTime": body["completedTime"],
                    "conferenceEventUrl": "http://app.test/conf", "conferenceEventMethod": "POST",
                    "tag": "room-tag", "activeMembers": []}
    assert body["createdTime"].endswith("Z") and body["completedTime"] > body["createdTime"]


def test_unknown_conferences_and_other_accounts_are_404(finished):
    client, _, conference_id = finished
    assert "Conference [conf-x] not found" in error(client.get(f"{BASE}/conferences/conf-x"),
                                                    404)
    assert client.get(f"/api/v2/accounts/1/conferences/{conference_id}").status_code == 404


def test_a_completed_conference_cannot_be_updated_404(finished):
    client, call_id, conference_id = finished
    url = f"{BASE}/conferences/{conference_id}"
    assert "has completed" in error(client.post(url, json={"status": "completed"}), 404)
    assert "has completed" in error(client.post(url, json={
        "redirectUrl": "http://app.test/x"}), 404)
    assert "has completed" in error(client.put(
        url + "/bxml", content="<Bxml><SpeakSentence>hi</SpeakSentence></Bxml>"), 404)
    assert "has completed" in error(client.put(f"{url}/members/{call_id}", json={
        "mute": True}), 404)
    assert f"Member [{call_id}] not found" in error(client.get(f"{url}/members/{call_id}"), 404)


@pytest.mark.parametrize("body, says", [
    ({"status": "ended"}, "Invalid 'status' [ended]"),
    ({}, "redirectUrl (required when status is active)"),
    ({"status": "completed", "redirectUrl": "http://app.test/x"}, "not allowed when status is "
                                                                  "completed"),
    ({"redirectUrl": "/relative"}, "only absolute http or https URLs"),
    ({"redirectUrl": "http://app.test/x", "redirectMethod": "PUT"}, "must be GET or POST"),
])
def test_update_conference_bodies_are_checked_before_the_state(finished, body, says):
    client, _, conference_id = finished
    assert says in error(client.post(f"{BASE}/conferences/{conference_id}", json=body), 400)


@pytest.mark.parametrize("body, says", [
    ({"mute": "yes"}, "Invalid 'mute' [yes]: must be true or false"),
    ({"hold": 1}, "Invalid 'hold' [1]"),
    ({"callIdsToCoach": "c-1"}, "must be a list of callIds"),
])
def test_update_member_bodies_are_checked(finished, body, says):
    client, call_id, conference_id = finished
    url = f"{BASE}/conferences/{conference_id}/members/{call_id}"
    assert says in error(client.put(url, json=body), 400)


def test_a_member_cannot_coach_itself(finished):
    client, call_id, conference_id = finished
    url = f"{BASE}/conferences/{conference_id}/members/{call_id}"
    assert "cannot coach itself" in error(client.put(url, json={"callIdsToCoach": [call_id]}),
                                          400)


@pytest.mark.parametrize("body", ["<Bxml><Pause duration='1'/></Bxml>", "<Bxml><Nope/></Bxml>",
                                  "not xml"])
def test_put_conference_bxml_a_conference_cannot_run_is_400(finished, body):
    client, _, conference_id = finished
    assert "Invalid BXML" in error(client.put(f"{BASE}/conferences/{conference_id}/bxml",
                                              content=body), 400)
