"""What every backend of the Voice API shares: a call's state and the acceptance of changes.

A backend holds the calls the routes (voice_api/routes.py) act on: ``bxmlsim serve``'s Store
(server/state.py, each created call its own simulation) and a run's own API
(voice_api/run.py, the calls of one simulation). Both keep a record per call (``phase``
queued -> running -> done, ``cancelled``, ``sim``, ``lock``) and subclass :class:`Backend`,
which answers from them:

* :meth:`leg_state`: the call's state of voice-api.md §3.3 (``queued``, ``initiated``,
  ``answered``, ``disconnected``) and its running leg;
* :meth:`request_change` / :meth:`request_conference_change`: accept a change now, against
  that state (the call-state rule of simulator/rest_rules.py; a conference that completed is
  404), or raise its ``ApiError``; an accepted change goes to :meth:`accept`, which queues it
  for the engine (engine/rest.py carries it out when the simulation next waits, at that
  virtual instant);
* :meth:`conference`: a conference by id among :meth:`conferences`;
* :meth:`request_transcription`: accept a transcription of a recording on request (§5.1)
  while the call's simulation runs, whatever the call's state.

A subclass gives ``authority``, ``create``, ``start``, ``get``, ``of_account``,
``conferences``, ``media`` and ``accept``.
"""

from __future__ import annotations

from typing import Any

from simulator import rest_rules as rules
from simulator.engine.rest import leg_state as engine_state
from simulator.scenario import model
from simulator.voice_api.http import ApiError


class Backend:
    """The shared part of a Voice API backend (module docstring)."""

    def leg_state(self, record: Any) -> tuple[str, Any]:
        """(state of voice-api.md §10, the running leg or None) -- read under the lock."""
        if record.phase == "queued":
            return ("disconnected" if record.cancelled else "queued"), None
        if record.phase == "done":
            return "disconnected", None
        leg = record.sim.legs.get(record.call_id) if record.sim is not None else None
        return engine_state(leg) or "initiated", leg

    def request_change(self, record: Any, action: model.RestAction, *, check=None) -> None:
        """Accept a REST change of a call or raise the ApiError of voice-api.md §10 (the
        call-state rule of rest_rules.call_refusal); ``check(sim, leg)``: a further condition
        on the running leg (raises ApiError). A hang-up of a queued call removes it from the
        queue: it is never simulated."""
        from simulator.voice_api.routes import call_refused, change_of   # the caller: loaded

        with record.lock:
            state, leg = self.leg_state(record)
            refusal = rules.call_refusal(state, change_of(action), direction=record.direction)
            if refusal is not None:
                raise call_refused(refusal, record.call_id)
            if state == "queued":
                record.cancelled = True
                return
            if check is not None and leg is not None:
                check(record.sim, leg)
            self.accept(record, action)

    def request_conference_change(self, record: Any, room: Any, action: model.RestAction, *,
                                  check=None) -> None:
        """Accept a REST change of a live conference (404 once it completed: it is no longer
        available) or raise ``check(room)``'s ApiError; the engine carries it out like a call
        change (``action.conference`` is the conference id)."""
        with record.lock:
            if room.ended or record.phase == "done":
                raise ApiError(404, f"Conference [{room.envelope.conference_id}] not found: it "
                                    f"has completed")
            if check is not None:
                check(room)
            self.accept(record, action)

    def request_transcription(self, record: Any, action: model.RestAction) -> None:
        """Accept a transcription request of one of the call's recordings (§5.1) whatever
        the call's state, while its simulation runs (409 once it is over: nothing can
        carry it out any more); the engine starts it like a change."""
        with record.lock:
            if record.phase == "done":
                raise ApiError(409, f"Recording of call [{record.call_id}] cannot be "
                                    f"transcribed: the call's simulation is over")
            record.transcription_deleted.discard(action.recording_id)
            self.accept(record, action)

    def conference(self, account_id: str, conference_id: str) -> tuple[Any, Any]:
        """The call whose simulation holds conference ``conference_id``, and its room
        (live or completed); 404 when there is none."""
        for record, room in self.conferences(account_id):
            if room.envelope.conference_id == conference_id:
                return record, room
        raise ApiError(404, f"Conference [{conference_id}] not found")

    def accept(self, record: Any, action: model.RestAction) -> None:
        """Queue an accepted change for the engine."""
        raise NotImplementedError
