"""Names and value lists of the webhook events (spec/callbacks.md §1.2, §1.8, §3).

``FIELDS`` is the single source of every payload's keys and their order: the SDK 23.3.1
model's field order for the 22 events with a model, and our documented order (call envelope
first, then event fields) for the media-stream and real-time-transcription events, which
have none. ``EXTRAS`` lists the keys the docs define that the SDK model lacks; they go after
the model's fields.
"""

from __future__ import annotations

# Keys of the common call envelope, in the order the SDK models mostly use.
_CALL = ("eventType", "eventTime", "accountId", "applicationId", "from", "to", "direction",
         "callId", "callUrl")
_TIMES = ("enqueuedTime", "startTime", "answerTime")
_B_LEG = ("transferCallerId", "transferTo")
_ERROR = ("cause", "errorMessage", "errorId")
_CONFERENCE = ("eventType", "eventTime", "conferenceId", "name")
_STREAM_ENVELOPE = _CALL + _TIMES + ("tag",)

FIELDS: dict[str, tuple[str, ...]] = {
    "initiate": _CALL + ("startTime", "diversion", "stirShaken", "uui", "sipCallId",
                         "sipHeaders"),
    "answer": _CALL + _TIMES + ("tag", "machineDetectionResult", "sipCallId"),
    "disconnect": ("eventType", "eventTime", "accountId", "applicationId", "from", "to",
                   "callId", "direction", "callUrl") + _TIMES + ("endTime",) + _ERROR
                  + ("tag", "sipCallId", "sipResponseCode"),
    "redirect": _CALL + ("parentCallId",) + _TIMES + ("tag",) + _B_LEG,
    "gather": ("eventType", "eventTime", "accountId", "applicationId", "from", "to",
               "direction", "callId", "digits", "callUrl") + _TIMES
              + ("parentCallId", "terminatingDigit") + _B_LEG + ("tag",),
    "dtmf": ("eventType", "eventTime", "accountId", "applicationId", "from", "to", "callId",
             "direction", "digit", "callUrl") + _TIMES + ("parentCallId",) + _B_LEG
            + ("tag",),
    "recordComplete": _CALL + ("parentCallId", "recordingId", "mediaUrl") + _TIMES
                      + ("endTime", "duration", "fileFormat", "channels", "tag") + _B_LEG,
    "recordingAvailable": _CALL + ("parentCallId", "recordingId", "mediaUrl", "enqueuedTime",
                                   "startTime", "endTime", "duration", "fileFormat",
                                   "channels", "tag", "status") + _B_LEG,
    "transcriptionAvailable": _CALL + ("mediaUrl", "parentCallId", "recordingId",
                                       "enqueuedTime", "startTime", "endTime", "duration",
                                       "fileFormat", "tag", "transcription") + _B_LEG,
    "transferAnswer": _CALL + _TIMES + ("tag",) + _B_LEG,
    "transferComplete": _CALL + _TIMES + ("tag",) + _B_LEG + _ERROR,
    "transferDisconnect": _CALL + ("parentCallId",) + _TIMES + ("endTime", "tag") + _B_LEG
                          + _ERROR,
    "bridgeComplete": _CALL + _TIMES + ("tag",) + _ERROR,
    "bridgeTargetComplete": _CALL + _TIMES + ("tag",),
    "conferenceCreated": _CONFERENCE + ("tag",),
    "conferenceMemberJoin": _CONFERENCE + ("from", "to", "callId", "tag"),
    "conferenceMemberExit": _CONFERENCE + ("from", "to", "callId", "tag"),
    "conferenceRedirect": _CONFERENCE + ("tag",),
    "conferenceCompleted": _CONFERENCE + ("tag",),
    "conferenceRecordingAvailable": _CONFERENCE + ("accountId", "recordingId", "channels",
                                                   "startTime", "endTime", "duration",
                                                   "fileFormat", "mediaUrl", "tag", "status"),
    "machineDetectionComplete": _CALL + _TIMES + ("tag", "machineDetectionResult"),
    "referComplete": _CALL + ("startTime", "answerTime", "tag", "referCallStatus",
                              "referSipResponseCode", "notifySipResponseCode"),
    "mediaStreamStarted": _STREAM_ENVELOPE + ("mediaStream",),
    "mediaStreamRejected": _STREAM_ENVELOPE + ("cause", "errorMessage", "mediaStream",
                                               "originalMediaStream"),
    "mediaStreamStopped": _STREAM_ENVELOPE + ("cause", "errorMessage", "mediaStream"),
    "realTimeTranscriptionStarted": _STREAM_ENVELOPE + ("realTimeTranscription",),
    "realTimeTranscriptionRejected": _STREAM_ENVELOPE + ("cause", "errorMessage",
                                                         "realTimeTranscription",
                                                         "originalTranscription"),
    "realTimeTranscriptionStopped": _STREAM_ENVELOPE + ("cause", "errorMessage",
                                                        "realTimeTranscription"),
    "realTimeTranscriptionAvailable": _STREAM_ENVELOPE + ("realTimeTranscription",),
    # Partial results of a speech <Gather> (partialResultCallback): no docs, no SDK model; the
    # name and fields are inferred (README #14, docs/callbacks.md).
    "partialResult": _CALL + _TIMES + ("parentCallId",) + _B_LEG + ("tag", "speechResult"),
}

