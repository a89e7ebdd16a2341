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
