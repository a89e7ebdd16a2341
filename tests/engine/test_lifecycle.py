"""Call lifecycle: first webhook, answering, implicit Hangup, every way a call ends."""

import pytest

from engine_harness import Reply, run
from simulator.scenario.model import Hangup, Say, WaitFor

SPEAK = "<Response><SpeakSentence>one two three four five</SpeakSentence></Response>"


def test_inbound_call_sends_initiate_and_is_answered_by_the_first_media_verb():
    r = run({"/answer": "<Response><Tag>t1</Tag><Pause duration='2'/></Response>"})
    assert r.events() == ["initiate", "disconnect"]
    assert r.callback("initiate")["payload"]["direction"] == "inbound"
    assert "answerTime" not in r.callback("initiate")["payload"]
    call = r.sim.calls_json()[0]
    assert call["answerTime"] == "2026-01-01T00:00:00.000Z"
    assert call["endTime"] == "2026-01-01T00:00:02.000Z"
    assert call["disconnectCause"] == "hangup"
    # the Tag applies to later webhooks
    assert r.callback("disconnect")["payload"]["tag"] == "t1"


def test_hangup_on_an_unanswered_inbound_call_rejects_it_without_answering():
    r = run({"/answer": "<Response><Hangup/></Response>"})
    call = r.sim.calls_json()[0]
    assert call["answerTime"] is None and call["disconnectCause"] == "hangup"
    assert "answerTime" not in r.callback("disconnect")["payload"]


def test_empty_response_is_a_hangup_and_an_empty_body_too():
    for body in ("<Response/>", ""):
        r = run({"/answer": body})
        assert r.sim.calls_json()[0]["disconnectCause"] == "hangup"
        assert [e.kind for e in r.sim.timeline if e.kind.startswith("verb")] == []


def test_end_of_document_is_an_implicit_hangup_after_the_last_verb():
    r = run({"/answer": SPEAK})
    assert r.leg.end_at == pytest.approx(2.0)  # five words at 0.4 s
    assert r.callback("disconnect")["payload"]["cause"] == "hangup"


def test_outbound_call_sends_answer_with_answer_time():
    r = run({"/answer": SPEAK}, direction="outbound")
    assert r.events()[0] == "answer"
    assert r.callback("answer")["payload"]["answerTime"] == "2026-01-01T00:00:00.000Z"


def test_invalid_bxml_reply_ends_the_call_with_invalid_bxml():
    r = run({"/answer": "<Response><Speak>hi</Speak></Response>"})
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "invalid-bxml"
    assert "initiate reply from http://app.test/answer" in call["errorMessage"]
    assert r.callback("disconnect")["payload"]["cause"] == "invalid-bxml"
    assert r.kinds("error")[0].detail["cause"] == "invalid-bxml"


def test_the_error_of_an_invalid_reply_says_where_in_it():
    """The call's ``error`` entry carries the document, line and column of the bad BXML (C1
    keys), so the report and ``-v`` point at it."""
    r = run({"/answer": '<Response>\n  <SpeakSentence>hi</SpeakSentence>\n'
                        '  <Pause duration="abc"/>\n</Response>'})
    [error] = r.kinds("error")
    assert (error.document, error.line, error.col) == ("http://app.test/answer", 3, 10)


def test_bxml_root_is_not_accepted_in_a_webhook_reply():
    r = run({"/answer": "<Bxml><Hangup/></Bxml>"})
    assert r.sim.calls_json()[0]["disconnectCause"] == "invalid-bxml"


def test_undeliverable_sync_webhook_ends_the_call_with_callback_error():
    r = run({"/answer": SPEAK.replace("</Response>", "<Redirect redirectUrl='/gone'/></Response>"),
             "/gone": Reply("", 503)})
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "callback-error"
    assert "redirect webhook could not be delivered: HTTP 503" in call["errorMessage"]
    assert r.callback("disconnect")["payload"]["errorMessage"] == call["errorMessage"]


def test_relative_urls_resolve_against_the_url_that_returned_the_document():
    routes = {"/answer": "<Response><Redirect redirectUrl='/ivr/menu'/></Response>",
              "/ivr/menu": "<Response><Redirect redirectUrl='next'/></Response>",
              "/ivr/next": "<Response><Hangup/></Response>"}
    r = run(routes)
    assert [w.url for w in r.requests if w.event_type == "redirect"] == [
        "http://app.test/ivr/menu", "http://app.test/ivr/next"]


def test_redirect_replaces_the_rest_of_the_document():
    r = run({"/answer": "<Response><Redirect redirectUrl='/r'/><Pause duration='9'/></Response>",
             "/r": "<Response><Pause duration='1'/></Response>"})
    assert r.leg.end_at == pytest.approx(1.0)


def test_webhook_delay_blocks_the_flow_for_that_virtual_time():
    r = run({"/answer": Reply(SPEAK, delay=1.5)})
    assert r.leg.end_at == pytest.approx(3.5)


