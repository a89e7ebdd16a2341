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


def test_an_interrupt_while_an_effect_awaits_its_answer_supersedes_the_answer():
    """A REST change the app sends while handling a webhook lands before its reply is read:
    the exception is thrown where the effect was yielded, the answer is dropped, and a second
    interrupt follows as usual."""
    clock, log, emitted = Clock(), [], []

    class Redirected(Interrupt):
        pass

    def flow():
        try:
            log.append(("answer", (yield "webhook")))
        except Redirected as exc:
            log.append(("thrown", exc.args[0], clock.now))
        try:
            yield Sleep(5)
        except Redirected as exc:
            log.append(("thrown", exc.args[0], clock.now))

    process = Process(clock, flow(), name="t", emit=lambda e, p: emitted.append(e)).start()
    assert emitted == ["webhook"]
    process.interrupt(Redirected("first"))
    process.interrupt(Redirected("second"))
    process.answer("<Response><Hangup/></Response>")
    clock.run()
    assert log == [("thrown", "first", 0.0), ("thrown", "second", 0.0)]
    assert process.done and process.error is None


def test_an_answer_without_an_interrupt_resumes_the_flow_with_it():
    clock, log = Clock(), []

    def flow():
        log.append((yield "webhook"))

    process = Process(clock, flow(), name="t", emit=lambda e, p: None).start()
    process.answer("reply")
    assert log == ["reply"] and process.done
