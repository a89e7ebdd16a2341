"""Benchmark: what hermetic runs cost (docs/hermetic.md), ratios measured in one run.

1. **Run overhead**: a routes-only scenario (no client library, no request to Bandwidth) run
   N times (best of 3 alternating rounds) with every run inside ``hermetic(api)`` (patches installed and removed, the guard's
   audit hook active), against the same runs with ``hermetic`` replaced by a no-op. Goal:
   ratio <= 1.10 (at most 10 % slower).
2. **A request answered in process**: M ``CallsApi.get_call_state`` calls of the official SDK
   (bandwidth-sdk 23.x) from inside one webhook handler, in milliseconds per request, against
   the same SDK call answered by a bare urllib3 stub (the SDK's own cost). Informative: the
   run's Voice API (routes, auth, views, the timeline entry) is the difference.

    python tests/bench/bench_hermetic.py [--runs 200] [--requests 300]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import simulator.runner as runner
from simulator.api import load, run_loaded

GOAL = 1.10
ROUTES = {"name": "routes only", "app": {"routes": {
    "/answer": '<Response><SpeakSentence>hi</SpeakSentence><Hangup/></Response>'}}}


def runs(count: int) -> float:
    [scenario] = load(ROUTES)
    start = time.perf_counter()
    for _ in range(count):
        run_loaded(scenario)
    return time.perf_counter() - start


def overhead(count: int, rounds: int = 3) -> tuple[float, float]:
    """(best hermetic time, best time without) over ``rounds`` alternating rounds."""
    runs(5)  # warm up imports and caches
    hermetic = runner.hermetic
    with_it, without = [], []
    for _ in range(rounds):
        with_it.append(runs(count))
        runner.hermetic = lambda api: contextlib.nullcontext()
        try:
            without.append(runs(count))
        finally:
            runner.hermetic = hermetic
    return min(with_it), min(without)


def sdk_requests(count: int) -> tuple[float, float]:
    import bandwidth
    import urllib3
    from flask import Flask

    api = bandwidth.CallsApi(bandwidth.ApiClient(bandwidth.Configuration(
        username="u", password="p")))
    timing = {}
    app = Flask("bench")

    @app.post("/answer")
    def answer():
        from flask import request
        call_id = request.get_json()["callId"]
        start = time.perf_counter()
        for _ in range(count):
            api.get_call_state("9900000", call_id)
        timing["run"] = time.perf_counter() - start
        return "<Response><Hangup/></Response>"

    [scenario] = load(name="sdk", app=app)
    run_loaded(scenario)
    body = (b'{"callId": "c-1", "accountId": "9900000", "applicationId": "a", "to": "+1555",'
            b' "from": "+1555", "direction": "inbound", "state": "initiated"}')
    pool = urllib3.connectionpool.HTTPConnectionPool
    original = pool.urlopen
    pool.urlopen = lambda self, *a, **k: urllib3.response.HTTPResponse(
        body=body, status=200, headers={"content-type": "application/json"},
        preload_content=k.get("preload_content", True))
    try:
        start = time.perf_counter()
        for _ in range(count):
            api.get_call_state("9900000", "c-1")
        stub = time.perf_counter() - start
    finally:
        pool.urlopen = original
    return timing["run"], stub


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with_it, without = overhead(args.runs)
    ratio = with_it / without
    print(f"run overhead: {args.runs} routes-only runs {with_it * 1000 / args.runs:.2f} ms a run "
          f"hermetic, {without * 1000 / args.runs:.2f} ms without: ratio {ratio:.3f} "
          f"(goal <= {GOAL}) {'OK' if ratio <= GOAL else 'MISSED'}")
    served, stub = sdk_requests(args.requests)
    print(f"SDK get_call_state answered by the run: {served * 1000 / args.requests:.3f} ms a "
          f"request; by a bare urllib3 stub: {stub * 1000 / args.requests:.3f} ms "
          f"(the run's API adds {(served - stub) * 1000 / args.requests:.3f} ms)")


if __name__ == "__main__":
    main()
