"""Gather (spec §4.1, README #13): maxDigits, terminating digit, timeouts, repeatCount, barge-in."""

import pytest

from engine_harness import run
from simulator.scenario.model import Hangup, Press, Silence, WaitFor

AFTER = {"/g": "<Response><Hangup/></Response>"}


def gather(attrs: str = "", prompts: str = "") -> dict:
    return {"/answer": f"<Response><Gather gatherUrl='/g' {attrs}>{prompts}</Gather></Response>", **AFTER}


@pytest.mark.parametrize("attrs, presses, digits, terminator, ended_at", [
    # terminating key: excluded from digits, reported separately
    ("terminatingDigits='#'", [Press("12#")], "12", "#", 0.4),
    # any key of the set terminates
    ("terminatingDigits='*#'", [Press("5*")], "5", "*", 0.2),
    # maxDigits ends at the last key, terminatingDigit empty
    ("maxDigits='2'", [Press("123")], "12", "", 0.2),
    # interDigitTimeout after the last key (default 5 s)
    ("", [Press("4")], "4", "", 5.0),
    ("interDigitTimeout='2'", [Press("47")], "47", "", 2.2),
    # nothing pressed: firstDigitTimeout (default 5 s) then digits ""
    ("", [], "", "", 5.0),
    ("firstDigitTimeout='0'", [], "", "", 0.0),
    # terminating digits disabled by default: '#' is a digit
    ("maxDigits='3'", [Press("1#2")], "1#2", "", 0.4),
])
def test_gather_table(attrs, presses, digits, terminator, ended_at):
    r = run(gather(attrs), [WaitFor("Gather"), *presses])
    payload = r.callback("gather")["payload"]
    assert payload["digits"] == digits
    assert payload["terminatingDigit"] == terminator
    assert r.callback("gather")["at"] == pytest.approx(ended_at)


def test_first_digit_timeout_starts_after_the_prompt():
    r = run(gather("firstDigitTimeout='3'", "<SpeakSentence>one two three four five</SpeakSentence>"))
    assert r.callback("gather")["at"] == pytest.approx(2.0 + 3.0)


def test_repeat_count_replays_the_prompt_with_first_digit_timeout_between():
    r = run(gather("firstDigitTimeout='1' repeatCount='3'",
                   "<SpeakSentence>one two three four five</SpeakSentence>"))
    speaks = [e for e in r.kinds("verb-start") if e.verb == "SpeakSentence"]
    assert [e.at for e in speaks] == pytest.approx([0.0, 3.0, 6.0])
    assert r.callback("gather")["at"] == pytest.approx(9.0)
    assert r.callback("gather")["payload"]["digits"] == ""


def test_a_key_during_the_prompt_stops_it_at_once_barge_in():
    r = run(gather("maxDigits='1'", "<SpeakSentence>one two three four five six</SpeakSentence>"
                                    "<SpeakSentence>never heard</SpeakSentence>"),
            [Silence(1.0), Press("7")])
    assert r.callback("gather")["payload"]["digits"] == "7"
    played = [s for s in r.leg.played.spans if s.end > s.start]
    assert max(s.end for s in played) == pytest.approx(1.0)
    nested = [e for e in r.kinds("verb-end") if e.detail.get("nested")]
    assert nested[0].detail["reason"] == "barge-in" and len(nested) == 1


def test_without_gather_url_the_next_verb_runs_and_digits_are_discarded():
    r = run({"/answer": "<Response><Gather maxDigits='1'/><Pause duration='2'/></Response>"},
            [Press("3")])
    assert "gather" not in r.events()
    assert r.leg.end_at == pytest.approx(2.0)


def test_gather_url_reply_replaces_the_rest_of_the_document():
    r = run({"/answer": "<Response><Gather gatherUrl='/g' maxDigits='1'/><Pause duration='9'/></Response>",
             "/g": "<Response><Pause duration='1'/></Response>"}, [Press("3")])
    assert r.leg.end_at == pytest.approx(1.0)


def test_hangup_during_gather_sends_no_gather_event():
    from simulator.scenario.model import Hangup

    r = run(gather(), [Press("1"), Hangup()])
    assert "gather" not in r.events()


def test_start_gather_reports_each_key_but_is_paused_during_gather():
    r = run({"/answer": "<Response><StartGather dtmfUrl='/dtmf'/><Pause duration='1'/>"
                        "<Gather maxDigits='1'/><Pause duration='1'/><StopGather/>"
                        "<Pause duration='1'/></Response>"},
            [Press("1"), Silence(1), Press("2"), Silence(0.5), Press("3"), Silence(1), Press("4")])
    assert [c["payload"]["digit"] for c in r.sim.callbacks if c["eventType"] == "dtmf"] == ["1", "3"]


def test_a_hang_up_during_a_prompt_ends_the_prompt_and_the_gather_in_the_timeline():
    r = run(gather("", "<SpeakSentence>one two three four five</SpeakSentence>"),
            [Silence(1), Hangup()])
    ends = [(e.verb, e.detail.get("nested"), e.detail["reason"], e.at) for e in r.kinds("verb-end")]
    assert ends == [("SpeakSentence", True, "hangup", 1.0), ("Gather", None, "hangup", 1.0)]


def test_a_key_pressed_before_the_gather_starts_is_discarded_not_buffered():
    r = run({"/answer": "<Response><Pause duration='2'/>"
                        "<Gather gatherUrl='/g' maxDigits='1' firstDigitTimeout='3'/></Response>",
             **AFTER}, [Press("5")])
    assert [e.detail["digit"] for e in r.kinds("digit")] == ["5"]  # heard at 0.0 s...
    payload = r.callback("gather")["payload"]
    assert (payload["digits"], r.callback("gather")["at"]) == ("", 5.0)  # ...but not gathered
