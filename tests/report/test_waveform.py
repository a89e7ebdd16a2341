"""simulator/report/waveform.py: per-channel min/max envelopes and silences, streamed in blocks."""

from __future__ import annotations

import copy
import weakref
from pathlib import Path

import lxml.html
import numpy as np
import pytest

from simulator.audio.sink import RecordingSink
from simulator.audio.synth import speech
from simulator.report import load_result, render_report
from simulator.report import waveform as waveform_module
from simulator.report.waveform import recording_waveform, waveform

RATE = 8000
SAMPLE = Path(__file__).parent.parent / "data" / "sample_result"


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def ys(points: str) -> list[float]:
    return [float(p.split(",")[1]) for p in points.split()]


def test_envelope_silence_and_joins():
    """Silence in the middle of the audio is found; the paused gap is where segments meet."""
    samples = np.concatenate([tone(1), np.zeros(RATE, np.float32), tone(1)])
    segments = [{"startAt": 1.0, "endAt": 2.5}, {"startAt": 4.0, "endAt": 5.5}]
    view = waveform([samples], frames=len(samples), rate=RATE, segments=segments, columns=300)
    assert view["seconds"] == 3.0
    assert view["joins"] == [1.5]
    assert view["silences"] == [(1.0, 2.0)]
    [lane] = view["lanes"]
    assert lane["name"] == "" and lane["silences"] == [(1.0, 2.0)]
    heights = ys(lane["points"])
    assert len(heights) == 600  # top edge and bottom edge
    assert min(heights[:100]) < 30 and heights[150] == 50.0  # loud, then flat during the silence


def test_empty_audio_has_no_lanes():
    view = waveform([], frames=0, rate=RATE, segments=[])
    assert view["lanes"] == [] and view["silences"] == [] and view["seconds"] == 0.0


@pytest.mark.parametrize("block_frames", [1, 159, 160, 4000, 7777])
def test_where_blocks_are_cut_changes_nothing(block_frames):
    """Columns and 20 ms silence frames that straddle blocks come out as from one block."""
    rng = np.random.default_rng(1)
    left = np.concatenate([tone(0.7), np.zeros(4001, np.float32), tone(0.3)])
    right = (0.2 * rng.standard_normal(len(left))).astype(np.float32)
    right[2000:5500] = 0.0
    audio = np.stack([left, right], axis=1)
    if block_frames == 1:
        audio = audio[:1600]  # one frame per block: keep it short
    whole = waveform([audio], frames=len(audio), rate=RATE, segments=[], columns=97)
    blocks = (audio[i:i + block_frames] for i in range(0, len(audio), block_frames))
    cut = waveform(blocks, frames=len(audio), rate=RATE, segments=[], columns=97)
    assert cut == whole


def test_two_channels_are_two_lanes_with_their_own_silences():
    """Speech only on channel 2: lane 1 is flat and silent throughout, lane 2 is busy."""
    audio = np.zeros((3 * RATE, 2), np.float32)
    audio[:, 1] = speech("hello there how are you", 3.0, seed=4)
    view = waveform([audio], frames=len(audio), rate=RATE, segments=[],
                    names=("caller", "platform audio"))
    first, second = view["lanes"]
    assert (first["name"], second["name"]) == ("caller", "platform audio")
    assert set(ys(first["points"])) == {50.0}
    assert first["silences"] == [(0.0, 3.0)]
    assert max(ys(second["points"])) - min(ys(second["points"])) > 30
    assert second["silences"] == [] and view["silences"] == []  # the file is silent nowhere


def test_unnamed_channels_are_numbered():
    audio = np.zeros((800, 2), np.float32)
    view = waveform([audio], frames=800, rate=RATE, segments=[])
    assert [lane["name"] for lane in view["lanes"]] == ["channel 1", "channel 2"]


def test_a_file_shorter_than_announced_leaves_the_rest_flat():
    view = waveform([tone(0.5)], frames=RATE, rate=RATE, segments=[], columns=10)
    heights = ys(view["lanes"][0]["points"])
    assert min(heights[:5]) < 30 and heights[5:10] == [50.0] * 5


