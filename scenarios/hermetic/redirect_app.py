"""A "record, then play it back" app written like Bandwidth's public Python samples (Flask,
bandwidth-sdk 23.x).

The caller records a message while on hold music; when the recording is available the app
redirects the live call with ``CallsApi.update_call`` (state active, redirectUrl), and the
redirect's BXML plays the message back with ``<PlayAudio>`` of its ``mediaUrl``, the API
credentials in ``username``/``password``, as Bandwidth's docs show. The ``ApiClient`` is built
at import with the SDK's default host: nothing here knows about the simulator.
"""

import os
from urllib.parse import quote, unquote

from flask import Flask, Response, request

from bandwidth import ApiClient, CallsApi, Configuration
from bandwidth.models import UpdateCall
from bandwidth.models.bxml import Hangup, Pause, PlayAudio, Record, SpeakSentence
from bandwidth.models.bxml import Response as BxmlResponse

BW_ACCOUNT_ID = os.environ.get("BW_ACCOUNT_ID", "9900000")
BW_USERNAME = os.environ.get("BW_USERNAME", "api-user")
BW_PASSWORD = os.environ.get("BW_PASSWORD", "api-password")
BASE_CALLBACK_URL = os.environ.get("BASE_CALLBACK_URL", "https://callbacks.example.com")

calls_api = CallsApi(ApiClient(Configuration(username=BW_USERNAME, password=BW_PASSWORD)))

app = Flask(__name__)
REDIRECTS: list[str] = []  # callIds redirected


def bxml(*verbs) -> Response:
    return Response(BxmlResponse(list(verbs)).to_bxml(), content_type="application/xml")


@app.post("/callbacks/initiate")
def initiate():
    return bxml(SpeakSentence(text="Record your message, then stay on the line."),
                Record(recording_available_url="/callbacks/recording-available",
                       max_duration=5, silence_timeout="2"),
                SpeakSentence(text="Please wait while we fetch your message."),
                Pause(duration=30))


@app.post("/callbacks/recording-available")
def recording_available():
    event = request.get_json()
    calls_api.update_call(BW_ACCOUNT_ID, event["callId"], UpdateCall(
        state="active",
        redirect_url=f"{BASE_CALLBACK_URL}/callbacks/playback?media={quote(event['mediaUrl'])}"))
    REDIRECTS.append(event["callId"])
    return "", 204


@app.post("/callbacks/playback")
def playback():
    media = unquote(request.args["media"])
    return bxml(SpeakSentence(text="Here is your message."),
                PlayAudio(audio_uri=media, username=BW_USERNAME, password=BW_PASSWORD),
                Hangup())
