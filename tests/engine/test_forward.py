"""<Forward>: terminal; the forwarded leg is modelled from `parties` (bxml-verbs.md §7.4).

The application hears nothing but the A-leg's initiate and disconnect; the simulator still lists
the forwarded leg in result.json `calls` (with parentCallId) and runs its party's steps.
"""

from __future__ import annotations

import pytest

from simulator.runner import simulate
from simulator.scenario.model import (
    AppSettings, CallSettings, Hangup, Party, Route, Say, Scenario,
)

A_FROM, A_TO, BOB = "+15555550100", "+15555550199", "+15555550123"


def run(tmp_path, answer, *, caller=(), parties=None, routes=None):
    table = {"/answer": Route(bxml=answer), "/disc": Route(status=204, body="")}
    table.update({k: Route(bxml=v) for k, v in (routes or {}).items()})
    scenario = Scenario(name="forward", app=AppSettings(routes=table), caller=tuple(caller),
                        parties=parties or {}, call=CallSettings(disconnect_url="/disc"))
    return simulate(scenario, tmp_path).to_json()


def kinds(result):
    return [c["eventType"] for c in result["callbacks"] if c["attempt"] == 1]


def disconnect(result):
    [payload] = [c["payload"] for c in result["callbacks"] if c["eventType"] == "disconnect"]
    return payload


def test_forwarded_call_connects_until_the_party_hangs_up(tmp_path):
    """Answered forward: only initiate and disconnect; both legs end when the party hangs up."""
    parties = {BOB: Party(answer_after=2.0, caller=(Say("hi there", at=0.5), Hangup(at=3.0)))}
    result = run(tmp_path, f'<Response><Forward to="{BOB}"/></Response>', parties=parties)
    assert kinds(result) == ["initiate", "disconnect"]
    a_leg, b_leg = result["calls"]
    assert b_leg["parentCallId"] == a_leg["callId"]
    assert (b_leg["direction"], b_leg["from"], b_leg["to"]) == ("outbound", A_TO, BOB)
    assert a_leg["disconnectCause"] == b_leg["disconnectCause"] == "hangup"
    assert a_leg["endTime"] == b_leg["endTime"]
    assert a_leg["answerTime"] == b_leg["answerTime"] is not None
    gone = disconnect(result)
    assert gone["cause"] == "hangup" and gone["callId"] == a_leg["callId"]
    assert result["callbacks"][-1]["at"] == pytest.approx(5.0, abs=0.01)


def test_forwarded_party_speech_is_modelled_on_its_leg(tmp_path):
    """The party's `say` step happens on the forwarded leg's timeline."""
    parties = {BOB: Party(answer_after=2.0, caller=(Say("hi there", at=0.5), Hangup(at=3.0)))}
    result = run(tmp_path, f'<Response><Forward to="{BOB}"/></Response>', parties=parties)
    b_leg = result["calls"][1]
    said = [t for t in result["timeline"] if t["callId"] == b_leg["callId"]
            and t["kind"] == "speech" and t["detail"].get("text") == "hi there"]
    assert len(said) == 1 and said[0]["at"] == pytest.approx(2.5, abs=0.01)


def test_forward_from_attribute_is_the_forwarded_leg_caller_id(tmp_path):
    """`from` sets the outgoing leg's caller id."""
    parties = {BOB: Party(answer_after=1.0, caller=(Hangup(at=1.0),))}
    result = run(tmp_path, f'<Response><Forward to="{BOB}" from="+15555550777"/></Response>',
                 parties=parties)
    assert result["calls"][1]["from"] == "+15555550777"


@pytest.mark.parametrize("party, cause, at", [
    (Party(status="busy"), "busy", 0.0),
    (Party(status="no-answer"), "timeout", 7.0),
    (None, "timeout", 7.0),
])
def test_unanswered_forward_ends_the_a_leg_with_the_leg_cause(tmp_path, party, cause, at):
    """Busy/no-answer: the A-leg ends unanswered with that cause."""
    result = run(tmp_path, f'<Response><Forward to="{BOB}" callTimeout="7"/></Response>',
                 parties={BOB: party} if party else {})
    a_leg, b_leg = result["calls"]
    assert a_leg["answerTime"] is None and b_leg["answerTime"] is None
    assert a_leg["disconnectCause"] == b_leg["disconnectCause"] == cause
    gone = disconnect(result)
    assert gone["cause"] == cause and "answerTime" not in gone
    assert result["callbacks"][-1]["at"] == pytest.approx(at, abs=0.01)


def test_caller_hang_up_ends_the_forwarded_leg(tmp_path):
    """The A-leg caller hangs up: the forwarded leg is hung up at the same instant."""
    parties = {BOB: Party(answer_after=1.0)}
    result = run(tmp_path, f'<Response><Forward to="{BOB}"/></Response>',
                 caller=(Hangup(at=3.0),), parties=parties)
    a_leg, b_leg = result["calls"]
    assert a_leg["disconnectCause"] == b_leg["disconnectCause"] == "hangup"
    assert a_leg["endTime"] == b_leg["endTime"]


def test_forward_is_terminal(tmp_path):
    """Verbs after <Forward> never run."""
    parties = {BOB: Party(answer_after=1.0, caller=(Hangup(at=1.0),))}
    result = run(tmp_path, f'<Response><Forward to="{BOB}"/><Redirect redirectUrl="/never"/>'
                 "</Response>", parties=parties)
    assert "redirect" not in kinds(result)


def test_forward_needs_an_unanswered_call(tmp_path):
    """After a verb answered the call, <Forward> fails the call with application-error."""
    parties = {BOB: Party(answer_after=1.0)}
    result = run(tmp_path, f'<Response><Pause duration="1"/><Forward to="{BOB}"/></Response>',
                 parties=parties)
    [a_leg] = result["calls"]
    assert a_leg["disconnectCause"] == "application-error"
    assert "unanswered" in disconnect(result)["errorMessage"]
