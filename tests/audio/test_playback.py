"""What Bandwidth plays (audio/playback.py), after the playAudio docs
(https://dev.bandwidth.com/docs/voice/bxml/playAudio, spec bxml-verbs.md §3.2): "ONLY .wav and
.mp3 files are supported"; "The audio format is determined by the HTTP Content-Type header";
otherwise the extension; "If the file extension is missing or it is something other than .mp3
or .wav, we assume the media is .wav"; WAV is pcm_s16le with G711 u-law/A-law, MP3 is MPEG-1,
-2, -2.5 layer 3."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from simulator.audio.playback import selected_format, unplayable
from simulator.audio.sink import decode_playable
from simulator.errors import MediaError


@pytest.mark.parametrize("content_type, url, selected", [
    ("audio/wav", "http://a.test/x.mp3", "wav"),          # the content type wins
    ("audio/x-wav", "http://a.test/x", "wav"),
    ("audio/vnd.wave", "http://a.test/x.mp3", "wav"),     # Bandwidth's recording media type
    ("audio/wave", "http://a.test/x.mp3", "wav"),
    ("Audio/Vnd.Wave; codec=1", "http://a.test/x", "wav"),
    ("audio/mpeg", "http://a.test/x.wav", "mp3"),
    ("audio/mpeg3", "http://a.test/x", "mp3"),
    ("Audio/MP3; charset=binary", "http://a.test/x", "mp3"),   # parameters and case ignored
    ("application/octet-stream", "http://a.test/x.mp3", "mp3"),   # then the extension
    (None, "http://a.test/greeting.WAV?v=2", "wav"),
    ("audio/ogg", "http://a.test/x.ogg", "wav"),          # neither: tried as WAV
    ("audio/flac", "http://a.test/x", "wav"),
    (None, "/relative/no-extension", "wav"),
])
def test_the_content_type_then_the_extension_select_the_format(content_type, url, selected):
    assert selected_format(content_type, url).format == selected


@pytest.mark.parametrize("selected, container, encoding, plays", [
    ("wav", "WAV", "PCM_16", True), ("wav", "WAV", "ULAW", True), ("wav", "WAV", "ALAW", True),
    ("wav", "WAVEX", "PCM_16", True),
    ("wav", "WAV", "FLOAT", False), ("wav", "WAV", "PCM_24", False),   # not pcm_s16le
    ("wav", "WAV", "PCM_U8", False),
    ("wav", "OGG", "VORBIS", False), ("wav", "FLAC", "PCM_16", False),
    ("wav", "MP3", "MPEG_LAYER_III", False),                  # an MP3 served as audio/wav
    ("mp3", "MP3", "MPEG_LAYER_III", True), ("mp3", "MP3", "MPEG_LAYER_II", False),
    ("mp3", "WAV", "PCM_16", False),
])
def test_only_wav_pcm16_or_g711_and_mp3_layer_3_play(selected, container, encoding, plays):
    chosen = selected_format({"wav": "audio/wav", "mp3": "audio/mpeg"}[selected], "http://a/x")
    assert (unplayable(chosen, container, encoding) is None) == plays


def encoded(file_format: str, subtype: str | None = None) -> bytes:
    out = io.BytesIO()
    tone = (0.3 * np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000)).astype(np.float32)
    soundfile.write(out, tone, 8000, format=file_format, subtype=subtype)
    return out.getvalue()


@pytest.mark.parametrize("file_format, subtype, content_type", [
    ("WAV", "PCM_16", "audio/wav"), ("WAV", "ULAW", None), ("WAV", "ALAW", "audio/x-wav"),
    ("MP3", None, "audio/mpeg"),
])
def test_decode_playable_reads_what_bandwidth_plays(file_format, subtype, content_type):
    url = f"http://app.test/prompt.{file_format.lower()}"
    samples = decode_playable(encoded(file_format, subtype), url, content_type)
    assert len(samples) == pytest.approx(8000, abs=1200)   # MP3 pads a little


def test_a_recording_s_media_served_as_audio_vnd_wave_plays_as_wav():
    """A recording's mediaUrl may be a PlayAudio's URL (spec §3.2); the Voice API serves it as
    audio/vnd.wave (voice-api.md §4), which selects WAV before the URL's (any) extension."""
    url = "http://api.test/recordings/r-1/media.mp3"
    samples = decode_playable(encoded("WAV", "PCM_16"), url, "audio/vnd.wave")
    assert len(samples) == 8000


@pytest.mark.parametrize("file_format, subtype, content_type, got", [
    ("OGG", "VORBIS", "audio/ogg", "OGG VORBIS audio served as audio/ogg, extension .ogg "
                                   "(neither selects a format, so read as WAV)"),
    ("FLAC", "PCM_16", None, "FLAC PCM_16 audio served without a content type, extension "
                             ".flac (neither selects a format, so read as WAV)"),
    ("WAV", "FLOAT", "audio/wav", "WAV FLOAT audio served as audio/wav (so read as WAV)"),
    ("MP3", None, "audio/wav", "MP3 MPEG_LAYER_III audio served as audio/wav"),
])
def test_decode_playable_refuses_other_media_naming_why(file_format, subtype, content_type, got):
    url = f"http://app.test/prompt.{file_format.lower()}"
    with pytest.raises(MediaError) as info:
        decode_playable(encoded(file_format, subtype), url, content_type)
    assert info.value.message == "cannot play audio" and info.value.where == url
    assert got in info.value.got
    assert "WAV (16-bit PCM, G.711 u-law or A-law) or MP3 (MPEG layer 3)" in info.value.expected


def test_decode_playable_of_bytes_that_are_no_audio_says_how_they_were_read():
    with pytest.raises(MediaError) as info:
        decode_playable(b"<html>not found</html>", "http://app.test/x.mp3", "text/html")
    assert info.value.message == "cannot decode audio"
    assert "served as text/html, extension .mp3 (so read as MP3)" in info.value.got
