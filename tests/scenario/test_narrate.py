"""Terminal narration of a result.json object."""

from __future__ import annotations

from simulator.scenario.narrate import narrate, summary


def test_summary_gives_callbacks_recordings_and_the_end(result):
    assert summary(result) == ("6 callbacks, 1 recording (4.2 s terminating-digit), "
                               "ended hangup at 12.000 s")


def test_narration_tells_each_event_with_short_call_ids(result):
    lines = narrate(result)
    assert lines[0] == "    0.000  c1  call starts: inbound  -> "
    assert lines[2] == "    7.000  c1  > Record (line 1)"
    assert lines[3] == "   11.000  c1  caller presses '#'"
    assert lines[4] == "   12.000  c1  call ends: hangup"


def webhook(result, **outcome):
    return {"at": 1.0, "callId": result["calls"][0]["callId"], "kind": "webhook",
            "detail": {"eventType": "redirect", "url": "http://app.test/p", "method": "POST",
                       "sync": True, **outcome}}


def test_webhook_lines_end_with_the_delivery_outcome_of_the_timeline(result):
    result["callbacks"] = []  # the narration reads the timeline only
    result["timeline"] = [
        webhook(result, ok=True, status=200, error=None, attempts=1, fallback=False),
        webhook(result, ok=True, status=200, error=None, attempts=2, fallback=True),
        webhook(result, ok=False, status=503, error="HTTP 503", attempts=1, fallback=False),
        webhook(result, ok=False, status=None, error="connection refused", attempts=2,
                fallback=False),
        webhook(result)]  # not delivered (yet)
    assert [line.split("http://app.test/p")[1] for line in narrate(result)] == [
        " -> 200", " -> 200 on attempt 2 via fallback", " -> 503 (HTTP 503)",
        " -> connection refused on attempt 2", ""]


def test_an_exception_of_the_app_is_told_on_its_webhook_line(result):
    result["timeline"] = [webhook(result, ok=False, status=500, error="HTTP 500", attempts=1,
                                  fallback=False, appError="KeyError: '3'")]
    assert narrate(result)[0].endswith(
        "http://app.test/p -> 500 (HTTP 500) [the app raised KeyError: '3']")


def test_an_unmet_wait_for_is_told_with_its_step_and_line(result):
    result["timeline"] = [{"at": 60.0, "callId": result["calls"][0]["callId"],
                           "kind": "unmet-wait-for", "verb": "Transfer", "line": 9,
                           "detail": {"step": 2, "since": 1.0}}]
    assert narrate(result) == ["   60.000  c1  caller still waiting for Transfer (step 2, line "
                               "9) as the call ends: the steps after it never run"]


def test_bxml_warnings_are_told_with_their_code_and_line(result):
    result["timeline"] = [{"at": 0.0, "callId": result["calls"][0]["callId"],
                           "kind": "bxml-warning", "line": 3,
                           "detail": {"code": "BX406", "message": "no gatherUrl"}}]
    assert narrate(result) == ["    0.000  c1  BXML warning BX406 (line 3): no gatherUrl"]


def test_a_refer_is_told_with_its_outcome_and_sip_codes(result):
    call_id = result["calls"][0]["callId"]
    result["timeline"] = [
        {"at": 2.6, "callId": call_id, "kind": "refer", "verb": "Refer", "line": 3,
         "detail": {"target": "sip:sales@pbx.example.com", "status": "success",
                    "referSipResponseCode": 202, "notifySipResponseCode": 200,
                    "reason": "transferred"}},
        {"at": 0.0, "callId": call_id, "kind": "refer", "verb": "Refer", "line": 2,
         "detail": {"target": "sip:sales@pbx.example.com", "status": "failure",
                    "referSipResponseCode": 405, "notifySipResponseCode": None,
                    "reason": "rejected"}}]
    assert narrate(result) == [
        "    2.600  c1  REFER to sip:sales@pbx.example.com (line 3): success "
        "(transferred; REFER 202, NOTIFY 200)",
        "    0.000  c1  REFER to sip:sales@pbx.example.com (line 2): failure "
        "(rejected; REFER 405, NOTIFY -)"]


def test_a_verb_is_named_with_its_line_column_and_element_path(result):
    """Contract C1: verb-start names where the verb is; other lines its line:col; an older
    result.json without those keys still narrates with its line."""
    call_id = result["calls"][0]["callId"]
    result["timeline"] = [
        {"at": 0.0, "callId": call_id, "kind": "verb-start", "verb": "SpeakSentence", "line": 3,
         "col": 5, "path": "/Response/Gather[1]/SpeakSentence[1]",
         "document": "http://app.test/answer", "detail": {"nested": True}},
        {"at": 0.0, "callId": call_id, "kind": "bxml-warning", "line": 3, "col": 5,
         "path": None, "document": "http://app.test/answer",
         "detail": {"code": "BX406", "message": "no gatherUrl"}},
        {"at": 1.0, "callId": call_id, "kind": "gather-start", "verb": "StartGather",
         "line": 4, "col": 3, "path": "/Response/StartGather[1]", "detail": {}},
        {"at": 2.0, "callId": call_id, "kind": "verb-start", "verb": "Pause", "line": 5,
         "detail": {}}]
    assert narrate(result) == [
        "    0.000  c1  > SpeakSentence (line 3:5 /Response/Gather[1]/SpeakSentence[1]) "
        "(prompt)",
        "    0.000  c1  BXML warning BX406 (line 3:5): no gatherUrl",
        "    1.000  c1  gather-start StartGather (line 4:3 /Response/StartGather[1])",
        "    2.000  c1  > Pause (line 5)"]


def test_summary_ends_when_the_calls_end_not_when_the_last_recording_is_processed():
    # recording_processing: recordingAvailable may come after the call-end entry
    result = {"callbacks": [], "recordings": [], "calls": [{"disconnectCause": "hangup"}],
              "timeline": [{"at": 10.5, "kind": "call-end"},
                           {"at": 29.7, "kind": "webhook", "detail": {}}]}
    assert summary(result) == "0 callbacks, ended hangup at 10.500 s"
