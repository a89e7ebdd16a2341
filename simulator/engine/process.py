"""Generator processes in virtual time: the kernel under every verb flow and caller script.

A process wraps a generator. What the generator yields says what it waits for:

* :class:`Sleep` -- resume after some virtual seconds (with None);
* :class:`Get` -- take the next item of a :class:`Mailbox` (digits for Gather/Record), or None
  when ``timeout`` seconds pass first;
* :class:`Wait` -- resume when a :class:`Signal` fires (with its value) or on ``timeout`` (None);
* an *effect* (anything else, e.g. ``Webhook``) -- hand it to the runner; resume with the
  runner's answer at the same virtual instant.

Interrupts (the far end hangs up, the call exceeds max_duration) are exceptions thrown into the
generator with :meth:`Process.interrupt` (SimPy's ``Interrupt``): flows clean up in
``except``/``finally`` and re-raise. An interrupt that comes from outside the clock while the
process awaits the runner's answer to an effect (a REST request the app sent while handling
that very webhook, landing before its reply is read) supersedes the answer: the exception is
thrown where the flow yielded the effect, the answer is dropped. An exception nobody handles is never swallowed: it ends the
process and is re-raised by :meth:`Process.result` / the simulation loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import attrs

from simulator.engine.clock import NORMAL, URGENT, Clock, Timer

Flow = Generator[Any, Any, Any]


class Interrupt(Exception):
    """Base of the exceptions thrown into a running flow."""


@attrs.frozen
class Sleep:
    seconds: float


@attrs.frozen
class Get:
    mailbox: "Mailbox"
    timeout: float | None = None


@attrs.frozen
class Wait:
    signal: "Signal"
    timeout: float | None = None


class Signal:
    """A broadcast condition: every waiting process resumes with the fired value."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._waiters: list[Process] = []

    def fire(self, value: Any = None) -> None:
        waiters, self._waiters = self._waiters, []
        for process in waiters:
            process._wake(value)

    def _add(self, process: "Process") -> None:
        self._waiters.append(process)

    def _discard(self, process: "Process") -> None:
        if process in self._waiters:
            self._waiters.remove(process)


class Mailbox:
    """A FIFO that one process at a time reads with :class:`Get`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._items: deque[Any] = deque()
        self._reader: Process | None = None

    def put(self, item: Any) -> None:
        self._items.append(item)
        if self._reader is not None:
            reader, self._reader = self._reader, None
            reader._wake(self._items.popleft())

    def __len__(self) -> int:
        return len(self._items)


class Process:
    """A generator driven by the virtual clock; ``emit`` hands effects to the simulation."""

    def __init__(self, clock: Clock, flow: Flow, *, name: str,
                 emit: Callable[[Any, "Process | None"], None]) -> None:
        self.clock = clock
        self.name = name
        self._flow = flow
        self._emit = emit
        self._timer: Timer | None = None
        self._waiting_on: Signal | Mailbox | None = None
        self._wake_timer: Timer | None = None
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.on_done: list[Callable[[Process], None]] = []
        self._awaiting = False  # an effect of ours is with the runner, unanswered
        self._superseding: list[BaseException] = []  # interrupts that replace its answer

    # -- driving -------------------------------------------------------------------------------

    def start(self) -> "Process":
        """Run the flow up to its first wait, now."""
        self._advance(None, None)
        return self

    def interrupt(self, exc: BaseException) -> None:
        """Throw ``exc`` into the flow at the current instant, before anything else due now."""
        if self.done:
            return
        if self._awaiting:  # thrown where the effect was yielded, instead of its answer
            self._superseding.append(exc)
            return
        # Not a wait: an answer or wake-up arriving first must not cancel it (it is thrown into
        # wherever the flow then waits).
        self.clock.call_at(self.clock.now, lambda: self._throw(exc), URGENT)

    def _throw(self, exc: BaseException) -> None:
        if not self.done:
            self._advance(None, exc)

    def kill(self) -> None:
        """Stop the flow without resuming it (``GeneratorExit`` runs its ``finally`` blocks)."""
        if self.done:
            return
        self._cancel_wait()
        self.done = True
        self._flow.close()

    def answer(self, value: Any) -> None:
        """Resume the flow with the runner's answer to the effect it yielded (or with the first
        interrupt that came meanwhile; later ones follow as usual)."""
        self._awaiting = False
        if self._superseding:
            first, *rest = self._superseding
            self._superseding = []
            for exc in rest:
                self.interrupt(exc)
            self._advance(None, first)
            return
        self._advance(value, None)

    # -- internals -----------------------------------------------------------------------------

    def _wake(self, value: Any) -> None:
        self._cancel_wait()
        self._wake_timer = self.clock.call_at(self.clock.now, lambda: self._advance(value, None), NORMAL)

    def _cancel_wait(self) -> None:
        for timer in (self._timer, self._wake_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._wake_timer = None
        waiting = self._waiting_on
        self._waiting_on = None
        if isinstance(waiting, Signal):
            waiting._discard(self)
        elif isinstance(waiting, Mailbox) and waiting._reader is self:
            waiting._reader = None

    def _advance(self, value: Any, exc: BaseException | None) -> None:
        self._cancel_wait()
        while not self.done:
            try:
                command = self._flow.throw(exc) if exc is not None else self._flow.send(value)
            except StopIteration as stop:
                self._finish(stop.value, None)
                return
            except BaseException as error:  # noqa: BLE001 - kept and re-raised by the simulation
                self._finish(None, error)
                return
            exc = None
            if isinstance(command, Sleep):
                self._timer = self.clock.call_later(command.seconds, lambda: self._advance(None, None))
                return
            if isinstance(command, Get):
                box = command.mailbox
                if box._items:
                    value = box._items.popleft()
                    continue
                box._reader = self
                self._waiting_on = box
                self._arm_timeout(command.timeout)
                return
            if isinstance(command, Wait):
                command.signal._add(self)
                self._waiting_on = command.signal
                self._arm_timeout(command.timeout)
                return
            self._awaiting = True
            self._emit(command, self)  # an effect: the runner answers through answer()
            return

    def _arm_timeout(self, timeout: float | None) -> None:
        if timeout is not None:
            self._timer = self.clock.call_later(timeout, lambda: self._advance(None, None))

    def _finish(self, value: Any, error: BaseException | None) -> None:
        self.done = True
        self.value = value
        self.error = error
        for callback in self.on_done:
            callback(self)