def test_max_duration_ends_a_long_call_with_timeout():
    r = run({"/answer": "<Response><Pause duration='100'/></Response>"}, max_duration=30)
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "timeout"
    assert "max_duration=30 s" in call["errorMessage"]
    assert r.leg.end_at == pytest.approx(30.0)


def test_redirect_loop_with_time_passing_is_bounded_by_max_duration():
    loop = "<Response><Pause duration='1'/><Redirect redirectUrl='/answer'/></Response>"
    r = run({"/answer": loop}, max_duration=20)
    assert r.sim.calls_json()[0]["disconnectCause"] == "timeout"
    assert r.leg.end_at == pytest.approx(20.0)


def test_zero_time_redirect_loop_is_cut_with_a_clear_message():
    r = run({"/answer": "<Response><Redirect redirectUrl='/answer'/></Response>"})
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "timeout"
    assert "redirect loop" in call["errorMessage"] and "max_duration" in call["errorMessage"]


def test_caller_hangup_interrupts_the_current_verb():
    r = run({"/answer": "<Response><Pause duration='60'/></Response>"},
            [WaitFor("Pause"), Say("bye now", seconds=1), Hangup()])
    assert r.leg.end_at == pytest.approx(1.0)
    ends = [e for e in r.kinds("verb-end") if e.verb == "Pause"]
    assert ends[0].detail["reason"] == "hangup"
    assert r.kinds("remote-hangup")


def test_caller_hangup_cuts_the_speech_being_played():
    r = run({"/answer": SPEAK}, [Say("x", seconds=0.5), Hangup()])
    assert max(s.end for s in r.leg.played.spans) == pytest.approx(0.5)


def test_play_audio_that_cannot_be_fetched_is_an_application_error():
    r = run({"/answer": "<Response><PlayAudio>/missing.wav</PlayAudio></Response>"})
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "application-error"
    assert "http://app.test/missing.wav" in call["errorMessage"]


def test_play_audio_lasts_as_long_as_the_file():
    import numpy as np

    r = run({"/answer": "<Response><PlayAudio>beep.wav</PlayAudio></Response>"},
            audio_files={"/beep.wav": np.zeros(12000, np.float32)})
    assert r.leg.end_at == pytest.approx(1.5)


def test_ring_with_answer_call_false_keeps_the_call_unanswered():
    r = run({"/answer": "<Response><Ring duration='3' answerCall='false'/></Response>"})
    assert r.sim.calls_json()[0]["answerTime"] is None
    assert r.leg.end_at == pytest.approx(3.0)


def test_send_dtmf_pause_characters_replace_the_interval():
    # 1 (0.2) + w (0.5) + 2 (0.2) + interval 0.3 = 1.2 s
    r = run({"/answer": "<Response><SendDtmf toneInterval='300'>1w2</SendDtmf></Response>"})
    assert r.leg.end_at == pytest.approx(1.2)
    assert [s.digit for s in r.leg.played.spans] == ["1", "2"]
    assert r.leg.played.spans[1].start == pytest.approx(0.7)


def test_speak_sentence_breaks_add_silence():
    r = run({"/answer": "<Response><SpeakSentence>one two<break time='1s'/>three</SpeakSentence>"
                        "</Response>"})
    assert r.leg.end_at == pytest.approx(2.2)


def test_a_verb_without_a_simulation_ends_the_call_with_a_clear_message():
    verb = "<Connect><Endpoint>e-123</Endpoint></Connect>"
    r = run({"/answer": f"<Response><Pause duration='1'/>\n{verb}</Response>"})
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "application-error"
    assert call["errorMessage"] == "<Connect> at line 2 is not simulated by this version of bxmlsim"
    assert r.leg.end_at == pytest.approx(1.0)


def test_disconnect_is_not_sent_without_a_disconnect_url():
    r = run({"/answer": SPEAK}, disconnect_url=None)
    assert r.events() == ["initiate"]


def test_timeline_times_are_milliseconds_and_in_order():
    r = run({"/answer": SPEAK}, [Say("a b c", seconds=0.1234)])
    times = [e["at"] for e in r.sim.timeline.to_json()]
    assert times == sorted(times)
    assert all(round(t, 3) == t for t in times)


def test_second_values_in_timeline_details_have_no_float_noise():
    r = run({"/answer": "<Response><Pause duration='5'/></Response>"},
            [Say("one two three four five six")])  # 6 x 0.4 s = 2.4000000000000004 in floats
    speech = [e for e in r.sim.timeline.to_json() if e["kind"] == "speech"]
    assert speech[0]["detail"]["seconds"] == 2.4


def test_warnings_of_a_document_the_call_runs_are_timeline_entries():
    r = run({"/answer": "<Response>\n<Pause duration='1'/>\n"
                        "<Gather maxDigits='1'><SpeakSentence>hi</SpeakSentence></Gather>"
                        "</Response>"})
    (warning,) = [e for e in r.sim.timeline.to_json() if e["kind"] == "bxml-warning"]
    assert (warning["line"], warning["detail"]["code"]) == (3, "BX406")
    assert "gatherUrl" in warning["detail"]["message"]
    assert warning["callId"] == r.leg.call_id and warning["at"] == 0.0
