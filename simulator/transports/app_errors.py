"""The app's own error: exceptions raised inside an in-process WSGI/ASGI app, with traceback.

Frameworks hide them behind a 500. Flask (and Django) catch the exception, answer 500 and log it
through ``logging`` with ``exc_info``; Starlette/FastAPI's ServerErrorMiddleware sends its 500
and re-raises; a bare WSGI app or Flask with ``PROPAGATE_EXCEPTIONS`` lets it escape. So a
request's exceptions are captured two ways, whatever the framework:

* **log records with exc_info** (level ERROR or above) created while the request runs: a
  process-wide ``logging`` record factory (installed once, chained to the one before it) hands
  each such record to the open :class:`Capture` of the thread that logged it, or to the only
  open capture when the thread is not one of ours (a framework's worker thread);
* **exceptions escaping the app**: the transport reports them with :meth:`Capture.escaped`
  (``inprocess.py``: the ASGI wrapper and the WSGI call).

The first exception of a request becomes the reply's ``app_error``, the C2 object of
result.json: ``{"type", "message", "traceback"}``. The traceback leaves out how the request
reached the app: the simulator's own frames and those of the driver it calls the app through
(httpx2's WSGI transport, a2wsgi), and the standard library frames before the first frame
left (``contextlib``, ``threading``); it shows paths relative to the working folder when they
are inside it. So an app without a framework gives the same bytes in any checkout; a
framework's frames (Flask's, Starlette's) stay, as the app's own stack.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sysconfig
import threading
import traceback
from pathlib import Path
from types import TracebackType


class AppExit(Exception):
    """An ASGI app's ``SystemExit``/``KeyboardInterrupt``, carried out of its event loop
    (which it would otherwise stop) to the request that caused it."""


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)  # found, not imported
    origin = spec.origin if spec is not None else None
    return str(Path(origin).resolve().parent) + os.sep if origin else None


#: how a request reaches the app: the simulator package and the drivers it calls apps through;
#: their frames are left out of tracebacks
_DRIVER_DIRS = tuple(d for d in (str(Path(__file__).resolve().parent.parent) + os.sep,
                                 _package_dir("httpx2"), _package_dir("a2wsgi")) if d)
#: the standard library: its frames before the first frame kept are the driver's too
_STDLIB_DIR = str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep


def app_error(exc: BaseException) -> dict:
    """The C2 ``appError`` object of an exception: type, message, traceback (trimmed)."""
    return {"type": type(exc).__qualname__, "message": str(exc), "traceback": _traceback(exc)}


def _traceback(exc: BaseException) -> str:
    report = traceback.TracebackException.from_exception(exc)
    _tidy(report, set())
    return "".join(report.format())


def _tidy(report: traceback.TracebackException, seen: set[int]) -> None:
    """Drop the driver's frames, shorten paths; in chained and grouped exceptions too."""
    if id(report) in seen:
        return
    seen.add(id(report))
    frames = [frame for frame in report.stack if not _resolved(frame.filename)
              .startswith(_DRIVER_DIRS)]
    while frames and _resolved(frames[0].filename).startswith(_STDLIB_DIR):
        frames.pop(0)
    for frame in frames:
        frame.filename = _display(frame.filename)
    report.stack = traceback.StackSummary.from_list(frames)
    for linked in (report.__cause__, report.__context__, *(report.exceptions or ())):
        if linked is not None:
            _tidy(linked, seen)


def _resolved(filename: str) -> str:
    try:
        return str(Path(filename).resolve())
    except (OSError, ValueError):
        return filename


def _display(filename: str) -> str:
    try:
        path = Path(filename)
        if path.is_absolute() and path.is_relative_to(Path.cwd()):
            return path.relative_to(Path.cwd()).as_posix()
    except (OSError, ValueError):
        pass
    return filename


class Capture:
    """The exceptions of one request, in the order they were raised or logged."""

    def __init__(self, threads: tuple[int, ...]) -> None:
        self.threads = threads  # idents of the threads that run the app for this transport
        self.exceptions: list[BaseException] = []

    def escaped(self, exc: BaseException) -> None:
        """An exception that escaped the app (or that it logged); the same one counts once."""
        if not any(seen is exc for seen in self.exceptions):
            self.exceptions.append(exc)

    @property
    def error(self) -> dict | None:
        return app_error(self.exceptions[0]) if self.exceptions else None


_lock = threading.Lock()
_open: list[Capture] = []
_installed = False


def open_capture(*threads: int | None) -> Capture:
    """Start capturing for a request run on ``threads`` (their idents); close it when done."""
    _install()
    capture = Capture(tuple(t for t in threads if t is not None))
    with _lock:
        _open.append(capture)
    return capture


def close_capture(capture: Capture) -> None:
    with _lock:
        if capture in _open:
            _open.remove(capture)


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _open and record.levelno >= logging.ERROR and record.exc_info:
                _route(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _route(record: logging.LogRecord) -> None:
    info = record.exc_info
    exc = info[1] if isinstance(info, tuple) and len(info) == 3 else None
    if isinstance(exc, BaseException) and isinstance(info[2], (TracebackType, type(None))):
        report(exc, record.thread)


def report(exc: BaseException, thread: int | None = None) -> None:
    """``exc`` was raised in the app on ``thread`` (default: this one): give it to the open
    capture of that thread, or to the only open capture when the thread is not one of ours."""
    thread = threading.get_ident() if thread is None else thread
    with _lock:
        owners = [c for c in _open if thread in c.threads] or (
            _open[:1] if len(_open) == 1 else [])
    for capture in owners:
        capture.escaped(exc)
