"""Default expectations: what fails a scenario unless its expect names it, and what accepts it.

These run on hand-made result.json objects (tests/scenario/conftest.py); the end-to-end table of
broken apps is tests/test_broken_apps.py.
"""

from __future__ import annotations

import pytest

from simulator.scenario.defaults import Policy, judge
from simulator.scenario.load import load_text

CALL = "c-0a1b2c3d-11111111-2222-4333-8444-555555555555"  # the call of conftest.RESULT
B_LEG = "c-0a1b2c3d-bbbbbbbb-2222-4333-8444-555555555555"


def verdict(result: dict, expect: str = "", strict: bool = False) -> list:
    text = "name: t\n" + ("expect:\n" + "".join(f"  {line}\n" for line in expect.splitlines())
                          if expect else "")
    [scenario] = load_text(text, file="t.yaml")
    return judge(scenario.expect, result, Policy.of(scenario, strict=strict))


def kinds(failures) -> list[str]:
    return [f.kind for f in failures]


@pytest.fixture
def clean(result) -> dict:
    """The sample run with its failed recordingAvailable attempt answered 200."""
    result["callbacks"][4].update(status=200, error=None)
    return result


def test_a_run_that_went_well_passes_with_no_expect_at_all(clean):
    assert verdict(clean) == []


# ---- end causes


def with_cause(result: dict, cause: str, message: str | None = None) -> dict:
    result["calls"][0].update(disconnectCause=cause, errorMessage=message)
    return result


def test_a_call_ending_otherwise_than_hangup_fails_naming_call_time_cause_and_the_fix(clean):
    [failure] = verdict(with_cause(clean, "callback-error", "gather webhook could not be "
                                   "delivered: HTTP 500 from POST http://app.test/gather"))
    assert failure.kind == "disconnect-cause"
    assert (failure.call_id, failure.at, failure.line) == (CALL, 12.0, 1)
    assert failure.message.splitlines()[0] == (
        f"call {CALL} (the scenario's inbound call) ended at 12.000 s with disconnectCause "
        "callback-error: gather webhook could not be delivered: HTTP 500 from POST "
        "http://app.test/gather")
    assert failure.accept == "disconnect_cause: callback-error"
    assert "to accept it, add to expect:\n      disconnect_cause: callback-error" in \
        failure.message


@pytest.mark.parametrize("cause", ["callback-error", "invalid-bxml", "application-error",
                                   "timeout", "error", "busy", "cancel"])
def test_every_cause_but_hangup_fails_by_default(clean, cause):
    assert kinds(verdict(with_cause(clean, cause))) == ["disconnect-cause"]


@pytest.mark.parametrize("expect", [
    "disconnect_cause: invalid-bxml",
    "disconnect_cause: {one_of: [hangup, invalid-bxml]}",
    "calls: [{disconnectCause: invalid-bxml}]",
])
def test_an_expectation_naming_the_cause_accepts_it(clean, expect):
    assert verdict(with_cause(clean, "invalid-bxml"), expect) == []


def test_an_expectation_naming_another_cause_fails_once_as_that_expectation(clean):
    failures = verdict(with_cause(clean, "invalid-bxml"), "disconnect_cause: callback-error")
    assert kinds(failures) == ["expectation"]  # not a second, default, failure


@pytest.mark.parametrize("expect", ["calls: [{direction: inbound}]", "calls: 1",
                                    "callbacks: [{event: disconnect}]"])
def test_an_expectation_that_does_not_name_the_cause_does_not_accept_it(clean, expect):
    assert kinds(verdict(with_cause(clean, "invalid-bxml"), expect)) == ["disconnect-cause"]


def add_b_leg(result: dict, cause: str) -> dict:
    result["calls"].append(dict(result["calls"][0], callId=B_LEG, parentCallId=CALL,
                                direction="outbound", to="+15555550123",
                                disconnectCause=cause))
    result["timeline"].append({"at": 9.0, "callId": B_LEG, "kind": "call-end", "verb": None,
                               "line": None, "detail": {"cause": cause}})
    return result


def test_the_first_calls_cause_says_nothing_about_the_other_calls(clean):
    failures = verdict(add_b_leg(clean, "busy"), "disconnect_cause: hangup")
    [failure] = failures
    assert (failure.kind, failure.call_id, failure.at) == ("disconnect-cause", B_LEG, 9.0)
    assert failure.message.startswith(f"call {B_LEG} (outbound to +15555550123) ended at "
                                      "9.000 s with disconnectCause busy")
    # the YAML that accepts it lists every call with its cause
    assert failure.accept == "calls:\n  - {disconnectCause: hangup}\n  - {disconnectCause: busy}"
    assert verdict(clean, "disconnect_cause: hangup\n" + failure.accept) == []


