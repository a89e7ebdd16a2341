"""What Bandwidth plays: the PlayAudio media rules (spec bxml-verbs.md §3.2, the playAudio docs).

Only WAV and MP3 play. The response's ``Content-Type`` chooses the format (``audio/wav``,
``audio/x-wav``, and ``audio/vnd.wave`` / ``audio/wave``, the WAV types of RFC 2361 and of
Bandwidth's own recording media (voice-api.md §4, which a PlayAudio may play): WAV;
``audio/mpeg``, ``audio/mpeg3``, ``audio/mp3``: MP3); any other or no
content type: the URL's extension (``.wav``, ``.mp3``); else the file is tried as WAV. A WAV is
16-bit PCM, G.711 µ-law or A-law; an MP3 is MPEG layer 3 (every sample rate the docs list is
one of layer 3's). Anything else (OGG, FLAC, AIFF, a float WAV, an MP3 served as
``audio/wav``) cannot be played: the call ends with ``application-error`` (README #22).

``selected_format(content_type, url)`` is the choice; ``unplayable(selected, container,
encoding)`` judges the decoded file's container and encoding (soundfile's names, read by
``audio.sink.decode_playable``). Pure: the only soundfile user stays sink.py.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

import attrs

CONTENT_TYPES = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/vnd.wave": "wav",
                 "audio/wave": "wav",
                 "audio/mpeg": "mp3", "audio/mpeg3": "mp3", "audio/mp3": "mp3"}
EXTENSIONS = {".wav": "wav", ".mp3": "mp3"}
#: format -> (containers, encodings) as soundfile names them.
PLAYABLE = {"wav": (frozenset({"WAV", "WAVEX"}), frozenset({"PCM_16", "ULAW", "ALAW"})),
            "mp3": (frozenset({"MP3"}), frozenset({"MPEG_LAYER_III"}))}
WHAT_PLAYS = ("WAV (16-bit PCM, G.711 u-law or A-law) or MP3 (MPEG layer 3), the formats "
              "Bandwidth plays")


@attrs.frozen
class Selected:
    """The format a PlayAudio response selects, and why (for messages)."""

    format: str   # "wav" | "mp3"
    why: str


def selected_format(content_type: str | None, url: str) -> Selected:
    """The format Bandwidth tries a fetched file as: by content type, else by extension,
    else WAV (media types and extensions compared without case)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in CONTENT_TYPES:
        fmt = CONTENT_TYPES[media_type]
        return Selected(fmt, f"served as {media_type} (so read as {fmt.upper()})")
    try:
        suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    except ValueError:
        suffix = ""
    served = f"served as {media_type}" if media_type else "served without a content type"
    if suffix in EXTENSIONS:
        fmt = EXTENSIONS[suffix]
        return Selected(fmt, f"{served}, extension {suffix} (so read as {fmt.upper()})")
    named = f"extension {suffix}" if suffix else "no extension"
    return Selected("wav", f"{served}, {named} (neither selects a format, so read as WAV)")


def unplayable(selected: Selected, container: str, encoding: str) -> str | None:
    """None when a file whose container and encoding are these plays as ``selected``; else
    what is wrong with it."""
    containers, encodings = PLAYABLE[selected.format]
    if container in containers and encoding in encodings:
        return None
    return f"{container} {encoding} audio {selected.why}"
