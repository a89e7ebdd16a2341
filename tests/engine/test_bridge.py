"""<Bridge>: bridging to another call of the simulation, and the documented failures.

Reads like bxml-verbs.md §7.2 and callbacks.md §3.13-3.14: when bridging cannot happen,
bridgeComplete is sent at once with `cause`/`errorMessage` and its BXML runs on the call;
without bridgeCompleteUrl the call continues after <Bridge>.
"""

from __future__ import annotations

import pytest

from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, Hangup, Party, Route, Scenario,
)

BOB = "+15555550123"


def run(tmp_path, answer, *, routes=None, parties=None, caller=()):
    table = {"/answer": Route(bxml=answer), "/disc": Route(status=204, body="")}
    table.update({k: Route(bxml=v) for k, v in (routes or {}).items()})
    scenario = Scenario(name="bridge", app=AppSettings(routes=table), caller=tuple(caller),
                        parties=parties or {}, call=CallSettings(disconnect_url="/disc"))
    return simulate(scenario, tmp_path / "out").to_json()


def payloads(result, event_type):
    return [c["payload"] for c in result["callbacks"]
            if c["eventType"] == event_type and c["attempt"] == 1]


def test_unknown_target_sends_bridge_complete_with_an_error_and_runs_its_bxml(tmp_path):
    """No such call: bridgeComplete (cause unknown, errorMessage); its BXML runs on the call."""
    result = run(tmp_path, '<Response><Bridge bridgeCompleteUrl="/bc" tag="b1">'
                 "c-00000000-00000000-0000-4000-8000-000000000000</Bridge></Response>",
                 routes={"/bc": '<Response><Redirect redirectUrl="/after"/></Response>',
                         "/after": "<Response><Hangup/></Response>"})
    [done] = payloads(result, "bridgeComplete")
    assert done["callId"] == result["calls"][0]["callId"]
    assert done["cause"] == "unknown"
    assert "c-00000000-00000000-0000-4000-8000-000000000000" in done["errorMessage"]
    assert done["tag"] == "b1"
    assert len(payloads(result, "redirect")) == 1
    assert payloads(result, "bridgeTargetComplete") == []


def test_without_bridge_complete_url_a_failed_bridge_continues_after_bridge(tmp_path):
    """No bridgeCompleteUrl: no event; the next verb runs."""
    result = run(tmp_path, "<Response><Bridge>c-nobody</Bridge>"
                 '<Redirect redirectUrl="/after"/></Response>',
                 routes={"/after": "<Response><Hangup/></Response>"})
    assert payloads(result, "bridgeComplete") == []
    assert len(payloads(result, "redirect")) == 1


def test_bridging_a_call_with_itself_fails(tmp_path):
    """The call's own id is not a valid target."""
    first = run(tmp_path, "<Response><Hangup/></Response>")
    own_id = first["calls"][0]["callId"]  # ids are seeded: the same on every run
    result = run(tmp_path, f'<Response><Bridge bridgeCompleteUrl="/bc">{own_id}</Bridge>'
                 "</Response>", routes={"/bc": "<Response><Hangup/></Response>"})
    assert result["calls"][0]["callId"] == own_id
    [done] = payloads(result, "bridgeComplete")
    assert done["cause"] == "unknown" and done["errorMessage"]


def test_a_target_that_already_hung_up_cannot_be_bridged(tmp_path):
    """A Transfer B-leg that has ended: bridgeComplete with an error, no bridge."""
    parties = {BOB: Party(answer_after=1.0, caller=(Hangup(at=1.0),))}
    probe = run(tmp_path, f"<Response><Transfer><PhoneNumber>{BOB}</PhoneNumber></Transfer>"
                "<Hangup/></Response>", parties=parties)
    b_leg_id = probe["calls"][1]["callId"]
    result = run(tmp_path, f"<Response><Transfer><PhoneNumber>{BOB}</PhoneNumber></Transfer>"
                 f'<Bridge bridgeCompleteUrl="/bc">{b_leg_id}</Bridge></Response>',
                 routes={"/bc": "<Response><Hangup/></Response>"}, parties=parties)
    assert result["calls"][1]["callId"] == b_leg_id
    [done] = payloads(result, "bridgeComplete")
    assert done["cause"] == "unknown"
    assert "ended" in done["errorMessage"]
    assert [c["at"] for c in result["callbacks"] if c["eventType"] == "bridgeComplete"] \
        == pytest.approx([2.0], abs=0.01)


