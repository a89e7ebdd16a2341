"""Generator processes: waits, mailboxes with timeouts, interrupts thrown into the flow."""

from simulator.engine.clock import Clock
from simulator.engine.process import Get, Interrupt, Mailbox, Process, Sleep


def spawn(clock, flow):
    return Process(clock, flow, name="t", emit=lambda effect, process: None).start()


def test_get_returns_an_item_or_none_on_timeout():
    clock, got = Clock(), []
    box = Mailbox(clock)

    def flow():
        for _ in range(2):
            item = yield Get(box, timeout=2)
            got.append((clock.now, item))

    spawn(clock, flow())
    clock.call_at(1.0, lambda: box.put("5"))
    clock.run()
    assert got == [(1.0, "5"), (3.0, None)]


def test_interrupt_is_thrown_into_the_waiting_flow_and_cleanup_runs():
    clock, log = Clock(), []

    def flow():
        try:
            yield Sleep(10)
        except Interrupt:
            log.append(("interrupted", clock.now))
            raise

    process = spawn(clock, flow())
    clock.call_at(4.0, lambda: process.interrupt(Interrupt()))
    clock.run()
    assert log == [("interrupted", 4.0)] and process.done
    assert isinstance(process.error, Interrupt)


def test_an_interrupt_is_not_lost_when_the_flow_wakes_at_the_same_instant():
    clock, log = Clock(), []
    box = Mailbox(clock)

    def flow():
        try:
            yield Get(box)
            log.append("got")
            yield Sleep(5)
        except Interrupt:
            log.append(("interrupted", clock.now))

    process = spawn(clock, flow())

    def both():
        process.interrupt(Interrupt())
        process.answer("x")  # e.g. the runner answering an effect right after

    clock.call_at(1.0, both)
    clock.run()
    assert log == ["got", ("interrupted", 1.0)]
