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
