"""engine/catalogue.py: the table of verb flows is composed from the verb modules, nothing
registers itself, and a Simulation runs whatever catalogue it is given."""

from __future__ import annotations

import attrs

from engine_harness import run
from simulator.bxml import nodes
from simulator.engine import documents, rest
from simulator.engine.catalogue import CATALOGUE, FLOWS, MODULES
from simulator.engine.context import Outcome
from simulator.engine.process import Sleep
from simulator.engine.simulation import Catalogue
from simulator.engine.verbs import conference, media

VERBS = {nodes.CATALOGUE[name] for name in nodes.VERB_NAMES}
#: Verbs bxmlsim parses and checks but does not simulate (docs/bxml.md): the call ends there.
NOT_SIMULATED = {nodes.Connect}


def test_every_verb_but_connect_has_a_flow_and_nothing_else_does():
    assert set(FLOWS) == VERBS - NOT_SIMULATED
    assert CATALOGUE.flows is FLOWS


def test_the_verb_modules_tables_are_disjoint_and_make_up_the_table():
    tables = [module.FLOWS for module in MODULES]
    assert sum(len(table) for table in tables) == len(FLOWS)
    for table in tables:
        assert all(FLOWS[node] is flow for node, flow in table.items())


def test_a_run_starts_the_call_then_the_rest_schedule():
    assert CATALOGUE.starts == (documents.start_call, rest.schedule)


def test_a_smaller_catalogue_leaves_the_other_verbs_not_simulated():
    small = attrs.evolve(CATALOGUE, flows={nodes.Pause: media.pause})
    r = run({"/answer": "<Response><Pause duration='1'/><SpeakSentence>hi</SpeakSentence>"
                        "</Response>"}, catalogue=small)
    call = r.sim.calls_json()[0]
    assert call["disconnectCause"] == "application-error"
    assert call["errorMessage"] == ("<SpeakSentence> at line 1 is not simulated by this "
                                    "version of bxmlsim")
    assert r.leg.end_at == 1.0


def test_a_catalogue_may_bring_its_own_flow_for_a_verb():
    def long_pause(ctx, node):
        yield Sleep(node.duration * 2)
        return Outcome("doubled")

    own = attrs.evolve(CATALOGUE, flows={**FLOWS, nodes.Pause: long_pause})
    r = run({"/answer": "<Response><Pause duration='1.5'/></Response>"}, catalogue=own)
    assert r.leg.end_at == 3.0
    [end] = r.kinds("verb-end")
    assert (end.verb, end.detail["reason"]) == ("Pause", "doubled")


def test_without_starts_nothing_happens():
    r = run({}, catalogue=Catalogue(flows=FLOWS))
    assert r.sim.legs == {} and r.sim.callbacks == []


def test_which_verbs_answer_the_call_is_declared_on_the_node_classes():
    """README #20: every verb answers an unanswered inbound call when it starts, except Tag,
    Redirect, Hangup, Forward and Refer, and Ring with answerCall="false"."""
    quiet = {cls for cls in VERBS if not cls.ANSWERS_CALL}
    assert quiet == {nodes.Tag, nodes.Redirect, nodes.Hangup, nodes.Forward, nodes.Refer}
    assert nodes.Ring(answer_call=False).answers_call() is False
    assert nodes.Ring().answers_call() is True


def test_where_a_verb_may_run_is_declared_on_the_node_classes():
    """Spec §9: connection verbs are not for Transfer B-legs (``ON_B_LEG``); conference BXML
    holds the media and StartRecording-family verbs (``IN_CONFERENCE``), which are exactly the
    verbs a room runs (verbs/conference.py ``ROOM_FLOWS``); lint's contexts follow."""
    not_on_b_leg = {cls for cls in VERBS if not cls.ON_B_LEG}
    assert not_on_b_leg == {nodes.Transfer, nodes.Bridge, nodes.Conference, nodes.Forward,
                            nodes.Connect, nodes.Refer}
    in_conference = {cls for cls in VERBS if cls.IN_CONFERENCE}
    assert in_conference == set(conference.ROOM_FLOWS)
    assert nodes.CONTEXTS["transferAnswer"] == {c.__name__ for c in VERBS - not_on_b_leg}
    assert nodes.CONTEXTS["conference"] == {c.__name__ for c in in_conference}
