"""An app in its own process (python remote_app.py): a Flask server on 127.0.0.1 whose SDK points
at the Voice API a bxmlsim run serves there ($BXMLSIM_API_URL). It prints its port first.

Its initiate handler reads the call's state through the API and says it back; the recording's
mediaUrl is played back after the SDK downloaded it (so the download went to the run too).
"""

import os
import sys

from flask import Flask, Response, request

from bandwidth import ApiClient, CallsApi, Configuration, RecordingsApi
from bandwidth.models.bxml import Hangup, PlayAudio, Record, SpeakSentence
from bandwidth.models.bxml import Response as BxmlResponse

configuration = Configuration(host=os.environ["BXMLSIM_API_URL"], ignore_operation_servers=True,
                              username="api-user", password="api-password")
client = ApiClient(configuration)
calls, recordings = CallsApi(client), RecordingsApi(client)
app = Flask(__name__)
SIZES = {}


@app.post("/answer")
def answer():
    event = request.get_json()
    state = calls.get_call_state(event["accountId"], event["callId"]).state
    return Response(BxmlResponse([SpeakSentence(text=f"Your call is {state}."),
                                  Record(recording_available_url="/available", max_duration=3),
                                  Hangup()]).to_bxml(), content_type="application/xml")


@app.post("/available")
def available():
    event = request.get_json()
    media = recordings.download_call_recording(event["accountId"], event["callId"],
                                               event["recordingId"])
    SIZES[event["recordingId"]] = len(media)
    return "", 204


@app.get("/sizes")
def sizes():
    return SIZES


if __name__ == "__main__":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    sys.stdout.close()
    server.serve_forever()
