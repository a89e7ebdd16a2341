"""The ``bxmlsim`` console script: the CLI (:mod:`simulator.cli`), then a cheap interpreter exit.

When the interpreter ends it clears every module and runs the cyclic collector over what is
left, several times. After a run, whose process holds the apps' own libraries (Flask, an SDK
on pydantic: some 100,000 objects the collector tracks), those passes took 0.17-0.25 s: a
fifth of the bundled suite's one-copy run, spent on memory the operating system frees at once
anyway. So the script's last ``atexit`` function (:func:`_finish`: registered first, run last)
moves every object then alive to the collector's permanent generation (:func:`gc.freeze`),
which those passes skip. Before the exit it has been a normal one: threads waited for, the
other ``atexit`` functions (logging, coverage.py, profilers) run; after it, modules are cleared
(objects freed by their reference counts: a file in a module's global is flushed and closed
as before) and stdout and stderr flushed.

What the collector would still have finalised is what is alive only through a reference
cycle: a file held by a class attribute, a zip or gzip file or a temporary file that refers to
itself. Frozen, those would never be finished, so :func:`_finish` first closes (found among
the objects the collector tracks: ~30 ms after a run) every file object open for writing (outer wrappers before the files they wrap: a gzip file before the
file it writes into), every zip archive being written and every temporary file (which removes
it): what the exit would have done to them. Files open only for reading are left alone (a
daemon thread may be blocked reading one; closing it would wait for that read). Other
finalisers of objects in cycles are not run at exit: Python does not promise them then (the
data model says so), and no command of ours relies on one. The CLI run through ``python -c
'from simulator.cli import main; main()'`` or click's test runner exits without any of this.
"""

from __future__ import annotations

import atexit
import gc
import sys
from _io import _IOBase   # io's own base class of every file object


def main() -> None:
    """The console script: run the command; at the end of the exit's atexit functions, finish
    what the collector would have and freeze the rest."""
    atexit.register(_finish)   # first registered, so the last to run
    from simulator.cli import main as cli

    cli()   # click's standalone mode: ends in SystemExit, whatever the command did


def _finish() -> None:
    _close_written_files()
    gc.freeze()


def _close_written_files() -> None:
    """Close the file objects open for writing, zip archives being written and temporary files
    still open, wrappers first; the standard streams are left to the exit (it flushes them)."""
    standard: set[int] = set()   # the standard streams, their buffers and raw files
    for stream in (sys.stdin, sys.stdout, sys.stderr, sys.__stdin__, sys.__stdout__,
                   sys.__stderr__):
        while stream is not None and id(stream) not in standard:
            standard.add(id(stream))
            stream = getattr(stream, "buffer", None) or getattr(stream, "raw", None)
    # A module not imported has no objects: zipfile and tempfile are not imported for them.
    zip_file = getattr(sys.modules.get("zipfile"), "ZipFile", None)
    temporary = getattr(sys.modules.get("tempfile"), "_TemporaryFileWrapper", None)
    finished = tuple(kind for kind in (_IOBase, zip_file, temporary) if kind is not None)
    kinds: dict[type, bool] = {}
    found = []
    for item in gc.get_objects():
        kind = type(item)
        known = kinds.get(kind)
        if known is None:   # a table of the types seen: ~100,000 objects in a few ms
            known = kinds[kind] = issubclass(kind, finished)
        if known and id(item) not in standard and _written(item, zip_file, temporary):
            found.append(item)
    for file in _outer_first(found):
        try:
            file.close()
        except Exception:   # noqa: BLE001 - the exit ignores a failing close too
            pass


def _written(item, zip_file: type | None, temporary: type | None) -> bool:
    """Open, and being written (a temporary file is closed whatever its mode: that removes it).
    Files are told by io's concrete base (every io class and subclass of one derives from it),
    not the abstract io.IOBase: its subclass test of each of a run's thousands of types (the
    SDK's pydantic models...) took ~90 ms."""
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
        refs = gc.get_referents(file)
        refs += [value for ref in refs if isinstance(ref, dict) for value in ref.values()]
        inner[id(file)] = [ids[id(ref)] for ref in refs if id(ref) in ids and ref is not file]
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
