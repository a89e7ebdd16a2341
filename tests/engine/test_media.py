"""engine/verbs/media.py: a SpeakSentence's spoken parts, worked out once per text."""

from __future__ import annotations

from simulator.audio.synth import tts_seconds
from simulator.bxml.ssml import spoken_parts
from simulator.engine.verbs import media


def test_spoken_parts_and_their_seconds_are_those_of_the_ssml_rules():
    for text in ("Hello <break time=\"500ms\"/> world", "one two three", "<s>a</s><p>b c</p>",
                 "not <well formed", ""):
        assert media._spoken(text) == tuple((p, tts_seconds([p])) for p in spoken_parts(text))
    assert media._spoken("one two") is media._spoken("one two")
