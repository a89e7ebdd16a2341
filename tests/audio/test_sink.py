"""audio/sink.py: streamed WAV/MP3 recordings, reading and decoding audio files, file info."""

import io

import numpy as np
import pytest
import soundfile

from simulator.audio.detect import detect_dtmf
from simulator.audio import sink
from simulator.audio.sink import (RecordingSink, audio_info, decode_audio, decode_playable,
                                  iter_blocks, mp3_copy, read_audio, to_mono_8k)
from simulator.audio.synth import Span, dtmf, render, silence, speech
from simulator.errors import MediaError


def stereo(a, b):
    return np.stack([a, b], axis=1)


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
@pytest.mark.parametrize("channels", [1, 2])
def test_sink_writes_the_frames_and_channels_given(tmp_path, file_format, channels):
    path = tmp_path / f"rec.{file_format}"
    spans = [Span(0.5, 0.6, "dtmf", digit="9"), Span(1.0, 2.0, "tone", freq=500.0)]
    with RecordingSink(path, channels=channels, file_format=file_format) as sink:
        for block in render(spans, 0.0, 2.5, block_seconds=0.3):
            sink.write(block if channels == 1 else stereo(block, block * 0.5))
        assert sink.frames == 20000 and sink.duration == 2.5
    info = soundfile.info(str(path))
    assert (info.frames, info.channels, info.samplerate) == (20000, channels, 8000)
    assert info.format == file_format.upper()
    data, _ = soundfile.read(str(path), always_2d=True)
    assert detect_dtmf(data[:, 0]) == "9"


def test_wav_is_pcm16_and_round_trips_within_one_lsb(tmp_path):
    path = tmp_path / "r.wav"
    x = np.concatenate([dtmf("1", 0.5), silence(0.1)])
    with RecordingSink(path) as sink:
        sink.write(x)
    assert soundfile.info(str(path)).subtype == "PCM_16"
    back, _ = soundfile.read(str(path), dtype="float32")
    assert np.max(np.abs(back - x)) <= 1.0 / 32767


def test_out_of_range_samples_are_clipped_not_wrapped(tmp_path):
    path = tmp_path / "loud.wav"
    with RecordingSink(path) as sink:
        sink.write(np.array([1.5, -2.0, 0.5], dtype=np.float32))
    back, _ = soundfile.read(str(path), dtype="float32")
    assert back[0] > 0.999 and back[1] < -0.999 and back[2] == pytest.approx(0.5, abs=1e-4)


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
def test_same_audio_gives_byte_identical_files(tmp_path, file_format):
    spans = [Span(0.0, 1.0, "speech", text="same every time", seed=3)]
    for name in ("a", "b"):
        with RecordingSink(tmp_path / f"{name}.{file_format}", 2, file_format) as sink:
            for block in render(spans, 0.0, 1.0, block_seconds=0.25):
                sink.write(stereo(block, block))
    a = (tmp_path / f"a.{file_format}").read_bytes()
    assert a == (tmp_path / f"b.{file_format}").read_bytes()


@pytest.mark.parametrize("channels", [1, 2])
def test_an_mp3_closes_without_an_fsync_and_with_the_bytes_libsndfile_closes_it_with(
        tmp_path, monkeypatch, channels):
    """soundfile's close flushes (sf_write_sync: an fsync, milliseconds on a VM disk) before
    sf_close; the sink skips the flush, and the file is the same, byte for byte."""
    block = np.concatenate([speech("the same frames either way", 2.0, 5), silence(1.0)])
    block = block if channels == 1 else stereo(block, block * 0.5)
    with soundfile.SoundFile(tmp_path / "flushed.mp3", "w", samplerate=8000, channels=channels,
                             format="MP3", subtype="MPEG_LAYER_III") as file:
        file.write(block)
    flushes = []
    monkeypatch.setattr(soundfile.SoundFile, "flush", lambda self: flushes.append(self))
    with RecordingSink(tmp_path / "sink.mp3", channels, "mp3") as sink:
        sink.write(block)
    assert flushes == []
    assert (tmp_path / "sink.mp3").read_bytes() == (tmp_path / "flushed.mp3").read_bytes()


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
def test_a_recording_interrupted_by_an_error_stays_a_valid_file(tmp_path, file_format):
    path = tmp_path / f"partial.{file_format}"
    with pytest.raises(RuntimeError, match="boom"):
        with RecordingSink(path, file_format=file_format) as sink:
            sink.write(silence(0.5))
            sink.write(dtmf("3", 0.5))
            raise RuntimeError("boom")
    assert sink.closed
    data, rate = soundfile.read(str(path), dtype="float32")
    assert (len(data), rate) == (8000, 8000)
    assert detect_dtmf(data) == "3"


