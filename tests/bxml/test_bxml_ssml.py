"""spoken_parts: text runs and pauses of a SpeakSentence, for the engine's TTS timing."""

from __future__ import annotations

import pytest

from simulator.bxml.parse import parse_bxml
from simulator.bxml.ssml import BREAK_STRENGTH_SECONDS, spoken_parts


@pytest.mark.parametrize("text, parts", [
    ("Hello world", ["Hello world"]),
    ('Hello <break time="500ms"/> world', ["Hello", 0.5, "world"]),
    ('Wait<break time="2s"/><break time="1.5s"/>done', ["Wait", 3.5, "done"]),
    ('<break time="1s"/>Go', [1.0, "Go"]),
    ('a <break strength="strong"/> b', ["a", BREAK_STRENGTH_SECONDS["strong"], "b"]),
    ("a <break/> b", ["a", BREAK_STRENGTH_SECONDS["medium"], "b"]),
    ('a <break strength="none"/> b', ["a b"]),
    ("Tom &amp; Jerry", ["Tom & Jerry"]),
    ('<sub alias="World Wide Web">WWW</sub> site', ["World Wide Web site"]),
    ('<emphasis level="strong">big</emphasis>  deal\n here', ["big deal here"]),
    ("<s>One</s><s>Two</s>", ["One", BREAK_STRENGTH_SECONDS["strong"], "Two",
                              BREAK_STRENGTH_SECONDS["strong"]]),
    ("<p>Para</p>", ["Para", BREAK_STRENGTH_SECONDS["x-strong"]]),
    ("   ", []),
    ("a < b", ["a < b"]),   # not markup: spoken as written
])
def test_spoken_parts(text, parts):
    assert spoken_parts(text) == pytest.approx(parts)


def test_spoken_parts_of_a_parsed_sentence_decode_entities():
    tree = parse_bxml('<Response><SpeakSentence>Fish &amp; chips<break time="250ms"/>'
                      '<say-as interpret-as="characters">ABC</say-as></SpeakSentence></Response>')
    assert spoken_parts(tree.verbs[0].text) == ["Fish & chips", 0.25, "ABC"]


def test_pauses_are_floats_and_runs_are_strings():
    parts = spoken_parts('one <break time="1s"/> two')
    assert [type(p) for p in parts] == [str, float, str]
