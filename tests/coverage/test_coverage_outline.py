"""coverage/outline: a document's verbs by element path and line:col; what a Gather offers."""

from __future__ import annotations

import pytest

from simulator.bxml.parse import parse_bxml
from simulator.coverage.outline import (ANY_INPUT, ANY_SPEECH, TIMEOUT, gather_outcome,
                                        gather_outcomes, menu_keys, outline)

ONE_LINE = ('<?xml version="1.0"?>\n<Response><Gather gatherUrl="/m" maxDigits="1">'
            '<SpeakSentence>For sales press 1.</SpeakSentence><SpeakSentence>Bye</SpeakSentence>'
            '</Gather><SpeakSentence>x</SpeakSentence><Hangup/></Response>')


def gather(prompt: str, **attributes: str):
    extra = "".join(f' {k}="{v}"' for k, v in attributes.items())
    return parse_bxml(f"<Response><Gather{extra}><SpeakSentence>{prompt}</SpeakSentence>"
                      "</Gather></Response>").verbs[0]


class TestOutline:
    def test_verbs_in_document_order_with_xpath_style_paths(self):
        shape = outline(ONE_LINE)
        line = ONE_LINE.splitlines()[1]
        starts = [i + 1 for i, c in enumerate(line) if line.startswith(("<Gather", "<Speak",
                                                                          "<Hangup"), i)]

        assert [(v.name, v.path) for v in shape.verbs] == [
            ("Gather", "/Response/Gather[1]"),
            ("SpeakSentence", "/Response/Gather[1]/SpeakSentence[1]"),
            ("SpeakSentence", "/Response/Gather[1]/SpeakSentence[2]"),
            ("SpeakSentence", "/Response/SpeakSentence[1]"),
            ("Hangup", "/Response/Hangup[1]")]
        assert [v.where for v in shape.verbs] == [f"2:{col}" for col in starts]

    def test_verbs_on_one_line_are_all_found_by_line(self):
        assert len(outline(ONE_LINE).at(2, "SpeakSentence")) == 3

    def test_an_invalid_document_has_no_verbs_and_its_first_error(self):
        shape = outline("<Response><Recrod/></Response>")

        assert shape.verbs == ()
        assert shape.error.startswith("1:11: BX101 unknown element <Recrod>")


class TestMenuKeys:
    @pytest.mark.parametrize("prompt, keys", [
        ("For sales press 1. For support, press 2.", ("1", "2")),
        ("Press 1, 2 or 3.", ("1", "2", "3")),
        ("1 for sales, 2 to cancel.", ("1", "2")),
        ("For billing press two, or press star to go back.", ("2", "*")),
        ("Press pound when you are done.", ("#",)),
        ("Our hours are 9 to 5. Goodbye.", ()),
        ("Welcome <break time='1s'/> press <emphasis>4</emphasis> now", ("4",)),
    ])
    def test_keys_the_prompt_offers(self, prompt, keys):
        assert menu_keys(gather(prompt, maxDigits="1")) == keys

    def test_numbers_longer_than_max_digits_are_not_offered(self):
        assert menu_keys(gather("press 12 for the operator, 3 for sales", maxDigits="1")) == ("3",)
        assert menu_keys(gather("press 12 for the operator", maxDigits="2")) == ("12",)


class TestGatherOutcomes:
    def test_timeout_and_each_key_offered(self):
        assert gather_outcomes(gather("Press 1 or 2", maxDigits="1")) == (TIMEOUT, "1", "2")

    def test_a_prompt_offering_nothing_expects_some_input(self):
        assert gather_outcomes(gather("Enter your account number")) == (TIMEOUT, ANY_INPUT)

    def test_the_terminating_key_of_an_entry_is_not_an_outcome(self):
        entry = gather("Enter your card number, then press pound.", maxDigits="16",
                       terminatingDigits="#")

        assert gather_outcomes(entry) == (TIMEOUT, ANY_INPUT)

    @pytest.mark.parametrize("detail, outcome", [
        ({"reason": "max-digits", "digits": "2", "terminatingDigit": ""}, "2"),
        ({"reason": "terminating-digit", "digits": "", "terminatingDigit": "#"}, "#"),
        ({"reason": "timeout", "digits": "", "terminatingDigit": ""}, TIMEOUT),
        ({"reason": "hangup"}, "hangup"),
        ({"reason": "speech-timeout", "digits": "", "terminatingDigit": "", "speech": "sales"},
         "say:sales"),
        ({"reason": "terminating-digit", "digits": "", "terminatingDigit": "#",
          "speech": "I need support"}, "say:I need support"),  # the key ended the utterance
        ({"reason": "max-digits", "digits": "1", "terminatingDigit": "", "speech": ""}, "1"),
        ({"reason": "timeout", "digits": "", "terminatingDigit": "", "speech": ""}, TIMEOUT),
    ])
    def test_outcome_of_a_run(self, detail, outcome):
        assert gather_outcome(detail) == outcome


class TestSpeechGatherOutcomes:
    def test_a_dtmf_speech_gather_expects_its_keys_and_each_hint_said(self):
        menu = gather("Say sales or press 1. Say support or press 2.", input="dtmf_speech",
                      maxDigits="1", hints=" sales,tech&#10;  support,, sales")

        assert gather_outcomes(menu) == (TIMEOUT, "1", "2", "say:sales", "say:tech support")

    def test_a_dtmf_speech_gather_without_hints_expects_some_input_and_some_speech(self):
        assert gather_outcomes(gather("Tell us why you called", input="dtmf_speech")) == (
            TIMEOUT, ANY_INPUT, ANY_SPEECH)

    def test_a_speech_only_gather_expects_no_keys_only_its_hints(self):
        menu = gather("Say sales, or press 1", input="speech", hints="sales, support",
                      maxDigits="1")

        assert gather_outcomes(menu) == (TIMEOUT, "say:sales", "say:support")

    def test_a_speech_only_gather_without_hints_expects_some_speech(self):
        assert gather_outcomes(gather("Tell us why you called", input="speech")) == (
            TIMEOUT, ANY_SPEECH)
