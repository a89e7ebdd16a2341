"""explore/paths: signatures, how a path ended, what went wrong on it (C2/C3 included)."""

from __future__ import annotations

import copy

import simulator
from simulator.explore import NOTICE_RANK
from simulator.explore.paths import ending, problems, signature


def run(app: dict, caller: list | None = None, **extra) -> dict:
    return simulator.run_scenario({"name": "p", "app": app, "caller": caller or [],
                                   **extra}).to_json()


HANGS_UP = {"bxml": "<Response><SpeakSentence>hi</SpeakSentence><Hangup/></Response>"}


def test_same_run_same_signature_other_outcome_other_signature():
    one = run(HANGS_UP)
    other = run(HANGS_UP, [{"hangup": True, "at": 0.1}])

    assert signature(one) == signature(run(HANGS_UP))
    assert signature(one) != signature(other)


def test_how_a_path_ended():
    assert ending(run(HANGS_UP)) == "hangup: <Hangup> in /answer"
    assert ending(run(HANGS_UP, [{"hangup": True, "at": 0.1}])) == "hangup: the caller hung up"
    assert ending(run({"bxml": "<Response><Recrod/></Response>"})).startswith("invalid-bxml: ")


def test_an_app_exception_carries_the_c2_traceback():
    result = run({"bxml": '<Response><Redirect redirectUrl="/boom"/></Response>',
                  "routes": {"/boom": {"status": 500, "body": "oops"}}})
    with_c2 = copy.deepcopy(result)
    with_c2["callbacks"][1]["appError"] = {"type": "KeyError", "message": "'digits'",
                                           "traceback": "Traceback (most recent call last):\n"
                                                        "KeyError: 'digits'\n"}
    [crash] = [f for f in problems(with_c2, 1, in_process=True) if f.kind == "app-exception"]

    assert crash.message == "redirect http://app.test/boom: the app raised KeyError: 'digits'"
    assert crash.detail.startswith("Traceback")


def test_without_c2_a_5xx_of_an_in_process_app_is_its_exception():
    result = run({"bxml": '<Response><Redirect redirectUrl="/boom"/></Response>',
                  "routes": {"/boom": {"status": 500, "body": "ZeroDivisionError: oops"}}})
    kinds = {f.kind: f for f in problems(result, 3, in_process=True)}

    assert kinds["app-exception"].message.endswith("answered 500: ZeroDivisionError: oops")
    assert kinds["callback-error"].path == 3
    assert {f.kind for f in problems(result, 3, in_process=False)} == {"callback-error",
                                                                       "webhook-status"}


def test_c3_failures_with_a_kind_are_findings():
    result = run(HANGS_UP)
    result["failures"] = [{"message": "a step was never reached", "line": 3,
                           "kind": "unmet-wait-for"},
                          {"message": "expected 2 got 1", "line": 4, "kind": "expectation"}]

    [found] = problems(result, 1, in_process=False)

    assert found.kind == "unmet-wait-for" and found.rank < NOTICE_RANK  # a failure


def test_a_call_still_bridged_at_max_duration_is_not_a_loop():
    result = run({"bxml": "<Response><Transfer><PhoneNumber>+15555550123</PhoneNumber>"
                          "</Transfer></Response>"},
                 parties={"+15555550123": {"answer_after": 1}},
                 call={"max_duration": 30})

    assert ending(result).startswith("timeout: still connected (Transfer)")
    assert problems(result, 1, in_process=False) == []


def test_a_caller_left_in_a_conference_whose_event_reply_ran_verbs_is_not_a_loop():
    result = run({"bxml": '<Response><Conference conferenceEventUrl="/conference">standup'
                          "</Conference></Response>",
                  "routes": {"/conference": "<Response><StartRecording/></Response>"}},
                 call={"max_duration": 30})

    assert ending(result).startswith("timeout: still connected (Conference)")
    assert problems(result, 1, in_process=False) == []


def test_a_loop_after_a_transfer_ended_is_still_a_loop():
    result = run({"bxml": "<Response><Transfer><PhoneNumber>+15555550123</PhoneNumber>"
                          '</Transfer><Pause duration="5"/><Redirect redirectUrl="/loop"/>'
                          "</Response>",
                  "routes": {"/loop": '<Response><Pause duration="5"/>'
                                      '<Redirect redirectUrl="/loop"/></Response>'}},
                 parties={"+15555550123": {"status": "busy"}}, call={"max_duration": 30})

    assert [f.kind for f in problems(result, 1, in_process=False)] == ["max-duration"]


def test_machine_detection_verdicts_tell_paths_apart():
    app = {"bxml": "<Response><Pause duration='5'/></Response>"}  # async: decided meanwhile
    amd = {"direction": "outbound", "machine_detection": {"speech_end_threshold": 1}}
    silent = run(app, call=amd)
    person = run(app, [{"say": "Hello?", "seconds": 1}], call=amd)

    assert signature(silent) != signature(person)
    assert ending(person) == "hangup: end of /answer (machine detection: human)"
