"""Records passed between the sans-I/O engine and the runner.

The engine never performs I/O: it yields *effects* (send this webhook, fetch this audio,
this recording is finished) and the runner answers them. The webhook records below are also
the contract between the runner and the delivery policy in ``simulator.delivery``.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Auth:
    """HTTP Basic credentials."""

    username: str
    password: str


@attrs.frozen
class Webhook:
    """One webhook the platform must deliver.

    ``url`` is absolute (relative BXML URLs are resolved by the engine). ``payload`` is the
    exact event object; GET delivery turns it into query parameters. ``sync`` webhooks
    (initiate, answer, redirect, gather, recordComplete, transfer*/bridge*/conference* BXML
    events) return BXML that the engine executes; async ones only need a 2xx.
    ``timeout`` is the callbackTimeout in virtual seconds.
    """

    event_type: str
    call_id: str
    url: str
    payload: dict
    sync: bool
    method: str = "POST"
    auth: Auth | None = None
    fallback_url: str | None = None
    fallback_method: str = "POST"
    fallback_auth: Auth | None = None
    timeout: float = 15.0


@attrs.frozen
class Attempt:
    """One HTTP attempt of a webhook delivery, as result.json lists it."""

    url: str
    method: str
    attempt: int  # 1-based count of attempts for this webhook
    fallback: bool
    status: int | None  # None when no HTTP response came back
    body: str | None
    error: str | None  # "timeout after 15 s", "connection refused", "HTTP 503", ...
    started: float  # virtual seconds after the webhook was handed over
    elapsed: float  # virtual seconds the attempt took
    # a remark of the simulator's transport about the reply (the ``x-bxmlsim-note`` header),
    # e.g. the empty "no app" reply of a bare FLOW.xml run; shown in the timeline, not sent
    note: str | None = None
    # C2: what an in-process app raised while handling this attempt, ``{type, message,
    # traceback}`` (transports/app_errors.py); result.json ``callbacks[i].appError``
    app_error: dict | None = None

    @property
    def app_error_text(self) -> str | None:
        """The app's exception in one line (the timeline's ``appError``), or None."""
        return app_error_text(self.app_error) if self.app_error else None


def app_error_text(error: dict) -> str:
    """``"KeyError: '3'"``: a C2 ``appError`` object in one line (its type alone when the
    exception has no message)."""
    return f"{error.get('type')}: {error['message']}" if error.get("message") \
        else str(error.get("type"))


@attrs.frozen
class Delivery:
    """Outcome of delivering one webhook under the policy of callbacks.md 1.6."""

    webhook: Webhook
    attempts: tuple[Attempt, ...]
    ok: bool
    body: str | None  # body of the successful attempt (sync: BXML text; "" when empty)
    url: str | None  # URL that answered; the base for relative URLs in the returned BXML
    elapsed: float  # total virtual seconds spent, summed over attempts
    error: str | None = None  # why delivery failed, when not ok


# ---- engine -> runner effects besides Webhook ------------------------------------------------
# The runner answers a Webhook with a Delivery, a FetchAudio with a FetchedAudio, a
# SynthesizeSpeech with a SynthesizedSpeech, and a RecordingDone with the file path it wrote
# (relative to the result folder).


@attrs.frozen
class FetchAudio:
    """Fetch the media of a ``<PlayAudio>`` (GET ``url``) and decode it to 8 kHz mono."""

    call_id: str
    url: str  # absolute
    auth: Auth | None = None


@attrs.frozen
class FetchedAudio:
    """The runner's answer to :class:`FetchAudio`: float32 samples at 8 kHz, or an error."""

    samples: object | None  # numpy.ndarray; typed loosely to keep this module numpy-free
    error: str | None = None
    elapsed: float = 0.0  # virtual seconds the fetch took


@attrs.frozen
class RecordingDone:
    """A recording is finished: render it and write it.

    ``segments`` are the (start, end) virtual times kept in the file (paused time excluded).
    ``remote`` / ``played`` are the spans of the leg's two media tracks overlapping them:
    channel 1 is ``remote`` (the far end), channel 2 ``played`` (what the platform played);
    with ``channels == 1`` both are mixed into one channel.
    """

    recording_id: str
    call_id: str
    file_format: str  # wav | mp3
    channels: int
    segments: tuple[tuple[float, float], ...]
    remote: tuple = ()
    played: tuple = ()


@attrs.frozen
class SynthesizeSpeech:
    """Speak ``text`` with a real TTS engine (scenario ``tts: espeak``), answered with
    :class:`SynthesizedSpeech`. Sent for each text run of a SpeakSentence (``<break>``s stay
    silence in the engine) and for each caller ``say``. ``voice``/``gender``/``locale`` are the
    SpeakSentence's attributes (a caller speaks as ``gender="male"``); the runner maps them to
    a voice of the engine (audio/tts.py)."""

    call_id: str
    text: str  # plain text, markup already removed (bxml.ssml.spoken_parts)
    voice: str | None = None
    gender: str = "female"
    locale: str = "en_US"
    engine: str = "espeak"


@attrs.frozen
class SynthesizedSpeech:
    """The runner's answer to :class:`SynthesizeSpeech`: float32 samples at 8 kHz; their
    length is how long the speech lasts in virtual time."""

    samples: object  # numpy.ndarray; typed loosely to keep this module numpy-free