def test_close_is_idempotent_and_writing_after_close_is_an_error(tmp_path):
    sink = RecordingSink(tmp_path / "sub" / "dir" / "r.wav")   # folders are created
    sink.write(silence(0.1))
    sink.close()
    sink.close()
    assert soundfile.info(str(tmp_path / "sub" / "dir" / "r.wav")).frames == 800
    with pytest.raises(ValueError, match="closed"):
        sink.write(silence(0.1))


def test_block_shape_must_match_channels(tmp_path):
    with RecordingSink(tmp_path / "m.wav", channels=1) as mono:
        mono.write(np.zeros((10, 1), dtype=np.float32))        # (n, 1) is mono too
        with pytest.raises(ValueError, match=r"\(n,\)"):
            mono.write(np.zeros((10, 2), dtype=np.float32))
    with RecordingSink(tmp_path / "s.wav", channels=2) as two:
        with pytest.raises(ValueError, match=r"\(n, 2\)"):
            two.write(np.zeros(10, dtype=np.float32))
    assert mono.frames == 10 and two.frames == 0


@pytest.mark.parametrize("kwargs", [dict(channels=3), dict(file_format="ogg")])
def test_sink_rejects_unknown_channel_counts_and_formats(tmp_path, kwargs):
    with pytest.raises(ValueError):
        RecordingSink(tmp_path / "x.wav", **kwargs)


def test_sink_reports_an_unwritable_path_as_media_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MediaError, match="cannot create recording"):
        RecordingSink(blocker / "r.wav")


# ---------------------------------------------------------------- reading

def test_read_audio_downmixes_and_resamples_44k_stereo_to_8k_mono(tmp_path):
    rate, seconds = 44100, 3
    t = np.arange(rate * seconds) / rate
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    right = 0.5 * np.sin(2 * np.pi * 6000 * t)      # above 4 kHz: must not fold back
    soundfile.write(str(tmp_path / "hifi.wav"), stereo(left, right), rate)
    y = read_audio(tmp_path / "hifi.wav")
    assert y.dtype == np.float32 and y.ndim == 1
    assert len(y) == round(len(t) * 8000 / rate)
    spectrum = np.abs(np.fft.rfft(y))
    freqs = np.fft.rfftfreq(len(y), 1 / 8000)
    assert freqs[np.argmax(spectrum)] == pytest.approx(440, abs=1)
    alias = spectrum[np.abs(freqs - 2000) < 50].max()               # 6000 Hz folds to 2000 Hz
    assert alias < 0.01 * spectrum.max()
    assert np.sqrt(np.mean(y[1000:-1000] ** 2)) == pytest.approx(0.25 / np.sqrt(2), rel=0.02)


def test_read_audio_of_an_8k_mono_file_returns_its_samples(tmp_path):
    x = dtmf("#", 0.3)
    soundfile.write(str(tmp_path / "k.wav"), x, 8000, subtype="FLOAT")
    assert np.array_equal(read_audio(str(tmp_path / "k.wav")), x)


def test_read_audio_of_a_missing_file_names_it(tmp_path):
    missing = tmp_path / "nowhere.wav"
    with pytest.raises(MediaError, match="nowhere.wav: audio file not found") as info:
        read_audio(missing)
    assert "WAV" in info.value.expected


