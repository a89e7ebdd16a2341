"""Three apps written like Bandwidth's public Python samples run unmodified (issue 13): their
SDK requests (bandwidth-sdk 23.x, a module-level ApiClient with the default host) are answered
by the simulation that runs them, at the virtual instant of the webhook being handled."""

from __future__ import annotations

import pytest

pytest.importorskip("bandwidth")

import bridge_app  # noqa: E402 - tests/hermetic/apps, put on sys.path by conftest.py
import redirect_app  # noqa: E402 - the bundled ones: scenarios/hermetic/
import voicemail_app  # noqa: E402

from simulator.api import load, run_loaded  # noqa: E402

CALLER = [{"wait_for": "Record"}, {"say": "Hi Sam, it's Alex, call me back"}, {"press": "#"}]
VOICEMAIL = {"answer_url": "/callbacks/voice/initiate"}


def run(app, out_dir=None, **keys):
    [scenario] = load(name="hermetic", app=app, **keys)
    return run_loaded(scenario, out_dir).to_json()


def rest(result, action=None):
    return [e for e in result["timeline"] if e["kind"] == "rest"
            and (action is None or e["detail"]["action"] == action)]


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
def test_the_voicemail_app_downloads_the_exact_recording_file(tmp_path, file_format):
    voicemail_app.MESSAGES.clear()
    result = run(voicemail_app.app, tmp_path, caller=CALLER,
                 call={"answer_url": f"/callbacks/voice/initiate?format={file_format}"})
    assert result["passed"], result["failures"]
    [recording] = result["recordings"]
    assert recording["fileFormat"] == file_format
    file = (tmp_path / recording["file"]).read_bytes()
    assert voicemail_app.MESSAGES == {recording["recordingId"]: file}
    meta = voicemail_app.METADATA[recording["recordingId"]]
    assert (meta["status"], meta["fileFormat"], meta["callId"]) == (
        "complete", file_format, result["calls"][0]["callId"])
    assert meta["mediaUrl"].startswith("https://voice.bandwidth.com/api/v2/accounts/9900000/")
    downloads = rest(result, "download_call_recording")
    available = next(c for c in result["callbacks"] if c["eventType"] == "recordingAvailable")
    assert [(d["at"], d["detail"]["status"], d["detail"]["via"]) for d in downloads] == [
        (available["at"], 200, "api")]


def test_without_an_output_folder_the_download_is_the_same_file(tmp_path):
    voicemail_app.MESSAGES.clear()
    run(voicemail_app.app, None, caller=CALLER, call=VOICEMAIL)
    [(recording_id, downloaded)] = voicemail_app.MESSAGES.items()
    written = run(voicemail_app.app, tmp_path, caller=CALLER, call=VOICEMAIL)  # same seed: same recording
    assert (tmp_path / written["recordings"][0]["file"]).read_bytes() == downloaded
    assert downloaded[:4] == b"RIFF"


def test_the_bridge_app_creates_the_agent_call_and_bridges_it():
    bridge_app.CREATED.clear()
    bridge_app.STATES.clear()
    result = run(bridge_app.app, call={"answer_url": "/callbacks/inbound", "to": "+15555550100",
                                       "from": "+15555550111"},
                 caller=[{"say": "hi, I need help"}],
                 parties={"+15555550123": {"answer_after": 4, "caller": [
                     {"wait_for": "Bridge"}, {"say": "hello, this is the agent"},
                     {"hangup": True}]}})
    assert result["passed"], result["failures"]
    inbound, agent = result["calls"]
    [created] = bridge_app.CREATED
    # the SDK got the real CreateCallResponse: the id of the leg the simulation placed
    assert created.call_id == agent["callId"]
    assert (created.to, created.var_from, created.account_id) == (
        "+15555550123", "+15555550100", "9900000")
    assert created.call_url == ("https://voice.bandwidth.com/api/v2/accounts/9900000/calls/"
                                + agent["callId"])
    assert (agent["direction"], agent["from"], agent["to"]) == (
        "outbound", "+15555550100", "+15555550123")
    [entry] = rest(result, "create_call")
    assert (entry["at"], entry["callId"], entry["detail"]["status"], entry["detail"]["via"]) == (
        0.0, agent["callId"], 201, "api")
    answer = next(c for c in result["callbacks"] if c["eventType"] == "answer")
    assert (answer["at"], answer["payload"]["callId"], answer["payload"]["tag"]) == (
        4.0, agent["callId"], inbound["callId"])
    bridged = [e for e in result["timeline"] if e["kind"] == "bridge"]
    assert [(e["callId"], e["detail"]["callId"]) for e in bridged] == [
        (agent["callId"], inbound["callId"])]
    assert bridge_app.STATES == ["disconnected"]  # read in bridgeTargetComplete: the agent left
    events = [c["eventType"] for c in result["callbacks"]]
    assert events == ["initiate", "answer", "disconnect", "bridgeTargetComplete"]


