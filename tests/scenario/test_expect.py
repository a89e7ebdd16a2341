"""The ``expect`` block: each kind of expectation, passing and failing, with its message."""

from __future__ import annotations

import pytest

from simulator.scenario.expect import evaluate
from simulator.scenario.load import load_text


def failures(expect_yaml: str, result: dict) -> list:
    text = "name: t\nexpect:\n" + "".join(f"  {line}\n" for line in expect_yaml.splitlines())
    [scenario] = load_text(text, file="t.yaml")
    return evaluate(scenario.expect, result)


PASSING = [
    "callbacks: [initiate, recordComplete, disconnect]",
    "callbacks: [gather, gather]",
    "callbacks:\n  - event: gather\n    payload: {digits: '12', terminatingDigit: '#'}",
    "callbacks:\n  - event: recordComplete\n    payload: {duration: '~4.2', fileFormat: wav}",
    "callbacks:\n  - event: recordComplete\n    at: {min: 11, max: 12}",
    "callbacks:\n  - {event: recordingAvailable, status: 503, error: {regex: '^HTTP 5'}}",
    "callbacks:\n  exact: true\n  events: [initiate, gather, gather, recordComplete,"
    " recordingAvailable, disconnect]",
    "callbacks:\n  - event: initiate\n    payload: {tag: {absent: true}}",
    "no_callbacks: [transferComplete, {event: gather, payload: {digits: '9'}}]",
    "recordings:\n  - verb: Record\n    duration: {approx: 4.0, tolerance: 0.25}\n"
    "    channels: 1\n    fileFormat: wav\n    endReason: terminating-digit\n    segments: 1",
    "recordings:\n  - segments: [{startAt: 7, endAt: '~11.2'}]",
    "recordings:\n  - transcription: {contains: call me back}",
    "recordings:\n  - transcription: hi it's sam call me back",
    "recordings:\n  - transcription: {status: available, text: {regex: sam}}",
    "recordings: 1",
    "calls: [{direction: inbound, disconnectCause: hangup}]",
    "disconnect_cause: hangup",
    "disconnect_cause: {one_of: [hangup, cancel]}",
    "digits: '12'",
    "digits: ['', '12']",
    "timeline: [Gather, Record]",
    "timeline:\n  - {kind: digit, detail: {digit: '#'}}\n  - {kind: call-end, at: '~12'}",
]


@pytest.mark.parametrize("expect", PASSING)
def test_met_expectations_give_no_failure(expect, result):
    assert failures(expect, result) == []


# (expect block, line of the failure, lines the message must contain)
FAILING = [
    ("callbacks: [initiate, transferComplete]", 3,
     ["expect.callbacks[1]: no transferComplete callback after initiate@0.000",
      "callbacks after initiate@0.000: gather@3.000, gather@8.000"]),
    ("callbacks: [disconnect, initiate]", 3,
     ["expect.callbacks[1]: no initiate callback after disconnect@12.000",
      "callbacks after disconnect@12.000: none"]),
    ("callbacks:\n  - event: recordComplete\n    payload: {duration: '~6±0.5'}", 4,
     ["expect.callbacks[0]: no recordComplete callback", "closest: recordComplete@11.200",
      "payload.duration: expected 6 ± 0.5, got 'PT4.2S'"]),
    ("callbacks:\n  exact: true\n  events: [initiate, disconnect]", 3,
     ["expect.callbacks: expected exactly 2 callbacks, got 6: initiate@0.000, gather@3.000"]),
    ("callbacks:\n  exact: true\n  events: [initiate, gather, gather, recordComplete,"
     " recordingAvailable, transferComplete]", 5,
     ["expect.callbacks.events[5]: disconnect@12.000 does not match",
      "eventType: expected 'transferComplete', got 'disconnect'"]),
    ("no_callbacks: [gather]", 3,
     ["expect.no_callbacks[0]: expected no gather callback, got 2: gather@3.000, gather@8.000"]),
    ("recordings:\n  - duration: '~6'\n    endReason: max-duration", 4,
     ["expect.recordings[0]: Record recording 4.2 s (terminating-digit) does not match",
      "duration: expected 6 ± 0.1, got 4.2",
      "endReason: expected 'max-duration', got 'terminating-digit'"]),
    ("recordings:\n  - segments: 2", 4, ["segments: expected length 2, got length 1"]),
    ("recordings:\n  - transcription: {contains: pizza}", 4,
     ["transcription.text: expected something containing 'pizza', got \"hi it's sam call me back\""]),
    ("recordings: []", 3, ["expect.recordings: expected 0 recordings, got 1: Record recording"]),
    ("recordings: 2", 3, ["expect.recordings: expected 2 recordings, got 1"]),
    ("calls: [{disconnectCause: busy}]", 3,
     ["expect.calls[0]", "disconnectCause: expected 'busy', got 'hangup'"]),
    ("disconnect_cause: callback-error", 3,
     ["expect.disconnect_cause: first call's disconnectCause",
      "expected 'callback-error', got 'hangup'"]),
    ("digits: '1'", 3, ["expect.digits: digits gathered (all gather events)",
                        "expected '1', got '12'"]),
    ("digits: ['12']", 3, ["expected 1 item(s), got 2: ['', '12']"]),
    ("timeline: [Record, Gather]", 3,
     ["expect.timeline[1]: no Gather event after verb-start Record@7.000",
      "timeline after verb-start Record@7.000: digit@11.000, call-end@12.000"]),
]


