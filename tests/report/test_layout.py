"""report/layout.py: the clock, the axis ticks and the rows of the page before any script."""

from __future__ import annotations

import pytest

from simulator.report.layout import MAX_ROWS, clock, minimap, pack, place, ticks


@pytest.mark.parametrize("seconds, text", [(0, "00:00.0"), (7.24, "00:07.2"), (59.96, "01:00.0"),
                                           (566, "09:26.0"), (3725.5, "1:02:05.5"),
                                           (-1, "00:00.0")])
def test_clock(seconds, text):
    assert clock(seconds) == text


def test_ticks_are_round_and_minutes_on_a_long_call():
    short = ticks(0.0, 8.15)
    assert [t["label"] for t in short] == ["0", "1", "2", "3", "4", "5", "6", "7", "8"]
    long = ticks(0.0, 566.0)
    assert [t["label"] for t in long][:3] == ["00:00", "01:00", "02:00"]
    assert len(long) <= 12
    zoomed = ticks(3.5, 3.7)
    assert [t["at"] for t in zoomed][:2] == [3.5, 3.52]
    assert zoomed[0]["left"] == 0.0 and all(0 <= t["left"] <= 100 for t in zoomed)


def test_ticks_of_an_absurd_span_stay_few():
    """A damaged result.json with an end at 1e12 s drew a tick every 8 hours: millions."""
    assert len(ticks(0.0, 1e12)) <= 13
    assert len(ticks(-5e15, 5e15)) <= 13


def item(start, stop, label, group=None):
    it = {"start": start, "stop": stop, "label": label, "group": group}
    place(it, 100.0)
    return it


def test_labels_of_one_row_do_not_overlap():
    items = [item(0, None, "call-start"), item(1, None, "answer"), item(50, 60, "Pause L3")]
    assert pack(items) == 2
    assert items[0]["row"] != items[1]["row"]  # too close for both labels on one row
    assert items[2]["row"] == 0


def test_rows_stop_at_max_rows_and_groups_keep_their_own():
    crowd = [item(i * 0.1, None, f"mark {i}") for i in range(40)]
    assert pack(crowd) == MAX_ROWS
    two = [item(0, 50, "recording", group=0), item(0, 50, "recording", group=1)]
    assert pack(two) == 2 and {i["row"] for i in two} == {0, 1}


def test_a_mark_near_the_end_reads_leftwards():
    near_end = item(99, None, "recordingAvailable")
    assert near_end["flip"] and near_end["span"][1] == 99


def test_minimap_is_a_path_per_kind_and_lane():
    legs = [{"lanes": [{"items": [{"start": 0, "stop": 5, "css": "verb"},
                                  {"start": 6, "stop": None, "css": "verb"}]},
                       {"items": [{"start": 0, "stop": 10, "css": "recording"}]}]}]
    picture = minimap(legs, 10.0)
    assert [[p["css"] for p in row["paths"]] for row in picture["rows"]] == [["verb"],
                                                                            ["recording"]]
    assert picture["rows"][0]["paths"][0]["d"].count("M") == 2
