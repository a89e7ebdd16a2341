"""The rest of the Voice API through the SDK, from the handlers of one app (apps/support_app.py):
recording pause/resume, PUT bxml superseding the handler's reply, the conference API, the
recordings list, media deletion, and the real-time transcriptions of TranscriptionsApi."""

from __future__ import annotations

import pytest

pytest.importorskip("bandwidth")

import support_app  # noqa: E402 - tests/hermetic/apps

from simulator.api import load, run_loaded  # noqa: E402


def test_a_support_line_uses_the_whole_api_from_its_handlers(tmp_path):
    support_app.SEEN.clear()
    [scenario] = load(name="support", app=support_app.app,
                      call={"answer_url": "/initiate", "disconnect_url": "/disconnect"},
                      caller=[{"wait_for": "Gather"}, {"say": "my printer is on fire"},
                              {"press": "1"}, {"wait_for": "Conference"},
                              {"say": "hello is anyone there"}, {"hangup": True}])
    result = run_loaded(scenario, tmp_path).to_json()
    seen = support_app.SEEN
    call_id = result["calls"][0]["callId"]
    [recording] = result["recordings"]
    assert seen["recording"] == recording["recordingId"]
    # paused at the press, resumed by the PUT bxml at the same instant: one segment, the
    # gather webhook's own reply never ran
    rest = [(e["detail"]["action"], e["detail"]["status"]) for e in result["timeline"]
            if e["kind"] == "rest"]
    assert rest[:2] == [("recording", 200), ("put_bxml", 204)]
    [put] = [e["detail"] for e in result["timeline"] if e["detail"].get("action") == "put_bxml"]
    assert put["via"] == "api" and put["bxml"].endswith(  # the body the SDK sent
        '<Conference conferenceEventUrl="/conference">support</Conference></Bxml>')
    assert put["bxmlDocument"] == f"PUT /calls/{call_id}/bxml#1"
    assert not any(e["verb"] == "SpeakSentence" and e["detail"].get("reason") == "completed"
                   and e["at"] > 10 for e in result["timeline"])
    assert [e["kind"] for e in result["timeline"] if e["kind"].startswith("recording-p")
            or e["kind"] == "recording-resume"] == ["recording-pause", "recording-resume"]
    assert (seen["listed"], seen["members"], seen["muted_now"]) == (["support"], [call_id],
                                                                    False)
    member = [e for e in result["timeline"] if e["kind"] == "conference-member"]
    assert member and member[-1]["detail"]["mute"] is True  # landed after the handler
    assert seen["transcription_name"] == "live"
    assert seen["tracks"] == {"inbound": "my printer is on fire",
                              "outbound": "Tell us what is wrong, then press one."}
    assert (seen["status_after_delete"], seen["left"]) == ("deleted", 0)