def test_with_a_calls_list_the_fix_names_the_item_to_complete(clean):
    [failure] = verdict(add_b_leg(clean, "busy"),
                        "calls:\n  - {direction: inbound}\n  - {to: '+15555550123'}")
    assert failure.accept == "disconnectCause: busy"
    assert "add `disconnectCause: busy` to expect.calls[1] (line 5)" in failure.message


# ---- webhook attempts


def test_a_failed_webhook_attempt_fails_even_when_the_call_went_on(result):
    [failure] = verdict(result)
    assert (failure.kind, failure.call_id, failure.at) == ("webhook-status", CALL, 11.2)
    assert failure.message.splitlines()[:2] == [
        "recordingAvailable webhook, attempt 1, at 11.200 s: POST http://app.test/ra answered "
        "HTTP 503",
        "  (no retry or fallback answered: the webhook was not delivered)"]
    assert failure.accept == "callbacks:\n  - {event: recordingAvailable, status: 503}"


def test_a_failure_rescued_by_the_fallback_url_still_fails_and_says_it_was_rescued(result):
    rescue = dict(result["callbacks"][4], attempt=2, fallback=True, status=200, error=None,
                  url="https://backup.test/ra")
    result["callbacks"].insert(5, rescue)
    [failure] = verdict(result)
    assert "(rescued: the fallback URL, POST https://backup.test/ra, answered 200; a working " \
           "app answers the first time)" in failure.message


@pytest.mark.parametrize("expect", [
    "callbacks: [{event: recordingAvailable, status: 503}]",
    "callbacks: [{event: recordingAvailable, status: {min: 500}}]",
    "callbacks: [{event: recordingAvailable, error: HTTP 503}]",
    "callbacks:\n  exact: true\n  events: [initiate, gather, gather, recordComplete,"
    " {event: recordingAvailable, status: 503}, disconnect]",
])
def test_the_callback_item_naming_the_status_accepts_that_attempt(result, expect):
    assert verdict(result, expect) == []


def test_a_callback_item_that_matched_without_naming_the_status_is_pointed_at(result):
    [failure] = verdict(result, "callbacks: [initiate, recordingAvailable]")
    assert failure.accept == "status: 503"
    assert "add `status: 503` to expect.callbacks[1] (line 3), which matched this attempt" in \
        failure.message


def test_naming_one_attempts_status_accepts_that_attempt_and_nothing_more(result):
    second = dict(result["callbacks"][4], at=11.5, status=500, error="HTTP 500")
    result["callbacks"].insert(5, second)
    failures = verdict(result, "callbacks: [{event: recordingAvailable, status: 503}]")
    assert [(f.kind, f.at) for f in failures] == [("webhook-status", 11.5)]


def test_a_timeout_is_accepted_by_naming_its_error(result):
    result["callbacks"][4].update(status=None, error="timeout after 15 s")
    [failure] = verdict(result)
    assert "POST http://app.test/ra timeout after 15 s" in failure.message
    assert failure.accept == "callbacks:\n  - {event: recordingAvailable, error: timeout after 15 s}"
    assert verdict(result, failure.accept) == []


# ---- app exceptions (C2 appError on the attempt)


TRACE = ('Traceback (most recent call last):\n'
         '  File ".venv/lib/python3.11/site-packages/flask/app.py", line 917, in dispatch\n'
         '    rv = self.dispatch_request()\n'
         '  File "app.py", line 9, in gather\n'
         '    return average([])\n'
         'ZeroDivisionError: division by zero\n')


def raising(result: dict) -> dict:
    result["callbacks"][1].update(status=500, error="HTTP 500", appError={
        "type": "ZeroDivisionError", "message": "division by zero", "traceback": TRACE})
    result["callbacks"][4].update(status=200, error=None)
    return result


def test_an_app_exception_fails_with_its_traceback_without_the_framework_frames(result):
    [failure] = verdict(raising(result))
    assert (failure.kind, failure.at, failure.call_id) == ("app-exception", 3.0, CALL)
    lines = failure.message.splitlines()
    assert lines[0] == ("gather webhook, attempt 1, at 3.000 s: the app raised "
                        "ZeroDivisionError: division by zero while handling POST "
                        "http://app.test/gather, and answered HTTP 500")
    assert '    File "app.py", line 9, in gather' in lines
    assert "site-packages" not in failure.message
    assert "(1 framework frames left out; the whole traceback is result.json " \
           "callbacks[1].appError)" in failure.message
    assert failure.accept == ("callbacks:\n  - {event: gather, status: 500, "
                              "appError: ZeroDivisionError}")


