"""Hermetic runs (docs/hermetic.md): the sample apps are importable by their names, those of
apps/ and the bundled ones of scenarios/hermetic/."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
for folder in (HERE / "apps", HERE.parent.parent / "scenarios" / "hermetic"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture
def socket_log():
    """Every socket connect and name lookup of the process while the test runs (an audit hook:
    it sees every thread and every library), as (event, host) pairs."""
    events: list[tuple[str, object]] = []
    state = {"on": True}

    def hook(event, args):
        if not state["on"]:
            return
        if event == "socket.connect" and isinstance(args[1], tuple):
            events.append((event, args[1][0]))
        elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
            events.append((event, args[0]))

    sys.addaudithook(hook)
    yield events
    state["on"] = False
