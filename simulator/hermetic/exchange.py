"""A request caught in a client library, answered by the run it belongs to.

:func:`answer` is what every patch of patches.py calls with what the client was about to send:
None means "not ours, let it go" (not a Bandwidth host, or no run active); otherwise the
:class:`~simulator.voice_api.http.ApiResponse` to hand back as if the network had answered:

* ``voice.bandwidth.com`` and ``api.bandwidth.com/api/v1/oauth2/token``: the run's Voice API
  (voice_api/run.py ``RunApi.serve``);
* any other Bandwidth host or service (messaging, the BRTC endpoints, the dashboard): a 404
  ``VoiceApiError`` saying it is not emulated, logged on the run's timeline;
* several runs active and nothing telling which one the request is for (a thread that was
  not started from the app's code): a 500 ``VoiceApiError`` saying so.

Nothing here touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from simulator.hermetic import binding
from simulator.voice_api.auth import TOKEN_PATH
from simulator.voice_api.http import ApiError, ApiRequest, ApiResponse

VOICE_HOST = "voice.bandwidth.com"
TOKEN_HOST = "api.bandwidth.com"


def answer(method: str, url: str, headers: Mapping[str, Any] | Iterable[tuple[str, Any]],
           body: bytes | str | None) -> ApiResponse | None:
    """The answer to a request for ``url`` (absolute), or None when it is not the run's."""
    parts = urlsplit(url)
    if not binding.is_bandwidth(parts.hostname) or not binding.active():
        return None
    request = ApiRequest(method.upper(), url, _lower(headers), _bytes(body))
    run = binding.current()
    if run is None:
        count = len(binding.active())
        return ApiResponse.of_error(ApiError(
            500, f"bxmlsim: {count} simulations are running in this process and this request "
                 f"was sent outside the webhooks of any of them: cannot tell which one it is "
                 f"for (send it while handling a webhook, or from a thread started there)",
            kind="internal-error"))
    host = (parts.hostname or "").lower()
    if host == VOICE_HOST or (host == TOKEN_HOST and parts.path.rstrip("/") == TOKEN_PATH):
        return run.serve(request)
    return run.not_emulated(request, f"{host}{parts.path}")


def _lower(headers) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    out: dict[str, str] = {}
    for key, value in items:
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        out[key.lower()] = value
    return out


def _bytes(body) -> bytes:
    """A request body as bytes: bytes, text, a file, an iterable of chunks, JSON-able data."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return _bytes(body.read())
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode()
    return b"".join(_bytes(chunk) for chunk in body)
