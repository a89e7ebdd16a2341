"""Hermetic runs: while a simulation runs, the app's requests to Bandwidth are answered by it,
in process, and the app's code reaches nothing beyond this machine (docs/hermetic.md).

The way moto does it for boto3: nothing in the app changes. :func:`hermetic` (runner.py
wraps every run in it) makes the run's Voice API (voice_api/run.py) the one the app's
requests reach:

* ``binding.py``: which run a request belongs to (context variables that follow the app's
  code into its threads and tasks), and whether a host is Bandwidth's;
* ``exchange.py``: a caught request answered by its run (the Voice API, the OAuth2 token, a
  404 for Bandwidth services not emulated);
* ``patches.py``: where requests are caught (urllib3 pools, so the SDK and requests; httpx and
  httpx2 transports; http.client connections; thread starts), only while a run is active;
* ``fakesock.py``: the socket an http.client connection to Bandwidth gets;
* ``guard.py``: the audit hook refusing the app's connections to anything not loopback;
* ``transport.py``: the engine's own fetches of Bandwidth URLs (PlayAudio of a ``mediaUrl``);
* ``served.py``: the same API over real HTTP on 127.0.0.1 for apps in another process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from simulator.hermetic import binding, guard, patches


@contextlib.contextmanager
def hermetic(api) -> Iterator[None]:
    """Inside, ``api`` (a RunApi) answers the app's requests to Bandwidth, and the guard
    watches the app's sockets."""
    guard.install()
    with patches.installed(), binding.running(api):
        yield
