"""The audio file edge: streamed recording files, reading played files. The only soundfile user.

- `RecordingSink` writes a recording block by block (WAV PCM_16 or MP3, mono or two channels,
  8 kHz), so a three-hour recording never sits in memory. Closing is idempotent and happens on
  errors too, so a file written before a failure stays a valid, playable file. WAV is written
  here (`_WavFile`: the 44-byte header libsndfile wrote, byte for byte) rather than through
  libsndfile, whose close ends with an fsync: 8 ms a recording on a VM disk, for durability
  nothing here needs (result.json is swapped in by rename; a crash loses the run anyway). MP3
  is encoded by libsndfile (LAME), closed without that fsync.
- `read_audio` / `decode_audio` turn a file (or bytes fetched over HTTP) into 8 kHz mono float32,
  downmixing and resampling as needed; `decode_playable` does so for PlayAudio media only if
  Bandwidth plays it (WAV or MP3 as selected by content type/extension: audio/playback.py); `audio_info` reports a file's shape without decoding it.
  Decoding is a pure function of the bytes, so it is memoised once a process (`_DecodeMemo`:
  keyed by a hash of the content, never by path or URL; bounded) and the samples returned are
  read-only, shared by every run that plays the same media.
- `iter_blocks` streams a file as it is (native rate, every channel kept) block by block, for
  readers of long recordings (the report's waveform) that must not hold the whole file.
- `mp3_copy` encodes a file as variable-bitrate MP3 bytes, streamed block by block (the
  report embeds it when the recording itself is too large to embed).
Problems with a user's file raise `MediaError` naming the file and what was expected.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import attrs
import numpy as np

from ..errors import MediaError
from .playback import WHAT_PLAYS, Selected, selected_format, unplayable
from .synth import SAMPLE_RATE

def _soundfile():
    """soundfile (libsndfile through cffi), imported when a file is read or an MP3 written:
    a run whose recordings are all WAV never loads it."""
    import soundfile

    return soundfile


_SFE_SYSTEM = 2  # libsndfile's error code for a failed system call (write, seek)

FILE_FORMATS = {"wav": ("WAV", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III")}
_READABLE = "a WAV, MP3, FLAC or OGG audio file"


_WAV_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")
_WAV_MAX_DATA = 0xFFFFFFFF - 36   # RIFF sizes are 32-bit


class _WavFile:
    """A PCM_16 WAV file written as it comes: the header (sizes 0), the samples, and at close
    the header again with the sizes; OSError (ENOSPC, EFBIG, ...) as the system says it."""

    def __init__(self, path: Path, channels: int, sample_rate: int) -> None:
        self.channels, self.sample_rate, self.data_bytes = channels, sample_rate, 0
        self._file = open(path, "wb")
        self._file.write(self._header())

    def _header(self) -> bytes:
        frame = 2 * self.channels
        return _WAV_HEADER.pack(b"RIFF", 36 + self.data_bytes, b"WAVE", b"fmt ", 16, 1,
                                self.channels, self.sample_rate, self.sample_rate * frame,
                                frame, 16, b"data", self.data_bytes)

    def write(self, samples: np.ndarray) -> None:
        data = np.ascontiguousarray(samples, dtype="<i2")
        if self.data_bytes + data.nbytes > _WAV_MAX_DATA:
            raise OSError(errno.EFBIG, "a WAV file holds at most 4 GiB of samples")
        self._file.write(data)
        self.data_bytes += data.nbytes

    def close(self) -> None:
        file = self._file
        try:
            file.seek(0)
            file.write(self._header())
        finally:
            file.close()


class RecordingSink:
    """A recording file being written: `write` blocks, then `close` (or use `with`).

    Blocks are float32 in [-1, 1] (clipped): shape (n,) for mono, (n, 2) for two channels.
    The parent folder is created if needed.
    """

    def __init__(self, path: str | os.PathLike, channels: int = 1, file_format: str = "wav",
                 sample_rate: int = SAMPLE_RATE) -> None:
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, got {channels!r}")
        if file_format not in FILE_FORMATS:
            raise ValueError(f"file_format must be 'wav' or 'mp3', got {file_format!r}")
        self.path = Path(path)
        self.channels = channels
        self.file_format = file_format
        self.sample_rate = sample_rate
        self.frames = 0
        fmt, subtype = FILE_FORMATS[file_format]
        self._file: Any   # _WavFile, or a soundfile.SoundFile for MP3
        try:
            if file_format == "wav":
                try:
                    self._file = _WavFile(self.path, channels, sample_rate)
                except FileNotFoundError:   # the folder is made for a run's first recording
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = _WavFile(self.path, channels, sample_rate)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = _soundfile().SoundFile(self.path, "w", samplerate=sample_rate,
                                                    channels=channels, format=fmt,
                                                    subtype=subtype)
        except (OSError, _soundfile().SoundFileError) as exc:
            raise MediaError("cannot create recording file", where=str(self.path),
                             expected=f"a writable {file_format} path", got=str(exc)) from None

    @property
    def duration(self) -> float:
        """Seconds written so far."""
        return self.frames / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._file is None

    def write(self, block: np.ndarray) -> None:
        if self._file is None:
            raise ValueError(f"recording {self.path} is closed")
        data = np.asarray(block, dtype=np.float32)
        if self.channels == 1 and data.ndim == 2 and data.shape[1] == 1:
            data = data[:, 0]
        expected_ndim = 1 if self.channels == 1 else 2
        if data.ndim != expected_ndim or (self.channels == 2 and data.shape[1] != 2):
            shape = "(n,)" if self.channels == 1 else "(n, 2)"
            raise ValueError(f"block for a {self.channels}-channel recording must have shape "
                             f"{shape}, got {data.shape}")
        if not len(data):
            return
        if self.file_format == "wav":
            # Converting to int16 here is ~3x faster than libsndfile's float path, and silent
            # blocks (most of a long call) skip the arithmetic altogether.
            if data.any():
                scaled = np.multiply(data, np.float32(32767.0))
                np.clip(scaled, -32767.0, 32767.0, out=scaled)
                data = np.rint(scaled, out=scaled).astype(np.int16)
            else:
                data = np.zeros(data.shape, dtype=np.int16)
        else:
            data = np.clip(data, -1.0, 1.0)
        with self._system_errors():
            self._file.write(data)
        self.frames += len(data)

    def close(self) -> None:
        """Finish the file (header, encoder flush). Safe to call more than once."""
        if self._file is not None:
            file, self._file = self._file, None
            if self.file_format == "mp3":
                # soundfile's close flushes first, and libsndfile's flush is an fsync (1-9 ms of
                # wall time on this disk), which nothing here needs, as for WAV (module doc).
                file.flush = _no_sync
            with self._system_errors():
                file.close()

    @contextlib.contextmanager
    def _system_errors(self):
        """libsndfile's "system error" (a full disk, a file-size limit) as the OSError it was:
        libsndfile drops the errno, the C library still holds it."""
        try:
            yield
        except _soundfile().LibsndfileError as exc:
            code = _soundfile()._ffi.errno   # noqa: SLF001 - the only place the errno survives
            if exc.code != _SFE_SYSTEM or not code:
                raise
            raise OSError(code, os.strerror(code), str(self.path)) from None

    def __enter__(self) -> "RecordingSink":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible left to do
            pass


def _no_sync() -> None:
    """In place of ``SoundFile.flush`` (``sf_write_sync``: only an fsync) when an MP3 closes;
    ``sf_close`` still writes the encoder's last frames and the LAME header."""