def test_read_audio_of_garbage_is_a_media_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio" * 20)
    with pytest.raises(MediaError, match="bad.wav: cannot decode audio file"):
        read_audio(bad)
    with pytest.raises(MediaError, match="bad.wav"):
        audio_info(bad)


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
def test_iter_blocks_streams_every_channel_apart_in_bounded_blocks(tmp_path, file_format):
    """Channel 2 carries a key, channel 1 is silent: the blocks keep them apart, none is longer
    than asked, and together they are the whole file."""
    path = tmp_path / f"two.{file_format}"
    with RecordingSink(path, channels=2, file_format=file_format) as sink:
        sink.write(stereo(silence(1.0), dtmf("5", 1.0)))
    blocks = list(iter_blocks(path, block_frames=3000))
    assert all(b.dtype == np.float32 and b.ndim == 2 and b.shape[1] == 2 for b in blocks)
    assert [len(b) for b in blocks] == [3000, 3000, 2000]
    data = np.concatenate(blocks)
    assert np.abs(data[:, 0]).max() < 0.01
    assert np.sqrt(np.mean(data[:, 1] ** 2)) > 0.1  # the two tones at 0.25 peak each


def test_iter_blocks_keeps_the_file_rate_and_a_mono_file_is_one_column(tmp_path):
    soundfile.write(str(tmp_path / "hi.wav"), np.full(44100, 0.5), 44100)
    blocks = list(iter_blocks(tmp_path / "hi.wav", block_frames=10000))
    assert [b.shape for b in blocks] == [(10000, 1)] * 4 + [(4100, 1)]


def test_iter_blocks_holds_one_block_at_a_time(tmp_path):
    """Each block is its own array: dropping it frees it, so a long file streams in O(block)."""
    import weakref

    soundfile.write(str(tmp_path / "long.wav"), np.zeros(80000, np.float32), 8000)
    alive, count = [], 0
    for block in iter_blocks(tmp_path / "long.wav", block_frames=8000):
        alive = [ref for ref in alive if ref() is not None]
        assert len(alive) <= 1  # only the previous block, still bound to `block`
        alive.append(weakref.ref(block))
        count += 1
    assert count == 10


def test_iter_blocks_of_a_missing_or_bad_file_is_a_media_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio" * 20)
    with pytest.raises(MediaError, match="bad.wav: cannot decode audio file"):
        next(iter_blocks(bad))
    with pytest.raises(MediaError, match="nowhere.wav: audio file not found"):
        next(iter_blocks(tmp_path / "nowhere.wav"))
    with pytest.raises(ValueError, match="block_frames"):
        next(iter_blocks(bad, block_frames=0))


@pytest.mark.parametrize("channels", [1, 2])
def test_mp3_copy_keeps_length_channels_and_timing(tmp_path, channels):
    """The copy decodes to the file's frames and channels, a key at 1.5 s still at 1.5 s, in a
    fraction of the WAV's bytes."""
    path = tmp_path / "call.wav"
    audio = np.concatenate([silence(1.5), dtmf("7", 0.5), silence(2.0)])
    with RecordingSink(path, channels=channels) as sink:
        sink.write(audio if channels == 1 else stereo(audio, audio[::-1].copy()))
    data = mp3_copy(path)
    assert len(data) < path.stat().st_size / 4
    copied, rate = soundfile.read(io.BytesIO(data), always_2d=True)
    assert rate == 8000 and copied.shape == (32000, channels)
    loud = np.flatnonzero(np.abs(copied[:, 0]) > 0.1)
    assert loud[0] == pytest.approx(12000, abs=40) and loud[-1] == pytest.approx(16000, abs=40)


def test_mp3_copy_gives_up_past_its_limit(tmp_path):
    """None when the copy would be over the limit: before encoding when even 8 kbit/s would not
    fit, part-way when it outgrows it."""
    path = tmp_path / "noise.wav"
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, 8000 * 90).astype(np.float32)
    with RecordingSink(path) as sink:
        sink.write(noise)
    assert mp3_copy(path, limit=89_000) is None          # 90 s at 1000 B/s does not fit
    whole = mp3_copy(path)
    assert mp3_copy(path, limit=len(whole) - 1) is None
    assert mp3_copy(path, limit=len(whole)) == whole


@pytest.mark.parametrize("file_format", ["WAV", "MP3"])
def test_decode_audio_reads_bytes_fetched_over_http(tmp_path, file_format):
    path = tmp_path / f"p.{file_format.lower()}"
    soundfile.write(str(path), dtmf("6", 0.5), 8000, format=file_format)
    y = decode_audio(path.read_bytes(), "http://app.test/p")
    assert len(y) == 4000 and detect_dtmf(y) == "6"


