"""GET delivery encoding (README #9): scalars plain, nested objects as JSON."""

from __future__ import annotations

import json

from simulator.callbacks import query_params


def test_scalars_are_plain_strings():
    assert query_params({"eventType": "gather", "digits": "", "channels": 2,
                         "stabilized": True, "final": False, "confidence": 0.9,
                         "tiny": 1e-05, "whole": 3.0}) == {
        "eventType": "gather", "digits": "", "channels": "2", "stabilized": "true",
        "final": "false", "confidence": "0.9", "tiny": "0.00001", "whole": "3"}


def test_nested_objects_are_compact_json_under_their_key(every_event):
    payload = every_event["initiate"]
    params = query_params(payload)
    assert params["diversion"] == '{"origTo":"+15555550142","reason":"no-answer"}'
    assert json.loads(params["sipHeaders"]) == payload["sipHeaders"]
    stream = query_params(every_event["mediaStreamStarted"])["mediaStream"]
    assert json.loads(stream) == every_event["mediaStreamStarted"]["mediaStream"]


def test_every_payload_encodes_losslessly_in_payload_order(every_event):
    for payload in every_event.values():
        params = query_params(payload)
        assert list(params) == list(payload)
        assert all(isinstance(v, str) for v in params.values())
        for key, value in payload.items():
            if isinstance(value, (dict, list)):
                assert json.loads(params[key]) == value
            elif isinstance(value, str):
                assert params[key] == value


def test_none_values_are_left_out():
    assert query_params({"a": None, "b": "x"}) == {"b": "x"}
