"""Value formats of callbacks.md §1.7: ISO times and durations, id shapes, URLs."""

from __future__ import annotations

import math
import random
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.callbacks import (
    IdFactory, call_url, conference_media_url, iso_duration, iso_time, media_url,
    realtime_transcription_url, transcription_url,
)
from simulator.callbacks.formats import TimeTexts
from simulator.errors import ScenarioError

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
NODE = r"[0-9a-f]{8}"


@pytest.mark.parametrize("epoch, at, expected", [
    ("2026-01-01T00:00:00.000Z", 0, "2026-01-01T00:00:00.000Z"),
    ("2026-01-01T00:00:00.000Z", 12.345, "2026-01-01T00:00:12.345Z"),
    ("2026-01-01T00:00:00.000Z", 12.3455, "2026-01-01T00:00:12.346Z"),  # half-up to ms
    ("2026-01-01T00:00:00.000Z", 0.0004, "2026-01-01T00:00:00.000Z"),
    ("2026-01-01T00:00:00.000Z", 86400 + 3661.5, "2026-01-02T01:01:01.500Z"),
    ("2025-12-31T23:59:59.999Z", 0.001, "2026-01-01T00:00:00.000Z"),  # year rollover
    ("2026-01-01T02:00:00+02:00", 1, "2026-01-01T00:00:01.000Z"),  # offset converted to UTC
    ("2026-01-01T00:00:00", 1, "2026-01-01T00:00:01.000Z"),  # naive = UTC
    ("2026-01-01T00:00:00.123456Z", 0, "2026-01-01T00:00:00.123Z"),  # sub-ms epoch dropped
])
def test_iso_time(epoch, at, expected):
    assert iso_time(epoch, at) == expected


def test_iso_time_accepts_datetime_epochs():
    aware = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    assert iso_time(aware, 0.25) == "2026-01-01T05:00:00.250Z"
    assert iso_time(datetime(2026, 1, 1), 0.25) == "2026-01-01T00:00:00.250Z"


def test_iso_time_parses_back_as_the_same_instant():
    text = iso_time("2026-01-01T00:00:00.000Z", 1234.567)
    assert datetime.fromisoformat(text) == datetime(2026, 1, 1, tzinfo=timezone.utc) + \
        timedelta(seconds=1234.567)


def test_bad_epoch_is_a_scenario_error():
    with pytest.raises(ScenarioError, match="epoch.*expected.*got 'yesterday'"):
        iso_time("yesterday", 0)


@pytest.mark.parametrize("seconds, expected", [
    (0, "PT0S"),
    (0.0004, "PT0S"),
    (0.001, "PT0.001S"),
    (13.67, "PT13.67S"),
    (20.056, "PT20.056S"),
    (4.9891287, "PT4.989S"),
    (12.5, "PT12.5S"),
    (12.0, "PT12S"),
    (59.9996, "PT1M"),  # rounding carries into minutes
    (60, "PT1M"),
    (112.217257456, "PT1M52.217S"),
    (3600, "PT1H"),
    (3723.5, "PT1H2M3.5S"),
    (3600.25, "PT1H0.25S"),
    (90000, "PT25H"),  # Java Duration style: no day unit
])
def test_iso_duration(seconds, expected):
    assert iso_duration(seconds) == expected


@pytest.mark.parametrize("bad", [-0.5, float("nan")])
def test_iso_duration_rejects_negative_and_nan(bad):
    with pytest.raises(ValueError):
        iso_duration(bad)


def test_id_shapes():
    ids = IdFactory(random.Random(1))
    assert re.fullmatch(rf"c-{NODE}-{UUID}", ids.call_id())
    assert re.fullmatch(rf"r-{NODE}-{UUID}", ids.recording_id())
    assert re.fullmatch(rf"conf-{NODE}-{UUID}", ids.conference_id())
    assert re.fullmatch(rf"s-{NODE}-{UUID}", ids.stream_id())
    assert re.fullmatch(rf"t-{UUID}", ids.transcription_id())
    assert re.fullmatch(rf"t-{NODE}-{UUID}", ids.realtime_transcription_id())
    assert re.fullmatch(UUID, ids.error_id())


def test_ids_of_one_simulation_share_the_node_part():
    ids = IdFactory(random.Random(1))
    assert ids.call_id().split("-")[1] == ids.recording_id().split("-")[1] == ids.node


def draw(seed: int) -> list[str]:
    ids = IdFactory(random.Random(seed))
    return [ids.call_id(), ids.recording_id(), ids.transcription_id(), ids.error_id(),
            ids.call_id()]


def test_same_seed_same_ids_and_no_repeats():
    assert draw(42) == draw(42)
    assert draw(42) != draw(43)
    assert len(set(draw(42))) == 5


def test_urls():
    call = call_url("9900000", "c-1")
    assert call == "https://voice.bandwidth.com/api/v2/accounts/9900000/calls/c-1"
    assert media_url(call, "r-1") == f"{call}/recordings/r-1/media"
    assert transcription_url(call, "r-1") == f"{call}/recordings/r-1/transcription"
    assert realtime_transcription_url(call, "t-1") == f"{call}/transcriptions/t-1"
    assert conference_media_url("9900000", "conf-1", "r-1") == (
        "https://voice.bandwidth.com/api/v2/accounts/9900000/conferences/conf-1/recordings/r-1"
        "/media")


def strftime_time(epoch: datetime, at: float) -> str:
    """The rule as first written: an aware UTC moment through strftime."""
    utc = (epoch.replace(tzinfo=timezone.utc) if epoch.tzinfo is None
           else epoch.astimezone(timezone.utc))
    base = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    moment = base + timedelta(milliseconds=math.floor(at * 1000 + 0.5))
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


@settings(max_examples=300, deadline=None)
@given(epoch=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 1, 1),
                          timezones=st.none() | st.just(timezone.utc)
                          | st.builds(timezone, st.timedeltas(min_value=timedelta(hours=-23),
                                                              max_value=timedelta(hours=23)))),
       at=st.floats(min_value=0, max_value=400 * 86400.0) | st.integers(0, 10 ** 7))
def test_payload_times_are_the_strftime_text_every_year_and_instant(epoch, at):
    # isoformat writes the year with 4 digits, strftime's %Y not below 1000: both are covered
    times = TimeTexts(epoch)
    assert times.text(at) == times.text(at) == iso_time(epoch, at) == strftime_time(epoch, at)


def test_payload_times_below_year_1000_keep_the_unpadded_year():
    assert iso_time(datetime(999, 12, 31, 23, 59, 59), 1.25) == "1000-01-01T00:00:00.250Z"
    assert iso_time(datetime(999, 12, 31, 23, 59, 58), 1.25) == \
        strftime_time(datetime(999, 12, 31, 23, 59, 58), 1.25)


def test_one_runs_times_are_formatted_once_an_instant():
    times = TimeTexts("2026-01-01T00:00:00.000Z")
    first = times.text(9.7)
    assert times.text(9.7000001) is first and times.text(9.701) == "2026-01-01T00:00:09.701Z"
    assert times.epoch == datetime(2026, 1, 1, tzinfo=timezone.utc)
