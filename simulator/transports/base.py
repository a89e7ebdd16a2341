"""What every transport shares: the reply record and the ``Transport`` interface.

One request in, one :class:`TransportReply` out. Transports never raise for what the network or
the app does: a refused connection, a timeout or an app that crashes becomes a reply
(``status=None`` plus ``error``, or a 500). ``elapsed`` is in virtual seconds.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping

import attrs

#: reply header carrying a remark of the simulator (delivery keeps it as the attempt's ``note``)
NOTE_HEADER = "x-bxmlsim-note"
REFUSED = "connection refused"
RESET = "connection reset by peer"
CLOSED = "connection closed without a response"


def timeout_error(timeout: float) -> str:
    """The error text of a request cut at ``timeout`` seconds."""
    return f"timeout after {timeout:g} s"


@attrs.frozen
class TransportReply:
    """What came back from one request. ``status`` is None when no HTTP response came back;
    ``error`` then says why (``"connection refused"``, ``"timeout after 15 s"``, ...).
    ``headers`` keys are lower case. ``elapsed`` is in virtual seconds."""

    status: int | None
    content: bytes = b""
    headers: dict[str, str] = attrs.Factory(dict)
    elapsed: float = 0.0
    error: str | None = None

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
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.content.decode(charset, errors=errors)
        except LookupError:  # unknown charset name: UTF-8 is the best guess
            return self.content.decode("utf-8", errors=errors)

    @property
    def timed_out(self) -> bool:
        return self.status is None and (self.error or "").startswith("timeout")


class Transport(abc.ABC):
    """Base class: ``send`` one request, get one reply; ``close`` releases resources."""

    @abc.abstractmethod
    def send(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
             params: Mapping[str, str] | None = None, json: object = None,
             timeout: float) -> TransportReply:
        """Send one request; failures of the network or the app come back as replies."""

    def close(self) -> None:
        """Release connections, threads and event loops (idempotent)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