#: Keys missing from the SDK model, after its fields: documented (README #19:
#: transferAnswer.parentCallId) or inferred (README #14: gather.speechResult, the result of a
#: speech Gather, present when its input includes speech).
EXTRAS: dict[str, tuple[str, ...]] = {"transferAnswer": ("parentCallId",),
                                      "gather": ("speechResult",)}

EVENT_TYPES: tuple[str, ...] = tuple(FIELDS)

#: Events whose response is BXML to execute (callbacks.md §1.2).
SYNC_EVENTS: frozenset[str] = frozenset({
    "initiate", "answer", "redirect", "gather", "recordComplete", "transferAnswer",
    "transferComplete", "bridgeComplete", "bridgeTargetComplete", "conferenceCreated",
    "conferenceMemberJoin", "conferenceMemberExit", "conferenceRedirect", "referComplete",
})
#: Events whose response body is ignored; any 2xx is success.
ASYNC_EVENTS: frozenset[str] = frozenset(EVENT_TYPES) - SYNC_EVENTS

#: Conference events: no call envelope, BXML (sync ones) runs in the conference.
CONFERENCE_EVENTS: frozenset[str] = frozenset(e for e in EVENT_TYPES if e.startswith("conference"))

#: ``cause`` of disconnect / transferComplete / transferDisconnect / bridgeComplete (§3.3).
DISCONNECT_CAUSES: tuple[str, ...] = (
    "hangup", "busy", "timeout", "cancel", "rejected", "callback-error", "invalid-bxml",
    "application-error", "account-limit", "node-capacity-exceeded", "error", "unknown",
)
#: Causes of a normal end: they carry no errorMessage / errorId.
NORMAL_CAUSES: frozenset[str] = frozenset({"hangup", "cancel"})
#: errorMessage used when the engine gives none (the busy text is the docs example's).
ERROR_MESSAGES: dict[str, str] = {
    "busy": "Callee is busy",
    "timeout": "Call was not answered before the call timeout",
    "rejected": "Call was rejected by the callee",
    "callback-error": "A BXML callback could not be delivered",
    "invalid-bxml": "Invalid BXML was returned in response to a callback",
    "application-error": "An unsupported action was tried on the call",
    "account-limit": "The account rate limits were reached",
    "node-capacity-exceeded": "The system maximum capacity was reached",
    "error": "An error occurred on the call",
    "unknown": "An unknown error occurred on the call",
}

#: ``cause`` of mediaStreamStopped / realTimeTranscriptionStopped and of the Rejected events.
STOP_CAUSES: tuple[str, ...] = ("closed", "connection-error", "error")
REJECT_CAUSES: tuple[str, ...] = ("connection-error", "duplicate", "error", "track-limit")
STREAM_ERROR_MESSAGES: dict[str, str] = {
    "connection-error": "Could not communicate with the destination",
    "duplicate": "A stream with the same name already exists for this call",
    "error": "An internal error occurred",
    "track-limit": "The call has reached the limit of concurrent track streams",
}

MACHINE_DETECTION_VALUES: tuple[str, ...] = (
    "human", "answering-machine", "tone-detected", "silence", "timeout", "error")
RECORDING_STATUSES: tuple[str, ...] = ("complete", "partial", "error")
TRANSCRIPTION_STATUSES: tuple[str, ...] = (
    "none", "processing", "available", "error", "timeout", "file-size-too-big",
    "file-size-too-small")
REALTIME_TRANSCRIPTION_STATUSES: tuple[str, ...] = ("available", "failed")
REFER_CALL_STATUSES: tuple[str, ...] = ("success", "failure")
FILE_FORMATS: tuple[str, ...] = ("wav", "mp3")
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound")
TRACKS: tuple[str, ...] = ("inbound", "outbound")
