"""The timeline: append-only entries, serialised with times rounded to the millisecond."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator.timeline import Timeline


def test_serialised_times_and_second_values_are_milliseconds():
    timeline = Timeline()
    timeline.add(0.1 + 0.2, "c-1", "speech", text="a", seconds=0.4 * 6,
                 spans=[{"at": 1 / 3}], count=3, flag=True, name=None)
    entry = timeline.to_json()[0]
    assert entry["at"] == 0.3
    assert entry["detail"] == {"text": "a", "seconds": 2.4, "spans": [{"at": 0.333}],
                               "count": 3, "flag": True, "name": None}
    assert "2.4000000000000004" not in json.dumps(entry)


def test_entries_keep_the_raw_values_and_come_out_in_order():
    timeline = Timeline()
    timeline.add(1.0, "c-1", "digit", digit="1")
    timeline.add(2.0000001, "c-1", "speech", seconds=2.4000000000000004)
    assert [e.kind for e in timeline] == ["digit", "speech"]
    assert timeline.of_kind("speech")[0].detail["seconds"] == 2.4000000000000004
    assert timeline.to_json()[1]["at"] == 2.0



def test_amend_adds_an_outcome_to_an_entry_in_place():
    timeline = Timeline()
    sent = timeline.add(1.0, "c-1", "webhook", eventType="gather")
    timeline.add(1.0, "c-1", "verb-end", verb="Gather")
    timeline.amend(sent, ok=True, status=200)
    assert [e.kind for e in timeline] == ["webhook", "verb-end"]
    assert timeline.to_json()[0]["detail"] == {"eventType": "gather", "ok": True, "status": 200}


def _engine_kinds() -> tuple[set[str], set[str]]:
    """(kinds passed as literals to ``timeline.add``, every string constant of the engine and
    of the run's Voice API, voice_api/run.py, which logs requests it answers itself)."""
    import ast
    from pathlib import Path

    import simulator.engine
    import simulator.voice_api.run

    literal, constants = set(), set()
    paths = [*Path(simulator.engine.__file__).parent.rglob("*.py"),
             Path(simulator.voice_api.run.__file__)]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add" and isinstance(node.func.value, ast.Attribute)
                    and node.func.value.attr == "timeline" and len(node.args) >= 3
                    and isinstance(node.args[2], ast.Constant)):
                literal.add(node.args[2].value)
    return literal, constants


def test_every_kind_the_engine_writes_is_documented_and_every_documented_kind_is_written():
    from simulator.timeline import KINDS

    literal, constants = _engine_kinds()
    assert literal - set(KINDS) == set()
    assert {kind for kind in KINDS if kind not in constants} == set()


# ---- the timeline limit (issue 14, docs/limits.md) ------------------------------------------


def test_the_entry_past_the_limit_raises_once_and_closing_entries_follow():
    from simulator.timeline import Timeline, TimelineFull

    timeline = Timeline(limit=2)
    timeline.add(0.0, "c-1", "answer")
    timeline.add(0.0, "c-1", "tag", tag="x")
    with pytest.raises(TimelineFull) as info:
        timeline.add(0.0, "c-1", "tag", tag="y")
    assert info.value.limit == 2 and timeline.full and len(timeline) == 2
    timeline.add(0.0, "c-1", "timeline-limit", limit=2, message="stopped")
    assert [e.kind for e in timeline] == ["answer", "tag", "timeline-limit"]


def test_a_short_pause_and_self_redirect_loop_stops_at_the_limit(monkeypatch):
    from simulator import timeline
    from simulator.api import run_scenario

    monkeypatch.setattr(timeline, "MAX_ENTRIES", 500)
    result = run_scenario({"name": "loop", "app": {
        "bxml": '<Response><Pause duration="0.1"/><Redirect redirectUrl="/answer"/></Response>'}})
    data = result.to_json()
    kinds = [e["kind"] for e in data["timeline"]]
    assert len(kinds) == 502 and kinds[-2:] == ["timeline-limit", "call-end"]
    limit = data["timeline"][-2]["detail"]
    assert limit["limit"] == 500 and "timeline limit of 500 entries" in limit["message"]
    call = data["calls"][0]
    assert call["disconnectCause"] == "timeout" and call["errorMessage"] == limit["message"]
    assert not result.passed
    assert any("disconnectCause timeout" in f["message"] for f in data["failures"])


def test_detail_floats_are_rounded_at_any_depth_and_other_values_kept():
    timeline = Timeline()
    timeline.add(1.23456, "c-1", "webhook", seconds=2.0004, nested={"at": [0.1239, (5, 1.0004)]},
                 flags=[True, None, "text", 7], numpy=np.float64(0.3333333), empty={})
    [entry] = timeline.to_json()
    assert entry["detail"] == {"seconds": 2.0, "nested": {"at": [0.124, [5, 1.0]]},
                               "flags": [True, None, "text", 7], "numpy": 0.333, "empty": {}}
    assert type(entry["detail"]["flags"][0]) is bool and type(entry["detail"]["flags"][3]) is int
