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
    assert '        recordingId: "r1"' in text and "recordings/" not in text


def test_rendering_is_stable_and_covers_timeline_callbacks_recordings(result):
    text = render_golden(result)
    assert text == render_golden(result)
    assert "verb-start Record (line 1)" in text
    assert "recordComplete POST http://app.test/rc attempt 1 -> 200" in text
    assert "segments 7.0-11.2" in text
    assert 'transcription {"status": "available", "text": "hi it\'s sam call me back"}' in text


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


def test_short_mappings_stay_on_their_line_and_reply_bodies_go_line_by_line(result):
    result["callbacks"][0]["responseBody"] = "<Response>\n  <Hangup/>\n</Response>\n"
    result["timeline"][0]["detail"] = {"direction": "inbound", "nested": {"deep": 1}}
    text = render_golden(result)
    assert '      0.000 c1 call-start {"direction": "inbound", "nested": {"deep": 1}}' in text
    assert "      response\n        | <Response>\n        |   <Hangup/>\n        | </Response>\n" \
        in text
    result["timeline"][0]["detail"]["nested"] = {"deep": "x" * 100}
    assert '        nested.deep: "' in render_golden(result)


def test_a_payload_is_one_field_a_line(result):
    lines = render_golden(result).splitlines()
    at = lines.index("      payload", lines.index(next(l for l in lines if "recordComplete" in l)))
    assert lines[at + 1:at + 6] == ['        eventType: "recordComplete"', '        callId: "c1"',
                                    '        recordingId: "r1"', '        duration: "PT4.2S"',
                                    '        fileFormat: "wav"']


def test_a_long_payload_diff_names_the_field_and_its_callback(tmp_path, result):
    path = tmp_path / "g.golden.txt"
    long = {f"field{i}": "x" * 40 for i in range(12)}
    result["callbacks"][3]["payload"].update(long)
    write_golden(path, result)
    result["callbacks"][3]["payload"]["field6"] = "y" * 40
    lines = check_golden(path, result).message.splitlines()
    changed = [l.strip() for l in lines if l.strip().startswith(("-", "+"))
               and not l.strip().startswith(("---", "+++"))]
    assert changed == [f'-        field6: "{"x" * 40}"'.strip(),
                       f'+        field6: "{"y" * 40}"'.strip()]
    hunk = next(l.strip() for l in lines if l.strip().startswith("@@"))
    assert hunk.endswith("recordComplete POST http://app.test/rc attempt 1 -> 200 error=None")
    assert all(len(l) < 100 for l in lines)
