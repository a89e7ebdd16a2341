"""The virtual clock: time order, then priority, then scheduling order; cancelled timers skip."""

from simulator.engine.clock import LATE, NORMAL, URGENT, Clock


def test_actions_run_in_time_then_priority_then_insertion_order():
    clock, seen = Clock(), []
    clock.call_at(2.0, lambda: seen.append("t2"))
    clock.call_at(1.0, lambda: seen.append("late"), LATE)
    clock.call_at(1.0, lambda: seen.append("normal-a"), NORMAL)
    clock.call_at(1.0, lambda: seen.append("urgent"), URGENT)
    clock.call_at(1.0, lambda: seen.append("normal-b"), NORMAL)
    clock.run()
    assert seen == ["urgent", "normal-a", "normal-b", "late", "t2"]
    assert clock.now == 2.0


def test_cancelled_timer_never_runs_and_time_does_not_move_for_it():
    clock, seen = Clock(), []
    timer = clock.call_at(5.0, lambda: seen.append("x"))
    timer.cancel()
    assert clock.peek() is None
    assert not clock.step()
    assert seen == [] and clock.now == 0.0


def test_float_sums_land_on_the_same_instant():
    clock, seen = Clock(), []
    clock.call_at(0.1 + 0.2, lambda: seen.append("sum"))
    clock.call_at(0.3, lambda: seen.append("exact"))
    clock.step()
    assert clock.now == 0.3 and seen == ["sum"]


def test_run_until_stops_before_later_actions():
    clock, seen = Clock(), []
    clock.call_at(1.0, lambda: seen.append(1))
    clock.call_at(3.0, lambda: seen.append(3))
    clock.run(until=2.0)
    assert seen == [1] and clock.peek() == 3.0
