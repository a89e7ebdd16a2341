"""Transcribing a recording on request (spec voice-api.md §5): an app written like Bandwidth's
samples (Flask, bandwidth-sdk 23.x, a module-level ApiClient with the default host) records a
voicemail without ``transcribe``, asks for its transcription from the recordingAvailable
handler with ``RecordingsApi.transcribe_call_recording`` (204), gets transcriptionAvailable at
its callbackUrl (its tag, its Basic auth), reads the words with ``get_recording_transcription``
and deletes them with ``delete_recording_transcription``."""

import base64

import pytest

pytest.importorskip("bandwidth")

from bandwidth import ApiClient, Configuration, RecordingsApi  # noqa: E402
from bandwidth.exceptions import ApiException  # noqa: E402
from bandwidth.models import TranscribeRecording  # noqa: E402
from flask import Flask, request  # noqa: E402

from simulator.api import load, run_loaded  # noqa: E402
from simulator.voice_api import bodies  # noqa: E402
from simulator.voice_api.http import ApiError  # noqa: E402

ACCOUNT = "9900000"
recordings_api = RecordingsApi(ApiClient(Configuration(username="api-user",
                                                       password="api-password")))
app = Flask(__name__)
SEEN: dict = {}
ASK: dict = {}  # the TranscribeRecording fields the next run asks with


@app.post("/voice/initiate")
def initiate():
    return ("<Response><SpeakSentence>Leave a message</SpeakSentence>"
            "<Record recordingAvailableUrl='/voice/recording' maxDuration='10'/></Response>")


@app.post("/voice/recording")
def recording_available():
    event = request.get_json()
    meta = recordings_api.get_call_recording(ACCOUNT, event["callId"], event["recordingId"])
    SEEN["before"] = meta.transcription
    recordings_api.transcribe_call_recording(
        ACCOUNT, event["callId"], event["recordingId"], TranscribeRecording(**ASK))
    meta = recordings_api.get_call_recording(ACCOUNT, event["callId"], event["recordingId"])
    SEEN["asked"] = meta.transcription
    return "", 204


@app.post("/voice/transcribed")
def transcription_available():
    event = request.get_json()
    SEEN["event"] = event
    SEEN["auth"] = request.headers.get("Authorization")
    words = recordings_api.get_recording_transcription(ACCOUNT, event["callId"],
                                                       event["recordingId"])
    SEEN["text"] = [t.text for t in words.transcripts]
    recordings_api.delete_recording_transcription(ACCOUNT, event["callId"],
                                                  event["recordingId"])
    try:
        recordings_api.get_recording_transcription(ACCOUNT, event["callId"],
                                                   event["recordingId"])
    except ApiException as gone:
        SEEN["after_delete"] = gone.status
    return "", 204


@app.post("/voice/unknown")
def unknown():
    event = request.get_json()
    try:
        recordings_api.transcribe_call_recording(ACCOUNT, event["callId"], "r-nope",
                                                 TranscribeRecording())
    except ApiException as refused:
        SEEN["status"] = refused.status
    return "<Response><Hangup/></Response>"


@app.post("/voice/transcribing")
def transcribing():
    return ("<Response><Record transcribe='true' transcriptionAvailableUrl='/voice/metadata' "
            "maxDuration='10'/></Response>")


@app.post("/voice/metadata")
def metadata():
    event = request.get_json()
    SEEN["meta"] = recordings_api.get_call_recording(ACCOUNT, event["callId"],
                                                     event["recordingId"]).transcription
    return "", 204


def run(**keys):
    SEEN.clear()
    keys.setdefault("call", {"answer_url": "/voice/initiate"})
    [scenario] = load(name="transcribe on request", app=app,
                      api={"username": "api-user", "password": "api-password"},
                      caller=[{"wait_for": "Record"}, {"say": "call me back tomorrow"},
                              {"hangup": True}], **keys)
    return run_loaded(scenario).to_json()


