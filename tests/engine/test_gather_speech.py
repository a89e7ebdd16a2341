"""Speech input in <Gather> (engine/verbs/gather_speech.py).

Attributes from the SDK builder, bandwidth-sdk 23.x bandwidth/models/bxml/verbs/gather.py:
``input`` "The kind of input to collect: dtmf, speech, or dtmf_speech"; ``hints`` "Words or
phrases that provide context to the speech recognition engine"; ``speechTimeout`` "Time (in
seconds) to wait for speech input before terminating the Gather. Default value is 5";
``profanityFilter`` "whether profane words are filtered out of the transcription. Default
value is true"; ``partialResultCallback`` "URL to send the Partial Result event to as speech is
recognized". The gather webhook's speech fields and the partial result event are not
documented (bandwidth/models/gather_callback.py has none): ``speechResult {text, confidence}``
and ``partialResult`` are this project's choices (spec README #14).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine_harness import run
from simulator.audio.synth import SAMPLE_RATE
from simulator.scenario.model import Hangup, Play, Press, Say, Silence, WaitFor

AFTER = {"/g": "<Response><Hangup/></Response>"}
PROMPT = "<SpeakSentence>say sales or press one</SpeakSentence>"   # 5 words: 2.0 s


def gather(attrs: str = "", prompts: str = "", **routes) -> dict:
    return {"/answer": f"<Response><Gather gatherUrl='/g' {attrs}>{prompts}</Gather>"
                       "<SpeakSentence>after</SpeakSentence></Response>", **AFTER, **routes}


def result(r) -> dict:
    return r.callback("gather")["payload"]


def ended(r, verb: str = "Gather") -> tuple[float, str]:
    (end,) = [e for e in r.kinds("verb-end") if e.verb == verb and not e.detail.get("nested")]
    return end.at, end.detail["reason"]


# -- what is recognised ----------------------------------------------------------------------

def test_what_the_caller_says_is_what_is_recognised():
    r = run(gather("input='speech' speechTimeout='1'"),
            [WaitFor("Gather"), Say("I'd like sales, please.", seconds=1.6)])
    assert result(r)["speechResult"] == {"text": "I'd like sales, please.", "confidence": 1.0}
    assert (result(r)["digits"], result(r)["terminatingDigit"]) == ("", "")
    # the utterance ends speechTimeout after the speech: 1.6 + 1.0 s
    assert ended(r) == (pytest.approx(2.6), "speech-timeout")
    assert r.callback("gather")["at"] == pytest.approx(2.6)


def test_the_speech_result_follows_the_digits_and_a_dtmf_gather_has_none():
    r = run(gather("input='speech' speechTimeout='1'"), [WaitFor("Gather"), Say("yes")])
    assert list(result(r))[-1] == "speechResult"
    r = run(gather("maxDigits='1'"), [WaitFor("Gather"), Press("1")])
    assert "speechResult" not in result(r)


def test_only_the_words_said_while_the_gather_listens_count():
    r = run({"/answer": "<Response><Pause duration='2'/><Gather gatherUrl='/g' input='speech' "
                        "speechTimeout='1'/></Response>", **AFTER},
            [Say("too early", seconds=0.8), Silence(1.6), Say("sales", seconds=0.4)])
    assert result(r)["speechResult"]["text"] == "sales"


def test_nothing_said_is_an_empty_result_after_speech_timeout():
    r = run(gather("input='speech' speechTimeout='3'"), [])
    assert result(r)["speechResult"] == {"text": "", "confidence": 0.0}
    assert ended(r) == (pytest.approx(3.0), "timeout")


# -- speechTimeout on the caller's actual audio (the silence detector Record uses) -------------

@pytest.mark.parametrize("pause, timeout, text, end", [
    (1.0, 1.5, "one two three four", 0.8 + 1.0 + 0.8 + 1.5),   # the pause is shorter: one utterance
    (1.0, 0.8, "one two", 0.8 + 0.8),                           # the pause ends it
])
def test_speech_timeout_is_silence_after_the_speech(pause, timeout, text, end):
    r = run(gather(f"input='speech' speechTimeout='{timeout}'"),
            [WaitFor("Gather"), Say("one two", seconds=0.8), Silence(pause),
             Say("three four", seconds=0.8)])
    assert result(r)["speechResult"]["text"] == text
    assert ended(r)[0] == pytest.approx(end, abs=0.02)


def test_any_sound_the_caller_makes_keeps_the_utterance_going(tmp_path):
    # 1 s of the caller's audio (a played file) after the words: the silence starts after it
    noise = (0.3 * np.sin(np.arange(SAMPLE_RATE) * 2 * np.pi * 300 / SAMPLE_RATE)).astype(
        np.float32)
    path = Path(tmp_path / "noise.wav")
    r = run(gather("input='speech' speechTimeout='1'"),
            [WaitFor("Gather"), Say("sales", seconds=0.4), Play(path)], media={path: noise})
    assert result(r)["speechResult"]["text"] == "sales"
    assert ended(r)[0] == pytest.approx(0.4 + 1.0 + 1.0, abs=0.02)


def test_keys_are_not_speech():
    # input="speech": keys are no input; their tones are not taken for speech either
    r = run(gather("input='speech' speechTimeout='2'"), [WaitFor("Gather"), Press("12")])
    assert (result(r)["digits"], result(r)["speechResult"]["text"]) == ("", "")
    assert ended(r) == (pytest.approx(2.0), "timeout")


# -- barge-in and the no-input wait -----------------------------------------------------------

def test_speech_stops_the_prompt_at_once():
    r = run(gather("input='speech' speechTimeout='1'", PROMPT), [Silence(0.8), Say("sales")])
    (prompt,) = [e for e in r.kinds("verb-end") if e.detail.get("nested")]
    assert (prompt.at, prompt.detail["reason"]) == (pytest.approx(0.8), "barge-in")
    assert max(s.end for s in r.leg.played.spans if s.end > s.start) == pytest.approx(0.8)


def test_barge_in_waits_for_the_callers_first_sound_in_its_audio(tmp_path):
    # a file that starts with 1 s of silence: the caller is heard 1 s after it starts
    audio = np.zeros(2 * SAMPLE_RATE, np.float32)
    audio[SAMPLE_RATE:] = 0.3 * np.sin(np.arange(SAMPLE_RATE) * 2 * np.pi * 300 / SAMPLE_RATE)
    path = Path(tmp_path / "late.wav")
    r = run(gather("input='speech' speechTimeout='1'", PROMPT), [Silence(0.4), Play(path)],
            media={path: audio})
    (prompt,) = [e for e in r.kinds("verb-end") if e.detail.get("nested")]
    assert (prompt.at, prompt.detail["reason"]) == (pytest.approx(1.4), "barge-in")


@pytest.mark.parametrize("attrs, waits", [
    ("input='speech' speechTimeout='3'", 3.0),
    ("input='dtmf_speech' speechTimeout='3' firstDigitTimeout='5'", 5.0),   # the longer one
    ("input='dtmf_speech' speechTimeout='4' firstDigitTimeout='1'", 4.0),
])
def test_no_input_waits_after_the_prompt(attrs, waits):
    r = run(gather(attrs, PROMPT), [])
    assert ended(r) == (pytest.approx(2.0 + waits), "timeout")


def test_repeat_count_replays_the_prompt_when_nothing_is_said():
    r = run(gather("input='speech' speechTimeout='1' repeatCount='2'", PROMPT),
            [WaitFor("Gather"), Silence(3.5), Say("support", seconds=0.4)])
    speaks = [e.at for e in r.kinds("verb-start") if e.verb == "SpeakSentence"]
    assert speaks[:2] == pytest.approx([0.0, 3.0])
    assert result(r)["speechResult"]["text"] == "support"


# -- dtmf_speech: the first input wins ------------------------------------------------------

def test_a_key_first_makes_it_a_dtmf_gather_and_later_speech_is_ignored():
    r = run(gather("input='dtmf_speech' terminatingDigits='#' interDigitTimeout='2'", PROMPT),
            [Silence(0.5), Press("42"), Say("sales please", seconds=0.8), Press("#")])
    assert result(r)["digits"] == "42" and result(r)["terminatingDigit"] == "#"
    assert result(r)["speechResult"] == {"text": "", "confidence": 0.0}


def test_speech_first_makes_it_a_speech_gather_and_later_keys_are_ignored():
    r = run(gather("input='dtmf_speech' speechTimeout='1' terminatingDigits='#'"),
            [WaitFor("Gather"), Say("sales", seconds=0.4), Press("5")])
    assert result(r)["digits"] == "" and result(r)["speechResult"]["text"] == "sales"
    assert ended(r)[1] == "speech-timeout"


def test_a_terminating_key_ends_the_speech_at_once():
    r = run(gather("input='dtmf_speech' speechTimeout='5' terminatingDigits='#'"),
            [WaitFor("Gather"), Say("account four two", seconds=1.2), Press("#")])
    assert result(r)["speechResult"]["text"] == "account four two"
    assert (result(r)["digits"], result(r)["terminatingDigit"]) == ("", "#")
    assert ended(r) == (pytest.approx(1.2), "terminating-digit")


# -- hints and the profanity filter (engine/recognition.py) ---------------------------------------

@pytest.mark.parametrize("hints, said, text", [
    ("Sales, Customer Support", "sales please", "Sales please"),            # case
    ("Sales, Customer Support", "I want customer support!", "I want Customer Support!"),
    ("sales", "sails please", "sales please"),                               # close: biased
    ("sales", "sale", "sales"),
    ("sales", "so", "so"),                                                    # too far
    ("", "sails", "sails"),
])
def test_hints_normalise_the_result(hints, said, text):
    r = run(gather(f"input='speech' speechTimeout='1' hints='{hints}'"),
            [WaitFor("Gather"), Say(said)])
    assert result(r)["speechResult"]["text"] == text


@pytest.mark.parametrize("attr, text", [("", "oh s*** I missed the d*** bus"),
                                        ("profanityFilter='false'",
                                         "oh shit I missed the damn bus")])
def test_the_profanity_filter_masks_profane_words_by_default(attr, text):
    r = run(gather(f"input='speech' speechTimeout='1' {attr}"),
            [WaitFor("Gather"), Say("oh shit I missed the damn bus")])
    assert result(r)["speechResult"]["text"] == text


# -- partial results ----------------------------------------------------------------------------

def test_partial_results_follow_each_word_as_it_is_said():
    r = run(gather("input='speech' speechTimeout='1' partialResultCallback='/partial' "
                   "partialResultCallbackMethod='GET' hints='Sales'"),
            [WaitFor("Gather"), Say("sales please now", seconds=1.2)])
    partials = [c for c in r.sim.callbacks if c["eventType"] == "partialResult"]
    assert [(c["at"], c["method"]) for c in partials] == [
        (pytest.approx(0.4), "GET"), (pytest.approx(0.8), "GET"), (pytest.approx(1.2), "GET")]
    assert [r.requests[i].payload["speechResult"]["text"] for i, w in enumerate(r.requests)
            if w.event_type == "partialResult"] == ["Sales", "Sales please", "Sales please now"]
    assert not [w for w in r.requests if w.event_type == "partialResult" and w.sync]
    assert r.events()[-2:] == ["gather", "disconnect"]


def test_no_partial_results_without_the_callback_or_after_the_gather():
    r = run(gather("input='speech' speechTimeout='1'"), [WaitFor("Gather"), Say("sales")])
    assert "partialResult" not in r.events()
    r = run(gather("input='speech' speechTimeout='1' partialResultCallback='/p'"),
            [WaitFor("Gather"), Say("sales", seconds=0.4), Silence(2),
             Say("said after the gather", seconds=1.6)])
    # the Gather ends at 1.4 s; the later words are not the Gather's
    assert [c["at"] for c in r.sim.callbacks if c["eventType"] == "partialResult"] == \
        [pytest.approx(0.4)]


# -- the rest of the Gather's life ----------------------------------------------------------------

def test_without_gather_url_the_speech_is_discarded_and_the_next_verb_runs():
    r = run({"/answer": "<Response><Gather input='speech' speechTimeout='1'/>"
                        "<Pause duration='1'/></Response>"},
            [WaitFor("Gather"), Say("sales")])
    end = [e for e in r.kinds("verb-end") if e.verb == "Gather"][0]
    assert end.detail["speech"] == "sales"
    assert "gather" not in r.events()
    assert [e.verb for e in r.kinds("verb-start")][-1] == "Pause"


def test_a_hang_up_during_the_utterance_sends_no_gather_event():
    r = run(gather("input='speech' speechTimeout='2' partialResultCallback='/p'"),
            [WaitFor("Gather"), Say("sales please", seconds=0.8), Hangup()])
    assert "gather" not in r.events()
    assert r.events()[-1] == "disconnect"