# -- successful bridges between calls the app controls (scenario `calls:`) -----------------------

from simulator.engine.verbs import bridge  # noqa: E402 - the successful-bridge tests below
from simulator.scenario.model import CreatedCall, RestAction, Say, UpdateCall  # noqa: E402

AGENT_BRIDGES = ('<Response><Bridge bridgeCompleteUrl="/bc" bridgeTargetCompleteUrl="/btc">'
                 "{{calls.main.callId}}</Bridge></Response>")
HOLD = ('<Response><StartRecording recordingAvailableUrl="/rec"/>'
        '<Pause duration="60"/><SpeakSentence>never reached</SpeakSentence></Response>')


def run_pair(tmp_path, *, agent_caller=(), caller=(), routes=None, rest=(), agent_bxml=None):
    table = {"/answer": Route(bxml=HOLD), "/agent": Route(bxml=agent_bxml or AGENT_BRIDGES),
             "/disc": Route(status=204, body=""), "/rec": Route(status=204, body="")}
    table.update({k: Route(bxml=v) for k, v in (routes or {}).items()})
    agent = CreatedCall(to=BOB, answer_url="/agent", disconnect_url="/disc", at=1.0,
                        answer_after=1.0, caller=tuple(agent_caller))
    scenario = Scenario(name="bridge", app=AppSettings(routes=table), caller=tuple(caller),
                        call=CallSettings(disconnect_url="/disc"), calls={"agent": agent},
                        rest=tuple(rest))
    return simulate(scenario, tmp_path / "out").to_json()


def test_target_leaving_sends_bridge_complete_to_the_bridging_call(tmp_path, monkeypatch):
    tables = []   # every simulation's table of live bridges, to see it emptied at the end
    real_links = bridge.links
    monkeypatch.setattr(bridge, "links", lambda sim: tables.append(real_links(sim)) or tables[-1])
    """§3.13: the target (main) hangs up; bridgeComplete (no cause) on the agent; its BXML runs."""
    result = run_pair(tmp_path, caller=[Hangup(at=10.0)],
                      routes={"/bc": "<Response><SpeakSentence>customer left"
                                     "</SpeakSentence></Response>"})
    main, agent = result["calls"]
    [done] = payloads(result, "bridgeComplete")
    assert done["callId"] == agent["callId"] and "cause" not in done
    assert payloads(result, "bridgeTargetComplete") == []
    assert [c["at"] for c in result["callbacks"] if c["eventType"] == "bridgeComplete"] == [10.0]
    assert agent["endTime"].endswith("00:00:10.800Z")  # "customer left" = 2 words, then hang-up
    # the target's BXML stopped when it was bridged (its Pause ends, the rest is discarded)
    main_verbs = [(e["kind"], e["verb"], e["detail"].get("reason")) for e in result["timeline"]
                  if e["callId"] == main["callId"] and e["kind"].startswith("verb-")]
    assert ("verb-end", "Pause", "bridged") in main_verbs
    assert ("verb-start", "SpeakSentence", None) not in main_verbs
    bridged = [e for e in result["timeline"] if e["kind"] == "bridge"]
    assert bridged[0]["callId"] == agent["callId"] and bridged[0]["at"] == 2.0
    assert bridged[0]["detail"]["callId"] == main["callId"]
    assert tables and all(table == {} for table in tables)


def test_bridging_call_leaving_sends_bridge_target_complete_to_the_target(tmp_path):
    """§3.14: the agent hangs up first; bridgeTargetComplete on main (callId = target)."""
    result = run_pair(tmp_path, agent_caller=[Hangup(at=5.0)],
                      routes={"/btc": "<Response><SpeakSentence>the agent left goodbye"
                                      "</SpeakSentence></Response>"})
    main, agent = result["calls"]
    [done] = payloads(result, "bridgeTargetComplete")
    assert done["callId"] == main["callId"]
    assert payloads(result, "bridgeComplete") == []
    assert agent["endTime"].endswith("00:00:07.000Z")
    assert main["endTime"].endswith("00:00:08.600Z")  # 4 words after bridgeTargetComplete at 7


