"""The emulator end to end over real loopback HTTP: the official SDK creates a call on a real
uvicorn server; the call's webhooks reach a real Flask app (werkzeug server); the recording
comes back through the SDK. Marked ``network`` (127.0.0.1 only)."""

from __future__ import annotations

import contextlib
import io
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import soundfile
from flask import Flask, request

from simulator.server.callee import callee_from_mapping
from simulator.server.run import Emulator
from simulator.server.state import Store

pytestmark = pytest.mark.network

bandwidth = pytest.importorskip("bandwidth")
ACCOUNT = "9900000"
MESSAGE = "hi it is Sam please call me back"  # 8 words: 3.2 s of speech, then '#'


@contextlib.contextmanager
def flask_server(app: Flask):
    """``app`` on a free loopback port (werkzeug, threaded); yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def voicemail_app(seen: list, on_answer=None) -> Flask:
    """Answers with a prompt and a Record; hangs up once the recording is complete."""
    app = Flask("voicemail")

    @app.post("/answer")
    def answer():
        seen.append(request.get_json())
        if on_answer is not None:
            on_answer(request.get_json())
        return ("<Response><SpeakSentence>Leave a message</SpeakSentence>"
                "<Record recordCompleteUrl='/recorded' maxDuration='30'/></Response>")

    @app.post("/recorded")
    def recorded():
        seen.append(request.get_json())
        return "<Response><Hangup/></Response>"

    @app.post("/redirected")
    def redirected():
        seen.append(request.get_json())
        return "<Response><Hangup/></Response>"

    @app.post("/disconnect")
    def disconnect():
        seen.append(request.get_json())
        return "", 204

    return app


def sdk(url: str):
    config = bandwidth.Configuration(host=url, ignore_operation_servers=True,
                                     username="user", password="pass")
    client = bandwidth.ApiClient(config)
    return bandwidth.CallsApi(client), bandwidth.RecordingsApi(client)


def create_call(calls, app_url: str):
    body = bandwidth.models.CreateCall(
        to="+15555550111", var_from="+15555550100", application_id="app-1",
        answer_url=f"{app_url}/answer", disconnect_url=f"{app_url}/disconnect")
    return calls.create_call(ACCOUNT, body)


@pytest.fixture
def store(tmp_path):
    steps = [{"wait_for": "Record"}, {"say": MESSAGE}, {"press": "#"}]
    return Store(tmp_path / "out", callee_from_mapping(steps))


def test_sdk_create_call_runs_the_call_against_the_app_and_the_recording_downloads(store):
    seen: list = []
    with flask_server(voicemail_app(seen)) as app_url, Emulator(store) as url:
        calls, recordings = sdk(url)
        created = create_call(calls, app_url)
        assert store.wait(created.call_id, 10)
        state = calls.get_call_state(ACCOUNT, created.call_id)
        (listed,) = recordings.list_call_recordings(ACCOUNT, created.call_id)
        audio = recordings.download_call_recording(ACCOUNT, created.call_id,
                                                   listed.recording_id)
    assert [(e["eventType"], e["callId"]) for e in seen] == [
        ("answer", created.call_id), ("recordComplete", created.call_id),
        ("disconnect", created.call_id)]
    assert seen[1]["recordingId"] == listed.recording_id
    assert (state.state, state.disconnect_cause, state.direction) == \
        ("disconnected", "hangup", "outbound")
    samples, rate = soundfile.read(io.BytesIO(bytes(audio)))
    assert rate == 8000 and listed.channels == 1
    assert len(samples) / rate == pytest.approx(3.2, abs=0.01)
    assert listed.duration == "PT3.2S"


def test_a_redirect_the_app_sends_while_handling_the_answer_webhook_lands_at_that_instant(
        store):
    seen: list = []
    replies: list = []

    def redirect_now(event):
        calls, recordings = sdk(url)
        replies.append(calls.get_call_state(ACCOUNT, event["callId"]).state)
        with pytest.raises(bandwidth.ApiException) as refused:  # no StartRecording running
            recordings.update_call_recording_state(ACCOUNT, event["callId"],
                                              bandwidth.models.UpdateCallRecording(
                                                  state="paused"))
        replies.append(refused.value.status)
        replies.append(calls.update_call_with_http_info(
            ACCOUNT, event["callId"],
            bandwidth.models.UpdateCall(redirect_url=f"{app_url}/redirected")).status_code)

    with flask_server(voicemail_app(seen, on_answer=redirect_now)) as app_url, \
            Emulator(store) as url:
        calls, recordings = sdk(url)
        created = create_call(calls, app_url)
        assert store.wait(created.call_id, 10)
        (done,) = [r for r in store.calls.values()]
        found = recordings.list_call_recordings(ACCOUNT, created.call_id)
    assert replies == ["answered", 409, 200]
    assert [e["eventType"] for e in seen] == ["answer", "redirect", "disconnect"]
    assert found == []  # the Record never started: the redirect replaced the document
    rest = [e for e in done.result["timeline"] if e["kind"] == "rest"]
    assert [(e["detail"]["action"], e["detail"]["status"]) for e in rest] == \
        [("update_call", 200)]


def test_the_app_mutes_its_member_and_ends_the_conference_from_a_conference_event(store):
    """voice-api.md §7: while handling conferenceMemberJoin the app reads the conference, mutes
    the member, queues conference BXML (a <Pause> is refused 400) and ends the conference; the
    call then goes on after <Conference> (bxml-verbs.md §7.3)."""
    seen: list = []
    replies: list = []
    app = Flask("conference")

    @app.post("/answer")
    def answer():
        seen.append(request.get_json())
        return ("<Response><Conference conferenceEventUrl='/conference'>standup</Conference>"
                "<SpeakSentence>the meeting is over</SpeakSentence></Response>")

    @app.post("/conference")
    def conference():
        event = request.get_json()
        seen.append(event)
        if event["eventType"] == "conferenceMemberJoin":
            conferences = bandwidth.ConferencesApi(sdk(url)[0].api_client)
            room = conferences.get_conference(ACCOUNT, event["conferenceId"])
            replies.append((room.name, [(m.call_id, m.mute) for m in room.active_members]))
            replies.append(conferences.update_conference_member_with_http_info(
                ACCOUNT, event["conferenceId"], event["callId"],
                bandwidth.models.UpdateConferenceMember(mute=True)).status_code)
            with pytest.raises(bandwidth.ApiException) as refused:
                conferences.update_conference_bxml(ACCOUNT, event["conferenceId"],
                                                   "<Bxml><Pause duration='1'/></Bxml>")
            replies.append(refused.value.status)
            replies.append(conferences.update_conference_with_http_info(
                ACCOUNT, event["conferenceId"],
                bandwidth.models.UpdateConference(status="completed")).status_code)
        return "", 204

    @app.post("/disconnect")
    def disconnect():
        seen.append(request.get_json())
        return "", 204

    with flask_server(app) as app_url, Emulator(store) as url:
        calls, _ = sdk(url)
        created = create_call(calls, app_url)
        assert store.wait(created.call_id, 10)
        (done,) = store.calls.values()
        conference_id = next(e["conferenceId"] for e in seen if "conferenceId" in e)
        after = bandwidth.ConferencesApi(calls.api_client).get_conference(ACCOUNT,
                                                                          conference_id)
    assert replies == [("standup", [(created.call_id, False)]), 204, 400, 204]
    assert [e["eventType"] for e in seen] == [
        "answer", "conferenceCreated", "conferenceMemberJoin", "conferenceMemberExit",
        "conferenceCompleted", "disconnect"]
    rest = [(e["detail"]["action"], e["detail"]["status"]) for e in done.result["timeline"]
            if e["kind"] == "rest"]
    assert rest == [("update_conference_member", 204), ("update_conference", 204)]
    spoken = [e for e in done.result["timeline"]
              if e["kind"] == "verb-start" and e["verb"] == "SpeakSentence"]
    assert len(spoken) == 1  # after <Conference>: the call went on
    assert after.completed_time is not None and after.active_members == []


def test_sdk_lists_conferences_page_by_page_and_downloads_a_conference_recording(tmp_path):
    """voice-api.md §7.1, §7.6 through the SDK: two calls each hold a `standup` whose
    conferenceCreated reply starts a room recording; list_conferences pages with the Link
    header, the recording is listed, read and downloaded."""
    store = Store(tmp_path / "out", callee_from_mapping(
        [{"say": "good morning everyone", "at": 1}, {"hangup": True, "at": 4}]))
    app = Flask("recorded-conference")

    @app.post("/answer")
    def answer():
        return "<Response><Conference conferenceEventUrl='/conference'>standup</Conference>" \
               "</Response>"

    @app.post("/conference")
    def conference():
        if request.get_json()["eventType"] == "conferenceCreated":
            return "<Response><StartRecording recordingName='minutes'/></Response>"
        return "", 204

    with flask_server(app) as app_url, Emulator(store) as url:
        calls, _ = sdk(url)
        conferences = bandwidth.ConferencesApi(calls.api_client)
        for _ in range(2):
            created = calls.create_call(ACCOUNT, bandwidth.models.CreateCall(
                to="+15555550111", var_from="+15555550100", application_id="app-1",
                answer_url=f"{app_url}/answer"))
            assert store.wait(created.call_id, 10)
        everything = conferences.list_conferences(ACCOUNT)
        first = conferences.list_conferences_with_http_info(ACCOUNT, page_size=1)
        link = {k.lower(): v for k, v in first.headers.items()}["link"]
        token = parse_qs(urlsplit(link[1:link.index(">")]).query)["pageToken"][0]
        second = conferences.list_conferences_with_http_info(ACCOUNT, page_size=1,
                                                              page_token=token)
        named = conferences.list_conferences(ACCOUNT, name="standup",
                                             min_created_time=everything[1].created_time
                                             .isoformat())
        conference_id = everything[0].id
        (listed,) = conferences.list_conference_recordings(ACCOUNT, conference_id)
        one = conferences.get_conference_recording(ACCOUNT, conference_id,
                                                   listed.recording_id)
        audio = conferences.download_conference_recording(ACCOUNT, conference_id,
                                                          listed.recording_id)
        with pytest.raises(bandwidth.ApiException) as missing:
            conferences.get_conference_recording(ACCOUNT, conference_id, "r-nope")
    assert [c.name for c in everything] == ["standup", "standup"]
    assert everything[0].created_time <= everything[1].created_time
    assert all(c.active_members is None and c.completed_time is not None for c in everything)
    assert [c.id for c in first.data] == [everything[0].id]
    assert link.endswith('; rel="next"') and f"/accounts/{ACCOUNT}/conferences?" in link
    assert [c.id for c in second.data] == [everything[1].id]
    assert "link" not in {k.lower() for k in second.headers}
    assert [c.id for c in named] == [everything[1].id]
    assert one == listed
    assert (listed.conference_id, listed.name, listed.recording_name, listed.channels,
            listed.status, listed.file_format) == (conference_id, "standup", "minutes", 1,
                                                   "complete", "wav")
    assert listed.media_url == f"{url}/accounts/{ACCOUNT}/conferences/{conference_id}" \
                               f"/recordings/{listed.recording_id}/media"
    samples, rate = soundfile.read(io.BytesIO(bytes(audio)))
    seconds = float(listed.duration.removeprefix("PT").removesuffix("S"))
    assert seconds == pytest.approx(4.0, abs=0.1)  # the app's replies take real time
    assert rate == 8000 and len(samples) / rate == pytest.approx(seconds, abs=0.001)
    assert missing.value.status == 404


def redirect_on_recording_available_app(seen: list, url_of_emulator: list) -> Flask:
    """A Record then a long Pause; the recordingAvailable handler redirects the call (the SDK's
    updateCall), as an app that fetches the recording, then moves the caller on, does."""
    app = Flask("redirect-on-available")

    @app.post("/answer")
    def answer():
        return ("<Response><Record recordingAvailableUrl='/available' maxDuration='30'/>"
                "<Pause duration='30'/></Response>")

    @app.post("/available")
    def available():
        event = request.get_json()
        seen.append(event)
        calls, _ = sdk(url_of_emulator[0])
        calls.update_call(ACCOUNT, event["callId"], bandwidth.models.UpdateCall(
            redirect_url=request.host_url.rstrip("/") + "/redirected"))
        return "", 204

    @app.post("/redirected")
    def redirected():
        seen.append(request.get_json())
        return "<Response><Hangup/></Response>"

    return app


@pytest.mark.parametrize("processing, lands_at", [(None, 3.2), (2.0, 5.2)])
def test_a_redirect_sent_from_the_recording_available_handler_lands_after_processing(
        tmp_path, processing, lands_at):
    # recording_processing (docs/engine.md): recordingAvailable comes `recording_available`
    # seconds after the Record ended (3.2 s: the message, then '#'), and with it the redirect.
    steps = [{"wait_for": "Record"}, {"say": MESSAGE}, {"press": "#"}]
    callee = {"caller": steps}
    if processing is not None:
        callee["recording_processing"] = {"recording_available": processing}
    store = Store(tmp_path / "out", callee_from_mapping(callee))
    seen: list = []
    emulator_url: list = []
    with flask_server(redirect_on_recording_available_app(seen, emulator_url)) as app_url, \
            Emulator(store) as url:
        emulator_url.append(url)
        calls, _ = sdk(url)
        created = create_call(calls, app_url)
        assert store.wait(created.call_id, 10)
        result = store.get(ACCOUNT, created.call_id).result
    assert [e["eventType"] for e in seen] == ["recordingAvailable", "redirect"]
    ends = [(e["verb"], e["at"], e["detail"]["reason"]) for e in result["timeline"]
            if e["kind"] == "verb-end"]
    assert ends[:2] == [("Record", 3.2, "terminating-digit"), ("Pause", lands_at, "redirected")]
    redirect = next(c for c in result["callbacks"] if c["eventType"] == "redirect")
    assert redirect["at"] == lands_at


def test_the_answer_fallback_and_the_webhook_credentials_of_create_call_are_used(store):
    """voice-api.md §3.1, callbacks.md §1.3/§1.6: an answerUrl that fails is retried once at
    answerFallbackUrl with the fallback credentials; answerUrl and disconnectUrl carry
    Basic auth of username/password."""
    seen: list = []
    app = Flask("fallback")

    @app.post("/answer")
    def answer():
        seen.append(("answer", request.authorization.parameters if request.authorization
                     else None))
        return "down", 503

    @app.get("/fallback")
    def fallback():
        seen.append(("fallback", dict(request.authorization.parameters)))
        return "<Response><Hangup/></Response>"

    @app.post("/disconnect")
    def disconnect():
        seen.append(("disconnect", dict(request.authorization.parameters)))
        return "", 204

    with flask_server(app) as app_url, Emulator(store) as url:
        calls, _ = sdk(url)
        created = calls.create_call(ACCOUNT, bandwidth.models.CreateCall(
            to="+15555550111", var_from="+15555550100", application_id="app-1",
            answer_url=f"{app_url}/answer", disconnect_url=f"{app_url}/disconnect",
            answer_fallback_url=f"{app_url}/fallback", answer_fallback_method="GET",
            username="hook", password="hook-pw", fallback_username="fb",
            fallback_password="fb-pw", callback_timeout=4))
        assert store.wait(created.call_id, 10)
        state = calls.get_call_state(ACCOUNT, created.call_id)
    assert [(what, dict(auth)) for what, auth in seen] == [
        ("answer", {"username": "hook", "password": "hook-pw"}),
        ("fallback", {"username": "fb", "password": "fb-pw"}),
        ("disconnect", {"username": "hook", "password": "hook-pw"})]
    assert state.disconnect_cause == "hangup"


def test_a_recording_is_transcribed_on_request_from_the_recording_available_handler(store):
    """voice-api.md §5.1 through bxmlsim serve: the app asks for the transcription while
    handling recordingAvailable (the call has ended); transcriptionAvailable reaches its
    callbackUrl with its tag, and the words read back once the call is over."""
    seen: list = []
    app = Flask("transcribe")

    @app.post("/answer")
    def answer():
        return ("<Response><Record recordingAvailableUrl='/available' maxDuration='30'/>"
                "</Response>")

    @app.post("/available")
    def available():
        event = request.get_json()
        recordings = sdk(url)[1]
        recordings.transcribe_call_recording(
            ACCOUNT, event["callId"], event["recordingId"],
            bandwidth.models.TranscribeRecording(callback_url=f"{app_url}/transcribed",
                                                 tag="ask-1"))
        return "", 204

    @app.post("/transcribed")
    def transcribed():
        seen.append(request.get_json())
        return "", 204

    with flask_server(app) as app_url, Emulator(store) as url:
        calls, recordings = sdk(url)
        created = create_call(calls, app_url)
        assert store.wait(created.call_id, 10)
        (listed,) = recordings.list_call_recordings(ACCOUNT, created.call_id)
        words = recordings.get_recording_transcription(ACCOUNT, created.call_id,
                                                       listed.recording_id)
    [event] = seen
    assert (event["eventType"], event["tag"], event["transcription"]["text"]) == (
        "transcriptionAvailable", "ask-1", MESSAGE)
    assert [t.text for t in words.transcripts] == [MESSAGE]
    assert listed.transcription.status == "available"
