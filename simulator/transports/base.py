"""What every transport shares: the reply record and the ``Transport`` interface.

One request in, one :class:`TransportReply` out. Transports never raise for what the network or
the app does: a refused connection, a timeout or an app that crashes becomes a reply
(``status=None`` plus ``error``, or a 500). ``elapsed`` is in virtual seconds.

Every reply body is bounded (:data:`BODY_LIMIT` for webhook replies, :data:`MEDIA_LIMIT` for a
PlayAudio fetch, counted after decompression): past it the body is not read further and the
reply keeps its status but carries :func:`too_large_error` (docs/limits.md).
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Mapping

import attrs

#: reply header carrying a remark of the simulator (delivery keeps it as the attempt's ``note``)
NOTE_HEADER = "x-bxmlsim-note"
REFUSED = "connection refused"
RESET = "connection reset by peer"
CLOSED = "connection closed without a response"

#: Bytes of a webhook reply body read at most, after decompression (Bandwidth's BXML is at
#: most 64 KB; a larger document is invalid BXML, a body past this is not read at all).
BODY_LIMIT = 1 << 20
#: Bytes of a PlayAudio media body read at most (spec: media files "< 250 MB").
MEDIA_LIMIT = 250_000_000


def too_large_error(limit: int) -> str:
    """The error of a reply whose body (after decompression) is larger than ``limit`` bytes."""
    size = f"{limit / (1 << 20):g} MB" if limit % (1 << 20) == 0 else f"{limit / 1e6:g} MB"
    return f"response body over {size} (after decompression): not read further"


def timeout_error(timeout: float) -> str:
    """The error text of a request cut at ``timeout`` seconds."""
    return f"timeout after {timeout:g} s"


@attrs.frozen
class TransportReply:
    """What came back from one request. ``status`` is None when no HTTP response came back;
    ``error`` then says why (``"connection refused"``, ``"timeout after 15 s"``, ...). A reply
    with a status and an ``error`` came back but was not usable (its body was over the limit:
    ``content`` is then empty). ``headers`` keys are lower case. ``elapsed`` is in virtual
    seconds."""

    status: int | None
    content: bytes = b""
    headers: dict[str, str] = attrs.Factory(dict)
    elapsed: float = 0.0
    error: str | None = None
    #: an exception raised in an in-process app while it handled the request: the C2 object
    #: ``{"type", "message", "traceback"}`` of result.json (``app_errors.py``); else None
    app_error: dict | None = None

    @property
    def text(self) -> str:
        """The body decoded with the charset of its content type (UTF-8 by default)."""
        return self._decode("replace")

    @property
    def bxml_text(self) -> str:
        """The body for the BXML parser: like ``text``, but bytes that are invalid in the
        charset stay lone surrogates (``surrogateescape``) instead of becoming U+FFFD, so the
        parser reports them (BX005 at their line:col) as Bandwidth's XML parser would."""
        return self._decode("surrogateescape")

    def _decode(self, errors: str) -> str:
        charset = _charset(self.headers.get("content-type", ""))
        try:
            return self.content.decode(charset, errors=errors)
        except LookupError:  # unknown charset name: UTF-8 is the best guess
            return self.content.decode("utf-8", errors=errors)

    @property
    def timed_out(self) -> bool:
        return self.status is None and (self.error or "").startswith("timeout")


@functools.lru_cache(maxsize=256)
def _charset(content_type: str) -> str:
    """The charset a Content-Type names (its last ``charset=``), UTF-8 when it names none.
    Memoised (a pure function of the text): a run's replies carry a few content types, and
    each reply is decoded twice (its text for result.json, its BXML for the engine)."""
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    return charset


class Transport(abc.ABC):
    """Base class: ``send`` one request, get one reply; ``close`` releases resources."""

    @abc.abstractmethod
    def send(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
             params: Mapping[str, str] | None = None, json: object = None,
             timeout: float, max_bytes: int = BODY_LIMIT) -> TransportReply:
        """Send one request; failures of the network or the app come back as replies. A body
        over ``max_bytes`` is not read further (:func:`capped`)."""

    def close(self) -> None:
        """Release connections, threads and event loops (idempotent)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def capped(reply: TransportReply, max_bytes: int) -> TransportReply:
    """``reply`` unchanged when its body fits ``max_bytes``, else the same status without the
    body and with :func:`too_large_error` (for transports whose bodies are already in memory)."""
    if len(reply.content) <= max_bytes:
        return reply
    return TransportReply(reply.status, b"", reply.headers, reply.elapsed,
                          too_large_error(max_bytes))
