"""Fixtures shared across test folders: a real local server running tests/apps/starlette_app.py;
and the Hypothesis profiles of the suite.

Hypothesis profiles (``HYPOTHESIS_PROFILE`` picks one, default ``suite``):

* ``suite``: what the normal suite (and land.sh, CI) runs: derandomized (the same examples
  every run, so a test never passes on one run and fails on the next), no deadline (timing
  under a loaded 2-core machine is not what these tests judge) and no example database (no
  state carried between runs or machines).
* ``fuzz``: hunting by hand for new failures: random examples (``--hypothesis-seed=N`` replays
  one run), the database on so a failure found is replayed first next time. For example
  ``HYPOTHESIS_PROFILE=fuzz pytest tests/scenario/test_load_fuzz.py --hypothesis-seed=7``.
  A failure found so becomes an ``@example`` or a plain test, never a flaky suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("suite", derandomize=True, deadline=None, database=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

from apps.live_server import serve
from simulator.transports import load_app

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def starlette_server():
    """The base URL of tests/apps/starlette_app.py served by uvicorn on 127.0.0.1 (one a module)."""
    with serve(load_app("starlette_app:app", APPS, kind="asgi")) as base_url:
        yield base_url