def test_decode_audio_of_bad_or_empty_bytes_names_the_source():
    with pytest.raises(MediaError, match="http://app.test/x.mp3: cannot decode audio"):
        decode_audio(b"<html>404</html>", "http://app.test/x.mp3")
    with pytest.raises(MediaError, match="empty audio"):
        decode_audio(b"", "http://app.test/x.mp3")


def test_audio_info_describes_a_file(tmp_path):
    with RecordingSink(tmp_path / "i.mp3", channels=2, file_format="mp3") as sink:
        sink.write(np.zeros((12000, 2), dtype=np.float32))
    info = audio_info(tmp_path / "i.mp3")
    assert (info.duration, info.channels, info.sample_rate, info.frames, info.format) == \
        (1.5, 2, 8000, 12000, "mp3")
    with pytest.raises(MediaError, match="not found"):
        audio_info(tmp_path / "absent.mp3")


@pytest.mark.parametrize("channels", [1, 2])
def test_wav_files_are_byte_for_byte_what_libsndfile_writes(tmp_path, channels):
    """The sink writes WAV itself (no fsync at close); the bytes are libsndfile's."""
    spans = [Span(0.0, 1.3, "speech", text="same bytes", seed=5), Span(1.4, 1.5, "dtmf", digit="3")]
    blocks = list(render(spans, 0.0, 1.7, block_seconds=0.4))
    with RecordingSink(tmp_path / "ours.wav", channels) as sink:
        for block in blocks:
            sink.write(block if channels == 1 else stereo(block, -block))
    whole = np.concatenate(blocks)
    pcm = np.rint(np.clip(whole * np.float32(32767.0), -32767, 32767)).astype(np.int16)
    soundfile.write(str(tmp_path / "libsndfile.wav"), pcm if channels == 1 else stereo(pcm, -pcm),
                    8000, subtype="PCM_16")
    assert (tmp_path / "ours.wav").read_bytes() == (tmp_path / "libsndfile.wav").read_bytes()


def test_a_wav_closed_after_a_failure_is_still_a_valid_file(tmp_path):
    sink = RecordingSink(tmp_path / "part.wav")
    sink.write(dtmf("5", 0.2))
    sink.close()
    sink.close()   # idempotent
    assert soundfile.info(str(tmp_path / "part.wav")).frames == 1600


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
def test_a_sink_makes_its_missing_folders_and_shares_an_existing_one(tmp_path, file_format):
    first = tmp_path / "out" / "recordings" / f"a.{file_format}"
    second = first.with_name(f"b.{file_format}")
    for path in (first, second):   # the folder made for the first, found by the second
        with RecordingSink(path, file_format=file_format) as sink:
            sink.write(dtmf("5", 0.2))
        assert soundfile.info(str(path)).frames == 1600
    assert sorted(p.name for p in first.parent.iterdir()) == [first.name, second.name]


def test_a_sink_under_a_file_is_a_media_error_naming_the_path(tmp_path):
    (tmp_path / "blocker").write_text("a file where the folder would be")
    with pytest.raises(MediaError, match="cannot create recording file") as info:
        RecordingSink(tmp_path / "blocker" / "recordings" / "r.wav")
    assert "blocker" in str(info.value)


# ---------------------------------------------------------------- decoding memoised by content

def _noise_bytes(seed: int, file_format: str = "WAV", rate: int = 16000) -> bytes:
    """Bytes no other test decodes (the memo is the process's)."""
    noise = np.random.default_rng(seed).uniform(-0.5, 0.5, rate // 2).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, noise, rate, format=file_format,
                    subtype="PCM_16" if file_format == "WAV" else None)
    return out.getvalue()


def test_the_same_bytes_decode_once_and_different_bytes_again():
    first, other = _noise_bytes(101), _noise_bytes(102)
    before = sink._MEMO.decodes
    a = decode_playable(first, "http://app.test/a.wav", "audio/wav")
    b = decode_playable(first, "http://app.test/b", None)        # another URL, the same bytes
    c = decode_audio(first, "http://app.test/c.wav")
    assert sink._MEMO.decodes == before + 1
    assert np.array_equal(a, b) and np.array_equal(a, c)
    d = decode_playable(other, "http://app.test/a.wav", "audio/wav")
    assert sink._MEMO.decodes == before + 2 and not np.array_equal(a, d)


