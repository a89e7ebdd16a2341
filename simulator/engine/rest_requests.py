"""What every REST request the engine carries out shares: its refusal and its timeline entry.

A request on a call (engine/rest.py) or on a conference (engine/rest_conference.py) either
returns its HTTP status or raises :class:`Refused` with the error status the platform answers.
:func:`carry_out` runs it and logs one timeline entry of kind ``rest``: ``detail = {action,
status, ...what the request asked...}``, plus ``error`` (why) when it was refused.

:func:`refused_update` applies the state rules of an update (simulator/rest_rules.py, the
rules the scenario loader and the emulator apply too) to one built in Python.

Both modules import this one, so neither needs the other at import time.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator import rest_rules as rules
from simulator.engine.simulation import Simulation
from simulator.scenario import model


class Refused(Exception):
    """A REST request the platform answers with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def refused_update(rule: rules.UpdateRule,
                   update: model.UpdateCall | model.UpdateConference) -> Refused | None:
    """400 for an update its rule refuses (a bad state; active without redirect_url). The
    front doors (loader, emulator) refuse it before it gets here; what they cannot see (the
    fields a model object holds by default) is not checked again."""
    key = rule.state_key
    problems = rules.update_problems(rule, getattr(update, key),
                                     {"redirect_url": update.redirect_url})
    if not problems:
        return None
    if problems[0].code == rules.BAD_VALUE:
        return Refused(400, f"{key} must be active or completed, got {problems[0].value!r} "
                            f"({rule.section})")
    return Refused(400, f"redirectUrl is required when {key} is active ({rule.section})")


def carry_out(sim: Simulation, action: model.RestAction, request: Callable[[], int], *,
              call_id: str, kind: str, detail: dict) -> int:
    """Run ``request`` now and log its ``rest`` entry on ``call_id``; returns the HTTP status.

    ``detail`` (the entry's detail after ``action`` and ``status``) may be added to by the
    request while it runs; a refusal adds ``error``."""
    if action.via is not None:
        detail["via"] = action.via
    try:
        status = request()
    except Refused as refused:
        status = refused.status
        detail["error"] = str(refused)
    sim.timeline.add(sim.now, call_id, "rest", line=action.line or None, action=kind,
                     status=status, **detail)
    return status
