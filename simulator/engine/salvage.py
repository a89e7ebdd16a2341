"""What is left of a run stopped by an internal error (a bug in the engine or the runner), or
by the timeline limit (``timeline.TimelineFull``: a flow that never ends).

A bug must not lose the output of a run: the runner (``runner.simulate``) calls
:func:`salvage` when something unexpected escapes the run loop, and writes a partial result
from what it returns. Here, with no I/O:

* an ``internal-error`` timeline entry is logged on the call whose process raised (the
  scenario's first call when the culprit is not a call's own flow), with the exception's type
  and message; ``verb``/``line``/``col``/``path``/``document`` name the verb that call was
  executing, if any (the last ``verb-start`` without its ``verb-end``);
* every recording still running is finalised at the current virtual time with endReason
  ``call-ended`` (its open segment closed, a ``recording-stop`` entry logged), so its file can
  be written as valid audio;
* the ``RecordingDone`` effect of every recording without a file yet (still running, or
  finished but not yet processed) is returned with the handler that records the file path (a
  conference's recording renders what its room heard, as when the room ends normally);
* every call still up ends at the current virtual time with cause ``error`` (Bandwidth's cause
  for "any other error": a platform failure) and an errorMessage naming the internal error,
  with its ``call-end`` entry, so result.json keeps the contract's types;
* every conference still live ends then too (``Room.abandon``: completed at that time, no
  member left), so the Voice API emulator shows it completed.

Nothing else happens: no webhook is sent (no disconnect either) and no flow or caller script
runs again: the state the bug left behind is not trusted.

:func:`stop_at_limit` does the same for a run that reached the timeline limit, with a
``timeline-limit`` entry instead of ``internal-error`` and the calls ended with cause
``timeout`` (the simulator ended them, as past ``max_duration``); the expectations then judge
the result as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.engine.effects import RecordingDone
from simulator.engine.legs import Leg, LegInput
from simulator.engine.signals import EngineBug
from simulator.engine.simulation import Simulation
from simulator.engine.verbs.conference import rooms
from simulator.timeline import Entry, TimelineFull


def culprit(error: BaseException) -> BaseException:
    """The exception to report: what a flow raised, rather than the engine's wrapper."""
    if isinstance(error, EngineBug) and error.error is not None:
        return error.error
    return error


def salvage(sim: Simulation, error: BaseException
            ) -> list[tuple[RecordingDone, Callable[[Any], None]]]:
    """Log ``error``, finalise running recordings, end the calls and conferences still up;
    the recordings still to be written."""
    call_id = _call_of(sim, error)
    cause = culprit(error)
    sim.timeline.add(sim.now, call_id, "internal-error", **_executing(sim, call_id),
                     error=type(cause).__name__, message=str(cause))
    message = f"the simulation stopped: internal error {type(cause).__name__}: {cause}"
    return _close(sim, message, "error")


def stop_at_limit(sim: Simulation, error: BaseException
                  ) -> list[tuple[RecordingDone, Callable[[Any], None]]]:
    """Like :func:`salvage`, for a run stopped by :class:`TimelineFull` (``culprit(error)``)."""
    full = culprit(error)
    limit = full.limit if isinstance(full, TimelineFull) else sim.timeline.limit
    call_id = _call_of(sim, error)
    message = (f"the run reached the timeline limit of {limit} entries at t={sim.now:.3f} s (a "
               f"flow that never ends, e.g. a short Pause and a Redirect to itself) and was "
               f"stopped by the simulator")
    sim.timeline.add(sim.now, call_id, "timeline-limit", **_executing(sim, call_id),
                     limit=limit, message=message)
    return _close(sim, message, "timeout")


def _close(sim: Simulation, message: str, cause: str
           ) -> list[tuple[RecordingDone, Callable[[Any], None]]]:
    """Finalise running recordings, end the calls (``cause``) and conferences still up."""
    known = rooms(sim)
    room_of = {id(rec): room for room in known.every for rec in room.recordings}
    pending = []
    for rec in sim.recordings:
        leg = sim.legs.get(rec.call_id)
        if leg is None:  # pragma: no cover - a recording always belongs to a leg
            continue
        room = room_of.get(id(rec))
        if rec.end_at is None:
            rec.finish(sim.now, "call-ended")
            where = {"conference": room.name} if room is not None else {}
            sim.timeline.add(sim.now, leg.call_id, "recording-stop", verb=rec.verb,
                             recordingId=rec.recording_id, endReason=rec.end_reason,
                             duration=rec.duration, **where)
        if rec.file is None:
            done = room.recording_done(rec) if room is not None else sim.recording_done(leg, rec)
            pending.append((done, _setter(rec)))
    for leg in sim.legs.values():
        if leg.up:
            _end(sim, leg, message, cause)
    for room in list(known.live.values()):
        room.abandon()
    return pending


def _end(sim: Simulation, leg: Leg, message: str, cause: str) -> None:
    """The leg's end fields and entry only: ``Simulation.end_leg`` would run the flow's own
    teardown and send the disconnect webhook, on state a bug left behind."""
    leg.apply(LegInput.HANGUP)
    leg.end_at, leg.cause, leg.error_message = sim.now, cause, message
    sim.timeline.add(sim.now, leg.call_id, "call-end", cause=cause, errorMessage=message)


def _setter(rec) -> Callable[[Any], None]:
    def written(path: Any) -> None:
        rec.file = path

    return written


def _call_of(sim: Simulation, error: BaseException) -> str:
    """The call whose flow or caller script raised; else the scenario's first call."""
    if isinstance(error, EngineBug):
        for call_id, rt in sim.runtime.items():
            if error.process in (rt.flow, rt.caller):
                return call_id
    return next(iter(sim.legs), None) or sim.call_ids["main"]


def _executing(sim: Simulation, call_id: str) -> dict[str, Any]:
    """The verb and position (verb, line, col, path, document) of the innermost verb started
    on the call and not ended; empty when none is."""
    stack: list[Entry] = []
    for entry in sim.timeline:
        if entry.call_id != call_id:
            continue
        if entry.kind == "verb-start":
            stack.append(entry)
        elif entry.kind == "verb-end" and stack:
            stack.pop()
    if not stack:
        return {}
    top = stack[-1]
    return {"verb": top.verb, "line": top.line, "col": top.col, "path": top.path,
            "document": top.document}
