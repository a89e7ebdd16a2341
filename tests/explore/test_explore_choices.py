"""explore/choices: the points of a run and what the explorer tries at each."""

from __future__ import annotations

import simulator
from simulator.api import load
from simulator.bxml.parse import parse_bxml
from simulator.explore.choices import gather_entries, points, spoken_answers
from simulator.scenario import model


def gather(prompt: str = "For sales press 1, for the operator press 12.", **attributes: str):
    extra = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return parse_bxml(f"<Response><Gather{extra}><SpeakSentence>{prompt}</SpeakSentence>"
                      "</Gather></Response>").verbs[0]


class TestGatherEntries:
    def test_a_one_key_menu_gets_every_key(self):
        assert gather_entries(gather(maxDigits="1")) == list("0123456789*#")

    def test_an_entry_gets_the_offered_numbers_terminated_and_a_full_entry(self):
        entries = gather_entries(gather(maxDigits="4", terminatingDigits="#"))

        assert entries[:12] == list("0123456789*#")
        assert entries[12:] == ["1#", "12", "12#", "1234"]  # "1" is a key already

    def test_no_full_entry_of_fifty_digits(self):
        assert max(map(len, gather_entries(gather()))) == 2


def scenario(bxml: str, **extra) -> model.Scenario:
    [loaded] = load({"name": "p", "app": {"bxml": bxml, **extra.pop("app", {})}, **extra})
    return loaded


def points_of(loaded: model.Scenario):
    return points(simulator.api.run_loaded(loaded).to_json(), loaded)


def test_a_record_is_ended_each_way_it_can_end():
    loaded = scenario('<Response><Record maxDuration="10" silenceTimeout="3" '
                      'terminatingDigits="#*"/></Response>')
    [record] = points_of(loaded)

    assert [c.label for c in record.choices] == [
        "speak, then press #", "speak, then press *", "speak, then stay silent",
        "speak past maxDuration (10 s)", "speak, then hang up", "hang up"]
    assert record.choices[3].steps[0].seconds == 11.0
    assert record.takes_input


def test_a_transfer_target_answers_is_busy_or_does_not_answer():
    loaded = scenario("<Response><Transfer><PhoneNumber>+15555550123</PhoneNumber>"
                      "<PhoneNumber>+15555550124</PhoneNumber></Transfer></Response>")
    [transfer] = points_of(loaded)
    labels = [c.label for c in transfer.choices]

    assert labels == ["every target busy", "no target answers", "+15555550123 answers",
                      "+15555550124 answers", "hang up"]
    answers = dict(transfer.choices[2].parties)
    assert answers["+15555550123"].status == "answer" and answers["+15555550123"].caller
    assert answers["+15555550124"].status == "no-answer"


def test_hanging_up_is_tried_during_every_verb_that_lasts_from_the_answer():
    loaded = scenario("<Response><Tag>t</Tag><SpeakSentence>hello there</SpeakSentence>"
                      "<Pause duration='2'/></Response>")
    found = points_of(loaded)

    assert [(p.verb, [c.label for c in p.choices]) for p in found] == [
        ("SpeakSentence", ["hang up"]), ("Pause", ["hang up"])]
    assert found[1].choices[0].steps[0].at == 1.8  # the middle of the Pause (0.8 s to 2.8 s)


def test_presses_are_timed_just_after_the_gather_starts():
    loaded = scenario('<Response><SpeakSentence>hi</SpeakSentence><Gather maxDigits="1">'
                      "<SpeakSentence>Press 1</SpeakSentence></Gather></Response>")
    gather_point = next(p for p in points_of(loaded) if p.verb == "Gather")

    assert gather_point.at == 0.4
    assert gather_point.choices[1].steps == (model.Press(digits="1", at=0.5),)


def test_a_created_call_is_answered_busy_or_not_answered():
    loaded = scenario("<Response><Pause duration='5'/></Response>",
                      calls={"agent": {"to": "+15555550123", "at": 1}})
    [call] = [p for p in points_of(loaded) if p.verb == "call"]

    assert [c.label for c in call.choices] == ["created call agent busy",
                                               "created call agent not answered"]


