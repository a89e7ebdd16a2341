"""What stops a call's BXML, as exceptions: thrown into its flow (the far end hangs up, the call
runs past ``max_duration``, a REST interruption) or raised by a verb flow (:class:`EndCall`).

A leaf: it imports only the process kernel, so every engine module may use it. Each signal
says, as ``reason``, how the verb it stops ends in the timeline (``verb-end`` reason), and as
``recording_end`` how a ``<Record>`` it stops ends (anything else stopping one, the run being
torn down, ends it ``call-ended``).
:class:`EngineBug` is not a signal: it stops the whole run (a bug in a flow).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from simulator.engine.process import Interrupt, Process


class CallStop(Interrupt):
    """Base of the signals: ``reason`` is the stopped verb's end reason in the timeline;
    ``recording_end`` the ``endReason`` of a ``<Record>`` it cuts short (README #4)."""

    reason: str = "stopped"
    recording_end: str = "call-ended"


class CallerHangup(CallStop):
    """The far end hung up."""

    reason = "hangup"
    recording_end = "hangup"


class CallTimeout(CallStop):
    """The call ran longer than ``call.max_duration``."""

    reason = "timeout"


class Interrupted(CallStop):
    """The call's BXML is interrupted (REST redirect / PUT bxml, or the call became a Bridge
    target): the verb executing stops, the rest of the document is discarded, and ``follow()``
    (a generator flow returning the next Document, or None for the implicit Hangup) takes over.
    ``reason`` is the interrupted verb's end reason in the timeline."""

    recording_end = "redirected"

    def __init__(self, reason: str, follow: Callable[[], Generator[Any, Any, Any]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.follow = follow


class EndCall(CallStop):
    """Raised by a flow (or thrown in by REST ``state=completed``) to end its call with a
    disconnect ``cause`` (and errorMessage); the stopped verb ends with the cause as reason.
    ``document``/``line``/``col``: where in a BXML document the cause is (invalid BXML), for
    the call's ``error`` timeline entry."""

    def __init__(self, cause: str, message: str | None = None, *, document: str | None = None,
                 line: int | None = None, col: int | None = None) -> None:
        super().__init__(message or cause)
        self.cause = cause
        self.message = message
        self.reason = cause
        self.document, self.line, self.col = document, line, col


class EngineBug(RuntimeError):
    """A flow process raised something it should not (a bug in the engine): the run stops.
    ``process`` is the process that raised, ``error`` what it raised, ``at`` the virtual time
    (the runner turns this into a partial result: engine/salvage.py)."""

    def __init__(self, process: Process, at: float) -> None:
        super().__init__(f"engine bug in {process.name} at t={at}")
        self.process = process
        self.error = process.error
        self.at = at
