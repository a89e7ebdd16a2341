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


def test_webhook_lines_show_every_attempt(result):
    result["callbacks"] = [
        {"at": 1.0, "eventType": "redirect", "url": "http://app.test/p", "attempt": 1,
         "fallback": False, "status": 503, "error": "HTTP 503"},
        {"at": 1.0, "eventType": "redirect", "url": "http://b.test/f", "attempt": 2,
         "fallback": True, "status": 200, "error": None}]
    result["timeline"] = [{"at": 1.0, "callId": result["calls"][0]["callId"], "kind": "webhook",
                           "detail": {"eventType": "redirect", "url": "http://app.test/p",
                                      "method": "POST"}}]
    assert narrate(result) == [
        "    1.000  c1  webhook redirect POST http://app.test/p -> 503 (HTTP 503), "
        "fallback -> 200"]