@attrs.frozen
class AudioInfo:
    """Shape of an audio file: seconds, channels, Hz, frames, format ('wav', 'mp3', ...)."""

    duration: float
    channels: int
    sample_rate: int
    frames: int
    format: str


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Duration, channels, rate, frames and format of an audio file, without decoding it."""
    _require_file(path)
    try:
        info = _soundfile().info(str(path))
    except (_soundfile().SoundFileError, RuntimeError) as exc:
        raise _undecodable(path, exc) from None
    return AudioInfo(duration=info.frames / info.samplerate, channels=info.channels,
                     sample_rate=info.samplerate, frames=info.frames,
                     format=info.format.lower())


def read_audio(path: str | os.PathLike) -> np.ndarray:
    """An audio file as 8 kHz mono float32 (channels averaged, resampled if needed), read-only.

    A file of up to `_DecodeMemo.MAX_BYTES` is read whole and decoded from its bytes (memoised:
    the same content decodes once a process, an edited file anew); a larger one, or one its
    bytes do not decode, is read by path, which gives the error naming the file."""
    _require_file(path)
    with contextlib.suppress(OSError, _soundfile().SoundFileError, RuntimeError):
        with open(path, "rb") as file:
            data = file.read(_DecodeMemo.MAX_BYTES + 1)
        if len(data) <= _DecodeMemo.MAX_BYTES:
            return _MEMO.decoded(data, rewind=True).samples
    try:
        samples, rate = _soundfile().read(str(path), dtype="float32", always_2d=True)
    except (_soundfile().SoundFileError, RuntimeError) as exc:
        raise _undecodable(path, exc) from None
    return _read_only(to_mono_8k(samples, rate))


#: Frames per block of `iter_blocks`: 64 Ki frames is 8 s at 8 kHz, 512 KB for two channels.
BLOCK_FRAMES = 1 << 16


def iter_blocks(path: str | os.PathLike,
                block_frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """An audio file as consecutive float32 blocks of shape (n, channels), n <= block_frames.

    Samples stay at the file's own rate (see `audio_info`) and channels are not mixed, so
    channel c of the file is column c of every block. Only one block is held at a time (each is
    a fresh array), so a four-hour recording streams in constant memory. The file is opened
    when the first block is asked for: a missing or undecodable file raises `MediaError` from
    the first `next()`.
    """
    if block_frames < 1:
        raise ValueError(f"block_frames must be at least 1, got {block_frames!r}")
    _require_file(path)
    try:
        file = _soundfile().SoundFile(str(path))
    except (_soundfile().SoundFileError, RuntimeError) as exc:
        raise _undecodable(path, exc) from None
    with file:
        while True:
            try:
                block = file.read(block_frames, dtype="float32", always_2d=True)
            except (_soundfile().SoundFileError, RuntimeError) as exc:
                raise _undecodable(path, exc) from None
            if not len(block):
                return
            yield block


#: The least an MP3 copy can take, bytes a second a channel (8 kbit/s, MPEG 2.5's lowest rate).
MP3_MIN_BYTES_PER_SECOND = 1000


def mp3_copy(path: str | os.PathLike, limit: int | None = None,
             block_frames: int = BLOCK_FRAMES) -> bytes | None:
    """The file re-encoded as variable-bitrate MP3 (MPEG layer 3, its own rate and channels),
    or None when the copy would be larger than ``limit`` bytes.

    Telephone audio (8 kHz speech and silence) comes to about 70 KB a minute a channel, a
    seventh of its 16-bit WAV. The input streams through `iter_blocks`, so only the MP3 bytes
    are held. Encoding (a few seconds for a ten-minute call, slower on dense audio such as
    music) is cut short: not started when even the lowest bit rate would not fit, stopped once
    the copy is over ``limit``, or once a twentieth of the file (at least a minute) is encoded
    and the copy so far, extrapolated to the whole file, comes to more than ``limit``.
    libsndfile writes the LAME header, whose encoder delay and padding decoders (mpg123,
    Chromium) skip, so the copy has the file's length and timing.
    `MediaError` when the file cannot be read.
    """
    info = audio_info(path)
    if limit is not None and info.duration * info.channels * MP3_MIN_BYTES_PER_SECOND > limit:
        return None
    out = io.BytesIO()
    sf = _soundfile()
    done = 0
    with sf.SoundFile(out, "w", samplerate=info.sample_rate, channels=info.channels,
                      format="MP3", subtype="MPEG_LAYER_III", bitrate_mode="VARIABLE",
                      compression_level=0.5) as copy:
        for block in iter_blocks(path, block_frames):
            copy.write(np.clip(block, -1.0, 1.0))
            done += len(block)
            if limit is None:
                continue
            projected = out.tell() * info.frames / done
            early = done >= max(info.frames / 20, 60 * info.sample_rate)
            if out.tell() > limit or (early and projected > limit):
                return None
    data = out.getvalue()
    return None if limit is not None and len(data) > limit else data


def decode_audio(data: bytes, name: str) -> np.ndarray:
    """Audio bytes as 8 kHz mono float32 (read-only), whatever soundfile reads; `name` is for
    errors."""
    return _decode(data, name, _READABLE, None)


def decode_playable(data: bytes, url: str, content_type: str | None) -> np.ndarray:
    """A PlayAudio response's body as 8 kHz mono float32 (read-only), if Bandwidth plays it:
    WAV or MP3 as its content type or URL selects (audio/playback.py); else `MediaError`."""
    return _decode(data, url, WHAT_PLAYS, selected_format(content_type, url))


@attrs.frozen
class _Decoded:
    """Bytes decoded: read-only 8 kHz mono samples, and the container and encoding (soundfile's
    names) that `unplayable` judges."""

    samples: np.ndarray
    container: str
    encoding: str


class _DecodeMemo:
    """Decoded media by content, once a process: a run plays the same prompt files and fetched
    bodies as the run before it, and decoding + resampling is the cost, not reading the bytes.

    Keyed by a SHA-256 hash of the bytes (what the samples depend on, with `rewind`; SHA-256 as
    OpenSSL runs it hashes twice as fast as BLAKE2b here), never by path or URL: an edited
    file decodes anew, and a body fetched under another URL is a hit whose errors still name
    that URL (`_decode` judges playability and words errors per call).
    Bounded: bodies up to MAX_BYTES, the ENTRIES most recently used, and at most
    MAX_SAMPLE_BYTES of samples kept in all (a 2 MB MP3 at 8 kbps is 2,000 s of audio: 64 MB of
    float32; one larger than that budget is not kept at all). Failures are not kept.
    """

    MAX_BYTES = 2 << 20
    ENTRIES = 32
    MAX_SAMPLE_BYTES = 32 << 20   # as the speech cache of a run (audio/synth.py)

    def __init__(self) -> None:
        self._table: OrderedDict[bytes, _Decoded] = OrderedDict()
        self._sample_bytes = 0
        self._lock = threading.Lock()   # runs of one process may share it from threads
        self.decodes = 0                # misses decoded so far (for tests)

    def decoded(self, data: bytes, judge: Callable[[str, str], None] | None = None,
                rewind: bool = False) -> _Decoded:
        """`data` decoded, memoised; soundfile's errors as they come. `judge(container,
        encoding)` runs before the samples are read (or handed out again) and may raise.
        `rewind` seeks to the start before reading, as ``soundfile.read`` does (read_audio's
        way): for an MP3 the samples then differ in the last bit, so it is part of the key."""
        key = None
        if len(data) <= self.MAX_BYTES:
            key = hashlib.sha256(data).digest() + bytes([rewind])
        with self._lock:
            found = self._table.get(key) if key else None
            if found is not None:
                self._table.move_to_end(key)
        if found is not None:
            if judge:
                judge(found.container, found.encoding)
            return found
        with _soundfile().SoundFile(io.BytesIO(data)) as file:
            if judge:
                judge(file.format, file.subtype)
            container, encoding = file.format, file.subtype
            if rewind:
                file.seek(0)
            samples, rate = file.read(dtype="float32", always_2d=True), file.samplerate
        decoded = _Decoded(_read_only(to_mono_8k(samples, rate)), container, encoding)
        with self._lock:
            self.decodes += 1
            size = decoded.samples.nbytes
            if key and key not in self._table and size <= self.MAX_SAMPLE_BYTES:
                self._table[key] = decoded
                self._sample_bytes += size
                while (len(self._table) > self.ENTRIES
                       or self._sample_bytes > self.MAX_SAMPLE_BYTES):
                    self._sample_bytes -= self._table.popitem(last=False)[1].samples.nbytes
        return decoded


_MEMO = _DecodeMemo()


def _read_only(samples: np.ndarray) -> np.ndarray:
    """A read-only view of read-only samples: the view cannot be made writeable again, so no
    run changes what another run plays."""
    samples.flags.writeable = False
    return samples.view()


def _decode(data: bytes, name: str, expected: str, played_as: Selected | None) -> np.ndarray:
    if not data:
        raise MediaError("empty audio", where=name, expected=expected, got="0 bytes")

    def judge(container: str, encoding: str) -> None:
        problem = played_as and unplayable(played_as, container, encoding)
        if problem:
            raise MediaError("cannot play audio", where=name, expected=expected, got=problem)

    try:
        return _MEMO.decoded(data, judge).samples
    except (_soundfile().SoundFileError, RuntimeError) as exc:
        why = f" {played_as.why}" if played_as else ""
        raise MediaError("cannot decode audio", where=name, expected=expected,
                         got=f"{_reason(exc)} ({len(data)} bytes{why})") from None


def to_mono_8k(data: np.ndarray, rate: int) -> np.ndarray:
    """Average channels of (n, channels) audio and resample from `rate` to 8 kHz."""
    mono = data.mean(axis=1) if data.ndim == 2 else np.asarray(data)
    return resample(mono, rate, SAMPLE_RATE)


def resample(x: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Resample mono audio; length round(len * target / rate).

    Downsampling first low-passes at 45% of the target rate (Blackman-windowed sinc, applied by
    chunked FFT convolution) so nothing above the new Nyquist folds back; the new samples are
    then read off by linear interpolation.
    """
    x = np.asarray(x, dtype=np.float64)
    if rate == target:
        return x.astype(np.float32)
    n_out = int(round(len(x) * target / rate))
    if not len(x) or not n_out:
        return np.zeros(n_out, dtype=np.float32)
    if target < rate:
        x = _lowpass(x, 0.45 * target / rate, transition=0.05 * target / rate)
    positions = np.arange(n_out) * (rate / target)
    out = np.interp(positions, np.arange(len(x)), x)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _lowpass(x: np.ndarray, cutoff: float, transition: float) -> np.ndarray:
    """Zero-phase FIR low-pass (cutoff in cycles/sample), same length as x."""
    taps = int(np.ceil(5.5 / transition)) | 1            # Blackman: width ~ 5.5 / taps
    centre = taps // 2
    n = np.arange(taps) - centre
    kernel = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(taps)
    kernel /= kernel.sum()
    block = 1 << 16
    size = 1 << int(np.ceil(np.log2(block + taps - 1)))
    spectrum = np.fft.rfft(kernel, size)
    full = np.zeros(len(x) + taps - 1)
    for lo in range(0, len(x), block):
        chunk = x[lo:lo + block]
        conv = np.fft.irfft(np.fft.rfft(chunk, size) * spectrum, size)[:len(chunk) + taps - 1]
        full[lo:lo + len(conv)] += conv
    return full[centre:centre + len(x)]


def _require_file(path: str | os.PathLike) -> None:
    if not Path(path).is_file():
        raise MediaError("audio file not found", where=str(path), expected=_READABLE,
                         got="no such file")


def _undecodable(path: str | os.PathLike, exc: Exception) -> MediaError:
    """The error for a file soundfile cannot open or read."""
    return MediaError("cannot decode audio file", where=str(path), expected=_READABLE,
                      got=_reason(exc))


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.split(": ", 1)[-1] if "Error opening" in text else text
