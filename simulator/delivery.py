"""The webhook delivery policy: how one :class:`~simulator.engine.effects.Webhook` is sent.

Follows spec/callbacks.md 1.1-1.6 and the README ambiguity table (#2, #3, #9, #17):

* **Encoding** (1.1): POST sends the payload as a JSON body (``Content-Type: application/json``);
  GET sends it as query parameters (``simulator.callbacks.query_params``: scalars as plain values,
  nested objects as JSON strings). Every request carries ``User-Agent: BandwidthAPI/v2``
  (our choice: the platform's real agent string is undocumented).
* **Auth** (1.3): HTTP Basic with ``username``/``password`` on the primary URL and
  ``fallbackUsername``/``fallbackPassword`` on the fallback URL; no header when unset.
* **Timeout** (1.5): ``Webhook.timeout`` (callbackTimeout, virtual seconds) for each attempt.
* **Success** (#17): any 2xx. A 2xx with an empty body is a success with ``body == ""``; the
  engine reads that as ``<Response/>`` (#3). What the body contains is the engine's business:
  garbage ends the call with ``invalid-bxml`` there.
* **Failure** (#2): a connection error, a timeout or a non-2xx status.
  - Synchronous webhooks: one attempt at the primary URL, then once at the fallback URL when
    one is configured. Still failing -> ``Delivery.ok`` is False (the engine ends the call with
    ``callback-error``).
  - Asynchronous webhooks: after a *connection error* (no HTTP response, not a timeout) the
    primary URL is tried once more; still failing -> the fallback URL once, if any; then dropped.
  Redirects (3xx) are not followed and count as failures.

Every HTTP attempt becomes an :class:`~simulator.engine.effects.Attempt` (1-based number,
fallback flag, status, body, error, virtual start and duration, and the transport's
``x-bxmlsim-note`` remark if any); nothing raises.
"""

from __future__ import annotations

import base64

from simulator.callbacks import query_params
from simulator.engine.effects import Attempt, Auth, Delivery, Webhook
from simulator.transports import NOTE_HEADER, Transport, TransportReply

USER_AGENT = "BandwidthAPI/v2"


def basic_auth(auth: Auth) -> str:
    """The ``Authorization`` header value for HTTP Basic credentials (UTF-8, RFC 7617)."""
    token = base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode("ascii")
    return f"Basic {token}"


def encoded_payload(payload: dict, method: str) -> dict:
    """What goes on the wire for ``method``: the JSON object for POST, the query parameters
    for GET (result.json shows this)."""
    if method.upper() == "GET":
        return query_params(payload)
    return payload


def _request(transport: Transport, webhook: Webhook, url: str, method: str,
             auth: Auth | None) -> TransportReply:
    headers = {"User-Agent": USER_AGENT}
    if auth is not None:
        headers["Authorization"] = basic_auth(auth)
    if method == "GET":
        return transport.send("GET", url, headers=headers,
                              params=encoded_payload(webhook.payload, method),
                              timeout=webhook.timeout)
    headers["Content-Type"] = "application/json"
    return transport.send(method, url, headers=headers, json=webhook.payload,
                          timeout=webhook.timeout)


def _is_success(reply: TransportReply) -> bool:
    """A 2xx whose body could be read (a body over the limit comes with an ``error``)."""
    return reply.status is not None and 200 <= reply.status < 300 and reply.error is None


def _is_connection_error(reply: TransportReply) -> bool:
    return reply.status is None and not reply.timed_out


def deliver(transport: Transport, webhook: Webhook) -> Delivery:
    """Deliver ``webhook`` through ``transport`` under the policy above."""
    attempts: list[Attempt] = []

    def attempt(url: str, method: str, auth: Auth | None, fallback: bool) -> TransportReply:
        method = method.upper()
        reply = _request(transport, webhook, url, method, auth)
        started = sum(previous.elapsed for previous in attempts)
        error = reply.error if reply.status is None or reply.error else (
            None if _is_success(reply) else f"HTTP {reply.status}")
        attempts.append(Attempt(url=url, method=method, attempt=len(attempts) + 1,
                                fallback=fallback, status=reply.status,
                                body=None if reply.status is None else reply.text,
                                error=error, started=started, elapsed=reply.elapsed,
                                note=reply.headers.get(NOTE_HEADER),
                                app_error=reply.app_error))
        return reply

    reply = attempt(webhook.url, webhook.method, webhook.auth, False)
    if not webhook.sync and _is_connection_error(reply):
        reply = attempt(webhook.url, webhook.method, webhook.auth, False)
    if not _is_success(reply) and webhook.fallback_url:
        reply = attempt(webhook.fallback_url, webhook.fallback_method, webhook.fallback_auth, True)

    elapsed = sum(item.elapsed for item in attempts)
    last = attempts[-1]
    if _is_success(reply):
        # result.json shows last.body (readable); the engine parses the body with invalid
        # bytes kept, so a reply that is not valid UTF-8 is invalid BXML, not U+FFFD text.
        return Delivery(webhook=webhook, attempts=tuple(attempts), ok=True,
                        body=reply.bxml_text, url=last.url, elapsed=elapsed)
    error = ", then ".join(f"{item.error} from {item.method} {item.url}" for item in attempts)
    return Delivery(webhook=webhook, attempts=tuple(attempts), ok=False, body=None, url=None,
                    elapsed=elapsed, error=error)
