"""coverage/trace: every verb of a result.json attributed to the document it belongs to."""

from __future__ import annotations

import copy

import simulator
from simulator.coverage.trace import trace

MENU = ('<Response><Gather gatherUrl="/next" maxDigits="1" firstDigitTimeout="1" '
        'repeatCount="2"><SpeakSentence>one</SpeakSentence><SpeakSentence>two</SpeakSentence>'
        '</Gather><SpeakSentence>after</SpeakSentence></Response>')


def run(app: dict, caller: list | None = None) -> dict:
    return simulator.run_scenario({"name": "t", "app": app, "caller": caller or []}).to_json()


def test_each_verb_belongs_to_the_reply_that_gave_the_call_its_document():
    result = run({"bxml": MENU, "routes": {"/next": "<Response><Hangup/></Response>"}})
    runs = trace(result).executed

    assert [(r.document.url, r.verb) for r in runs] == (
        [("http://app.test/answer", "Gather")]
        + [("http://app.test/answer", "SpeakSentence")] * 4
        + [("http://app.test/next", "Hangup")])
    assert runs[0].document.body == MENU


def test_verbs_on_one_line_are_told_apart_nested_prompts_by_their_gather():
    result = run({"bxml": MENU, "routes": {"/next": "<Response><Hangup/></Response>"}})

    assert [r.path for r in trace(result).executed][:5] == [
        "/Response/Gather[1]", "/Response/Gather[1]/SpeakSentence[1]",
        "/Response/Gather[1]/SpeakSentence[2]", "/Response/Gather[1]/SpeakSentence[1]",
        "/Response/Gather[1]/SpeakSentence[2]"]


def test_a_verb_after_the_gather_is_a_top_level_one():
    result = run({"bxml": MENU.replace('gatherUrl="/next" ', "")})
    paths = [r.path for r in trace(result).executed]

    assert paths[-1] == "/Response/SpeakSentence[1]"


def test_each_verb_run_carries_how_it_ended():
    result = run({"bxml": MENU, "routes": {"/next": "<Response><Hangup/></Response>"}},
                 [{"press": "5", "at": 0.2}])
    gather = trace(result).executed[0]

    assert gather.verb == "Gather" and gather.reason == "max-digits"
    assert gather.end_detail["digits"] == "5"


def test_a_fallback_reply_is_the_document():
    result = run({"bxml": '<Response><Redirect redirectUrl="/down" '
                          'redirectFallbackUrl="/backup"/></Response>',
                  "routes": {"/down": {"status": 503},
                             "/backup": "<Response><Hangup/></Response>"}})
    [_, redirect] = [r for r in trace(result).requests]

    assert redirect.url == "http://app.test/backup" and len(redirect.attempts) == 2
    assert trace(result).executed[-1].document.url == "http://app.test/backup"


def test_c1_keys_are_used_when_the_timeline_has_them():
    result = run({"bxml": "<Response><SpeakSentence>hi</SpeakSentence></Response>"})
    moved = copy.deepcopy(result)
    for entry in moved["timeline"]:
        if entry["kind"] == "verb-start":
            entry.update(col=99, path="/Response/SpeakSentence[7]",
                         document="http://app.test/answer")
    [speak] = trace(moved).executed

    assert (speak.col, speak.path, speak.document.url) == (99, "/Response/SpeakSentence[7]",
                                                          "http://app.test/answer")
    assert speak.document.body.startswith("<Response>")


def test_a_gather_whose_webhook_failed_keeps_the_digits_it_sent():
    result = run({"bxml": '<Response><Gather gatherUrl="/boom" maxDigits="1"/></Response>',
                  "routes": {"/boom": {"status": 500}}}, [{"press": "3", "at": 0.1}])
    gather = trace(result).executed[0]

    assert gather.reason == "callback-error" and gather.end_detail["digits"] == "3"


def test_a_speech_gather_whose_webhook_failed_keeps_the_transcript_it_sent():
    result = run({"bxml": '<Response><Gather gatherUrl="/boom" input="speech" hints="sales" '
                          'speechTimeout="1"/></Response>',
                  "routes": {"/boom": {"status": 500}}}, [{"say": "sales", "at": 0.1}])
    gather = trace(result).executed[0]

    assert gather.reason == "callback-error" and gather.end_detail["speech"] == "sales"
