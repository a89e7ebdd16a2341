"""<Refer>: the REFER/NOTIFY exchange scripted by `call.refer`, referComplete, and what runs after.

Reads like bxml-verbs.md §7.6, callbacks.md §3.17 and the choices in docs/two-party.md: success
tears the call down and referComplete is information only; failure keeps the call and runs
referComplete's BXML, or the verbs after <Refer>.
"""

from __future__ import annotations

import pytest

from engine_harness import Reply, run
from simulator.engine.verbs.refer import REFER_TIMEOUT
from simulator.scenario.model import Hangup, ReferResponse, Say, WaitFor

ALICE = "sip:alice@example.com"  # an inbound SIP URI call comes from a SIP endpoint
TARGET = "sip:bob@pbx.example.com"
REFER = f"<Refer referCompleteUrl='/rc'><SipUri>{TARGET}</SipUri></Refer>"
REFER_NO_URL = f"<Refer><SipUri>{TARGET}</SipUri></Refer>"
SORRY = "<Response><SpeakSentence>sorry about that</SpeakSentence></Response>"


def refer_run(document: str, *, refer: ReferResponse = ReferResponse(), rc: str | Reply = SORRY,
              from_: str = ALICE, **call):
    return run({"/answer": document, "/rc": rc}, from_=from_, refer=refer, **call)


def spoken(r) -> list[str]:
    return [span.text for span in r.leg.played.spans if span.kind == "speech"]


def verbs_started(r) -> list[str]:
    return [e.verb for e in r.kinds("verb-start")]


def refer_entry(r) -> dict:
    [entry] = r.kinds("refer")
    return entry.detail


# -- success ---------------------------------------------------------------------------------

def test_success_tears_the_call_down_then_sends_referComplete_as_information():
    """202 then NOTIFY 200 after 1 s: hangup, disconnect, then referComplete; its BXML and the
    verbs after <Refer> never run."""
    doc = f"<Response><SpeakSentence>one two</SpeakSentence>{REFER}" \
          f"<SpeakSentence>never</SpeakSentence></Response>"
    r = refer_run(doc, rc="<Response><SpeakSentence>ignored</SpeakSentence></Response>")
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "hangup" and call["errorMessage"] is None
    assert r.leg.end_at == pytest.approx(0.8 + 1.0)
    assert r.events() == ["initiate", "disconnect", "referComplete"]
    payload = r.callback("referComplete")["payload"]
    assert list(payload) == ["eventType", "eventTime", "accountId", "applicationId", "from", "to",
                             "direction", "callId", "callUrl", "startTime", "answerTime",
                             "referCallStatus", "referSipResponseCode", "notifySipResponseCode"]
    assert payload["eventTime"] == "2026-01-01T00:00:01.800Z"
    assert (payload["from"], payload["direction"], payload["callId"]) == \
        (ALICE, "inbound", r.leg.call_id)
    assert (payload["referCallStatus"], payload["referSipResponseCode"],
            payload["notifySipResponseCode"]) == ("success", 202, 200)
    assert r.callback("referComplete")["responseBody"].startswith("<Response>")  # delivered...
    assert spoken(r) == ["one two"] and verbs_started(r) == ["SpeakSentence", "Refer"]  # ...unread
    assert refer_entry(r) == {"target": TARGET, "status": "success", "referSipResponseCode": 202,
                              "notifySipResponseCode": 200, "reason": "transferred"}
    kinds = [e.kind for e in r.sim.timeline if e.at == pytest.approx(1.8)]
    assert kinds == ["refer", "call-end", "webhook", "webhook", "verb-end"]
    assert r.kinds("verb-end")[-1].detail == {"reason": "referred"}


def test_success_without_referCompleteUrl_ends_the_call_with_no_event():
    doc = f"<Response>{REFER_NO_URL}<SpeakSentence>never</SpeakSentence></Response>"
    r = refer_run(doc, refer=ReferResponse(notify_after=2.5))
    assert r.events() == ["initiate", "disconnect"]
    assert r.leg.end_at == pytest.approx(2.5) and r.leg.cause == "hangup"
    assert spoken(r) == []


def test_refer_does_not_answer_the_call():
    """README #20: an unanswered inbound call referred away was never answered."""
    r = refer_run(f"<Response>{REFER}</Response>")
    assert r.sim.calls_json()[0]["answerTime"] is None
    assert "answerTime" not in r.callback("referComplete")["payload"]
    assert r.kinds("answer") == []


def test_an_undeliverable_referComplete_after_success_changes_nothing():
    """The call is already gone: a 500 is only a failed webhook attempt."""
    r = refer_run(f"<Response>{REFER}</Response>", rc=Reply("", 500))
    assert r.leg.cause == "hangup" and r.callback("referComplete")["status"] == 500


def test_tag_attribute_is_in_referComplete():
    doc = f"<Response><Refer referCompleteUrl='/rc' tag='to-sales'><SipUri>{TARGET}</SipUri>" \
          f"</Refer></Response>"
    r = refer_run(doc)
    assert r.callback("referComplete")["payload"]["tag"] == "to-sales"
    assert r.callback("disconnect")["payload"]["tag"] == "to-sales"


def test_get_method_sends_the_fields_as_query_parameters():
    doc = f"<Response><Refer referCompleteUrl='/rc' referCompleteMethod='GET'>" \
          f"<SipUri>{TARGET}</SipUri></Refer></Response>"
    r = refer_run(doc, refer=ReferResponse(notify=486))
    sent = r.callback("referComplete")
    assert sent["method"] == "GET"
    assert (sent["payload"]["referCallStatus"], sent["payload"]["referSipResponseCode"],
            sent["payload"]["notifySipResponseCode"]) == ("failure", "202", "486")


