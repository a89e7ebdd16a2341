"""engine/runtime.py: the far end's state and its transitions, the hooks on a leg, and the
per-leg state of modules built on the kernel. engine/signals.py: each signal's end reason."""

from __future__ import annotations

from simulator.bxml import nodes
from simulator.engine.clock import Clock
from simulator.engine.legs import Leg
from simulator.engine.process import Mailbox, Signal
from simulator.engine.runtime import FarEnd, Key, LegRuntime
from simulator.engine.signals import CallerHangup, CallTimeout, EndCall, Interrupted


def runtime() -> LegRuntime:
    clock = Clock()
    leg = Leg(call_id="c-1", direction="inbound", from_="+1", to="+2", start_at=0.0)
    return LegRuntime(leg=leg, verb_started=Signal(clock))


def test_a_gather_holds_the_keys_and_pauses_start_gather_reporting():
    far_end, box = FarEnd(), Mailbox(Clock())
    far_end.gather_started(nodes.StartGather(dtmf_url="/dtmf"), "http://app/x")
    assert far_end.reporting_to().base_url == "http://app/x"
    far_end.listen(box, exclusive=True)  # Gather
    assert (far_end.capture, far_end.reporting_to()) == (box, None)
    far_end.stop_listening()
    assert far_end.capture is None and far_end.reporting_to() is not None


def test_a_record_holds_the_keys_and_start_gather_keeps_reporting():
    far_end, box = FarEnd(), Mailbox(Clock())
    far_end.gather_started(nodes.StartGather(dtmf_url="/dtmf"), None)
    far_end.listen(box, exclusive=False)  # Record
    assert far_end.capture is box and far_end.reporting_to() is not None


def test_stop_gather_says_whether_one_was_active_and_the_call_end_stops_it():
    far_end = FarEnd()
    assert far_end.gather_stopped() is False
    far_end.gather_started(nodes.StartGather(dtmf_url="/a"), None)
    far_end.gather_started(nodes.StartGather(dtmf_url="/b"), None)  # replaces the first
    assert far_end.reporting_to().node.dtmf_url == "/b"
    assert far_end.gather_stopped() is True and far_end.reporting_to() is None
    far_end.gather_started(nodes.StartGather(dtmf_url="/c"), None)
    far_end.call_ended()
    assert far_end.start_gather is None


def test_the_far_end_hangs_up_once():
    far_end = FarEnd()
    assert (far_end.hang_up(), far_end.hang_up(), far_end.hung_up) == (True, False, True)


def test_end_hooks_run_last_registered_first_with_the_reason():
    rt, seen = runtime(), []
    rt.on_end(lambda reason: seen.append(("first", reason)))
    second = rt.on_end(lambda reason: seen.append(("second", reason)))
    rt.on_end(lambda reason: seen.append(("third", reason)))
    rt.forget(second)
    rt.ended("hangup")
    assert seen == [("third", "hangup"), ("first", "hangup")]


def test_a_hook_may_forget_itself_while_the_hooks_run():
    rt, seen = runtime(), []

    def once():
        seen.append("heard")
        rt.forget(once)

    rt.on_far_end_audio(once)
    rt.far_end_audio()
    rt.far_end_audio()
    assert seen == ["heard"]


def test_an_extension_is_made_once_per_leg():
    rt, made = runtime(), []
    key: Key[dict] = Key("x")
    assert rt.existing(key) is None  # a reader's look makes nothing
    first = rt.extension(key, lambda: made.append(1) or {"n": 1})
    assert rt.extension(key, lambda: made.append(2) or {}) is first and made == [1]
    assert rt.existing(key) is first


def test_each_signal_says_how_the_stopped_verb_ends():
    assert CallerHangup().reason == "hangup"
    assert CallTimeout().reason == "timeout"
    assert EndCall("callback-error", "why").reason == "callback-error"
    assert Interrupted("bxml-replaced", lambda: None).reason == "bxml-replaced"
