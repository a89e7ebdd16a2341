"""A Flask app on the legacy Bandwidth SDK 6.x (``bandwidth.voice``, requests-based), run in its
own interpreter: ``python legacy_app.py SDK_DIR OUT_DIR`` puts the 6.x package (installed
there with ``pip --target``) before the 23.x one, runs a scenario on this app in process and
prints what the app saw and the run's result as JSON.

The app creates a second call, reads its own call's state, lists its recordings and
downloads the media with the 6.x client's methods (create_call, get_call_state,
get_query_metadata_for_account_and_call, get_stream_recording_media, modify_call).
"""

import json
import sys

sys.path.insert(0, sys.argv[1])

from flask import Flask, request  # noqa: E402

from bandwidth.bandwidth_client import BandwidthClient  # noqa: E402 - the 6.x one
from bandwidth.voice.models.api_create_call_request import ApiCreateCallRequest  # noqa: E402
from bandwidth.voice.models.api_modify_call_request import ApiModifyCallRequest  # noqa: E402

ACCOUNT = "9900000"
voice = BandwidthClient(voice_basic_auth_user_name="api-user",
                        voice_basic_auth_password="api-password").voice_client.client
app = Flask(__name__)
SEEN = {}


@app.post("/answer")
def answer():
    event = request.get_json()
    created = voice.create_call(ACCOUNT, ApiCreateCallRequest(
        mfrom=event["to"], to="+15555550123", answer_url="https://legacy.example.com/agent",
        application_id="app-legacy"))
    SEEN["created"] = created.body.call_id
    SEEN["state"] = voice.get_call_state(ACCOUNT, event["callId"]).body.state
    return ('<Response><SpeakSentence>Leave a message.</SpeakSentence>'
            '<Record recordingAvailableUrl="/available" maxDuration="3"/>'
            '<Pause duration="10"/></Response>')


@app.post("/available")
def available():
    event = request.get_json()
    listed = voice.get_query_metadata_for_account_and_call(ACCOUNT, event["callId"]).body
    SEEN["listed"] = [item.recording_id for item in listed]
    media = voice.get_stream_recording_media(ACCOUNT, event["callId"], event["recordingId"])
    SEEN["media"] = len(media.body)
    voice.modify_call(ACCOUNT, event["callId"], ApiModifyCallRequest(state="completed"))
    return "", 204


@app.post("/agent")
def agent():
    return "<Response><Hangup/></Response>"


if __name__ == "__main__":
    import bandwidth

    from simulator.api import load, run_loaded

    [scenario] = load(name="legacy", app=app,
                      caller=[{"wait_for": "Record"}, {"say": "hello from the old SDK"}],
                      parties={"+15555550123": {"answer_after": 1}})
    result = run_loaded(scenario, sys.argv[2]).to_json()
    print(json.dumps({"sdk": bandwidth.__file__, "seen": SEEN, "result": result}))
