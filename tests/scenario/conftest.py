"""A hand-made result.json object (design/contract.md shape) for expectation/golden tests."""

from __future__ import annotations

import copy

import pytest

CALL = "c-0a1b2c3d-11111111-2222-4333-8444-555555555555"
REC = "r-0a1b2c3d-66666666-7777-4888-9999-aaaaaaaaaaaa"


def _cb(at, event, url, payload, status=200, body="", attempt=1, fallback=False, error=None):
    return {"at": at, "eventType": event, "url": url, "method": "POST", "attempt": attempt,
            "fallback": fallback, "payload": {"eventType": event, "callId": CALL, **payload},
            "status": status, "responseBody": body, "error": error}


RESULT = {
    "format": "bxmlsim-result/1",
    "scenario": {"name": "voicemail", "file": "vm.yaml"}, "seed": 0,
    "passed": True, "failures": [],
    "calls": [{"callId": CALL, "parentCallId": None, "direction": "inbound",
               "from": "+15555550100", "to": "+15555550199",
               "startTime": "2026-01-01T00:00:00.000Z", "answerTime": "2026-01-01T00:00:00.000Z",
               "endTime": "2026-01-01T00:00:12.000Z", "disconnectCause": "hangup",
               "errorMessage": None}],
    "callbacks": [
        _cb(0.0, "initiate", "http://app.test/answer", {}, body="<Response/>"),
        _cb(3.0, "gather", "http://app.test/gather", {"digits": "", "terminatingDigit": ""}),
        _cb(8.0, "gather", "http://app.test/gather", {"digits": "12", "terminatingDigit": "#"}),
        _cb(11.2, "recordComplete", "http://app.test/rc",
            {"recordingId": REC, "duration": "PT4.2S", "fileFormat": "wav", "channels": 1}),
        _cb(11.2, "recordingAvailable", "http://app.test/ra",
            {"recordingId": REC, "status": "complete"}, status=503, attempt=1,
            error="HTTP 503"),
        _cb(12.0, "disconnect", "http://app.test/status", {"cause": "hangup"}),
    ],
    "recordings": [{"recordingId": REC, "callId": CALL, "verb": "Record",
                    "file": f"recordings/{REC}.wav", "fileFormat": "wav", "channels": 1,
                    "sampleRate": 8000, "duration": 4.2, "startAt": 7.0, "endAt": 11.2,
                    "segments": [{"startAt": 7.0, "endAt": 11.2}],
                    "endReason": "terminating-digit", "recordingName": None,
                    "transcription": {"status": "available",
                                      "text": "hi it's sam call me back"}}],
    "timeline": [
        {"at": 0.0, "callId": CALL, "kind": "call-start", "verb": None, "line": None,
         "detail": {"direction": "inbound"}},
        {"at": 0.0, "callId": CALL, "kind": "verb-start", "verb": "Gather", "line": 2,
         "detail": {}},
        {"at": 7.0, "callId": CALL, "kind": "verb-start", "verb": "Record", "line": 1,
         "detail": {}},
        {"at": 11.0, "callId": CALL, "kind": "digit", "verb": None, "line": None,
         "detail": {"digit": "#"}},
        {"at": 12.0, "callId": CALL, "kind": "call-end", "verb": None, "line": None,
         "detail": {"cause": "hangup"}},
    ],
}


@pytest.fixture
def result() -> dict:
    return copy.deepcopy(RESULT)