@pytest.mark.parametrize("file_format", ["WAV", "MP3"])
def test_read_audio_decodes_a_file_once_and_an_edited_file_anew(tmp_path, file_format):
    path = tmp_path / f"prompt.{file_format.lower()}"
    path.write_bytes(_noise_bytes(110, file_format))
    direct, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    before = sink._MEMO.decodes
    first = read_audio(path)
    assert np.array_equal(first, to_mono_8k(direct, rate))     # as a read by path gives
    assert np.array_equal(read_audio(path), first) and sink._MEMO.decodes == before + 1
    path.write_bytes(_noise_bytes(111, file_format))              # edited between two runs
    edited = read_audio(path)
    assert sink._MEMO.decodes == before + 2 and not np.array_equal(edited, first)


def test_a_run_cannot_change_the_samples_another_run_plays(tmp_path):
    data = _noise_bytes(120)
    (tmp_path / "p.wav").write_bytes(data)
    for samples in (decode_playable(data, "http://app.test/p.wav", None),
                    read_audio(tmp_path / "p.wav")):
        kept = samples.copy()
        with pytest.raises(ValueError):
            samples[0] = 1.0
        with pytest.raises(ValueError):
            samples.flags.writeable = True
        assert np.array_equal(decode_playable(data, "http://app.test/q.wav", None), kept)
        # a span keeps read-only samples as they are: no copy a run
        assert np.shares_memory(Span(0, 1, "samples", samples=samples).samples, samples)


def test_errors_name_the_url_of_each_call_and_are_not_kept():
    mp3 = _noise_bytes(130, "MP3")
    decode_playable(mp3, "http://app.test/ok.mp3", "audio/mpeg")
    with pytest.raises(MediaError, match="cannot play audio") as info:
        decode_playable(mp3, "http://app.test/other.wav", "audio/wav")   # a hit, judged anew
    assert info.value.where == "http://app.test/other.wav"
    assert "MP3 MPEG_LAYER_III audio served as audio/wav" in info.value.got
    before = sink._MEMO.decodes
    for url in ("http://app.test/x.wav", "http://app.test/y.wav"):
        with pytest.raises(MediaError, match="cannot decode audio") as info:
            decode_playable(b"<html>404</html>", url, None)
        assert info.value.where == url
    assert sink._MEMO.decodes == before


def test_the_memo_is_bounded_by_size_and_entries(monkeypatch):
    monkeypatch.setattr(sink._DecodeMemo, "ENTRIES", 2)
    one, two, three = (_noise_bytes(seed) for seed in (140, 141, 142))
    for data in (one, two, three):
        decode_audio(data, "x")
    before = sink._MEMO.decodes
    decode_audio(three, "x")
    decode_audio(one, "x")                        # the least recently used went
    assert sink._MEMO.decodes == before + 1
    monkeypatch.setattr(sink._DecodeMemo, "MAX_BYTES", len(one) - 1)
    big = _noise_bytes(143)
    decode_audio(big, "x")
    decode_audio(big, "x")                        # over the size limit: never kept
    assert sink._MEMO.decodes == before + 3


def test_the_memo_keeps_at_most_its_budget_of_samples(monkeypatch):
    """A small file may decode to many samples (a 2 MB MP3 at 8 kbps: 64 MB of float32): what
    is kept is bounded by the samples' bytes too, and samples over the budget are not kept."""
    one, two = _noise_bytes(150), _noise_bytes(151)
    size = decode_audio(one, "x").nbytes
    monkeypatch.setattr(sink._DecodeMemo, "MAX_SAMPLE_BYTES", size * 3 // 2)
    decode_audio(two, "x")                        # room for one of them: the older one went
    before = sink._MEMO.decodes
    decode_audio(two, "x")
    decode_audio(one, "x")
    assert sink._MEMO.decodes == before + 1
    monkeypatch.setattr(sink._DecodeMemo, "MAX_SAMPLE_BYTES", size - 1)
    big = _noise_bytes(152)
    decode_audio(big, "x")
    decode_audio(big, "x")                        # over the budget alone: never kept
    assert sink._MEMO.decodes == before + 3
    assert sink._MEMO._sample_bytes <= size * 3 // 2
