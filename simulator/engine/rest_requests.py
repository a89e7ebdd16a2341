"""What every REST request the engine carries out shares: its refusal and its timeline entry.

A request on a call (engine/rest.py) or on a conference (engine/rest_conference.py) either
returns its HTTP status or raises :class:`Refused` with the error status the platform answers.
:func:`carry_out` runs it and logs one timeline entry of kind ``rest``: ``detail = {action,
status, ...what the request asked...}``, plus ``error`` (why) when it was refused.

Both modules import this one, so neither needs the other at import time.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.engine.simulation import Simulation
from simulator.scenario import model


class Refused(Exception):
    """A REST request the platform answers with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def carry_out(sim: Simulation, action: model.RestAction, request: Callable[[], int], *,
              call_id: str, kind: str, detail: dict) -> int:
    """Run ``request`` now and log its ``rest`` entry on ``call_id``; returns the HTTP status.

    ``detail`` (the entry's detail after ``action`` and ``status``) may be added to by the
    request while it runs; a refusal adds ``error``."""
    try:
        status = request()
    except Refused as refused:
        status = refused.status
        detail["error"] = str(refused)
    sim.timeline.add(sim.now, call_id, "rest", line=action.line or None, action=kind,
                     status=status, **detail)
    return status
