"""The ``bxmlsim`` console script: the CLI (:mod:`simulator.cli`), then a cheap interpreter exit.

When the interpreter ends it clears every module and runs the cyclic collector over what is
left, several times. After a run, whose process holds the apps' own libraries (Flask, an SDK
on pydantic: some 100,000 objects the collector tracks), those passes took 0.17-0.25 s: a
fifth of the bundled suite's one-copy run, spent on memory the operating system frees at once
anyway. So once the command has returned, :func:`main` moves every object then alive to the
collector's permanent generation (:func:`gc.freeze`), which its passes skip, and lets the
exit go on as always: threads waited for, ``atexit`` functions (logging, coverage.py,
profilers), modules cleared (objects freed by their reference counts, so files still open
are flushed and closed as before, a zip or gzip file finished by its own finaliser), stdout
and stderr flushed. What no longer happens is the collection of reference cycles still alive
at exit, whose finalisers Python does not promise to run then (the data model says so) and
no command of ours relies on. The CLI run through ``python -c 'from simulator.cli import main;
main()'`` or click's test runner exits without the freeze.
"""

from __future__ import annotations

import gc


def main() -> None:
    """The console script: run the command; whatever ends it, freeze before the exit."""
    from simulator.cli import main as cli

    try:
        cli()   # click's standalone mode: ends in SystemExit, whatever the command did
    finally:
        gc.freeze()
