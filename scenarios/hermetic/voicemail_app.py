"""A voicemail app written like Bandwidth's public Python samples (Flask, bandwidth-sdk 23.x).

The caller hears a greeting and leaves a message; when the recording is available the app
downloads it with the SDK (``RecordingsApi.download_call_recording``) and keeps the bytes, as
a real app would store them. The ``ApiClient`` is built at import, with the SDK's default host
(``https://voice.bandwidth.com``): nothing here knows about the simulator.
"""

import os

from flask import Flask, Response, request

from bandwidth import ApiClient, Configuration, RecordingsApi
from bandwidth.models.bxml import Hangup, Record, SpeakSentence
from bandwidth.models.bxml import Response as BxmlResponse

BW_ACCOUNT_ID = os.environ.get("BW_ACCOUNT_ID", "9900000")
BW_USERNAME = os.environ.get("BW_USERNAME", "api-user")
BW_PASSWORD = os.environ.get("BW_PASSWORD", "api-password")

configuration = Configuration(username=BW_USERNAME, password=BW_PASSWORD)
api_client = ApiClient(configuration)
recordings_api = RecordingsApi(api_client)

app = Flask(__name__)
MESSAGES: dict[str, bytes] = {}  # recordingId -> the audio file, as downloaded
METADATA: dict[str, dict] = {}  # recordingId -> what get_call_recording said


def bxml(*verbs) -> Response:
    return Response(BxmlResponse(list(verbs)).to_bxml(), content_type="application/xml")


@app.post("/callbacks/voice/initiate")
def initiate():
    return bxml(SpeakSentence(text="You have reached Sam. Leave a message after the tone, "
                                   "then press pound."),
                Record(record_complete_url="/callbacks/voice/record-complete",
                       recording_available_url="/callbacks/voice/recording-available",
                       max_duration=60, file_format=request.args.get("format", "wav")))


@app.post("/callbacks/voice/record-complete")
def record_complete():
    return bxml(SpeakSentence(text="Thank you. Goodbye."), Hangup())


@app.post("/callbacks/voice/recording-available")
def recording_available():
    event = request.get_json()
    call_id, recording_id = event["callId"], event["recordingId"]
    METADATA[recording_id] = recordings_api.get_call_recording(
        BW_ACCOUNT_ID, call_id, recording_id).to_dict()
    MESSAGES[recording_id] = bytes(recordings_api.download_call_recording(
        BW_ACCOUNT_ID, call_id, recording_id))
    return "", 204
