"""Fixtures shared across test folders: a real local server running tests/apps/starlette_app.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.live_server import serve
from simulator.transports import load_app

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def starlette_server():
    """The base URL of tests/apps/starlette_app.py served by uvicorn on 127.0.0.1 (one a module)."""
    with serve(load_app("starlette_app:app", APPS, kind="asgi")) as base_url:
        yield base_url
