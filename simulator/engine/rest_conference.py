"""What the app does to a conference through the Voice REST API (voice-api.md §7.3-§7.5).

A request names its conference by the ``<Conference>`` text (scenario ``rest[i].conference``),
or by its ``conferenceId`` (the Voice API emulator), and acts on that room if it is live now
(engine/verbs/conference.py). Actions, all 204:

* ``update_conference`` ``status: completed``: the conference ends. Every member leaves at once
  in join order (``conferenceMemberExit`` each, then ``conferenceCompleted``), a room recording
  still running ends (``endReason: call-ended``, then ``conferenceRecordingAvailable``), and each
  member's call continues its BXML after ``<Conference>`` (bxml-verbs.md §7.3).
* ``update_conference`` ``status: active``: ``conferenceRedirect`` (sync) goes to
  ``redirect_url`` (its method, credentials, fallback); the BXML it answers is queued in the
  conference like an event reply (conference verbs only, else refused whole; empty: nothing).
* ``put_conference_bxml``: the body (``<Bxml>`` or ``<Response>`` root) is queued in the
  conference, no webhook; relative URLs resolve against the room's latest event URL.
  Invalid BXML, or a verb a conference may not run: 400, nothing queued. The ``rest`` entry
  carries the body (``bxml``) and, once read, ``bxmlDocument``: the ``document`` its verbs
  name (``PUT /conferences/<conferenceId>/bxml#<n>``).
* ``update_conference_member``: ``mute`` / ``hold`` / ``call_ids_to_coach`` of one member
  (None: unchanged; ``()`` stops coaching); the audio mix and the room recording follow from
  that instant. Members and coached calls are call names (``main``, a key of ``calls:``) or
  callIds.

Refusals: no conference of that name yet → 404; the conference completed → 404 (it is no
longer available: voice-api.md §1.1; the SDK declares no 409 for conference operations); the
member's call is not in the conference → 404; a second coach → 409 (one coach per conference,
§7.3); ``status: active`` without ``redirect_url`` → 400.

Each request is a ``rest`` timeline entry on the conference's creating call (on the main call
when no conference of that name ever existed) with ``detail = {action, status, conference,
conferenceId (when one existed), error (when refused), ...}``.
"""

from __future__ import annotations

from simulator.engine.context import read_bxml
from simulator import rest_rules as rules
from simulator.engine.rest_requests import Refused, carry_out, refused_update
from simulator.engine.simulation import Simulation
from simulator.engine.verbs.conference import Room, rooms
from simulator.errors import BxmlError
from simulator.scenario import model
from simulator.scenario.refs import substitute


def perform_on_conference(sim: Simulation, action: model.RestAction) -> int:
    """Carry out one conference request now; logs it and returns its HTTP status."""
    name, kind = action.conference, action.action
    last = _latest(sim, name)
    room = last if last is not None and not last.ended else None
    detail = {"conference": last.name if last is not None else name}
    if last is not None:
        detail["conferenceId"] = last.envelope.conference_id
    detail.update(_describe(sim, action))

    def request() -> int:
        if last is None:
            raise Refused(404, f"conference {name!r} not found: no call has joined a "
                               f"<Conference> of that name yet")
        if room is None:
            raise Refused(404, f"conference {last.name!r} ({last.envelope.conference_id}) "
                               f"not found: it completed at t={last.ended_at:.3f} s")
        if kind not in _HANDLERS:  # a RestAction built in Python without its action
            raise Refused(400, f"no conference action in the request (expected one of "
                               f"{', '.join(_HANDLERS)})")
        return _HANDLERS[kind](sim, room, action, detail)

    call_id = last.creator.call_id if last is not None else sim.call_ids["main"]
    return carry_out(sim, action, request, call_id=call_id, kind=kind, detail=detail)


def _latest(sim: Simulation, target: str) -> Room | None:
    """The conference whose id is ``target``, else the latest one named ``target`` (the live
    one, if any: a name has one live conference at a time)."""
    every = rooms(sim).every
    return next((r for r in every if r.envelope.conference_id == target), None) or \
        next((r for r in reversed(every) if r.name == target), None)


def _describe(sim: Simulation, action: model.RestAction) -> dict:
    """What the request asked for, in the timeline entry's words (the REST field names)."""
    if action.update_conference is not None:
        update = action.update_conference
        detail = {"state": update.status}
        if update.redirect_url is not None:
            detail["redirectUrl"] = update.redirect_url
        return detail
    if action.update_conference_member is not None:
        change = action.update_conference_member
        asked = {"member": change.member, "mute": change.mute, "hold": change.hold}
        return {key: value for key, value in asked.items() if value is not None}
    if action.put_conference_bxml is not None:
        return {"bxml": substitute(action.put_conference_bxml, sim.call_ids)}
    return {}


def update_conference(sim: Simulation, room: Room, action: model.RestAction, detail: dict) -> int:
    update = action.update_conference
    refusal = refused_update(rules.CONFERENCE_UPDATE, update)
    if refusal is not None:
        raise refusal
    if update.status == "completed":
        room.complete()
        return 204
    room.redirect(update)
    return 204


def put_conference_bxml(sim: Simulation, room: Room, action: model.RestAction,
                        detail: dict) -> int:
    source = detail["bxmlDocument"] = room.put_source()
    try:
        response = read_bxml(sim, room.creator.call_id,
                             substitute(action.put_conference_bxml, sim.call_ids),
                             source="PUT conference bxml", context="conference",
                             origin="put", document=source)
    except BxmlError as error:  # bad BXML, or a verb a conference may not run (§9)
        raise Refused(400, f"invalid conference BXML: {error}") from None
    room.queue_bxml(response, source)
    return 204


def update_conference_member(sim: Simulation, room: Room, action: model.RestAction,
                             detail: dict) -> int:
    change = action.update_conference_member
    call_id = sim.call_ids.get(change.member, change.member)
    detail["memberCallId"] = call_id
    member = room.member(call_id)
    if member is None:
        raise Refused(404, f"member {call_id} ({change.member}) not found: the call is not "
                           f"in conference {room.name!r}")
    coaching = None
    if change.call_ids_to_coach is not None:
        coaching = tuple(sim.call_ids.get(name, name) for name in change.call_ids_to_coach)
        detail["callIdsToCoach"] = list(coaching)
        coach = room.coach()
        if coaching and coach is not None and coach is not member:
            raise Refused(409, f"conference {room.name!r} already has a coach "
                               f"({coach.leg.call_id}): one coach per conference at a time")
    room.update_member(member, mute=change.mute, hold=change.hold, coaching=coaching)
    return 204


_HANDLERS = {"update_conference": update_conference, "put_conference_bxml": put_conference_bxml,
             "update_conference_member": update_conference_member}
