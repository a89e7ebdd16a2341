"""The emulated Voice REST API in process (starlette TestClient): shapes, status codes and
error bodies of spec/voice-api.md, with webhooks answered by canned routes."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from simulator.audio.sink import audio_info
from simulator.callbacks import IdFactory
from simulator.scenario import model
from simulator.voice_api import bodies as requests
from simulator.server.app import make_app
from simulator.server.callee import callee_from_mapping
from simulator.server.state import Store

ACCOUNT = "9901234"
BASE = f"/api/v2/accounts/{ACCOUNT}"
VOICEMAIL = ("<Response><SpeakSentence>leave a message</SpeakSentence>"
             "<Record maxDuration='10' recordCompleteUrl='/done' transcribe='true'/></Response>")
APP = model.AppSettings(base_url="http://app.test", routes={
    "/answer": model.Route(bxml=VOICEMAIL),
    "/done": model.Route(bxml="<Response><Hangup/></Response>"),
    "/bye": model.Route(status=204),
    "/pause": model.Route(bxml="<Response><Pause duration='5'/></Response>")})
MESSAGE = [{"wait_for": "Record"}, {"say": "please call me back"}, {"press": "#"}]


def create_body(**fields):
    return {"from": "+15555550100", "to": "+15555550111", "applicationId": "app-7",
            "answerUrl": "http://app.test/answer", "disconnectUrl": "http://app.test/bye",
            **fields}


@pytest.fixture
def emulator(tmp_path):
    store = Store(tmp_path / "out", callee_from_mapping(
        {"caller": MESSAGE, "parties": {"+15555550122": {"status": "busy"}}}), app=APP)
    with TestClient(make_app(store)) as client:
        yield store, client
    store.close()


def create(emulator, **fields):
    store, client = emulator
    response = client.post(f"{BASE}/calls", json=create_body(**fields))
    assert response.status_code == 201, response.text
    call_id = response.json()["callId"]
    assert store.wait(call_id, 10)
    return response


def error(response, status, kind="validation"):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "description", "id"} and body["type"] == kind
    return body["description"]


# -- createCall ---------------------------------------------------------------------------------

def test_create_call_answers_201_with_location_and_the_request_echoed(emulator):
    response = create(emulator, tag="t1", password="secret", callTimeout=12.5, priority=2)
    body = response.json()
    assert response.headers["location"] == body["callUrl"]
    assert body["callUrl"] == f"http://testserver{BASE}/calls/{body['callId']}"
    assert (body["accountId"], body["applicationId"], body["from"], body["to"]) == \
        (ACCOUNT, "app-7", "+15555550100", "+15555550111")
    assert (body["tag"], body["password"], body["callTimeout"], body["priority"]) == \
        ("t1", "*****", 12.5, 2)
    assert (body["answerMethod"], body["disconnectMethod"]) == ("POST", "POST")
    assert body["enqueuedTime"].endswith("Z")


def test_the_call_id_of_the_201_is_the_one_in_every_webhook_and_in_result_json(emulator):
    store, _ = emulator
    call_id = create(emulator).json()["callId"]
    result = json.loads((store.out_root / call_id / "result.json").read_text())
    assert result["calls"][0]["callId"] == call_id
    assert {c["payload"]["callId"] for c in result["callbacks"]} == {call_id}
    assert {c["payload"]["accountId"] for c in result["callbacks"]} == {ACCOUNT}
    assert [c["eventType"] for c in result["callbacks"]] == \
        ["answer", "recordComplete", "disconnect"]


def test_calls_get_distinct_ids_drawn_like_the_engine_draws_them(emulator):
    first = create(emulator).json()["callId"]
    second = create(emulator).json()["callId"]
    assert first != second
    assert first == IdFactory(random.Random(0)).call_id()


@pytest.mark.parametrize("body, says", [
    ({"to": "+15555550111"}, "Missing required field(s): from, answerUrl, applicationId"),
    (create_body(to="5551234"), "Invalid 'to' [5551234]"),
    (create_body(answerUrl="ftp://app.test/a"), "only absolute http or https URLs"),
    (create_body(answerUrl="/answer"), "only absolute http or https URLs"),
    (create_body(answerMethod="PUT"), "must be GET or POST"),
    (create_body(callTimeout=301), "'callTimeout' [301]: must be a number from 1 to 300"),
    (create_body(callbackTimeout=0.5), "from 1 to 25"),
    (create_body(priority=9), "from 1 to 5"),
    (create_body(tag="x" * 4097), "at most 4096 characters"),
    ([1, 2], "must be a JSON object"),
])
def test_create_call_refuses_invalid_bodies_with_400(emulator, body, says):
    _, client = emulator
    assert says in error(client.post(f"{BASE}/calls", json=body), 400)


# createCall displayName and uui (voice-api.md §3.1; bandwidth.yml createCall: displayName "May not
# exceed 256 characters nor contain control characters such as new lines", uui "Only 'jwt',
# 'base64' and 'hex' encodings are allowed. The entire value cannot exceed 350 characters"):
# the same rules as BXML (simulator/bxml/values.py), with hex allowed.
@pytest.mark.parametrize("fields, says", [
    (dict(displayName="Bob\nSmith"), "Invalid 'displayName': displayName may not contain "
                                     "control characters such as new lines, got '\\n'"),
    (dict(uui="abc"), "Invalid 'uui': uui 'abc' has no encoding parameter"),
    (dict(uui="abc;encoding=gzip"), "has encoding=gzip; allowed: jwt, base64, hex"),
    (dict(uui="a;encoding=jwt," + "b" * 340 + ";encoding=hex"), "at most 350 characters"),
    (dict(uui=7), "Invalid 'uui': a string"),
])
def test_create_call_refuses_a_bad_display_name_or_uui(fields, says):
    with pytest.raises(requests.ApiError) as info:
        requests.create_call(create_body(**fields))
    assert info.value.status == 400 and says in info.value.description


def test_create_call_accepts_hex_uui_values_and_a_plain_display_name():
    parsed = requests.create_call(create_body(displayName="José Álvarez",
                                              uui="00ff;encoding=hex,eyJ9.e30.x;encoding=jwt"))
    assert parsed.extras["uui"] == "00ff;encoding=hex,eyJ9.e30.x;encoding=jwt"


def test_create_call_with_another_content_type_is_415_and_bad_json_400(emulator):
    _, client = emulator
    assert "not supported" in error(client.post(f"{BASE}/calls", content=b"x=1", headers={
        "content-type": "application/x-www-form-urlencoded"}), 415)
    assert "not valid JSON" in error(client.post(f"{BASE}/calls", content=b"{nope", headers={
        "content-type": "application/json"}), 400)


# -- call state ---------------------------------------------------------------------------------

def test_get_call_state_after_the_call(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    state = client.get(f"{BASE}/calls/{call_id}").json()
    assert list(state) == ["applicationId", "accountId", "callId", "parentCallId", "to", "from",
                           "direction", "state", "stirShaken", "enqueuedTime", "startTime",
                           "answerTime", "endTime", "disconnectCause", "errorMessage",
                           "errorId", "lastUpdate"]
    assert (state["state"], state["direction"], state["disconnectCause"]) == \
        ("disconnected", "outbound", "hangup")
    assert state["startTime"] == state["answerTime"] == state["enqueuedTime"]
    assert state["lastUpdate"] == state["endTime"] > state["startTime"]


def test_a_busy_callee_from_the_callee_parties(emulator):
    _, client = emulator
    call_id = create(emulator, to="+15555550122").json()["callId"]
    state = client.get(f"{BASE}/calls/{call_id}").json()
    assert (state["disconnectCause"], state["answerTime"]) == ("busy", None)


def test_unknown_call_and_other_accounts_calls_are_404(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    assert error(client.get(f"{BASE}/calls/c-nope"), 404) == "Call [c-nope] not found"
    assert error(client.get(f"/api/v2/accounts/1/calls/{call_id}"), 404) == \
        f"Call [{call_id}] not found"


def test_unknown_path_is_404_and_wrong_method_405_with_error_bodies(emulator):
    _, client = emulator
    assert "No such resource" in error(client.get("/api/v2/nothing"), 404)
    assert "Method DELETE not allowed" in error(client.delete(f"{BASE}/calls"), 405)


def test_list_calls_with_filters(emulator):
    _, client = emulator
    first = create(emulator).json()["callId"]
    busy = create(emulator, to="+15555550122").json()["callId"]
    ids = lambda **q: [s["callId"] for s in client.get(f"{BASE}/calls", params=q).json()]  # noqa
    assert ids() == [first, busy]
    assert ids(to="+15555550122") == [busy]
    assert ids(disconnectCause="hangup") == [first]
    assert ids(pageSize=1) == [first]
    assert ids(minStartTime="2999-01-01T00:00:00Z") == []
    assert client.get("/api/v2/accounts/other/calls").json() == []
    assert "pageSize" in error(client.get(f"{BASE}/calls", params={"pageSize": 0}), 400)
    assert "minStartTime" in error(client.get(f"{BASE}/calls",
                                              params={"minStartTime": "soon"}), 400)


# -- update call on an ended call ------------------------------------------------------------

def test_updating_an_ended_call_is_409(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    for body in ({"state": "completed"}, {"redirectUrl": "http://app.test/next"}):
        assert "has already ended" in error(client.post(f"{BASE}/calls/{call_id}", json=body),
                                            409)
    assert "has already ended" in error(client.put(
        f"{BASE}/calls/{call_id}/bxml", content="<Bxml><Hangup/></Bxml>",
        headers={"content-type": "application/xml"}), 409)
    assert "has already ended" in error(client.put(f"{BASE}/calls/{call_id}/recording",
                                                   json={"state": "paused"}), 409)


@pytest.mark.parametrize("body, says", [
    ({"state": "paused"}, "must be active or completed"),
    ({"state": "active"}, "redirectUrl (required when state is active)"),
    ({"state": "completed", "redirectUrl": "http://app.test/x"}, "not allowed when state is"),
])
def test_update_call_bodies_are_checked_before_the_state(emulator, body, says):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    assert says in error(client.post(f"{BASE}/calls/{call_id}", json=body), 400)


def test_put_bxml_that_is_not_bxml_is_400(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    assert "Invalid BXML" in error(client.put(f"{BASE}/calls/{call_id}/bxml",
                                              content="<Bxml><Nope/></Bxml>"), 400)


def test_a_queued_call_cancelled_before_it_runs_is_never_simulated(tmp_path):
    store = Store(tmp_path, app=APP)
    with TestClient(make_app(store)) as client:
        record = store.create(ACCOUNT, requests.create_call(create_body()))
        assert client.get(f"{BASE}/calls/{record.call_id}").json()["state"] == "queued"
        assert client.post(f"{BASE}/calls/{record.call_id}", json={
            "redirectUrl": "http://app.test/x"}).status_code == 409
        assert client.post(f"{BASE}/calls/{record.call_id}",
                           json={"state": "completed"}).status_code == 200
        store.start(record).join(10)
        state = client.get(f"{BASE}/calls/{record.call_id}").json()
    assert (state["state"], state["disconnectCause"], state["startTime"]) == \
        ("disconnected", "cancel", None)
    assert not (tmp_path / record.call_id).exists()


# -- recordings ---------------------------------------------------------------------------------

def test_recordings_list_get_and_media(emulator):
    store, client = emulator
    call_id = create(emulator).json()["callId"]
    (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    rid = listed["recordingId"]
    url = f"{BASE}/calls/{call_id}/recordings/{rid}"
    assert client.get(url).json() == listed
    assert (listed["callId"], listed["status"], listed["fileFormat"], listed["channels"]) == \
        (call_id, "complete", "wav", 1)
    assert listed["mediaUrl"] == f"http://testserver{url}/media"
    assert listed["duration"] == "PT1.6S"  # "please call me back": 4 words x 0.4 s, then '#'
    media = client.get(url + "/media")
    assert media.status_code == 200 and media.headers["content-type"] == "audio/vnd.wave"
    path = store.out_root / call_id / "downloaded.wav"
    path.write_bytes(media.content)
    assert audio_info(path).duration == pytest.approx(1.6, abs=0.01)
    assert client.get(f"{BASE}/recordings").json() == [listed]
    assert client.get(f"{BASE}/recordings", params={"to": "+1999"}).json() == []


def test_transcription_of_a_transcribed_recording(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    url = f"{BASE}/calls/{call_id}/recordings/{listed['recordingId']}/transcription"
    assert listed["transcription"]["status"] == "available"
    assert listed["transcription"]["url"] == f"http://testserver{url}"
    assert client.get(url).json() == {
        "transcripts": [{"text": "please call me back", "confidence": 1.0}]}
    assert client.delete(url).status_code == 204
    assert "not found" in error(client.get(url), 404)


def test_recording_metadata_carries_the_transcription_id_the_webhook_sent(tmp_path):
    # voice-api.md §4 CallRecordingMetadata.transcription {id, status, completedTime, url}:
    # the id is the transcriptionAvailable webhook's transcription.id (callbacks.md §3.9).
    app = model.AppSettings(base_url="http://app.test", routes={
        **APP.routes, "/answer": model.Route(bxml=VOICEMAIL.replace(
            "transcribe='true'", "transcribe='true' transcriptionAvailableUrl='/ta'")),
        "/ta": model.Route(status=204)})
    store = Store(tmp_path / "out", callee_from_mapping({"caller": MESSAGE}), app=app)
    with TestClient(make_app(store)) as client:
        call_id = create((store, client)).json()["callId"]
        (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
        (one,) = client.get(f"{BASE}/recordings").json()
        single = client.get(f"{BASE}/calls/{call_id}/recordings/{listed['recordingId']}").json()
    store.close()
    sent = [c for c in store.get(ACCOUNT, call_id).result["callbacks"]
            if c["eventType"] == "transcriptionAvailable"]
    transcription_id = sent[0]["payload"]["transcription"]["id"]
    assert transcription_id.startswith("t-")
    assert listed["transcription"]["id"] == one["transcription"]["id"] == \
        single["transcription"]["id"] == transcription_id


def test_a_transcription_completes_after_the_callees_processing_time(tmp_path):
    # completedTime = the recording's end + recording_processing.transcription_available
    store = Store(tmp_path / "out", callee_from_mapping(
        {"caller": MESSAGE, "recording_processing": {"recording_available": 1,
                                                     "transcription_available": 20}}), app=APP)
    with TestClient(make_app(store)) as client:
        call_id = create((store, client)).json()["callId"]
        (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    store.close()
    end = datetime.fromisoformat(listed["endTime"].replace("Z", "+00:00"))
    done = datetime.fromisoformat(listed["transcription"]["completedTime"].replace("Z", "+00:00"))
    assert (done - end).total_seconds() == 20


def test_a_transcription_without_a_webhook_still_has_its_id(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    assert re.fullmatch(r"t-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        listed["transcription"]["id"])


def test_deleting_media_keeps_the_metadata_and_deleting_the_recording_removes_it(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    (listed,) = client.get(f"{BASE}/calls/{call_id}/recordings").json()
    url = f"{BASE}/calls/{call_id}/recordings/{listed['recordingId']}"
    assert client.delete(url + "/media").status_code == 204
    meta = client.get(url).json()
    assert (meta["status"], meta["mediaUrl"]) == ("deleted", None)
    assert "Media for recording" in error(client.get(url + "/media"), 404)
    assert client.delete(url).status_code == 204
    assert error(client.get(url), 404).startswith("Recording [")
    assert client.get(f"{BASE}/calls/{call_id}/recordings").json() == []


def test_unknown_recording_is_404(emulator):
    _, client = emulator
    call_id = create(emulator).json()["callId"]
    assert "Recording [r-x] not found" in error(
        client.get(f"{BASE}/calls/{call_id}/recordings/r-x/media"), 404)


# -- credentials ----------------------------------------------------------------------------

def test_basic_auth_is_checked_only_when_configured(tmp_path):
    store = Store(tmp_path, app=APP)
    with TestClient(make_app(store, username="u", password="p")) as client:
        assert error(client.get(f"{BASE}/calls"), 401, "authentication-error")
        assert error(client.get(f"{BASE}/calls", auth=("u", "x")), 401, "authentication-error")
        assert client.get(f"{BASE}/calls", auth=("u", "p")).json() == []
    with TestClient(make_app(store)) as client:
        assert client.get(f"{BASE}/calls", auth=("any", "thing")).status_code == 200


def test_oauth2_tokens_are_issued_to_the_configured_client_and_checked(tmp_path):
    store = Store(tmp_path, app=APP)
    with TestClient(make_app(store, username="u", password="p")) as client:
        form = {"content": "grant_type=client_credentials",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
        refused = client.post("/api/v1/oauth2/token", auth=("u", "x"), **form)
        assert (refused.status_code, refused.json()["error"]) == (401, "invalid_client")
        token = client.post("/api/v1/oauth2/token", auth=("u", "p"), **form).json()
        assert (token["token_type"], token["expires_in"]) == ("Bearer", 3600)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.get(f"{BASE}/calls", headers=bearer).json() == []
        assert error(client.get(f"{BASE}/calls", headers={"Authorization": "Bearer other"}),
                     401, "authentication-error")


def test_the_emulator_forbids_what_a_completed_call_update_forbids():
    with pytest.raises(requests.ApiError) as refused:
        requests.update_call({"state": "completed", "redirectFallbackUrl": "http://a.test/f"})
    assert (refused.value.status, refused.value.description) == (
        400, "redirectFallbackUrl not allowed when state is completed")
    with pytest.raises(requests.ApiError) as refused:
        requests.update_conference({"status": "completed", "redirectUrl": "http://a.test/r",
                                  "redirectFallbackUrl": "http://a.test/f"})
    assert refused.value.description == \
        "redirectUrl, redirectFallbackUrl not allowed when status is completed"
    assert requests.update_conference({"status": "completed", "redirectMethod": "GET"}).status \
        == "completed"


def test_real_time_transcriptions_are_listed_read_and_deleted(tmp_path):
    live = ("<Response><StartTranscription name='live'/><SpeakSentence>leave a message"
            "</SpeakSentence><Record maxDuration='10' recordCompleteUrl='/done'/></Response>")
    app = model.AppSettings(base_url="http://app.test", routes={
        "/answer": model.Route(bxml=live), "/done": model.Route(bxml="<Response/>")})
    store = Store(tmp_path / "out", callee_from_mapping({"caller": MESSAGE}), app=app)
    with TestClient(make_app(store)) as client:
        call_id = client.post(f"{BASE}/calls", json=create_body()).json()["callId"]
        assert store.wait(call_id, 10)
        [item] = client.get(f"{BASE}/calls/{call_id}/transcriptions").json()
        assert item["transcriptionName"] == "live"
        assert item["transcriptionUrl"] == (f"http://testserver{BASE}/calls/{call_id}/"
                                            f"transcriptions/{item['transcriptionId']}")
        url = f"{BASE}/calls/{call_id}/transcriptions/{item['transcriptionId']}"
        [track] = client.get(url).json()["tracks"]  # tracks="inbound" by default
        assert (track["track"], track["transcript"], track["detectedLanguage"]) == (
            "inbound", "please call me back", "en-US")
        assert client.delete(url).status_code == 200
        assert error(client.get(url), 404).startswith("Transcription [")
        assert client.get(f"{BASE}/calls/{call_id}/transcriptions").json() == []
    store.close()
