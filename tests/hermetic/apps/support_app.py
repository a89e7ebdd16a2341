"""A support line written like Bandwidth's public Python samples (Flask, bandwidth-sdk 23.x),
that uses the rest of the Voice API from its handlers:

* the call is recorded (StartRecording) and transcribed live (StartTranscription);
* when the caller presses 1, the app pauses the recording (``update_call_recording_state``)
  and replaces the call's BXML (``update_call_bxml``): stop the transcription, resume the
  recording, join the support conference; the Hangup its gather handler returns is superseded;
* when the caller joins, the app reads the conference (``list_conferences``,
  ``get_conference``) and mutes the member (``update_conference_member``, ``get_conference_member``);
* when the call is over, it lists the recordings, reads the live transcription
  (``TranscriptionsApi``), deletes the media and the transcription, reads the metadata again.

Everything it saw is kept in ``SEEN`` for the tests. The ``ApiClient`` is built at import with
the SDK's default host.
"""

from flask import Flask, Response, request

from bandwidth import (ApiClient, CallsApi, ConferencesApi, Configuration, RecordingsApi,
                       TranscriptionsApi)
from bandwidth.models import UpdateCallRecording, UpdateConferenceMember
from bandwidth.models.bxml import (Conference, Gather, SpeakSentence, StartRecording,
                                   StartTranscription)
from bandwidth.models.bxml import Response as BxmlResponse

ACCOUNT = "9900000"
client = ApiClient(Configuration(username="api-user", password="api-password"))
calls, recordings = CallsApi(client), RecordingsApi(client)
conferences, transcriptions = ConferencesApi(client), TranscriptionsApi(client)
app = Flask(__name__)
SEEN: dict = {}


def bxml(*verbs) -> Response:
    return Response(BxmlResponse(list(verbs)).to_bxml(), content_type="application/xml")


@app.post("/initiate")
def initiate():
    return bxml(StartRecording(), StartTranscription(name="live", tracks="both"),
                SpeakSentence(text="Tell us what is wrong, then press one."),
                Gather(gather_url="/gathered", max_digits=1, first_digit_timeout=20))


@app.post("/gathered")
def gathered():
    call_id = request.get_json()["callId"]
    recordings.update_call_recording_state(ACCOUNT, call_id, UpdateCallRecording(state="paused"))
    calls.update_call_bxml(ACCOUNT, call_id, (
        '<?xml version="1.0" encoding="UTF-8"?><Bxml><StopTranscription name="live"/>'
        '<ResumeRecording/><Conference conferenceEventUrl="/conference">support</Conference>'
        '</Bxml>'))
    return bxml(SpeakSentence(text="This is never heard: the PUT bxml replaced it."))


@app.post("/conference")
def conference():
    event = request.get_json()
    if event["eventType"] == "conferenceMemberJoin":
        conference_id, call_id = event["conferenceId"], event["callId"]
        SEEN["listed"] = [c.name for c in conferences.list_conferences(ACCOUNT)]
        SEEN["members"] = [m.call_id for m in conferences.get_conference(
            ACCOUNT, conference_id).active_members]
        conferences.update_conference_member(ACCOUNT, conference_id, call_id,
                                             UpdateConferenceMember(mute=True))
        SEEN["muted_now"] = conferences.get_conference_member(ACCOUNT, conference_id,
                                                              call_id).mute
    return "", 204


@app.post("/disconnect")
def disconnect():
    call_id = request.get_json()["callId"]
    [recording] = recordings.list_call_recordings(ACCOUNT, call_id)
    SEEN["recording"] = recording.recording_id
    [live] = transcriptions.list_real_time_transcriptions(ACCOUNT, call_id)
    SEEN["transcription_name"] = live.transcription_name
    detail = transcriptions.get_real_time_transcription(ACCOUNT, call_id, live.transcription_id)
    SEEN["tracks"] = {t.track: t.transcript for t in detail.tracks}
    recordings.delete_recording_media(ACCOUNT, call_id, recording.recording_id)
    SEEN["status_after_delete"] = recordings.get_call_recording(
        ACCOUNT, call_id, recording.recording_id).status
    transcriptions.delete_real_time_transcription(ACCOUNT, call_id, live.transcription_id)
    SEEN["left"] = len(transcriptions.list_real_time_transcriptions(ACCOUNT, call_id))
    return "", 204
