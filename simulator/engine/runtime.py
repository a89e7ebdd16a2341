"""What the engine keeps per leg besides the :class:`~simulator.engine.legs.Leg` record: its
processes, its background recorder, the state of its far end, and what modules built on the
kernel registered on it.

The state that decides what a key press or a hang-up does is :class:`FarEnd`, one record with
its transitions (nothing else writes it)::

    keys:      nobody listens --listen(box, exclusive)--> captured by Gather/Record
               captured --stop_listening()--> nobody listens
    reporting: off --start_gather(StartGather)--> reporting (a second one replaces the first)
               reporting --stop_gather() / call_ended()--> off
               while a Gather listens (exclusive) reporting is paused, not ended
    line:      on --hang_up()--> hung up (once; the call's flow is then interrupted)

A key goes to the capturing verb's mailbox, and is reported as a ``dtmf`` event to the active
StartGather unless a Gather holds the keys (spec §4.1-4.3, README #26).

Hooks (SimPy-style callbacks) let modules built on the kernel follow a leg without the kernel
importing them: :meth:`LegRuntime.on_end` (streams, answering-machine detection: run when the
leg ends, last registered first, like ``finally`` blocks unwinding) and
:meth:`LegRuntime.on_far_end_audio` (answering-machine detection: the far end sent audio).
:meth:`LegRuntime.extension` holds a module's own per-leg state under a typed :class:`Key` (the
streams of the leg).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, cast

import attrs

from simulator.bxml import nodes
from simulator.engine.clock import Timer
from simulator.engine.legs import Leg
from simulator.engine.process import Mailbox, Process, Signal
from simulator.engine.recorder import BackgroundRecorder
from simulator.scenario.model import Step

T = TypeVar("T")


class Key(Generic[T]):
    """The typed name of the state a module built on the kernel keeps on a leg
    (:meth:`LegRuntime.extension`) or a simulation (``Simulation.extension``): ``Key[Rooms]``
    gives back a ``Rooms``, so the holder needs no ``Any``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


@attrs.frozen
class ActiveGather:
    """A StartGather in effect: its node (dtmfUrl, method, credentials) and the URL of the
    document it came from (the base of its relative URLs)."""

    node: nodes.StartGather
    base_url: str | None


@attrs.define(eq=False)
class FarEnd:
    """Where the far end's keys go now, and whether it hung up (module docstring)."""

    capture: Mailbox | None = None  # the mailbox of the Gather/Record listening, if any
    exclusive: bool = False  # the listening verb is a Gather: StartGather reporting is paused
    start_gather: ActiveGather | None = None
    hung_up: bool = False

    def listen(self, box: Mailbox, *, exclusive: bool) -> None:
        """A Gather (``exclusive``) or a Record takes the keys until :meth:`stop_listening`."""
        self.capture, self.exclusive = box, exclusive

    def stop_listening(self) -> None:
        self.capture, self.exclusive = None, False

    def gather_started(self, node: nodes.StartGather, base_url: str | None) -> None:
        self.start_gather = ActiveGather(node, base_url)

    def gather_stopped(self) -> bool:
        """StopGather: reporting ends; was a StartGather in effect?"""
        active, self.start_gather = self.start_gather is not None, None
        return active

    def reporting_to(self) -> ActiveGather | None:
        """The StartGather a key is reported to now (None while a Gather holds the keys)."""
        return None if self.exclusive else self.start_gather

    def hang_up(self) -> bool:
        """The far end hangs up; False when it already had."""
        if self.hung_up:
            return False
        self.hung_up = True
        return True

    def call_ended(self) -> None:
        self.start_gather = None


@attrs.define(eq=False)
class LegRuntime:
    """What the engine keeps per leg besides the leg record itself."""

    leg: Leg
    verb_started: Signal  # fires with the verb's name whenever a verb starts (wait_for)
    caller_steps: tuple[Step, ...] = ()  # the far end's script, started at the answer
    flow: Process | None = None  # the leg's BXML (document flow), or a B-leg's life
    caller: Process | None = None  # the far end's script, once answered
    waiting_for: Any = None  # the script's unmet wait_for step (engine/caller.py Waiting)
    max_timer: Timer | None = None  # max_duration
    far_end: FarEnd = attrs.Factory(FarEnd)
    recorder: BackgroundRecorder = attrs.Factory(BackgroundRecorder)  # its StartRecording
    running: list[str] = attrs.Factory(list)  # names of the verbs executing now, outermost first
    last_started: nodes.Node | None = None  # the verb that started last (executing, or done)
    disconnect_url: str | None = None
    disconnect_method: str = "POST"
    # a createCall's own webhook settings (model.CreatedCall): its callbackTimeout (None: the
    # scenario's) and what carries its username/password for answer_url and disconnect_url
    callback_timeout: float | None = None
    credentials: Any = None
    _end_hooks: list[Callable[[str], None]] = attrs.Factory(list)
    _audio_hooks: list[Callable[[], None]] = attrs.Factory(list)
    _extensions: dict[str, object] = attrs.Factory(dict)  # Key.name -> that key's state

    # -- hooks ---------------------------------------------------------------------------------

    def on_end(self, hook: Callable[[str], None]) -> Callable[[str], None]:
        """Call ``hook(reason)`` when the leg ends (``hangup``: the far end hung up, else
        ``call-ended``); hooks run last registered first. Returns ``hook`` (for
        :meth:`forget`)."""
        self._end_hooks.append(hook)
        return hook

    def on_far_end_audio(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call ``hook()`` whenever the far end sends audio (a span on ``leg.remote``)."""
        self._audio_hooks.append(hook)
        return hook

    def forget(self, hook: Callable[..., None]) -> None:
        """Unregister ``hook`` (either kind); nothing when it is not registered."""
        for hooks in (self._end_hooks, self._audio_hooks):
            if hook in hooks:
                hooks.remove(hook)

    def ended(self, reason: str) -> None:
        """The leg ends (Simulation.end_leg): run the end hooks, last registered first."""
        for hook in reversed(list(self._end_hooks)):
            hook(reason)

    def far_end_audio(self) -> None:
        """The far end sent audio (engine/caller.py): tell the audio hooks."""
        for hook in list(self._audio_hooks):
            hook()

    def extension(self, key: Key[T], create: Callable[[], T]) -> T:
        """The per-leg state ``key`` of a module built on the kernel (``create()`` on first
        use)."""
        if key.name not in self._extensions:
            self._extensions[key.name] = create()
        return cast(T, self._extensions[key.name])

    def existing(self, key: Key[T]) -> T | None:
        """The per-leg state ``key`` if a module made it, else None (a reader's look: it
        makes nothing)."""
        return cast("T | None", self._extensions.get(key.name))