def test_a_recording_is_transcribed_when_the_app_asks_and_the_webhook_has_the_words():
    ASK.clear()
    ASK.update(callback_url="https://app.test/voice/transcribed", tag="vm-42",
               username="hook", password="hook-pw")
    result = run()
    assert SEEN["before"] is None  # Record without transcribe: no transcription yet
    # a change lands when the engine next waits: a read in the same handler sees the state
    # before it (docs/hermetic.md "When a request takes effect")
    assert SEEN["asked"] is None
    event = SEEN["event"]
    assert (event["eventType"], event["tag"], event["transcription"]["status"]) == (
        "transcriptionAvailable", "vm-42", "available")
    assert event["transcription"]["text"] == "call me back tomorrow"
    assert SEEN["auth"] == "Basic " + base64.b64encode(b"hook:hook-pw").decode()
    assert SEEN["text"] == ["call me back tomorrow"]
    assert SEEN["after_delete"] == 404
    [recording] = result["recordings"]
    assert recording["transcription"]["text"] == "call me back tomorrow"
    actions = [(e["detail"]["action"], e["detail"]["status"]) for e in result["timeline"]
               if e["kind"] == "rest"]
    assert ("transcribe_call_recording", 204) in actions
    assert ("get_recording_transcription", 200) in actions
    assert ("delete_recording_transcription", 204) in actions
    assert result["passed"], result["failures"]


def test_the_transcription_takes_the_scenario_s_transcription_processing_time():
    ASK.clear()
    ASK.update(callback_url="https://app.test/voice/transcribed")
    result = run(recording_processing={"recording_available": 1, "transcription_available": 4})
    sent = {c["eventType"]: c["at"] for c in result["callbacks"]}
    assert sent["transcriptionAvailable"] - sent["recordingAvailable"] == pytest.approx(3)


def test_without_a_callback_url_the_transcription_is_kept_and_no_webhook_is_sent():
    ASK.clear()
    result = run()
    assert "transcriptionAvailable" not in [c["eventType"] for c in result["callbacks"]]
    [recording] = result["recordings"]
    assert recording["transcription"]["status"] == "available"


@pytest.mark.parametrize("body, named", [
    ({"callbackUrl": "not a url"}, "callbackUrl"),
    ({"callbackMethod": "PUT"}, "callbackMethod"),
    ({"callbackTimeout": 30}, "callbackTimeout"),
    ({"detectLanguage": "yes"}, "detectLanguage"),
    ({"username": 5}, "username"),
    ([], "JSON object"),
])
def test_a_bad_transcription_request_is_a_400_naming_the_field(body, named):
    with pytest.raises(ApiError) as refused:
        bodies.transcribe_recording(body)
    assert refused.value.status == 400 and named in str(refused.value)


def test_an_unknown_recording_is_a_404_logged_on_the_timeline():
    SEEN.clear()
    [scenario] = load(name="unknown", app=app, call={"answer_url": "/voice/unknown"})
    result = run_loaded(scenario).to_json()
    assert SEEN["status"] == 404
    [entry] = [e for e in result["timeline"] if e["kind"] == "rest"]
    assert (entry["detail"]["action"], entry["detail"]["status"]) == (
        "transcribe_call_recording", 404)


def test_the_metadata_of_a_transcribed_recording_is_read_in_a_run():
    """A Record transcribe="true" recording's metadata carries its transcription (it raised
    AttributeError inside the app's SDK call: the run's calls had no processing times)."""
    result = run(call={"answer_url": "/voice/transcribing"},
                 recording_processing={"recording_available": 1, "transcription_available": 3})
    meta = SEEN["meta"]
    assert meta.status == "available" and meta.id.startswith("t-")
    sent = next(c for c in result["callbacks"] if c["eventType"] == "transcriptionAvailable")
    assert meta.id == sent["payload"]["transcription"]["id"]
    assert meta.completed_time.strftime("%Y-%m-%dT%H:%M:%S") == \
        sent["payload"]["transcription"]["completedTime"][:19]
