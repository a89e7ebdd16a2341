"""Which run a request of the app belongs to, and whether it is for Bandwidth.

A run (runner.py ``simulate``) is *active* from its start to its end; :func:`running` makes it
so. Two context variables say, in any thread, which run the code now running works for and
whether it is the app's code (a webhook being handled, or a thread the app started from one):

* ``RUN``: set in the runner's thread for the run's duration; the in-process transport runs each
  request of the app in a copy of the runner's context (transports/inprocess.py), asyncio
  tasks and executor jobs copy it (a2wsgi, anyio), and threads started while it is set inherit
  it (simulator/hermetic/patches.py), so the app's code sees it wherever it runs;
* ``IN_APP``: True inside the app's code only (:func:`as_app`): the network guard
  (guard.py) applies there, not to the simulator's own transports.

:func:`current` is the run of the code now running: ``RUN`` when set, else the only active run
(a thread nobody told about the run), else None (several runs and no way to tell: the caller
answers with an error saying so). Concurrent runs in one process (threads of the Voice API
emulator, a test that runs scenarios in threads) each see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

RUN: contextvars.ContextVar[Any] = contextvars.ContextVar("bxmlsim_run", default=None)
IN_APP: contextvars.ContextVar[bool] = contextvars.ContextVar("bxmlsim_in_app", default=False)

_lock = threading.Lock()
_active: list[Any] = []  # the RunApi of every active run, in start order

T = TypeVar("T")


def is_bandwidth(host: str | None) -> bool:
    """A host of Bandwidth's (``bandwidth.com`` and every name under it)."""
    host = (host or "").lower().rstrip(".")
    return host == "bandwidth.com" or host.endswith(".bandwidth.com")


@contextlib.contextmanager
def running(api: Any) -> Iterator[None]:
    """``api`` (a voice_api/run.py RunApi) is active, and the run of this thread, inside."""
    with _lock:
        _active.append(api)
    token = RUN.set(api)
    try:
        yield
    finally:
        RUN.reset(token)
        with _lock:
            _active.remove(api)


def active() -> list[Any]:
    with _lock:
        return list(_active)


def current() -> Any:
    """The run the code now running works for (module docstring); None when none can be told."""
    bound = RUN.get()
    if bound is not None:
        return bound
    with _lock:
        return _active[0] if len(_active) == 1 else None


def as_app(call: Callable[[], T]) -> Callable[[], T]:
    """``call`` marked as the app's code (the guard's scope), for the transport's worker."""

    def in_app() -> T:
        token = IN_APP.set(True)
        try:
            return call()
        finally:
            IN_APP.reset(token)

    return in_app