def test_an_outbound_call_with_machine_detection_is_answered_each_way_it_can_be_judged():
    loaded = scenario("<Response><Pause duration='1'/></Response>", call={
        "direction": "outbound", "machine_detection": {
            "mode": "sync", "speech_threshold": 6, "detection_timeout": 15,
            "silence_timeout": 10}})
    [detection] = [p for p in points_of(loaded) if p.verb == "machine-detection"]

    assert detection.index == next(i for i, e in enumerate(
        simulator.api.run_loaded(loaded).to_json()["timeline"]) if e["kind"] == "answer")
    assert detection.outcome == ("silence",) and detection.takes_input
    assert [c.label for c in detection.choices] == [
        "a person answers: 'Hello?' (1 s), then silence",
        "an answering machine answers: a greeting of 8 s",
        "the far end starts talking at 9.5 s, past detectionTimeout (15 s)",
        "the far end hangs up at 5 s, before a verdict"]
    assert detection.choices[2].steps == (model.Say(
        text=detection.choices[2].steps[0].text, seconds=6.5, at=9.5),)
    assert detection.choices[3].ends


def test_no_late_talker_when_silence_is_judged_before_speech_could_start_late():
    loaded = scenario("<Response><Pause duration='1'/></Response>", call={
        "direction": "outbound", "machine_detection": {"silence_timeout": 3}})
    [detection] = [p for p in points_of(loaded) if p.verb == "machine-detection"]

    assert len(detection.choices) == 3  # 15 - 10 + 0.5 s is past the 3 s silenceTimeout


def speech_gather(**attributes: str):
    return gather("Say sales or press 1.", **attributes)


class TestSpokenAnswers:
    def test_each_hint_as_written_then_a_phrase_no_hint_matches(self):
        assert spoken_answers(speech_gather(input="speech", hints=" Sales, tech support,,")) \
            == ["Sales", "tech support", "I am not sure"]

    def test_the_unrecognised_phrase_shares_no_word_with_a_hint(self):
        assert spoken_answers(speech_gather(input="speech", hints="sure"))[-1] == \
            "Could you repeat that"  # "I am not sure" would say the hint

    def test_without_hints_only_the_unrecognised_phrase(self):
        assert spoken_answers(speech_gather(input="speech")) == ["I am not sure"]


def test_a_speech_gather_is_also_spoken_at_with_each_hint_and_an_unrecognised_phrase():
    loaded = scenario('<Response><Gather input="dtmf_speech" hints="sales, tech support" '
                      'maxDigits="1"><SpeakSentence>Say sales or press 1</SpeakSentence>'
                      "</Gather></Response>")
    gather_point = next(p for p in points_of(loaded) if p.verb == "Gather")
    labels = [c.label for c in gather_point.choices]

    assert labels[:12] == [f"press {key}" for key in "0123456789*#"]
    assert labels[12:] == ['say "sales"', 'say "tech support"', 'say "I am not sure"',
                           "hang up"]
    said = gather_point.choices[13]
    assert said.kind == "say" and not said.ends
    # at the reaction time of a key press, 0.4 s a word (0.6 s at least)
    assert said.steps == (model.Say(text="tech support", seconds=0.8, at=0.1),)
    assert gather_point.choices[12].steps[0].seconds == 0.6


def test_a_speech_only_gather_gets_no_key_presses():
    loaded = scenario('<Response><Gather input="speech" hints="sales"><SpeakSentence>Say '
                      "sales</SpeakSentence></Gather></Response>")
    gather_point = next(p for p in points_of(loaded) if p.verb == "Gather")

    assert [c.label for c in gather_point.choices] == [
        'say "sales"', 'say "I am not sure"', "hang up"]


def test_a_dtmf_gather_is_not_spoken_at():
    loaded = scenario('<Response><Gather hints="sales" maxDigits="1"><SpeakSentence>Press 1'
                      "</SpeakSentence></Gather></Response>")
    gather_point = next(p for p in points_of(loaded) if p.verb == "Gather")

    assert {c.kind for c in gather_point.choices} == {"press", "hangup"}
