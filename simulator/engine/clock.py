"""The virtual clock: a heap of (time, priority, seq) actions, SimPy style.

Nothing here reads the wall clock. ``now`` only moves forward when :meth:`Clock.step` pops the
next action. Equal times run in priority order (``URGENT`` before ``NORMAL`` before ``LATE``)
and then in the order they were scheduled (``seq``), which keeps every run deterministic.

Times are snapped to the microsecond when scheduled so that sums such as ``0.1 + 0.2`` land on
the same instant as ``0.3`` and never reorder events by a rounding error.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

URGENT = 0  #: hang-ups and call timeouts: they pre-empt anything due at the same instant
NORMAL = 1  #: verb timers, caller steps, process resumptions
LATE = 2  #: bookkeeping that must see everything else of the instant (silence checks, recording processing)

RESOLUTION = 6  # decimal places kept on scheduled times (1 µs)


def snap(t: float) -> float:
    """``t`` rounded to the clock resolution."""
    return round(t, RESOLUTION)


class Timer:
    """Handle of a scheduled action; :meth:`cancel` makes the clock skip it."""

    __slots__ = ("at", "action", "cancelled")

    def __init__(self, at: float, action: Callable[[], None]) -> None:
        self.at = at
        self.action = action
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """One virtual clock per simulation."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, int, Timer]] = []
        self._seq = itertools.count()

    def call_at(self, at: float, action: Callable[[], None], priority: int = NORMAL) -> Timer:
        """Run ``action`` at virtual time ``at`` (never earlier than now)."""
        at = max(snap(at), self.now)
        timer = Timer(at, action)
        heapq.heappush(self._heap, (at, priority, next(self._seq), timer))
        return timer

    def call_later(self, delay: float, action: Callable[[], None], priority: int = NORMAL) -> Timer:
        """Run ``action`` ``delay`` virtual seconds from now."""
        return self.call_at(self.now + max(delay, 0.0), action, priority)

    def peek(self) -> float | None:
        """Time of the next live action, or None when nothing is scheduled."""
        while self._heap and self._heap[0][3].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def step(self) -> bool:
        """Advance to the next live action and run it; False when the heap is empty."""
        if self.peek() is None:
            return False
        at, _, _, timer = heapq.heappop(self._heap)
        self.now = at
        timer.cancelled = True  # a timer runs once
        timer.action()
        return True

    def run(self, until: float | None = None) -> None:
        """Step until the heap is empty or the next action lies after ``until``."""
        while True:
            nxt = self.peek()
            if nxt is None or (until is not None and nxt > until):
                return
            self.step()