# -- failure ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [403, 405, 603])
def test_rejected_refer_fails_at_once_and_referComplete_bxml_runs(code):
    doc = f"<Response><SpeakSentence>one two</SpeakSentence>{REFER}" \
          f"<SpeakSentence>never</SpeakSentence></Response>"
    r = refer_run(doc, refer=ReferResponse(response=code))
    payload = r.callback("referComplete")["payload"]
    assert (payload["referCallStatus"], payload["referSipResponseCode"]) == ("failure", code)
    assert "notifySipResponseCode" not in payload
    assert r.callback("referComplete")["at"] == pytest.approx(0.8)
    assert spoken(r) == ["one two", "sorry about that"]  # the reply replaced "never"
    assert r.events() == ["initiate", "referComplete", "disconnect"]
    assert r.leg.cause == "hangup" and r.leg.end_at == pytest.approx(0.8 + 1.2)
    assert refer_entry(r)["reason"] == "rejected"
    assert r.kinds("verb-end")[1].detail == {"reason": "refer-failed"}


def test_rejected_refer_without_url_continues_with_the_next_verbs():
    doc = f"<Response>{REFER_NO_URL}<SpeakSentence>plan b</SpeakSentence></Response>"
    r = refer_run(doc, refer=ReferResponse(response=405))
    assert r.events() == ["initiate", "disconnect"]
    assert spoken(r) == ["plan b"] and r.leg.cause == "hangup"


def test_failure_without_url_and_nothing_after_is_an_implicit_hangup():
    r = refer_run(f"<Response>{REFER_NO_URL}</Response>", refer=ReferResponse(notify=503))
    assert r.events() == ["initiate", "disconnect"]
    assert r.leg.cause == "hangup" and r.leg.end_at == pytest.approx(1.0)


def test_notify_failure_reports_both_codes_when_the_notify_arrives():
    r = refer_run(f"<Response>{REFER}</Response>", refer=ReferResponse(notify=486,
                                                                       notify_after=4.0))
    sent = r.callback("referComplete")
    assert sent["at"] == pytest.approx(4.0)
    assert (sent["payload"]["referCallStatus"], sent["payload"]["referSipResponseCode"],
            sent["payload"]["notifySipResponseCode"]) == ("failure", 202, 486)
    assert spoken(r) == ["sorry about that"]
    assert refer_entry(r)["reason"] == "notify-failure"


@pytest.mark.parametrize("far_end", [ReferResponse(notify=None),
                                     ReferResponse(notify_after=REFER_TIMEOUT + 8)],
                         ids=["no-notify", "notify-too-late"])
def test_notify_timeout_fails_after_the_wait_with_only_the_refer_code(far_end):
    r = refer_run(f"<Response>{REFER}</Response>", refer=far_end)
    sent = r.callback("referComplete")
    assert sent["at"] == pytest.approx(REFER_TIMEOUT) == 32.0
    assert sent["payload"]["referCallStatus"] == "failure"
    assert sent["payload"]["referSipResponseCode"] == 202
    assert "notifySipResponseCode" not in sent["payload"]
    assert refer_entry(r)["reason"] == "notify-timeout"


def test_no_response_to_the_refer_fails_after_the_wait_without_codes():
    r = refer_run(f"<Response>{REFER}</Response>", refer=ReferResponse(response=None))
    sent = r.callback("referComplete")
    assert sent["at"] == pytest.approx(REFER_TIMEOUT)
    assert "referSipResponseCode" not in sent["payload"]
    assert "notifySipResponseCode" not in sent["payload"]
    assert refer_entry(r)["reason"] == "no-response"


def test_an_undeliverable_referComplete_after_failure_is_a_callback_error():
    r = refer_run(f"<Response>{REFER}</Response>", refer=ReferResponse(response=603),
                  rc=Reply("", 500))
    assert r.leg.cause == "callback-error"


# -- calls that cannot be referred --------------------------------------------------------------

@pytest.mark.parametrize("call", [
    {"from_": "+15555550100"},                                  # PSTN caller, E.164 numbers
    {"from_": "+15555550100", "to": "+15555550199"},
    {"direction": "outbound", "from_": "+15555550199", "to": ALICE},  # outbound, even to SIP
], ids=["e164-from", "e164-both", "outbound"])
def test_a_call_that_is_not_an_inbound_sip_uri_call_fails_at_once_without_codes(call):
    r = run({"/answer": f"<Response><Pause duration='1'/>{REFER}</Response>", "/rc": SORRY},
            **call)
    sent = r.callback("referComplete")
    assert sent["at"] == pytest.approx(1.0)
    assert sent["payload"]["referCallStatus"] == "failure"
    assert "referSipResponseCode" not in sent["payload"]
    assert "notifySipResponseCode" not in sent["payload"]
    assert spoken(r) == ["sorry about that"]
    assert refer_entry(r)["reason"] == "not-a-sip-call"


def test_a_sip_uri_in_to_makes_an_inbound_sip_uri_call():
    r = run({"/answer": f"<Response>{REFER_NO_URL}</Response>"}, from_="+15555550100",
            to="sip:support@app.example.com")
    assert refer_entry(r)["status"] == "success"


# -- the far end meanwhile ----------------------------------------------------------------------

def test_caller_hanging_up_while_the_refer_is_pending_sends_no_referComplete():
    caller = (WaitFor("Refer"), Say("hello?"), Hangup())
    r = refer_run(f"<Response><Pause duration='1'/>{REFER}</Response>",
                  refer=ReferResponse(notify_after=10), caller=caller)
    assert r.events() == ["initiate", "disconnect"]
    assert r.leg.cause == "hangup" and r.leg.end_at == pytest.approx(1.0 + 0.4)
    assert r.kinds("refer") == []
    assert r.kinds("verb-end")[-1].detail == {"reason": "hangup"}
