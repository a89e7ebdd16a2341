"""The ``bxmlsim`` console script: the CLI (:mod:`simulator.cli`), then a quick end of process.

An interpreter that ends normally takes apart every module and object it made before the
process ends. After a run, whose process holds the apps' own libraries (Flask, an SDK on
pydantic: some 100,000 containers, a million objects), that takes 0.17-0.21 s: a sixth of
the bundled suite's one-copy run, spent on memory the operating system frees at once anyway.
None of it is output: when a command returns, what it wrote is closed. So once the command
has returned, :func:`leave` does what a normal exit does that anyone can see, in the same
order, and then ends the process with :func:`os._exit`:

1. waits for the threads that would keep the process alive (a non-daemon thread an app
   started): if one is still running, the normal exit takes over, as it would have;
2. runs the ``atexit`` functions (logging's flush, coverage.py's data, multiprocessing's
   clean-up, ``weakref.finalize`` and ``TemporaryDirectory`` clean-ups);
3. closes the files still open (an app's own log file in a global, which the normal exit
   would close, flushing its buffer): found among the objects the collector tracks;
4. flushes stdout and stderr: if that fails (a closed pipe), the normal exit takes over, to
   report it and set the status as Python does.

Anything else at exit (``__del__`` of live objects) Python does not promise to run
(its data model says so), and no command of ours relies on it. The CLI run through
``python -c 'from simulator.cli import main; main()'`` or click's test runner ends normally.
"""

from __future__ import annotations

import atexit
import gc
import io
import os
import sys
import threading


def main() -> None:
    """The console script: run the command, then :func:`leave` with its exit status."""
    from simulator.cli import main as cli

    try:
        cli()   # click's standalone mode: ends in SystemExit, whatever the command did
    except SystemExit as done:
        leave(done.code)
    leave(0)


def leave(code: object) -> None:
    """End the process with ``code`` (a SystemExit's code: None, an int, or a message)."""
    if not isinstance(code, int):   # None: 0; a message: printed, 1 (as SystemExit does)
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    if _threads_running() or not hasattr(atexit, "_run_exitfuncs"):
        sys.exit(code)
    atexit._run_exitfuncs()   # noqa: SLF001 - what the interpreter's exit calls, in order
    _close_open_files()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)   # the normal exit reports a stream it cannot flush, and sets 120
    os._exit(code)


def _threads_running() -> bool:
    """A thread other than this one that the interpreter's exit would wait for."""
    current = threading.current_thread()
    return any(thread is not current and not thread.daemon and thread.is_alive()
               for thread in threading.enumerate())


def _close_open_files() -> None:
    """Close every file object still open (not the standard streams): what the interpreter's
    teardown does when it frees them. The collector tracks every io object; a table of the
    types seen keeps the walk over its ~100,000 containers to a few milliseconds."""
    standard = set()   # the standard streams, their buffers and raw files: flushed, not closed
    for stream in (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__,
                   sys.__stderr__):
        while stream is not None and id(stream) not in standard:
            standard.add(id(stream))
            stream = getattr(stream, "buffer", None) or getattr(stream, "raw", None)
    is_file: dict[type, bool] = {}
    files = []
    for item in gc.get_objects():
        kind = type(item)
        flag = is_file.get(kind)
        if flag is None:
            flag = is_file[kind] = issubclass(kind, io.IOBase)
        if flag and id(item) not in standard:
            files.append(item)
    # Outer wrappers first: a text file flushes into its buffer, the buffer into its raw file.
    files.sort(key=_layer)
    for file in files:
        try:
            if not file.closed:
                file.close()
        except Exception:   # noqa: BLE001 - the teardown ignores a failing close too
            pass


def _layer(file: io.IOBase) -> int:
    """0 for text files, 1 for buffered ones, 2 for the rest (raw files, sockets' files)."""
    if isinstance(file, io.TextIOBase):
        return 0
    return 1 if isinstance(file, io.BufferedIOBase) else 2
