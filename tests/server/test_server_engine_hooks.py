"""The engine/runner hooks the Voice API emulator uses: a createCall call that rings
(``ring``), the account/application of its webhooks, and ``between`` for live REST requests."""

from __future__ import annotations

from simulator.engine.rest import perform
from simulator.runner import simulate
from simulator.scenario import model

HELLO = "<Response><SpeakSentence>hello there</SpeakSentence></Response>"


def outbound(bxml: str = HELLO):
    return model.Scenario(
        name="created", call=model.CallSettings(direction="outbound", disconnect_url="/bye"),
        app=model.AppSettings(bxml=bxml, routes={"/bye": model.Route(status=204)}))


def events(result):
    return [c["eventType"] for c in result["callbacks"]]


def test_without_ring_an_outbound_call_is_answered_at_once():
    result = simulate(outbound()).to_json()
    (call,) = result["calls"]
    assert call["answerTime"] == call["startTime"]
    assert events(result) == ["answer", "disconnect"]


def test_ring_answer_after_delays_the_answer_webhook():
    result = simulate(outbound(), ring=model.CreatedCall(to="+1", answer_after=5)).to_json()
    (call,) = result["calls"]
    assert (call["startTime"], call["answerTime"]) == ("2026-01-01T00:00:00.000Z",
                                                        "2026-01-01T00:00:05.000Z")
    assert result["callbacks"][0]["payload"]["answerTime"] == "2026-01-01T00:00:05.000Z"


def test_ring_busy_ends_without_answer_webhook():
    result = simulate(outbound(), ring=model.CreatedCall(to="+1", status="busy")).to_json()
    assert events(result) == ["disconnect"]
    assert result["calls"][0]["disconnectCause"] == "busy"


def test_ring_no_answer_times_out_after_call_timeout_and_uses_disconnect_method():
    ring = model.CreatedCall(to="+1", status="no-answer", call_timeout=12,
                             disconnect_method="GET")
    result = simulate(outbound(), ring=ring).to_json()
    (call,) = result["calls"]
    assert (call["disconnectCause"], call["endTime"]) == ("timeout", "2026-01-01T00:00:12.000Z")
    assert [(c["eventType"], c["method"]) for c in result["callbacks"]] == [("disconnect", "GET")]


def test_account_and_application_ids_reach_every_payload():
    result = simulate(outbound(), account_id="5551234", application_id="app-1").to_json()
    assert {(c["payload"]["accountId"], c["payload"]["applicationId"])
            for c in result["callbacks"]} == {("5551234", "app-1")}


def test_between_sees_the_paused_engine_and_can_schedule_a_rest_hangup_at_that_instant():
    seen = []
    long_pause = "<Response><Pause duration='30'/></Response>"

    def between(sim):
        seen.append(sim.now)
        if len(seen) == 2:  # right after the answer webhook was answered
            hangup = model.RestAction(at=sim.now, update_call=model.UpdateCall(state="completed"))
            sim.clock.call_at(sim.now, lambda: perform(sim, hangup))

    result = simulate(outbound(long_pause), between=between).to_json()
    assert seen[:2] == [0.0, 0.0]
    (call,) = result["calls"]
    assert (call["disconnectCause"], call["endTime"]) == ("hangup", "2026-01-01T00:00:00.000Z")
    rest = [e for e in result["timeline"] if e["kind"] == "rest"]
    assert rest[0]["detail"]["status"] == 200