def test_a_number_not_in_parties_rings_and_is_not_answered():
    bridge_app.CREATED.clear()
    result = run(bridge_app.app, call={"answer_url": "/callbacks/inbound"},
                 caller=[{"wait_for": "Ring"}, {"hangup": True, "at": 25}])
    agent = result["calls"][1]
    assert (agent["disconnectCause"], agent["answerTime"]) == ("timeout", None)
    [entry] = rest(result, "create_call")
    assert entry["detail"]["note"] == "not in parties: it does not answer"


def test_the_redirect_app_redirects_at_the_webhook_and_plays_the_recording_back(tmp_path):
    result = run(redirect_app.app, tmp_path, call={"answer_url": "/callbacks/initiate"},
                 caller=[{"wait_for": "Record"}, {"say": "this is my message to play back"}])
    assert result["passed"], result["failures"]
    [recording] = result["recordings"]
    available = next(c for c in result["callbacks"] if c["eventType"] == "recordingAvailable")
    [update] = rest(result, "update_call")
    assert (update["at"], update["detail"]["status"], update["detail"]["via"]) == (
        available["at"], 200, "api")
    redirect = next(c for c in result["callbacks"] if c["eventType"] == "redirect")
    assert redirect["at"] == available["at"]
    play = [e for e in result["timeline"] if e["verb"] == "PlayAudio"]
    start, end = play[0]["at"], play[-1]["at"]
    assert play[-1]["detail"]["reason"] == "completed"
    assert end - start == pytest.approx(recording["duration"], abs=0.001)
    [fetch] = rest(result, "download_call_recording")  # the engine's GET of the mediaUrl
    assert (fetch["at"], fetch["detail"]["status"]) == (start, 200)
    assert result["calls"][0]["disconnectCause"] == "hangup"


def test_playing_the_recording_with_wrong_credentials_is_refused_like_bandwidth(tmp_path,
                                                                                monkeypatch):
    monkeypatch.setattr(redirect_app, "BW_PASSWORD", "not-the-password")
    result = run(redirect_app.app, tmp_path, call={"answer_url": "/callbacks/initiate"},
                 caller=[{"wait_for": "Record"}, {"say": "my message"}],
                 api={"username": "api-user", "password": "api-password"})
    # the SDK request of update_call has the right credentials (built at import); the
    # PlayAudio's username/password are the wrong ones: 401, the call ends as Bandwidth ends it
    [fetch] = rest(result, "download_call_recording")
    assert fetch["detail"]["status"] == 401
    call = result["calls"][0]
    assert call["disconnectCause"] == "application-error"
    assert "401" in call["errorMessage"]


def test_the_same_scenario_twice_gives_the_same_result_json():
    voicemail_app.MESSAGES.clear()
    first = run(voicemail_app.app, caller=CALLER, call=VOICEMAIL)
    second = run(voicemail_app.app, caller=CALLER, call=VOICEMAIL)
    assert first == second