@pytest.mark.parametrize("expect,line,parts", FAILING, ids=[f[0][:40] for f in FAILING])
def test_unmet_expectations_name_their_line_and_show_expected_and_actual(expect, line, parts,
                                                                         result):
    [failure] = failures(expect, result)
    assert failure.line == line
    for part in parts:
        assert part in failure.message, failure.message


#: (expect block, the ``at`` its failure points to): the item that did not match, the closest
#: item to one not found (else the last one matched), the forbidden callback, the first item
#: past the expected count, the call's end; None when there is no such item.
WHERE = [
    ("callbacks: [initiate, transferComplete]", 0.0),      # no transferComplete: after initiate
    ("callbacks: [disconnect, initiate]", 12.0),
    ("callbacks:\n  - event: recordComplete\n    payload: {duration: '~6±0.5'}", 11.2),
    ("callbacks:\n  exact: true\n  events: [initiate, disconnect]", 8.0),  # the third callback
    ("callbacks:\n  exact: true\n  events: [initiate, gather, gather, recordComplete,"
     " recordingAvailable, transferComplete]", 12.0),
    ("no_callbacks: [gather]", 3.0),
    ("recordings:\n  - endReason: max-duration", 7.0),          # the recording's start
    ("recordings: []", 7.0),
    ("recordings: 2", None),
    ("calls: [{disconnectCause: busy}]", 12.0),                 # the call's end
    ("disconnect_cause: callback-error", 12.0),
    ("digits: '1'", 3.0),                                       # the first gather event
    ("timeline: [Record, Gather]", 7.0),
]


@pytest.mark.parametrize("expect,at", WHERE, ids=[w[0][:40] for w in WHERE])
def test_a_failure_says_which_call_and_when(expect, at, result):
    """C3 ``callId``/``at`` on expectation failures, so the report links each to its bar."""
    [failure] = failures(expect, result)
    assert failure.at == at
    assert failure.call_id == (None if at is None else result["calls"][0]["callId"])


def test_every_failed_expectation_is_reported(result):
    found = failures("disconnect_cause: busy\ndigits: '9'\nrecordings: 0", result)
    assert [f.line for f in found] == [3, 4, 5]


def test_no_expect_block_means_no_failures(result):
    [scenario] = load_text("name: t\n", file="t.yaml")
    assert evaluate(scenario.expect, result) == []


def test_digits_count_each_gather_once_despite_retries(result):
    retry = dict(result["callbacks"][2], attempt=2, fallback=True)
    result["callbacks"].insert(3, retry)
    assert failures("digits: ['', '12']", result) == []


def test_failure_serialises_for_result_json(result):
    """C3: the failure says where it is: the first call, at its call-end."""
    [failure] = failures("disconnect_cause: busy", result)
    call = result["calls"][0]["callId"]
    end = next(e["at"] for e in result["timeline"] if e["kind"] == "call-end")
    assert failure.to_json() == {"message": failure.message, "line": 3, "kind": "expectation",
                                 "callId": call, "at": end}


def test_each_expected_item_has_its_own_line_and_label_or_its_lists_when_given_in_python(
        tmp_path):
    from simulator.scenario.expect import Listed, Sequence
    from simulator.scenario.load import load_mapping, load_scenarios

    path = tmp_path / "s.yaml"
    path.write_text("name: x\napp: {bxml: <Response/>}\nexpect:\n  callbacks:\n"
                    "    - initiate\n    - {event: disconnect}\n  no_callbacks: [answer]\n"
                    "  calls:\n    - {disconnectCause: hangup}\n")
    [read] = load_scenarios(path)
    [python] = load_scenarios(path, overrides={"expect": {
        "callbacks": ["initiate", {"event": "disconnect"}], "calls": [{"callId": "c"}]}})
    [plain] = load_mapping({"name": "x", "app": {"bxml": "<Response/>"},
                            "expect": {"callbacks": ["initiate"]}})

    def places(scenario):
        return [(check.label, check.line) for item in scenario.expect.items
                for check in getattr(item, "checks", None) or ()]

    assert places(read) == [("expect.callbacks[0]", 5), ("expect.callbacks[1]", 6),
                            ("expect.no_callbacks[0]", 7), ("expect.calls[0]", 9)]
    assert places(python) == [("expect.callbacks[0]", 1), ("expect.callbacks[1]", 1),
                              ("expect.calls[0]", 1)]
    assert places(plain) == [("expect.callbacks[0]", 0)]
    assert {type(item) for item in read.expect.items} >= {Listed, Sequence}