def test_the_envelope_keeps_no_block():
    """Memory stays bounded: when a block is handed over, every earlier block has been freed
    (nothing of it is kept, not even a view), and the result's size does not grow with length."""
    alive: list[weakref.ref] = []
    leaks = []

    def blocks(count):
        for i in range(count):
            leaks.append(sum(ref() is not None for ref in alive))
            block = np.full((8000, 2), 0.3 if i % 2 else 0.0, np.float32)
            alive.append(weakref.ref(block))
            yield block
            del block

    short = waveform(blocks(10), frames=80_000, rate=RATE, segments=[], columns=50)
    alive.clear()
    leaks.clear()
    long = waveform(blocks(1000), frames=8_000_000, rate=RATE, segments=[], columns=50)
    assert len(leaks) == 1000 and max(leaks) == 0
    assert [len(lane["points"].split()) for lane in long["lanes"]] == [100, 100]
    assert [len(lane["points"].split()) for lane in short["lanes"]] == [100, 100]


def test_a_recording_file_is_read_in_blocks_of_the_size_asked(tmp_path, monkeypatch):
    """A 60 s two-channel file read with 8000-frame blocks: 60 blocks, none larger."""
    path = tmp_path / "long.wav"
    with RecordingSink(path, channels=2) as sink:
        for _ in range(60):
            sink.write(np.stack([np.zeros(RATE, np.float32), tone(1)], axis=1))
    sizes = []
    real = waveform_module.iter_blocks

    def counting(*args, **kwargs):
        for block in real(*args, **kwargs):
            sizes.append(len(block))
            yield block

    monkeypatch.setattr(waveform_module, "iter_blocks", counting)
    view = recording_waveform(path, {"channels": 2, "segments": []}, block_frames=8000)
    assert sizes == [8000] * 60
    assert [lane["name"] for lane in view["lanes"]] == ["caller", "platform audio"]
    assert view["seconds"] == 60.0


def test_report_draws_a_lane_per_channel(tmp_path):
    """The page of a multiChannel recording with speech only on channel 2: two labelled SVG
    lanes, the first flat and hatched as silence all along, the second busy."""
    sample = load_result(SAMPLE / "result.json")
    result = copy.deepcopy(sample)
    rec = result["recordings"][0]
    rec.update(channels=2, file="recordings/two.wav", duration=4.0, startAt=0.0, endAt=4.0,
               segments=[{"startAt": 0.0, "endAt": 4.0}])
    with RecordingSink(tmp_path / rec["file"], channels=2) as sink:
        sink.write(np.stack([np.zeros(4 * RATE, np.float32),
                             speech("please leave a message after the tone", 4.0, seed=2)],
                            axis=1))
    tree = lxml.html.fromstring(render_report(result, tmp_path))
    lanes = tree.xpath("//figure[@class='wave']/div[contains(@class,'wave-lane')]")
    assert [lane.findtext("span") for lane in lanes] == ["caller", "platform audio"]
    first, second = (ys(lane.xpath(".//polygon/@points")[0]) for lane in lanes)
    assert set(first) == {50.0} and max(second) - min(second) > 30
    assert len(lanes[0].xpath(".//rect[@class='silence']")) == 1
    assert not lanes[1].xpath(".//rect[@class='silence']")
    assert "channel 1 (caller)" in lanes[0].xpath(".//svg/@aria-label")[0]
    caption = tree.xpath("//figure[@class='wave']/figcaption")[0].text_content()
    assert "one lane per channel" in caption


def test_mono_recording_is_one_unlabelled_lane():
    tree = lxml.html.fromstring(render_report(load_result(SAMPLE / "result.json"), SAMPLE))
    lanes = tree.xpath("//figure[@class='wave']/div[contains(@class,'wave-lane')]")
    assert len(lanes) == 1 and not lanes[0].xpath("span")
