"""engine/simulation.py: a leg's envelope is made again only when the leg changed."""

from __future__ import annotations

from simulator.engine.catalogue import CATALOGUE
from simulator.engine.simulation import Simulation
from simulator.scenario.model import CallSettings


def test_a_legs_envelope_is_kept_while_the_leg_is_as_it_was_and_follows_its_changes():
    sim = Simulation(call=CallSettings(), base_url="http://app.test", catalogue=CATALOGUE)
    leg = sim.add_leg(direction="inbound", from_="+15550001111", to="+15550002222")
    first = sim.envelope(leg)
    assert sim.envelope(leg) is first
    leg.tag = "menu"
    tagged = sim.envelope(leg)
    assert tagged.tag == "menu" and first.tag is None
    leg.answer_at = 1.5
    answered = sim.envelope(leg)
    assert (answered.answer_time, answered.tag) == (1.5, "menu")
    assert answered == first.answered(1.5).with_tag("menu")
    leg.tag = ""
    assert sim.envelope(leg).tag is None
