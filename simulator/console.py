"""The ``bxmlsim`` console script: the CLI (:mod:`simulator.cli`), then a cheap interpreter exit.

When the interpreter ends it clears every module and runs the cyclic collector over what is
left, several times. After a run, whose process holds the apps' own libraries (Flask, an SDK
on pydantic: some 100,000 objects the collector tracks), those passes took 0.17-0.25 s: a
fifth of the bundled suite's one-copy run, spent on memory the operating system frees at once
anyway. So when the command has returned, :func:`main` does the exit's first steps itself,
then moves every object still alive to the collector's permanent generation
(:func:`gc.freeze`), which those passes skip, and exits. Only when the process is alone: no
thread but this one and the in-process apps' idle workers (a thread still running might hold
a file's lock, or log at the exit: then the exit is the normal one, untouched). The steps:

1. the ``atexit`` functions, in their order (what the exit runs first when no thread is left:
   logging's flush, coverage.py's data, profilers, the apps' own);
2. what is being written, finished as freeing it would, since frozen it may never be freed
   (a file in a class attribute or a cycle, a module's global): first the objects that finish
   a file when closed (a class with ``close`` and a finaliser, such as a ``wave`` writer
   patching its header, holding a file closed here; sqlite3 connections, which check their
   write-ahead log back in), then every file object open for writing (outer wrappers before
   the files they wrap: a gzip file before the file it writes into), every zip archive being
   written and every temporary file (which removes it); not the standard streams nor what
   they write into (a tee to a log file: the exit writes to them still), nor files open only
   for reading. They are found among the objects the collector tracks: ~30 ms after a run;
3. the freeze; then the exit: the standard streams flushed, a SystemExit's message written,
   the status set. What the teardown still frees by reference counts (a module's globals,
   when it clears them) is freed as before.

Finalisers (``__del__``) of objects alive only through a cycle, or in the script's own
``__main__`` (nothing of an app's: apps are imported modules), are not run at the exit (the
collector or the teardown would have) unless they finish a file as above: Python does not
promise them then (the data model says so), and no command of ours relies on one. The CLI run
through ``python -c 'from simulator.cli import main; main()'`` or click's test runner exits
without any of this.
"""

from __future__ import annotations

import atexit
import gc
import sys
import threading
import types
# io's own base class of every file object (every io class and subclass of one derives from
# it), rather than the abstract io.IOBase: its subclass test of each of a run's thousands of
# types (the SDK's pydantic models...) took ~90 ms
from _io import _IOBase


def main() -> None:
    """The console script: run the command, then exit as described above."""
    from simulator.cli import main as cli

    try:
        cli()   # click's standalone mode: ends in SystemExit, whatever the command did
        code: object = 0
    except SystemExit as done:
        code = done.code
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is not None and _alone():
        run_exit_functions()   # noqa: SLF001 - what the exit would run now, in its order
        _close_written_files()
        gc.freeze()
    sys.exit(code)


def _alone() -> bool:
    """No thread but this one and the in-process apps' idle workers (read from the module if
    a run imported it: importing it here would cost a command that has no apps)."""
    inprocess = sys.modules.get("simulator.transports.inprocess")
    idle = inprocess.idle_threads() if inprocess is not None else set()
    current = threading.get_ident()
    return all(thread.ident == current or thread.ident in idle
               for thread in threading.enumerate())


