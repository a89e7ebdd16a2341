"""Files of a folder served as the app (``app.static``, and the bare ``bxmlsim run FLOW.xml``).

A request under the app's ``base_url`` (same scheme and host, path below the base's folder) is
answered from ``folder``, whatever its method and query string:

* ``/media/beep.wav`` -> ``<folder>/media/beep.wav`` (audio as ``audio/wav``/``audio/mpeg``,
  ``.xml``/``.bxml`` as BXML text, anything else by its guessed type);
* ``/next`` (no suffix) -> ``<folder>/next.xml`` when it exists, so a folder of BXML documents
  can redirect between each other (``<Redirect redirectUrl="/next"/>``).

Nothing outside ``folder`` is ever served (``..`` and symbolic links leading out are refused).
Any other request goes to ``fallthrough`` (the wsgi/asgi app, or a real server) when there is
one; else it gets a 404 naming it (scenario files), or -- with ``no_app`` (a bare FLOW.xml,
which has no app behind it) -- the reply of an app with nothing to say: 200 with an empty
body, so a sync webhook reads ``<Response/>`` (hang up) and an async one is acknowledged,
except requests for audio files, which get a 404 (PlayAudio then fails as it would). That empty
reply carries the header ``x-bxmlsim-note`` (:data:`NO_APP_NOTE`), which delivery keeps as the
attempt's note and the timeline/narration show.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from .base import BODY_LIMIT, NOTE_HEADER, Transport, TransportReply, too_large_error
from .routes import AUDIO_CONTENT_TYPES, XML_CONTENT_TYPE

NO_APP_NOTE = "no app: empty reply"
#: file suffixes of media requests: never answered by the empty "no app" reply
AUDIO_SUFFIXES = {".wav", ".mp3", ".ogg", ".flac", ".oga", ".opus", ".m4a", ".aac", ".aiff",
                  ".au", ".gsm", ".ulaw", ".alaw"}
_BXML_SUFFIXES = {".xml", ".bxml"}
_TEXT_PLAIN = "text/plain; charset=utf-8"


class StaticFolderTransport(Transport):
    """Serves ``folder`` under ``base_url``; misses go to ``fallthrough``, else the "no app"
    reply (``no_app``) or a 404 that lists ``known`` (the route URLs answered before this)."""

    def __init__(self, folder: Path, base_url: str, *, fallthrough: Transport | None = None,
                 no_app: bool = False, known: Iterable[str] = ()) -> None:
        self.folder = Path(folder).resolve()
        self.base_url = base_url
        base = urlsplit(urljoin(base_url, "."))
        self._origin = (base.scheme.lower(), base.netloc.lower())
        self._prefix = base.path or "/"
        self.fallthrough = fallthrough
        self.no_app = no_app
        self.known = sorted(known)

    def file_for(self, url: str) -> Path | None:
        """The file of ``folder`` that answers ``url``, or None."""
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != self._origin:
            return None
        path = unquote(parts.path or "/")
        if not path.startswith(self._prefix):
            return None
        relative = PurePosixPath(path[len(self._prefix):])
        if not relative.parts or ".." in relative.parts:
            return None
        candidates = [self.folder.joinpath(*relative.parts)]
        if not relative.suffix:
            candidates.append(candidates[0].with_name(relative.name + ".xml"))
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved.is_file() and resolved.is_relative_to(self.folder):
                return resolved
        return None

    def send(self, method, url, *, headers=None, params=None, json=None, timeout,
             max_bytes=BODY_LIMIT):
        found = self.file_for(url)
        if found is not None:
            kind = {"content-type": _content_type(found)}
            try:
                if found.stat().st_size > max_bytes:  # never read into memory
                    return TransportReply(200, b"", kind, 0.0, too_large_error(max_bytes))
                content = found.read_bytes()
            except OSError as exc:  # unreadable: what a static file server answers
                return TransportReply(403, f"cannot read {found}: {exc.strerror}".encode(),
                                      {"content-type": _TEXT_PLAIN})
            return TransportReply(200, content, kind)
        if self.fallthrough is not None:
            return self.fallthrough.send(method, url, headers=headers, params=params, json=json,
                                         timeout=timeout, max_bytes=max_bytes)
        path = urlsplit(url).path
        if self.no_app and PurePosixPath(unquote(path)).suffix.lower() not in AUDIO_SUFFIXES:
            return TransportReply(200, b"", {NOTE_HEADER: NO_APP_NOTE})
        where = f"no file for {method} {url.split('?', 1)[0]} in {self.folder}"
        if not self.no_app:
            where += f" (known routes: {', '.join(self.known) or 'none'})"
        return TransportReply(404, where.encode(), {"content-type": _TEXT_PLAIN})

    def close(self) -> None:
        if self.fallthrough is not None:
            self.fallthrough.close()


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _BXML_SUFFIXES:
        return XML_CONTENT_TYPE
    return (AUDIO_CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream")
