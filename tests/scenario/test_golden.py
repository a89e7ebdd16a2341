"""Golden files: naming, a stable normalised rendering, readable diffs."""

from __future__ import annotations

from pathlib import Path

from simulator.golden import check_golden, golden_path, render_golden, slugify, write_golden


def test_slugs_are_lowercase_dashes():
    assert slugify("Caller leaves a Voicemail #2!") == "caller-leaves-a-voicemail-2"
    assert slugify("???") == "scenario"


def test_golden_lives_next_to_the_scenario_file():
    assert golden_path(Path("s/vm.scenario.yaml"), "By Digit") == \
        Path("s/vm.scenario.by-digit.golden.txt")
    assert golden_path(Path("x.yml"), "a") == Path("x.a.golden.txt")


def test_rendering_replaces_ids_in_order_of_appearance(result):
    text = render_golden(result)
    assert result["calls"][0]["callId"] not in text
    assert result["recordings"][0]["recordingId"] not in text
    assert "  c1 inbound +15555550100 -> +15555550199" in text
    assert '"recordingId": "r1"' in text and "recordings/" not in text


def test_rendering_is_stable_and_covers_timeline_callbacks_recordings(result):
    text = render_golden(result)
    assert text == render_golden(result)
    assert "verb-start Record (line 1)" in text
    assert "recordComplete POST http://app.test/rc attempt 1 -> 200" in text
    assert "segments 7.0-11.2" in text and '"text": "hi it\'s sam call me back"' in text


def test_check_passes_when_equal_and_absent(tmp_path, result):
    path = tmp_path / "g.golden.txt"
    assert check_golden(path, result) is None  # no golden yet: nothing to compare
    write_golden(path, result)
    assert check_golden(path, result) is None


def test_check_fails_with_a_unified_diff(tmp_path, result):
    path = tmp_path / "g.golden.txt"
    write_golden(path, result)
    result["recordings"][0]["endReason"] = "max-duration"
    failure = check_golden(path, result, line=4)
    assert failure.line == 4
    assert "this run differs" in failure.message
    lines = [l.strip() for l in failure.message.splitlines()]
    assert any(l.startswith("-") and "end=terminating-digit" in l for l in lines)
    assert any(l.startswith("+") and "end=max-duration" in l for l in lines)


def test_a_verb_entry_shows_its_column_and_element_path(result):
    result["timeline"][2].update(col=3, path="/Response/Record[1]",
                                 document="http://app.test/answer")
    assert "verb-start Record (line 1:3 /Response/Record[1])" in render_golden(result)