@pytest.mark.parametrize("expect, left", [
    ("callbacks: [{event: gather, status: 500, appError: ZeroDivisionError}]", []),
    ("callbacks: [{event: gather, status: 500, appError: 'ZeroDivisionError: division by "
     "zero'}]", []),
    ("callbacks: [{event: gather, status: 500, appError: {type: ZeroDivisionError}}]", []),
    ("callbacks: [{event: gather, status: 500, appError: {regex: division}}]", []),
    ("callbacks: [{event: gather, status: 500, appError: {present: true}}]", []),
    # exactly what is named, nothing more: the status alone leaves the exception failing
    ("callbacks: [{event: gather, status: 500}]", ["app-exception"]),
    ("callbacks: [{event: gather, appError: ZeroDivisionError}]", ["webhook-status"]),
])
def test_the_app_error_is_accepted_only_by_naming_it(result, expect, left):
    assert kinds(verdict(raising(result), expect)) == left


def test_an_app_error_of_another_type_is_an_expectation_failure(result):
    failures = verdict(raising(result), "callbacks: [{event: gather, appError: KeyError}]")
    assert kinds(failures)[0] == "expectation"


# ---- timeline entries: unmet wait_for, refused conference documents, internal errors


def entry(result: dict, kind: str, at: float, verb=None, line=None, **detail) -> dict:
    result["timeline"].insert(-1, {"at": at, "callId": CALL, "kind": kind, "verb": verb,
                                   "line": line, "detail": detail})
    return result


def test_an_unmet_wait_for_fails_at_the_steps_line(clean):
    with_cause(clean, "timeout")
    entry(clean, "unmet-wait-for", 12.0, verb="Transfer", line=9, step=1, since=2.0)
    failures = verdict(clean, "disconnect_cause: timeout")
    [failure] = failures
    assert (failure.kind, failure.line, failure.at) == ("unmet-wait-for", 9, 12.0)
    assert failure.message.startswith(
        f"the far end of call {CALL} waited for Transfer (caller step 1, `wait_for: Transfer`, "
        "from 2.000 s) but no Transfer started before the call ended at 12.000 s (timeout); "
        "the steps after it never ran")
    assert failure.accept == "timeline:\n  - {kind: unmet-wait-for, verb: Transfer}"


def test_a_conference_refusing_the_apps_document_fails(clean):
    entry(clean, "error", 5.0, cause="invalid-bxml", conference="sales",
          message="conferenceRedirect reply refused: ...")
    [failure] = verdict(clean)
    assert failure.kind == "invalid-bxml" and "conference sales refused" in failure.message
    assert verdict(clean, failure.accept) == []


def test_an_internal_error_always_fails_and_cannot_be_accepted(clean):
    entry(clean, "internal-error", 4.0, error="ZeroDivisionError", message="boom")
    failures = verdict(clean, "timeline: [{kind: internal-error}]")
    assert kinds(failures) == ["internal-error"]
    assert failures[0].message == ("internal error: ZeroDivisionError: boom (please report; "
                                   "the run stopped at 4.000 s)")
    assert failures[0].accept is None


# ---- strict mode: BXML warnings


def warned(result: dict) -> dict:
    return entry(result, "bxml-warning", 0.0, line=4, code="BX401",
                 message="<SpeakSentence> and the 1 verb(s) from here on never run")


def test_bxml_warnings_pass_unless_strict(clean):
    assert verdict(warned(clean)) == []


def test_in_strict_mode_a_bxml_warning_fails(clean):
    [failure] = verdict(warned(clean), strict=True)
    assert failure.kind == "bxml-warning"
    assert failure.message.startswith(f"BXML warning BX401 at 0.000 s (call {CALL}), line 4 of "
                                      "a document the app returned: <SpeakSentence>")
    assert failure.accept == "timeline:\n  - {kind: bxml-warning, detail: {code: BX401}}"
    assert "or run without strict mode" in failure.message
    assert verdict(clean, failure.accept, strict=True) == []


def test_the_scenario_key_strict_turns_strict_mode_on(clean):
    [scenario] = load_text("name: t\nstrict: true\n", file="t.yaml")
    assert scenario.strict is True
    assert kinds(judge(None, warned(clean), Policy.of(scenario))) == ["bxml-warning"]


# ---- all together


def test_failures_come_in_virtual_time_order_after_the_expectations(result):
    with_cause(result, "callback-error")
    failures = verdict(raising(result), "digits: '9'")
    assert [(f.kind, f.at) for f in failures] == [  # the digits failure: at the gather event
        ("expectation", 3.0), ("app-exception", 3.0), ("disconnect-cause", 12.0)]


def test_failures_serialise_to_the_c3_keys(clean):
    [failure] = verdict(with_cause(clean, "timeout"))
    assert failure.to_json() == {"message": failure.message, "line": 1,
                                 "kind": "disconnect-cause", "callId": CALL, "at": 12.0,
                                 "accept": "disconnect_cause: timeout"}