def test_without_bridge_target_complete_url_the_target_is_hung_up(tmp_path):
    result = run_pair(tmp_path, agent_caller=[Hangup(at=3.0)],
                      agent_bxml="<Response><Bridge>{{calls.main.callId}}</Bridge></Response>")
    main, agent = result["calls"]
    assert payloads(result, "bridgeTargetComplete") == [] == payloads(result, "bridgeComplete")
    assert main["disconnectCause"] == "hangup" and main["endTime"] == agent["endTime"]


def test_bridged_calls_hear_each_other_in_the_target_recording(tmp_path):
    """The main call's StartRecording holds its caller and the agent after the bridge."""
    import numpy as np

    from simulator.audio.sink import read_audio

    result = run_pair(tmp_path, caller=[Say("hello I need help", at=3.0), Hangup(at=12.0)],
                      agent_caller=[Say("hi this is Dana speaking now", at=4.0)])
    [rec] = result["recordings"]
    audio = read_audio(tmp_path / "out" / rec["file"])

    def level(start, end):
        return float(np.sqrt(np.mean(np.square(audio[int(start * 8000):int(end * 8000)]))))

    assert level(0.5, 1.9) == 0.0  # nobody speaks before the bridge
    assert level(3.1, 4.5) > 0.01  # the main caller (answered at 0, says at 3)
    assert level(7.0, 7.9) > 0.01  # the agent (answered at 2, says at 6-8.4), heard via bridge
    assert level(9.0, 11.9) == 0.0


def test_rest_redirect_of_the_bridging_call_ends_the_bridge(tmp_path):
    """A REST redirect makes the agent leave: bridgeTargetComplete on main, redirect on agent."""
    result = run_pair(tmp_path, routes={"/btc": "<Response><Hangup/></Response>",
                                        "/wrapup": "<Response><Hangup/></Response>"},
                      rest=[RestAction(at=6.0, call="agent",
                                       update_call=UpdateCall(redirect_url="/wrapup"))])
    main, agent = result["calls"]
    events = [(c["eventType"], c["payload"]["callId"]) for c in result["callbacks"]
              if c["eventType"] in ("redirect", "bridgeTargetComplete", "bridgeComplete")]
    assert sorted(events) == sorted([("redirect", agent["callId"]),
                                     ("bridgeTargetComplete", main["callId"])])
    ends = [e for e in result["timeline"] if e["kind"] == "bridge-end"]
    assert [(e["at"], e["detail"]["left"]) for e in ends] == [(6.0, "bridger")]


def test_a_call_already_in_a_bridge_is_busy(tmp_path):
    """A second call bridging to a target already bridged gets bridgeComplete cause busy."""
    table = {"/answer": Route(bxml=HOLD), "/agent": Route(bxml=AGENT_BRIDGES),
             "/late": Route(bxml='<Response><Bridge bridgeCompleteUrl="/bc2">'
                                 "{{calls.main.callId}}</Bridge></Response>"),
             "/bc2": Route(bxml="<Response><Hangup/></Response>"),
             "/disc": Route(status=204, body=""), "/rec": Route(status=204, body="")}
    calls = {"agent": CreatedCall(to=BOB, answer_url="/agent", at=1.0),
             "late": CreatedCall(to="+15555550124", answer_url="/late", at=3.0)}
    scenario = Scenario(name="busy", app=AppSettings(routes=table), caller=(Hangup(at=6.0),),
                        call=CallSettings(disconnect_url="/disc"), calls=calls)
    result = simulate(scenario, tmp_path / "out").to_json()
    late = result["calls"][2]
    [busy] = [c["payload"] for c in result["callbacks"] if c["url"].endswith("/bc2")]
    assert busy["callId"] == late["callId"] and busy["cause"] == "busy"
    assert "already bridged" in busy["errorMessage"]
