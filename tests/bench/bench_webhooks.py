"""Benchmark: webhook callbacks per second through ``deliver`` + the real-HTTP transport,
as a ratio to a bare ``httpx2.Client`` loop posting the same payloads (goal: ratio >= 0.8).

Both loops run in the same process against the same local uvicorn server (Starlette app,
``POST /accept`` -> 204), alternating over a few rounds; the best round of each counts.

    python tests/bench/bench_webhooks.py [--callbacks 1500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx2

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from apps.live_server import serve  # noqa: E402
from simulator.delivery import USER_AGENT, deliver  # noqa: E402
from simulator.engine.effects import Webhook  # noqa: E402
from simulator.transports import POOL_SIZE, HttpTransport, load_app  # noqa: E402

GOAL = 0.8


def payload(index: int) -> dict:
    return {"eventType": "disconnect", "eventTime": "2026-01-01T00:00:12.345Z",
            "accountId": "9900000", "applicationId": "04e88489-df02-4e34-a0ee-27a91849555f",
            "from": "+15555550100", "to": "+15555550199", "direction": "inbound",
            "callId": f"c-00000000-0000-4000-8000-{index:012d}",
            "callUrl": "https://voice.bandwidth.com/api/v2/accounts/9900000/calls/c-1",
            "startTime": "2026-01-01T00:00:00.000Z", "answerTime": "2026-01-01T00:00:00.500Z",
            "endTime": "2026-01-01T00:00:12.345Z", "cause": "hangup"}


def bare_loop(url: str, payloads: list[dict]) -> float:
    limits = httpx2.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
    with httpx2.Client(limits=limits) as client:
        client.post(url, json=payloads[0], headers=headers)  # open the connection first
        started = time.perf_counter()
        for item in payloads:
            assert client.post(url, json=item, headers=headers, timeout=15).status_code == 204
        return len(payloads) / (time.perf_counter() - started)


def deliver_loop(url: str, payloads: list[dict]) -> float:
    webhooks = [Webhook(event_type="disconnect", call_id=item["callId"], url=url, payload=item,
                        sync=False) for item in payloads]
    with HttpTransport() as transport:
        deliver(transport, webhooks[0])
        started = time.perf_counter()
        for hook in webhooks:
            assert deliver(transport, hook).ok
        return len(webhooks) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    payloads = [payload(i) for i in range(args.callbacks)]
    app = load_app("starlette_app:app", TESTS / "apps", kind="asgi")
    bare, delivered = [], []
    with serve(app) as base_url:
        url = f"{base_url}/accept"
        for _ in range(args.rounds):
            bare.append(bare_loop(url, payloads))
            delivered.append(deliver_loop(url, payloads))
    ratio = max(delivered) / max(bare)
    print(f"bare httpx2.Client : {max(bare):8.0f} callbacks/s (best of {args.rounds})")
    print(f"deliver + transport: {max(delivered):8.0f} callbacks/s (best of {args.rounds})")
    print(f"ratio              : {ratio:8.2f} (goal >= {GOAL}) -> "
          f"{'OK' if ratio >= GOAL else 'BELOW GOAL'}")


if __name__ == "__main__":
    main()
