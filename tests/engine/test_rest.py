"""REST actions of the app in virtual time (engine/rest.py; spec voice-api.md §3.1, §3.4, §3.5,
§4.1; bxml-verbs.md §1.3 "Interruption"; README #4, #5, #8, #16).

Reads like the spec: a redirect stops the verb executing and discards the rest of the document,
PUT bxml replaces it without a webhook, state=completed hangs up, recording pause/resume act on
the StartRecording recording, createCall makes an outbound call with its own lifecycle.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.audio.sink import read_audio
from simulator.engine.rest_requests import refused_update
from simulator.rest_rules import CALL_UPDATE
from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, CreatedCall, Hangup, RestAction, Route, Say, Scenario, UpdateCall,
)

EMPTY = Route(status=200, body="")


def run(tmp_path, answer, *, routes=None, caller=(), calls=None, rest=(), direction="inbound"):
    table = {"/answer": Route(bxml=answer), "/disc": EMPTY, "/rec": EMPTY}
    table.update({k: (v if isinstance(v, Route) else Route(bxml=v))
                  for k, v in (routes or {}).items()})
    scenario = Scenario(name="rest", app=AppSettings(routes=table), caller=tuple(caller),
                        call=CallSettings(disconnect_url="/disc", direction=direction),
                        calls=calls or {}, rest=tuple(rest))
    return simulate(scenario, tmp_path / "out").to_json()


def events(result):
    return [c["eventType"] for c in result["callbacks"] if c["attempt"] == 1]


def rest_entries(result):
    return [e for e in result["timeline"] if e["kind"] == "rest"]


def callback(result, event_type, n=0):
    return [c for c in result["callbacks"] if c["eventType"] == event_type][n]


LONG_RECORD = ('<Response><Record recordCompleteUrl="/rc" recordingAvailableUrl="/rec" '
               'maxDuration="60"/><SpeakSentence>never reached</SpeakSentence></Response>')


def test_redirect_ends_a_record_in_progress_with_end_reason_redirected(tmp_path):
    """README #4: no recordComplete, recordingAvailable still sent; redirect goes out at `at`."""
    result = run(tmp_path, LONG_RECORD, caller=[Say("please call me back", at=1.0)],
                 routes={"/interrupt": "<Response><SpeakSentence>Sorry to cut in"
                                       "</SpeakSentence></Response>"},
                 rest=[RestAction(at=5.0, update_call=UpdateCall(redirect_url="/interrupt"))])
    assert events(result) == ["initiate", "redirect", "recordingAvailable", "disconnect"]
    assert callback(result, "redirect")["at"] == 5.0
    assert callback(result, "redirect")["url"] == "http://app.test/interrupt"
    [rec] = result["recordings"]
    assert rec["endReason"] == "redirected"
    assert rec["duration"] == pytest.approx(5.0)
    record_end = [e for e in result["timeline"] if e["kind"] == "verb-end"
                  and e["verb"] == "Record"]
    assert record_end[0]["detail"]["reason"] == "redirected"
    spoken = [e["at"] for e in result["timeline"]
              if e["kind"] == "verb-start" and e["verb"] == "SpeakSentence"]
    assert spoken == [5.0]  # the redirect's; the rest of the first document is discarded
    [entry] = rest_entries(result)
    assert entry["detail"]["action"] == "update_call" and entry["detail"]["status"] == 200
    assert entry["at"] == 5.0 and entry["callId"] == result["calls"][0]["callId"]
    audio = read_audio(tmp_path / "out" / rec["file"])
    assert len(audio) == pytest.approx(5.0 * 8000, abs=8)
    assert float(np.abs(audio[int(1.2 * 8000):int(2.2 * 8000)]).max()) > 0.01  # caller heard


def test_redirect_tag_applies_to_the_redirect_webhook(tmp_path):
    result = run(tmp_path, '<Response><Pause duration="30"/></Response>',
                 routes={"/x": "<Response><Hangup/></Response>"},
                 rest=[RestAction(at=2.0, update_call=UpdateCall(redirect_url="/x",
                                                                 tag="supervisor"))])
    assert callback(result, "redirect")["payload"]["tag"] == "supervisor"
    assert result["calls"][0]["endTime"].endswith("00:00:02.000Z")


def test_state_completed_hangs_the_call_up(tmp_path):
    result = run(tmp_path, '<Response><Pause duration="30"/></Response>',
                 rest=[RestAction(at=4.0, update_call=UpdateCall(state="completed"))])
    call = result["calls"][0]
    assert call["disconnectCause"] == "hangup"
    assert callback(result, "disconnect")["at"] == 4.0
    assert events(result) == ["initiate", "disconnect"]


