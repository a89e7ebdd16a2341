"""BXML front-end limits (docs/limits.md): hostile numbers, render size, lint cost.

Numbers are ASCII decimals of at most 400 characters that convert to a finite value; lint never
raises; a valid document renders within 64 KB; finding where the attributes of an element are
written costs one pass over its start tag, not one per attribute.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.bxml import nodes as n
from simulator.bxml import reader
from simulator.bxml.check import lint_bxml
from simulator.bxml.parse import parse_bxml
from simulator.bxml.reader import MAX_BYTES
from simulator.bxml.render import render_bxml, render_compact
from simulator.bxml.values import MAX_NUMBER_CHARS
from simulator.errors import BxmlError

from test_bxml_render import VERB_STRATEGIES


def pause(duration: str) -> str:
    return f'<Response><Pause duration="{duration}"/></Response>'


def codes(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.message) for d in lint_bxml(text)]


def test_a_huge_but_finite_number_is_out_of_range():
    assert codes(pause("9" * 300)) == [("BX204", "<Pause> duration must be 0.1..86400, got 1e+300")]


@pytest.mark.parametrize("digits", ["9" * 309, "9" * MAX_NUMBER_CHARS, "1" + "0" * 399])
def test_hundreds_of_digits_are_a_finite_number_error_not_an_overflow(digits):
    assert codes(pause(digits)) == [
        ("BX203", f"<Pause> duration must be a finite number, got {digits[:16]!r}... "
                  f"({len(digits)} characters)")]
    assert [c for c, _ in codes(f'<Response><Gather maxDigits="{digits}"/></Response>')] == \
        ["BX406", "BX204"]


def test_a_number_longer_than_the_limit_is_refused_unread():
    digits = "1" * (MAX_NUMBER_CHARS + 1)
    assert codes(pause(digits)) == [
        ("BX203", f"<Pause> duration must be a number of at most {MAX_NUMBER_CHARS} characters, "
                  f"got {digits[:16]!r}... ({len(digits)} characters)")]


@pytest.mark.parametrize("text", ["٥", "５", "१०", "௫", "1٥", "inf", "-inf", "Infinity", "nan",
                                  "NaN", "1e3", "0x10", "1_0", "١.٥"])
def test_only_ascii_plain_decimals_are_numbers(text):
    assert codes(pause(text)) == [
        ("BX203", f"<Pause> duration must be a decimal number, got {text!r}")]
    with pytest.raises(BxmlError):
        parse_bxml(pause(text))


def test_e164_numbers_and_ssml_times_take_ascii_digits_only():
    assert [c for c, _ in codes("<Response><Transfer><PhoneNumber>+1٥٥٥5550100</PhoneNumber>"
                                "</Transfer></Response>")] == ["BX107"]
    assert "BX" in codes('<Response><SpeakSentence>a <break time="٥s"/> b</SpeakSentence>'
                         "</Response>")[0][0]


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(categories=["Nd", "No", "Nl", "Pd", "Po"]), min_size=1,
               max_size=12))
def test_any_numeral_of_any_script_is_an_ascii_decimal_or_refused(text):
    found = lint_bxml(pause(text))
    ascii_decimal = text.isascii() and text.replace(".", "", 1).isdigit()
    assert ascii_decimal or found, text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(verb=st.sampled_from(sorted(VERB_STRATEGIES)), data=st.data())
def test_a_valid_document_renders_within_64_kb(verb, data):
    node = data.draw(VERB_STRATEGIES[verb])
    one = render_compact(node)
    copies = max(1, (MAX_BYTES - 32) // max(1, len(one.encode())))
    document = "<Response>" + one * copies + "</Response>"
    if len(document.encode()) > MAX_BYTES:
        return
    try:
        tree = parse_bxml(document)
    except BxmlError:   # e.g. a verb allowed once per document
        return
    text = render_bxml(tree)
    assert len(text.encode()) <= MAX_BYTES
    assert parse_bxml(text) == tree


@pytest.mark.parametrize("document", [
    "<Response>" + "<Pause/>" * 7000 + "</Response>",
    "<Response>" + '<Pause duration=".5"/>' * 2900 + "</Response>",
    "<Response><SpeakSentence><![CDATA[" + "<" * 60000 + "]]></SpeakSentence></Response>",
    "<Response>" + "<Redirect redirectUrl='/a\"b' tag='\"\"\"\"\"'/>" * 1500 + "</Response>",
], ids=["many-verbs", "short-numbers", "cdata", "quotes"])
def test_documents_whose_indented_form_outgrows_64_kb_render_compact(document):
    tree = parse_bxml(document)
    text = render_bxml(tree)
    assert len(text.encode()) <= len(document.encode()) <= MAX_BYTES
    assert parse_bxml(text) == tree


def test_lint_of_many_unknown_attributes_scans_each_start_tag_once(monkeypatch):
    calls = 0
    pattern = reader._ATTRIBUTE

    class Counting:
        def match(self, *args):
            nonlocal calls
            calls += 1
            return pattern.match(*args)

    monkeypatch.setattr(reader, "_ATTRIBUTE", Counting())
    count = 4000
    document = "<Response><Pause " + " ".join(f'a{i}="1"' for i in range(count)) + "/></Response>"
    found = lint_bxml(document)
    assert len(found) == count and all(d.code == "BX201" for d in found)
    assert calls <= count + 1      # one match per attribute, once: linear
    assert found[-1].col == document.index(f"a{count - 1}=") + 1