def _close_written_files() -> None:
    """Finish what is being written, as freeing it would: first the objects that finish a file
    they write when closed (a class with ``close`` and a finaliser, such as a ``wave`` writer
    patching its header, holding a file closed below; sqlite3 connections), then the file
    objects open for writing, zip archives being written and temporary files, wrappers first;
    the standard streams and what they write into are left to the exit."""
    standard = _reached((sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__,
                         sys.__stderr__))
    # A module not imported has no objects: zipfile, tempfile, sqlite3 are not imported here.
    zip_file = getattr(sys.modules.get("zipfile"), "ZipFile", None)
    temporary = getattr(sys.modules.get("tempfile"), "_TemporaryFileWrapper", None)
    connection = getattr(sys.modules.get("sqlite3"), "Connection", None)
    files_kinds = tuple(kind for kind in (_IOBase, zip_file, temporary) if kind is not None)
    roles: dict[type, int] = {}
    files, finishers, connections = [], [], []
    for item in gc.get_objects():
        kind = type(item)
        role = roles.get(kind)
        if role is None:   # a table of the types seen: ~100,000 objects in a few ms
            role = roles[kind] = _role(kind, files_kinds, connection)
        if role == _FILE:
            if id(item) not in standard and _written(item, zip_file, temporary):
                files.append(item)
        elif role == _FINISHER:
            finishers.append(item)
        elif role == _CONNECTION:
            connections.append(item)
    closing = {id(file) for file in files}
    finishing = [item for item in finishers
                 if any(id(ref) in closing for ref in _state(item))]
    for item in [*finishing, *connections, *_outer_first(files)]:
        try:
            item.close()
        except Exception:   # noqa: BLE001 - the exit ignores a failing close too
            pass


_OTHER, _FILE, _FINISHER, _CONNECTION = range(4)


def _role(kind: type, files_kinds: tuple, connection: type | None) -> int:
    try:
        if issubclass(kind, files_kinds):
            return _FILE
        if connection is not None and issubclass(kind, connection):
            return _CONNECTION
        if (getattr(kind, "__del__", None) is not None
                and callable(getattr(kind, "close", None)) and not issubclass(kind, type)):
            return _FINISHER
    except Exception:   # noqa: BLE001 - a class whose metaclass answers oddly: not ours to close
        pass
    return _OTHER


def _state(item) -> list:
    """What an object refers to, its instance dict's values included."""
    refs = gc.get_referents(item)
    return refs + [value for ref in refs if isinstance(ref, dict) for value in ref.values()]


def _reached(streams: tuple, depth: int = 3) -> set[int]:
    """The ids of the standard streams and of what they refer to, ``depth`` references deep
    (their buffers and raw files; a replacement's own files: a tee into a log file), through
    instance dicts, lists and tuples: the exit flushes them last, so none is closed."""
    reached: set[int] = set()
    level = [stream for stream in streams if stream is not None]
    for _ in range(depth + 1):
        following = []
        for item in level:
            if id(item) in reached:
                continue
            reached.add(id(item))
            following += gc.get_referents(item)
        level = [item for item in following   # objects' state, not their classes or code
                 if isinstance(item, (_IOBase, dict, list, tuple))
                 or (hasattr(item, "__dict__") and not isinstance(item, _NOT_STATE))]
    return reached


_NOT_STATE = (type, types.ModuleType, types.FunctionType, types.MethodType)


def _written(item, zip_file: type | None, temporary: type | None) -> bool:
    """Open, and being written (a temporary file is closed whatever its mode: that removes it)."""
    try:
        if zip_file is not None and isinstance(item, zip_file):
            return item.fp is not None and item.mode in "wax"
        if temporary is not None and isinstance(item, temporary):
            return not item.closed
        return not item.closed and item.writable()
    except Exception:   # noqa: BLE001 - a detached or broken file: nothing to finish
        return False


def _outer_first(files: list) -> list:
    """``files`` ordered so a wrapper comes before what it wraps (found among the objects each
    refers to, directly or through its instance dict)."""
    ids = {id(file): file for file in files}
    inner: dict[int, list] = {}
    for file in files:
        inner[id(file)] = [ids[id(ref)] for ref in _state(file)
                           if id(ref) in ids and ref is not file]
    ordered: list = []
    seen: set[int] = set()

    def visit(file) -> None:   # depth first: what a file wraps after it
        if id(file) in seen:
            return
        seen.add(id(file))
        for wrapped in inner[id(file)]:
            visit(wrapped)
        ordered.append(file)

    for file in files:
        visit(file)
    return ordered[::-1]
