"""The emulated conference endpoints in process (starlette TestClient; spec voice-api.md §7.1
list, §7.2 GET conference, §7.3 update, §7.4 PUT bxml, §7.5 members, §7.6 recordings): shapes,
checks and status codes once the call that held the conference is over. Live requests (the
app calling while the conference runs) are in test_server_e2e.py."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from simulator.audio.sink import audio_info
from simulator.scenario import model
from simulator.server import state
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
        yield (client, *_call_into_conference(client, store))
    store.close()


def _call_into_conference(client, store) -> tuple[str, str]:
    """Create the call whose answer BXML joins `standup`; wait for its end: (call id, conf id)."""
    created = client.post(f"{BASE}/calls", json={
        "from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
        "answerUrl": "http://app.test/answer"})
    call_id = created.json()["callId"]
    assert store.wait(call_id, 10)
    [conference_id] = {c["payload"]["conferenceId"] for c in store.calls[call_id]
                       .result["callbacks"] if c["eventType"] == "conferenceCreated"}
    return call_id, conference_id


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


# -- GET /conferences (§7.1) --------------------------------------------------------------------

ROOMS = model.AppSettings(base_url="http://app.test", routes={
    f"/{name}": model.Route(bxml=f'<Response><Conference conferenceEventUrl="/conf">{name}'
                                 f"</Conference></Response>")
    for name in ("standup", "retro")} | {"/conf": model.Route(status=204)})
HANG_UP_AT_4 = [{"hangup": True, "at": 4}]


def epoch(seconds: int) -> str:
    return f"2026-01-01T00:00:{seconds:02d}.000Z"


@pytest.fixture
def three_rooms(tmp_path, monkeypatch):
    """Calls created in the order standup, retro, standup, whose createCall came in at 10 s,
    5 s and 20 s past the minute: (client, [conference ids in creation order])."""
    epochs = iter([epoch(10), epoch(5), epoch(20)])
    monkeypatch.setattr(state, "_now", lambda: next(epochs))
    store = Store(tmp_path / "out", callee_from_mapping(HANG_UP_AT_4), app=ROOMS)
    ids = []
    with TestClient(make_app(store)) as client:
        for name in ("standup", "retro", "standup"):
            created = client.post(f"{BASE}/calls", json={
                "from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
                "answerUrl": f"http://app.test/{name}"})
            call_id = created.json()["callId"]
            assert store.wait(call_id, 10)
            ids.append(next(c["payload"]["conferenceId"] for c in store.calls[call_id]
                            .result["callbacks"] if c["eventType"] == "conferenceCreated"))
        yield client, ids
    store.close()


def listed(client, **query):
    response = client.get(f"{BASE}/conferences", params=query)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()]


def test_list_conferences_oldest_created_first_without_active_members(three_rooms):
    client, (first, second, third) = three_rooms
    body = client.get(f"{BASE}/conferences").json()
    assert [c["id"] for c in body] == [second, first, third]  # createdTime 5 s, 10 s, 20 s
    for item in body:
        one = client.get(f"{BASE}/conferences/{item['id']}").json()
        assert item == {k: v for k, v in one.items() if k != "activeMembers"}
    assert [c["createdTime"] for c in body] == [epoch(5), epoch(10), epoch(20)]
    assert [c["completedTime"] for c in body] == [
        "2026-01-01T00:00:09.000Z", "2026-01-01T00:00:14.000Z", "2026-01-01T00:00:24.000Z"]
    assert client.get("/api/v2/accounts/1/conferences").json() == []


def test_list_conferences_filters_by_name_and_created_time_bounds_inclusive(three_rooms):
    client, (first, second, third) = three_rooms
    assert listed(client, name="standup") == [first, third]
    assert listed(client, name="retro") == [second]
    assert listed(client, name="Standup") == []
    assert listed(client, minCreatedTime=epoch(10)) == [first, third]
    assert listed(client, maxCreatedTime=epoch(10)) == [second, first]
    assert listed(client, minCreatedTime="2026-01-01T00:00:05.001Z",
                  maxCreatedTime="2026-01-01T00:00:19.999Z") == [first]
    assert listed(client, minCreatedTime="2026-01-01T01:00:06+01:00") == [first, third]
    assert listed(client, name="standup", maxCreatedTime="2026-01-01T00:00:10") == [first]


def test_list_conferences_pages_follow_the_link_header(three_rooms):
    client, (first, second, third) = three_rooms
    page = client.get(f"{BASE}/conferences", params={"pageSize": 2})
    assert [c["id"] for c in page.json()] == [second, first]
    assert page.headers["link"] == (f"<http://testserver{BASE}/conferences?pageSize=2&"
                                    f"pageToken={first}>; rel=\"next\"")
    following = client.get(page.headers["link"][1:].split(">;")[0])
    assert [c["id"] for c in following.json()] == [third] and "link" not in following.headers
    exactly = client.get(f"{BASE}/conferences", params={"pageSize": 3})
    assert len(exactly.json()) == 3 and "link" not in exactly.headers


def test_a_filtered_list_pages_with_its_filters_in_the_link(three_rooms):
    client, (first, _, third) = three_rooms
    page = client.get(f"{BASE}/conferences", params={"name": "standup", "pageSize": 1})
    assert [c["id"] for c in page.json()] == [first]
    url = urlsplit(page.headers["link"][1:].split(">;")[0])
    assert parse_qs(url.query) == {"name": ["standup"], "pageSize": ["1"],
                                   "pageToken": [first]}
    following = client.get(f"{url.path}?{url.query}")
    assert [c["id"] for c in following.json()] == [third] and "link" not in following.headers


@pytest.mark.parametrize("query, says", [
    ({"pageSize": "0"}, "Invalid 'pageSize' [0]: must be an integer from 1 to 1000"),
    ({"pageSize": "1001"}, "Invalid 'pageSize' [1001]"),
    ({"pageSize": "-1"}, "Invalid 'pageSize' [-1]"),
    ({"pageSize": "2.5"}, "Invalid 'pageSize' [2.5]"),
    ({"pageSize": "two"}, "Invalid 'pageSize' [two]"),
    ({"minCreatedTime": "yesterday"}, "Invalid 'minCreatedTime' [yesterday]: must be an ISO "
                                      "8601 date-time"),
    ({"maxCreatedTime": "2026-13-01T00:00:00Z"}, "Invalid 'maxCreatedTime'"),
    ({"pageToken": "conf-nope"}, "Invalid 'pageToken' [conf-nope]: not a page of this list"),
    ({"pageToken": ""}, "Invalid 'pageToken' []"),
])
def test_list_conferences_queries_are_checked_400(finished, query, says):
    client, _, _ = finished
    assert says in error(client.get(f"{BASE}/conferences", params=query), 400)


# -- conference recordings (§7.6) ---------------------------------------------------------------

RECORDED = '<Response><StartRecording recordingName="minutes" fileFormat="{fmt}"/></Response>'


@pytest.fixture(params=["wav", "mp3"])
def recorded(request, tmp_path):
    """A call that records itself, then joins `standup`, whose conferenceCreated reply starts
    a room recording (`minutes`, in the param's format); the callee talks at 1 s, hangs up at
    4 s: (client, call id, conference id, format)."""
    fmt = request.param
    app = model.AppSettings(base_url="http://app.test", routes={
        "/answer": model.Route(bxml='<Response><StartRecording/><Conference '
                                    'conferenceEventUrl="/conf">standup</Conference>'
                                    "</Response>"),
        "/conf": model.Route(bxml=RECORDED.format(fmt=fmt))})
    store = Store(tmp_path / "out", callee_from_mapping(
        [{"say": "good morning everyone", "at": 1}, *HANG_UP_AT_4]), app=app)
    with TestClient(make_app(store)) as client:
        yield (client, *_call_into_conference(client, store), fmt)
    store.close()


def test_conference_recordings_list_get_and_media(recorded, tmp_path):
    client, call_id, conference_id, fmt = recorded
    url = f"{BASE}/conferences/{conference_id}/recordings"
    (item,) = client.get(url).json()
    rid = item["recordingId"]
    created = client.get(f"{BASE}/conferences/{conference_id}").json()["createdTime"]
    assert item == {
        "accountId": ACCOUNT, "conferenceId": conference_id, "name": "standup",
        "recordingId": rid, "duration": "PT4S", "channels": 1, "startTime": created,
        "endTime": item["endTime"], "fileFormat": fmt, "status": "complete",
        "mediaUrl": f"http://testserver{url}/{rid}/media", "recordingName": "minutes"}
    assert rid.startswith("r-") and item["endTime"] > item["startTime"]
    assert client.get(f"{url}/{rid}").json() == item
    media = client.get(f"{url}/{rid}/media")
    assert media.status_code == 200
    assert media.headers["content-type"] == {"wav": "audio/vnd.wave", "mp3": "audio/mpeg"}[fmt]
    path = tmp_path / f"downloaded.{fmt}"
    path.write_bytes(media.content)
    assert audio_info(path).duration == pytest.approx(4.0, abs=0.1)
    assert audio_info(path).channels == 1


def test_the_calls_own_recording_is_not_a_conference_recording(recorded):
    client, call_id, conference_id, _ = recorded
    url = f"{BASE}/conferences/{conference_id}/recordings"
    (room,) = client.get(url).json()
    own = [r["recordingId"] for r in client.get(f"{BASE}/calls/{call_id}/recordings").json()
           if r["recordingId"] != room["recordingId"]]
    assert len(own) == 1
    assert f"Recording [{own[0]}] not found in conference [{conference_id}]" in error(
        client.get(f"{url}/{own[0]}"), 404)
    assert "not found in conference" in error(client.get(f"{url}/{own[0]}/media"), 404)


def test_unknown_conference_recordings_are_404(recorded):
    client, _, conference_id, _ = recorded
    url = f"{BASE}/conferences/{conference_id}/recordings"
    assert f"Recording [r-x] not found in conference [{conference_id}]" in error(
        client.get(f"{url}/r-x"), 404)
    assert "Recording [r-x] not found" in error(client.get(f"{url}/r-x/media"), 404)
    for path in ("", "/r-x", "/r-x/media"):
        assert "Conference [conf-x] not found" in error(
            client.get(f"{BASE}/conferences/conf-x/recordings{path}"), 404)
    (item,) = client.get(url).json()
    other = f"/api/v2/accounts/1/conferences/{conference_id}/recordings"
    for path in ("", f"/{item['recordingId']}", f"/{item['recordingId']}/media"):
        assert "not found" in error(client.get(other + path), 404)


def test_a_conference_without_recordings_lists_none(finished):
    client, _, conference_id = finished
    assert client.get(f"{BASE}/conferences/{conference_id}/recordings").json() == []


def test_a_conference_recording_is_not_a_call_recording(recorded):
    """Conference recordings have their own type and endpoints (§7.6): the call that holds the
    conference lists only its own recording, and the room's is a 404 under /calls."""
    client, call_id, conference_id, _ = recorded
    (item,) = client.get(f"{BASE}/conferences/{conference_id}/recordings").json()
    rid = item["recordingId"]
    own = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    assert [r["recordingId"] for r in own] != [] and rid not in [r["recordingId"] for r in own]
    assert rid not in [r["recordingId"] for r in client.get(f"{BASE}/recordings").json()]
    for path in ("", "/media"):
        assert "not found" in error(client.get(f"{BASE}/calls/{call_id}/recordings/{rid}{path}"),
                                    404)
    assert client.delete(f"{BASE}/calls/{call_id}/recordings/{rid}").status_code == 404