def test_put_bxml_replaces_the_document_without_a_webhook(tmp_path):
    """README #8: a <Bxml> root is accepted in PUT bxml; 204; no webhook."""
    result = run(tmp_path, '<Response><Pause duration="30"/><Hangup/></Response>',
                 rest=[RestAction(at=3.0, put_bxml="<Bxml><SpeakSentence>one two three"
                                                   "</SpeakSentence></Bxml>")])
    assert events(result) == ["initiate", "disconnect"]
    [entry] = rest_entries(result)
    assert entry["detail"]["status"] == 204
    pause_end = [e for e in result["timeline"] if e["kind"] == "verb-end" and e["verb"] == "Pause"]
    assert pause_end[0]["at"] == 3.0 and pause_end[0]["detail"]["reason"] == "bxml-replaced"
    assert callback(result, "disconnect")["at"] == pytest.approx(3.0 + 1.2)  # 3 words at 0.4 s


def test_put_bxml_with_invalid_bxml_is_refused_and_the_call_carries_on(tmp_path):
    result = run(tmp_path, '<Response><Pause duration="10"/></Response>',
                 rest=[RestAction(at=3.0, put_bxml="<Bxml><Dance/></Bxml>")])
    [entry] = rest_entries(result)
    assert entry["detail"]["status"] == 400 and "Dance" in entry["detail"]["error"]
    assert callback(result, "disconnect")["at"] == 10.0


def test_the_rest_entry_of_put_bxml_carries_the_body_as_read(tmp_path):
    """``bxml``: the body with its references substituted; ``document``: what its verbs name."""
    agent = CreatedCall(to="+15555550123", at=0.0)
    body = "<Bxml><Bridge>{{calls.agent.callId}}</Bridge></Bxml>"
    result = run(tmp_path, '<Response><Pause duration="5"/></Response>', calls={"agent": agent},
                 rest=[RestAction(at=1.0, put_bxml=body)])
    main, created = result["calls"][0]["callId"], result["calls"][1]["callId"]
    [put] = [e["detail"] for e in rest_entries(result) if e["detail"]["action"] == "put_bxml"]
    assert put["bxml"] == f"<Bxml><Bridge>{created}</Bridge></Bxml>"
    assert put["bxmlDocument"] == f"PUT /calls/{main}/bxml#1"


def test_warnings_of_put_bxml_are_logged_on_the_call(tmp_path):
    result = run(tmp_path, '<Response><Pause duration="10"/></Response>',
                 rest=[RestAction(at=3.0, put_bxml='<Bxml><Gather maxDigits="1"/></Bxml>')])
    [warning] = [t for t in result["timeline"] if t["kind"] == "bxml-warning"]
    assert (warning["callId"], warning["at"], warning["detail"]["code"]) == (
        result["calls"][0]["callId"], 3.0, "BX406")


def test_rest_recording_pauses_and_resumes_start_recording(tmp_path):
    """PUT /calls/{id}/recording: segments cut; pause while paused is a 200 no-op."""
    result = run(tmp_path, '<Response><StartRecording recordingAvailableUrl="/rec"/>'
                 '<Pause duration="10"/></Response>',
                 rest=[RestAction(at=2.0, recording="paused"),
                       RestAction(at=3.0, recording="paused"),
                       RestAction(at=5.0, recording="recording")])
    assert [e["detail"]["status"] for e in rest_entries(result)] == [200, 200, 200]
    [rec] = result["recordings"]
    assert [(s["startAt"], s["endAt"]) for s in rec["segments"]] == [(0.0, 2.0), (5.0, 10.0)]
    assert rec["duration"] == pytest.approx(7.0)
    kinds = [e["kind"] for e in result["timeline"] if e["kind"].startswith("recording-")]
    assert kinds == ["recording-start", "recording-pause", "recording-resume", "recording-stop"]


def test_rest_recording_without_a_recording_is_a_409(tmp_path):
    """README #5: no StartRecording recording -> 409, with a clear error on the timeline."""
    result = run(tmp_path, '<Response><Pause duration="5"/></Response>',
                 rest=[RestAction(at=1.0, recording="paused")])
    [entry] = rest_entries(result)
    assert entry["detail"]["status"] == 409
    assert "no StartRecording recording" in entry["detail"]["error"]
    assert result["recordings"] == []


