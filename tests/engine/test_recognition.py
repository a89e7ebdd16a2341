"""Speech recognition as text (engine/recognition.py): hints and the profanity filter of
<Gather> (SDK bandwidth/models/bxml/verbs/gather.py: hints "Words or phrases that provide
context to the speech recognition engine", profanityFilter "whether profane words are
filtered out of the transcription. Default value is true")."""

import pytest

from simulator.engine.recognition import apply_hints, mask_profanity, parse_hints, recognise


def test_hints_are_comma_separated_phrases():
    assert parse_hints(" Sales, Customer Support ,,billing ") == ("Sales", "Customer Support",
                                                                  "billing")
    assert parse_hints(None) == parse_hints("") == ()


@pytest.mark.parametrize("text, hints, out", [
    ("SALES please", ("Sales",), "Sales please"),
    ("customer support, now", ("Customer Support",), "Customer Support, now"),
    ("customer sport", ("Customer Support",), "Customer Support"),       # close, two words
    ("customer", ("Customer Support",), "customer"),                      # a part is not it
    ("sails and sales", ("sales",), "sales and sales"),
    ("so", ("sales",), "so"),
    ("an", ("in",), "an"),                                                # short: exact only
    ("bill me", ("billing", "bill me"), "bill me"),                       # longest first
])
def test_apply_hints(text, hints, out):
    assert apply_hints(text, hints) == out


def test_profanity_keeps_first_letters_and_punctuation():
    assert mask_profanity("Damn! That hell-hole, shit.") == "D***! That hell-hole, s***."


def test_recognise_applies_hints_then_the_filter_unless_disabled():
    assert recognise("damn sails", hints="sales") == "d*** sales"
    assert recognise("damn sails", hints="sales", profanity_filter=False) == "damn sales"
