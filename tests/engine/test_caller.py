"""The far end's script: `wait_for` (until the verb starts, or at once when it is running)."""

import pytest

from engine_harness import run
from simulator.scenario.model import Press, Silence, WaitFor


def gathered(r) -> list[tuple[float, str]]:
    return [(c["at"], c["payload"]["digits"]) for c in r.sim.callbacks
            if c["eventType"] == "gather"]


def test_wait_for_a_verb_already_running_is_satisfied_at_once():
    r = run({"/answer": "<Response><Gather gatherUrl='/g' maxDigits='1' firstDigitTimeout='10'/>"
                        "</Response>", "/g": "<Response/>"},
            [Silence(2), WaitFor("Gather"), Press("1")])
    assert gathered(r) == [(2.0, "1")]


def test_wait_for_a_verb_not_running_waits_until_it_starts():
    r = run({"/answer": "<Response><Pause duration='2'/><Gather gatherUrl='/g' maxDigits='1'/>"
                        "</Response>", "/g": "<Response/>"},
            [WaitFor("Gather"), Press("1")])
    assert gathered(r) == [(2.0, "1")]


def test_a_verb_that_already_ended_does_not_count():
    r = run({"/answer": "<Response><Gather gatherUrl='/g' firstDigitTimeout='1'/></Response>",
             "/g": "<Response><Pause duration='2'/>"
                   "<Gather gatherUrl='/h' maxDigits='1'/></Response>",
             "/h": "<Response/>"},
            [Silence(1.5), WaitFor("Gather"), Press("1")])
    assert gathered(r) == [(1.0, ""), (3.0, "1")]


def test_a_gather_prompt_being_played_is_running():
    r = run({"/answer": "<Response><Gather gatherUrl='/g' maxDigits='1'>"
                        "<SpeakSentence>one two three four five</SpeakSentence></Gather>"
                        "</Response>", "/g": "<Response/>"},
            [Silence(1), WaitFor("SpeakSentence"), Press("7")])
    assert gathered(r) == [(1.0, "7")]
    prompt_end = [e for e in r.kinds("verb-end") if e.verb == "SpeakSentence"][0]
    assert prompt_end.detail["reason"] == "barge-in"


def test_each_wait_for_looks_at_what_runs_when_it_begins():
    r = run({"/answer": "<Response><Pause duration='1'/><Pause duration='1'/>"
                        "<Gather gatherUrl='/g' maxDigits='1'/></Response>", "/g": "<Response/>"},
            [WaitFor("Pause"), Silence(1.5), WaitFor("Pause"), WaitFor("Gather"), Press("1")])
    assert gathered(r) == [(2.0, "1")]
    assert r.kinds("digit")[0].at == pytest.approx(2.0)