def test_a_call_that_ended_or_does_not_exist_yet(tmp_path):
    """409 for an ended call; 404 for a created call whose `at` has not come."""
    result = run(tmp_path, "<Response><Hangup/></Response>",
                 calls={"later": CreatedCall(to="+15555550123", at=50.0)},
                 routes={"/later": "<Response><Hangup/></Response>"},
                 rest=[RestAction(at=1.0, update_call=UpdateCall(state="completed")),
                       RestAction(at=2.0, call="later", recording="paused")])
    statuses = [(e["detail"]["action"], e["detail"]["status"]) for e in rest_entries(result)]
    assert statuses == [("update_call", 409), ("recording", 404), ("create_call", 201)]


# -- calls the app creates ------------------------------------------------------------------------

def test_created_call_follows_the_outbound_lifecycle(tmp_path):
    """answer webhook to answer_url once answered; its own caller script; disconnect."""
    agent = CreatedCall(to="+15555550123", answer_url="/agent", disconnect_url="/disc", at=2.0,
                        answer_after=3.0, caller=(Say("hello there", at=1.0), Hangup(at=4.0)))
    result = run(tmp_path, '<Response><Pause duration="20"/></Response>',
                 calls={"agent": agent}, routes={"/agent": '<Response><Pause duration="30"/>'
                                                           "</Response>"})
    main, created = result["calls"]
    assert created["direction"] == "outbound" and created["parentCallId"] is None
    assert created["to"] == "+15555550123" and created["from"] == main["to"]  # the app's number
    answer = callback(result, "answer")
    assert answer["at"] == 5.0 and answer["payload"]["callId"] == created["callId"]
    assert answer["url"] == "http://app.test/agent"
    assert created["disconnectCause"] == "hangup" and created["endTime"].endswith("09.000Z")
    speech = [e for e in result["timeline"] if e["kind"] == "speech"]
    assert [(e["callId"], e["at"]) for e in speech] == [(created["callId"], 6.0)]


@pytest.mark.parametrize("status, cause, ended", [("busy", "busy", 1.0),
                                                   ("no-answer", "timeout", 11.0)])
def test_created_call_that_is_not_answered(tmp_path, status, cause, ended):
    agent = CreatedCall(to="+15555550123", at=1.0, status=status, call_timeout=10.0,
                        disconnect_url="/disc")
    result = run(tmp_path, '<Response><Pause duration="20"/></Response>', calls={"agent": agent})
    created = result["calls"][1]
    assert created["disconnectCause"] == cause and created["answerTime"] is None
    assert "answer" not in events(result)
    disconnects = [c for c in result["callbacks"] if c["eventType"] == "disconnect"
                   and c["payload"]["callId"] == created["callId"]]
    assert disconnects[0]["at"] == ended and disconnects[0]["payload"]["cause"] == cause


def test_completing_a_ringing_created_call_cancels_it_and_redirecting_it_is_a_409(tmp_path):
    agent = CreatedCall(to="+15555550123", at=1.0, answer_after=20.0)
    result = run(tmp_path, '<Response><Pause duration="10"/></Response>', calls={"agent": agent},
                 rest=[RestAction(at=2.0, call="agent", update_call=UpdateCall(redirect_url="/x")),
                       RestAction(at=3.0, call="agent", put_bxml="<Bxml><Hangup/></Bxml>"),
                       RestAction(at=4.0, call="agent",
                                  update_call=UpdateCall(state="completed"))])
    assert [e["detail"]["status"] for e in rest_entries(result)] == [201, 409, 409, 200]
    refused = rest_entries(result)[2]["detail"]  # the PUT bxml: asked, never read
    assert refused["bxml"] == "<Bxml><Hangup/></Bxml>" and "bxmlDocument" not in refused
    created = result["calls"][1]
    assert created["disconnectCause"] == "cancel"
    assert created["endTime"].endswith("04.000Z")


def test_the_engine_refuses_an_update_built_in_python_the_rules_refuse(tmp_path):
    """A RestAction made in Python skips the loader; the engine applies the state rules."""
    assert refused_update(CALL_UPDATE, UpdateCall(state="active")).status == 400
    assert refused_update(CALL_UPDATE, UpdateCall(state="completed")) is None
    result = run(tmp_path, '<Response><Pause duration="3"/></Response>',
                 rest=[RestAction(at=1.0, update_call=UpdateCall(state="active"))])
    [entry] = [e for e in result["timeline"] if e["kind"] == "rest"]
    assert entry["detail"]["status"] == 400
    assert entry["detail"]["error"] == \
        "redirectUrl is required when state is active (voice-api.md §3.4)"
    assert result["calls"][0]["endTime"].endswith("00:00:03.000Z")  # the call carried on
