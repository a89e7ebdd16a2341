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


def test_every_change_of_a_leg_shows_in_its_envelope_as_in_a_fresh_one():
    """Whatever leg field is changed, the envelope is the one made anew of the leg."""
    import attrs

    from simulator.engine.legs import Leg

    sim = Simulation(call=CallSettings(), base_url="http://app.test", catalogue=CATALOGUE)
    leg = sim.add_leg(direction="inbound", from_="+15550001111", to="+15550002222")
    changes = {str: lambda v: "+15550009999", float: lambda v: v + 7.25,
               bool: lambda v: not v, int: lambda v: v + 1, type(None): lambda v: "x"}
    for field in attrs.fields(Leg):
        value = getattr(leg, field.name)
        change = changes.get(type(value))
        changed = "outbound" if field.name == "direction" else change and change(value)
        if changed is None:   # a state, a track, a list: not what an envelope holds
            continue
        sim.envelope(leg)
        setattr(leg, field.name, changed)
        kept = sim.envelope(leg)
        sim._envelopes.clear()
        assert kept == sim.envelope(leg), field.name
