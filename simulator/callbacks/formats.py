"""Value formats of webhook payloads (spec/callbacks.md §1.7): times, durations, ids, URLs.

Pure and deterministic: times are an epoch plus virtual seconds, ids come from a seeded
``random.Random``. Nothing here reads the wall clock.
"""

from __future__ import annotations

import functools
import math
import random
import uuid
from datetime import datetime, timedelta, timezone

from simulator.errors import ScenarioError

#: The simulated account and application every payload reports.
ACCOUNT_ID = "9900000"
APPLICATION_ID = "b4a6c2d0-7e1f-4a3b-9c8d-2e5f6a7b8c9d"

#: Root of Bandwidth's Voice REST API; callUrl / mediaUrl are built under it.
VOICE_API_BASE = "https://voice.bandwidth.com/api/v2"

DEFAULT_EPOCH = "2026-01-01T00:00:00.000Z"


def parse_epoch(epoch: str | datetime) -> datetime:
    """The payload time zero as an aware UTC datetime.

    A naive datetime (or an ISO string without offset) is taken as UTC. Raises
    ``ScenarioError`` for text that is not an ISO 8601 date-time, since the epoch is a
    scenario setting.
    """
    if isinstance(epoch, str):
        try:
            epoch = datetime.fromisoformat(epoch)
        except ValueError:
            raise ScenarioError("epoch is not an ISO 8601 date-time",
                                expected="e.g. 2026-01-01T00:00:00.000Z", got=repr(epoch)) from None
    if epoch.tzinfo is None:
        return epoch.replace(tzinfo=timezone.utc)
    return epoch.astimezone(timezone.utc)


def milliseconds(seconds: float) -> int:
    # Half-up rounding, the same for times and durations (round() would be banker's).
    return math.floor(seconds * 1000 + 0.5)


def iso_time(epoch: str | datetime, at: float) -> str:
    """``epoch + at`` seconds as ``2026-01-01T00:00:12.345Z`` (UTC, milliseconds, ``Z``).

    Sub-millisecond digits of the epoch itself are dropped; ``at`` is rounded half-up to
    the millisecond.
    """
    base = _millisecond_base(epoch) if isinstance(epoch, str) else _whole_ms(parse_epoch(epoch))
    return _text(base, milliseconds(at))


def _text(base: datetime, ms: int) -> str:
    """``base`` (UTC, whole milliseconds) + ``ms`` as payload time text."""
    moment = base.replace(tzinfo=None) + timedelta(milliseconds=ms)
    if moment.year >= 1000:   # isoformat pads the year to 4 digits, strftime's %Y does not
        return moment.isoformat(timespec="milliseconds") + "Z"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


class TimeTexts:
    """The payload times of one run's epoch: ``text(at)`` is ``iso_time(epoch, at)``, each
    virtual millisecond formatted once (a call's start and answer times are in every one of
    its payloads; several events share an instant)."""

    def __init__(self, epoch: str | datetime) -> None:
        self.epoch = parse_epoch(epoch)
        self._base = _whole_ms(self.epoch).replace(tzinfo=None)
        self._texts: dict[int, str] = {}

    def text(self, at: float) -> str:
        ms = milliseconds(at)
        text = self._texts.get(ms)
        if text is None:
            text = self._texts[ms] = _text(self._base, ms)
        return text


def _whole_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@functools.lru_cache(maxsize=64)   # one epoch per run, a time for every payload
def _millisecond_base(epoch: str) -> datetime:
    return _whole_ms(parse_epoch(epoch))


def iso_duration(seconds: float) -> str:
    """A length as an ISO 8601 duration the way Bandwidth (Java ``Duration``) writes it.

    Millisecond precision, hours and minutes only when non-zero, no trailing zeros in the
    fraction, seconds omitted when they are zero and a larger unit is present:
    ``PT13.67S``, ``PT1M52.217S``, ``PT1H2M3.5S``, ``PT1M``, ``PT0S``.
    """
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"a duration cannot be negative or NaN, got {seconds!r}")
    ms = milliseconds(seconds)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    whole, fraction = divmod(ms, 1000)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if whole or fraction or text == "PT":
        text += str(whole)
        if fraction:
            text += "." + f"{fraction:03d}".rstrip("0")
        text += "S"
    return text


class IdFactory:
    """Deterministic Bandwidth-shaped ids drawn from a seeded ``random.Random``.

    Bandwidth ids are a type prefix, an 8-hex-digit node part and a UUID
    (``c-2b7f90a1-6d3e8c42-1f0a-4e6b-9c2d-7a8b3e4f5d61``). The node part is drawn once per
    factory, so every id of one simulation shares it, as ids minted by one Bandwidth node
    do (the spec examples show a call and its recording sharing it). The same seed gives
    the same sequence of ids.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.node = f"{rng.getrandbits(32):08x}"

    def uuid(self) -> str:
        """A random (version 4 shaped) UUID."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _node_id(self, prefix: str) -> str:
        return f"{prefix}-{self.node}-{self.uuid()}"

    def call_id(self) -> str:
        return self._node_id("c")

    def recording_id(self) -> str:
        return self._node_id("r")

    def conference_id(self) -> str:
        return self._node_id("conf")

    def stream_id(self) -> str:
        return self._node_id("s")

    def transcription_id(self) -> str:
        """Id of a recording transcription: ``t-`` + UUID (docs examples)."""
        return f"t-{self.uuid()}"

    def realtime_transcription_id(self) -> str:
        """Id of a real-time transcription: ``t-`` + node + UUID (docs examples)."""
        return self._node_id("t")

    def error_id(self) -> str:
        """``errorId`` of disconnect/transfer/bridge events: a bare UUID."""
        return self.uuid()


def call_url(account_id: str, call_id: str) -> str:
    return f"{VOICE_API_BASE}/accounts/{account_id}/calls/{call_id}"


def media_url(call_url: str, recording_id: str) -> str:
    """Download URL of a call recording."""
    return f"{call_url}/recordings/{recording_id}/media"


def conference_media_url(account_id: str, conference_id: str, recording_id: str) -> str:
    """Download URL of a conference recording."""
    return (f"{VOICE_API_BASE}/accounts/{account_id}/conferences/{conference_id}"
            f"/recordings/{recording_id}/media")


def transcription_url(call_url: str, recording_id: str) -> str:
    """URL of a recording's transcription."""
    return f"{call_url}/recordings/{recording_id}/transcription"


def realtime_transcription_url(call_url: str, transcription_id: str) -> str:
    """URL of a finished real-time transcription."""
    return f"{call_url}/transcriptions/{transcription_id}"
