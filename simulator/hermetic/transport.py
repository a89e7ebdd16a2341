"""The engine's own requests for Bandwidth's hosts: ``<PlayAudio>`` of a recording's
``mediaUrl`` (and any other Bandwidth URL a document names) is answered by the run's Voice API,
with the credentials the verb carries (``username``/``password``), before the scenario's routes
or the app could see it. Every other request goes to the scenario's transport.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode, urlsplit

from simulator.hermetic import binding
from simulator.hermetic.exchange import TOKEN_HOST, VOICE_HOST
from simulator.transports.base import BODY_LIMIT, Transport, TransportReply, too_large_error
from simulator.voice_api.http import ApiRequest


@functools.lru_cache(maxsize=1024)
def _for_bandwidth(url: str) -> bool:
    """Whether ``url``'s host is Bandwidth's; memoised (a pure function of the text: a run
    sends every webhook to a few URLs, each through here)."""
    return binding.is_bandwidth(urlsplit(url).hostname)


class ApiTransport(Transport):
    """``inner`` with Bandwidth's hosts answered by ``api`` (a voice_api/run.py RunApi)."""

    def __init__(self, api, inner: Transport) -> None:
        self.api = api
        self.inner = inner

    def send(self, method, url, *, headers=None, params=None, json=None, timeout,
             max_bytes=BODY_LIMIT):
        if not _for_bandwidth(url):
            return self.inner.send(method, url, headers=headers, params=params, json=json,
                                   timeout=timeout, max_bytes=max_bytes)
        parts = urlsplit(url)
        if params:
            url = f"{url}{'&' if parts.query else '?'}{urlencode(params)}"
        request = ApiRequest(method, url, {k.lower(): v for k, v in (headers or {}).items()})
        host = (parts.hostname or "").lower()
        if host == VOICE_HOST or host == TOKEN_HOST:
            answer = self.api.serve(request)
        else:
            answer = self.api.not_emulated(request, f"{host}{parts.path}")
        content = answer.content()
        reply_headers = {k.lower(): v for k, v in answer.headers.items()}
        if len(content) > max_bytes:
            return TransportReply(answer.status, b"", reply_headers, 0.0,
                                  too_large_error(max_bytes))
        return TransportReply(answer.status, content, reply_headers, 0.0)

    def close(self) -> None:
        self.inner.close()
