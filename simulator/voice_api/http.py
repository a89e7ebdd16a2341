"""One HTTP exchange of the Voice API, without a web framework: :class:`ApiRequest` in,
:class:`ApiResponse` out, :class:`ApiError` for every error status (the ``VoiceApiError`` body
of voice-api.md §1.1: ``{type, description, id}``).

Front doors turn their own requests into these: starlette's (``bxmlsim serve``,
server/app.py), and the requests an app sends inside a run, caught in urllib3, httpx, httpx2 or
http.client (simulator/hermetic/). Pure: no I/O, no framework.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs


#: Largest request body read (docs/limits.md); the API's own bodies are a few KB.
MAX_BODY = 1 << 20
#: Deepest JSON nesting accepted: the API's bodies nest three levels.
MAX_DEPTH = 64
_NESTING = re.compile(rb'[\[{]|"(?:[^"\\]|\\.)*"|[\]}]')


def _depth(raw: bytes) -> int:
    """How deep ``raw``'s arrays and objects nest (strings skipped), stopping past MAX_DEPTH."""
    depth = deepest = 0
    for match in _NESTING.finditer(raw):
        token = match.group()[:1]
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return depth
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _check_text(value: Any) -> None:
    """400 for a string with a lone surrogate (``"\\ud800"``): JSON allows the escape, but no
    UTF-8 answer or result.json could hold it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "The request body is not valid JSON: a string holds a lone "
                                "surrogate (\\ud800-\\udfff), which is not text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


class ApiError(Exception):
    """An error status with its ``VoiceApiError`` body."""

    def __init__(self, status: int, description: str, kind: str = "validation",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.kind = kind
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"type": self.kind, "description": self.description, "id": None}


@attrs.frozen
class ApiRequest:
    """A request as the client sent it: ``url`` absolute (``https://voice.bandwidth.com/api/v2
    /accounts/9900000/calls?to=...``), ``headers`` with lower-case names."""

    method: str
    url: str
    headers: Mapping[str, str] = attrs.Factory(dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def host(self) -> str:
        """The host (lower case, no port)."""
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` as the client reached us (for the URLs we answer with)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def query(self) -> dict[str, str]:
        """The query parameters (the first value of each)."""
        out: dict[str, str] = {}
        for key, value in parse_qsl(urlsplit(self.url).query, keep_blank_values=True):
            out.setdefault(key, value)
        return out

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The JSON body; 415 for another content type, 400 if it is not JSON (an empty body
        is ``{}``)."""
        kind = self.header("content-type", "application/json").split(";")[0].strip().lower()
        if kind and kind != "application/json" and not kind.endswith("+json"):
            raise ApiError(415, f"Content type [{kind}] not supported: send application/json")
        if len(self.body) > MAX_BODY:
            raise ApiError(413, f"The request body is {len(self.body)} bytes: at most "
                                f"{MAX_BODY} accepted")
        if not self.body.strip():
            return {}
        if _depth(self.body) > MAX_DEPTH:   # json.loads would recurse past Python's stack
            raise ApiError(400, f"The request body is not valid JSON: nested deeper than "
                                f"{MAX_DEPTH} levels")
        try:
            body = json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ApiError(400, f"The request body is not valid JSON: {exc}") from None
        _check_text(body)
        return body

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@attrs.frozen
class ApiResponse:
    """What the API answers. ``file``: a body to read from disk instead of ``body`` (a
    recording's media); ``after``: what the front door runs once the response is sent (a
    created call's simulation starts then, so the app has its 201 before the answer webhook)."""

    status: int
    headers: dict[str, str] = attrs.Factory(dict)
    body: bytes = b""
    file: Any = None  # a pathlib.Path
    after: Callable[[], None] | None = attrs.field(default=None, eq=False)

    @classmethod
    def of_json(cls, value: Any, status: int = 200,
                headers: Mapping[str, str] | None = None, **kw: Any) -> ApiResponse:
        return cls(status, {"content-type": "application/json", **(headers or {})},
                   json.dumps(value).encode(), **kw)

    @classmethod
    def empty(cls, status: int) -> ApiResponse:
        return cls(status)

    @classmethod
    def of_error(cls, error: ApiError) -> ApiResponse:
        return cls.of_json(error.body(), error.status, error.headers)

    def content(self) -> bytes:
        """The body, read from ``file`` when there is one."""
        return self.file.read_bytes() if self.file is not None else self.body

    @property
    def error(self) -> str | None:
        """The ``description`` of an error body (an OAuth2 error's ``error_description``),
        else None (for timeline entries)."""
        if self.status < 400 or self.file is not None:
            return None
        try:
            body = json.loads(self.body)
            return body.get("description") or body.get("error_description")
        except (ValueError, AttributeError):
            return None
