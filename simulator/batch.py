"""Running many scenarios: one ``Job`` per scenario, over any ``concurrent.futures.Executor``.

``run_batch(jobs, executor)`` yields one ``Outcome`` per job, in job order (``Executor.map``),
whatever the executor: ``None`` runs in this process, ``ProcessPoolExecutor`` (``-j N``) on
local cores, and dask's ``Client.get_executor()`` on a cluster, unchanged (``run --dask``
goes through simulator/distributed.py, which adds what a cluster needs). Jobs and outcomes
are plain picklable records. A scenario that cannot run (a bad file, a missing app module)
becomes an outcome with ``error`` set instead of stopping the batch.

``LocalBatch`` is what ``run`` (and ``run -j N``) uses: outcomes in job order, inline or from a
pool of worker processes that ignore SIGINT. Where fork is safe, the pool's workers are forked
from this process after it has imported the engine and the jobs' app modules (``preload``): a
worker starts with them and with the jobs, so start-up (~2.5 s of CPU with the Bandwidth SDK)
is paid once, not once per worker, and no Scenario is pickled. Under :func:`stop_on_signals`,
SIGINT or SIGTERM (to the main process or the whole process group) raises
:class:`Interrupted` in the main thread; ``LocalBatch.stop()`` then terminates every worker and
says which jobs had finished and which had not (simulator/cli.py prints the summary so far and
exits 128 + the signal).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from simulator.errors import ScenarioError, SimulatorError, shorten
from simulator.golden import slugify
from simulator.scenario.model import Scenario

if TYPE_CHECKING:
    from concurrent.futures import Executor


@attrs.frozen
class Job:
    scenario: Scenario
    out_dir: Path | None  # this scenario's own folder (result.json, recordings/)
    update_golden: bool = False


@attrs.frozen
class Outcome:
    name: str
    where: str  # "file:line" of the scenario
    out_dir: Path | None
    passed: bool
    failures: tuple[dict, ...] = ()  # result.json failures: {message, line}
    error: str | None = None  # the scenario could not run (user error, file:line ...)
    internal: str | None = None  # a traceback: a bug in the simulator, not in the scenario
    result: dict | None = None  # the result.json object
    seconds: float = 0.0  # wall time of the run (JUnit reports show it)
    skipped: bool = False  # its `skip:` applied: not run
    xfail: bool = False  # its `xfail:` applied: a failure is expected
    xfail_strict: bool = False  # ... and a pass is then a failure
    reason: str | None = None  # why it was skipped or expected to fail

    @property
    def status(self) -> str:
        """``passed``, ``failed``, ``error``, ``skipped``, ``xfailed`` (failed as expected) or
        ``xpassed`` (passed although expected to fail; ``failed`` when strict). The one rule
        the CLI's lines and counts and the JUnit report use."""
        if self.skipped:
            return "skipped"
        if self.error is not None:
            return "error"
        if self.xfail:
            if not self.passed:
                return "xfailed"
            return "failed" if self.xfail_strict else "xpassed"
        return "passed" if self.passed else "failed"


def assign_out_dirs(scenarios: Iterable[Scenario], root: Path) -> list[Path]:
    """``root/<slug>`` per scenario, each folder its own, the same for the same list.

    A scenario whose slug no other has keeps it; of several that slug alike ("same name",
    "Same Name") the first keeps it and the next get ``-2``, ``-3``..., skipping any slug a
    scenario has as its own ("same-name-2" keeps ``same-name-2``)."""
    scenarios = list(scenarios)
    slugs = [slugify(scenario.name) for scenario in scenarios]
    own, taken, dirs = set(slugs), set(), []
    for slug in slugs:
        name, n = slug, 1
        while name in taken or (n > 1 and name in own):
            n += 1
            name = f"{slug}-{n}"
        taken.add(name)
        dirs.append(root / name)
    return dirs


SCENARIO_SUFFIXES = (".yaml", ".yml")


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files (and bare ``.xml`` documents) named by ``paths``; folders are searched
    recursively for ``*.yaml``/``*.yml`` (hidden files and folders inside skipped, links to
    folders not entered), in sorted order. A path that does not exist, is not a scenario, is a
    folder without any scenario or one that cannot be searched is a ScenarioError."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        try:
            path.stat()
        except FileNotFoundError:
            pass  # said below
        except (OSError, ValueError) as exc:  # a name too long, a loop of links, a NUL byte
            raise ScenarioError("cannot use this path", where=shorten(str(raw)),
                                got=getattr(exc, "strerror", None) or str(exc)) from None
        if path.is_dir():
            inside = sorted(_scenario_files(path))
            if not inside:  # "0 passed" with exit 0 would hide a wrong path in CI
                raise ScenarioError("no scenario files in this folder", where=str(path),
                                    expected="*.yaml or *.yml files (searched recursively, "
                                             "hidden files and folders skipped)", got="none")
            found += inside
        elif path.is_file() and path.suffix in SCENARIO_SUFFIXES + (".xml",):
            found.append(path)
        elif path.exists():
            raise ScenarioError("not a scenario file", where=str(path),
                                expected="a *.yaml/*.yml scenario, a .xml document or a folder",
                                got=path.suffix or "no suffix")
        else:
            raise ScenarioError("no such file or folder", where=str(path))
    return found


#: The errors pathlib's rglob and is_file/is_dir ignore (pathlib._IGNORED_ERRNOS).
_IGNORED = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _scenario_files(folder: Path) -> Iterator[Path]:
    """The ``*.yaml``/``*.yml`` files below ``folder`` that ``rglob("*")`` would list, with no
    hidden name below ``folder`` in their path: a hidden folder is not entered, a hidden file
    not listed, and a directory entry says what it is instead of a stat a file. A link is
    never entered, so only a link named like a scenario is stat'ed (is it a file?). An
    unreadable folder is passed over, as rglob does; any other error (a folder that vanished,
    a link into an unreadable folder) is a ScenarioError naming the path."""
    pending = [str(folder)]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except PermissionError:
            continue
        except OSError as exc:
            raise _unusable("cannot search this folder", directory, exc) from None
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            # follow_symlinks=False: the entry's own type (from the directory; an lstat at
            # most), never its target's, which may not be there or not be stat-able at all
            if _is(entry.is_dir, entry.path, follow_symlinks=False):
                pending.append(entry.path)
            elif name.endswith(SCENARIO_SUFFIXES) and _is(entry.is_file, entry.path):
                yield Path(entry.path)


def _is(test, path: str, **options) -> bool:
    """``entry.is_dir()``/``is_file()``, False where pathlib's would be (a broken link, a link
    loop...); any other OSError is a ScenarioError naming ``path``."""
    try:
        return test(**options)
    except OSError as exc:
        if exc.errno in _IGNORED:
            return False
        raise _unusable("cannot use this path", path, exc) from None


def _unusable(message: str, path: str, exc: OSError) -> ScenarioError:
    # a path found on disk, named in full (only a path as typed, which may be anything, is cut)
    return ScenarioError(message, where=path, got=exc.strerror or str(exc))


def where(scenario: Scenario) -> str:
    return f"{scenario.file or '<mapping>'}:{scenario.line}"


def run_job(job: Job) -> Outcome:
    """Run one scenario; never raises (errors become the outcome's ``error``/``internal``).
    A scenario whose ``skip:`` applies is not run; one whose ``xfail:`` applies is marked."""
    scenario = job.scenario
    skip, xfail = scenario.skip, scenario.xfail
    if skip is not None and skip.applies(scenario.tts):
        return Outcome(scenario.name, where(scenario), None, True, skipped=True,
                       reason=skip.reason or "skip: in the scenario")
    start = time.perf_counter()
    outcome = _run_job(job)
    expected = xfail is not None and xfail.applies(scenario.tts)
    return attrs.evolve(outcome, seconds=round(time.perf_counter() - start, 3), xfail=expected,
                        xfail_strict=expected and xfail is not None and xfail.strict,
                        reason=(xfail.reason or "xfail: in the scenario") if expected and xfail
                        else None)


def _run_job(job: Job) -> Outcome:
    from simulator.api import run_loaded

    scenario = job.scenario
    try:
        result = run_loaded(scenario, job.out_dir, update_golden=job.update_golden)
    except SimulatorError as exc:
        text = str(exc) if exc.where else f"{where(scenario)}: {exc}"
        return Outcome(scenario.name, where(scenario), job.out_dir, False, error=text)
    except Exception:  # a simulator bug: keep the batch going, keep the traceback
        return Outcome(scenario.name, where(scenario), job.out_dir, False,
                       error=f"{where(scenario)}: internal error while simulating",
                       internal=traceback.format_exc())
    if result.internal_error is not None:  # partial result.json written: say where it is
        saved = (f"partial result in {job.out_dir / 'result.json'}" if job.out_dir is not None
                 else "no output folder")
        return Outcome(scenario.name, where(scenario), job.out_dir, False,
                       tuple(f.to_json() for f in result.failures),
                       error=f"{where(scenario)}: {result.failures[0]['message']}; {saved}",
                       internal=result.internal_error, result=result.to_json())
    return Outcome(scenario.name, where(scenario), job.out_dir, bool(result.passed),
                   tuple(f.to_json() for f in result.failures), result=result.to_json())


def make_executor(workers: int) -> Executor | None:
    """``None`` (run inline) for one worker, else a process pool of ``workers``."""
    if workers < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for -j N

    return ProcessPoolExecutor(max_workers=workers)


def run_batch(jobs: list[Job], executor: Executor | None = None) -> Iterator[Outcome]:
    """Outcomes in job order; ``executor`` may be any concurrent.futures.Executor."""
    if executor is None:
        return map(run_job, jobs)
    return executor.map(run_job, jobs)


# ---- run and run -j N: a batch that a signal can stop ---------------------------------------

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived while a batch ran. A BaseException, like KeyboardInterrupt,
    so no handler of a scenario's failures takes it for one."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(self.name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """In the main thread: the first SIGINT or SIGTERM raises :class:`Interrupted`; later ones
    are ignored while the batch stops (it is quick). The previous handlers come back after."""
    def stop(signum, frame) -> None:
        for number in STOP_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _worker_signals() -> None:
    """A worker leaves SIGINT (a Ctrl-C reaching the whole group) to the main process, which
    stops it; SIGTERM ends it at once, without a traceback. The main process blocks both while
    it starts the workers (:meth:`LocalBatch.start`): they are unblocked here, once set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


DIED = ("its worker process died while running it (killed by a signal, out of memory, or the "
        "app called os._exit)")

#: The jobs of the batches whose workers were forked from this process, by batch number. A
#: forked worker has them already (its memory is a copy of this process's), so a job goes to
#: it as ``(batch, index)``, not pickled (a Scenario: ~0.7 ms to pickle and unpickle).
_INHERITED: dict[int, list[Job]] = {}


def _run_inherited(batch: int, index: int) -> Outcome:
    return run_job(_INHERITED[batch][index])


def _can_fork() -> bool:
    """Whether workers can start as copies of this process: a platform where fork is safe (not
    macOS, not Windows) and no other thread running (a fork copies only the calling thread:
    whatever another one holds or does would be missing in the copy)."""
    import multiprocessing
    import sys
    import threading

    return (sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def preload(jobs: Iterable[Job]) -> None:
    """Import here what every worker would import for itself: the engine and each in-process
    app module the jobs name (the bundled apps' Flask and Bandwidth SDK: ~2 s of CPU a
    process). Workers forked afterwards start with them: start-up paid once, not once per
    worker. An app that cannot be imported is left to its runs, which report it."""
    import simulator.runner  # noqa: F401 - the engine, numpy, the audio
    from simulator.transports import load_app

    seen = set()
    for job in jobs:
        app, base_dir = job.scenario.app, job.scenario.base_dir
        kind, spec = ("wsgi", app.wsgi) if app.wsgi else ("asgi", app.asgi)
        if not spec or (spec, base_dir) in seen:
            continue
        seen.add((spec, base_dir))
        import simulator.transports.inprocess  # noqa: F401 - what an in-process app runs on
        if kind == "asgi":
            import simulator.transports.asgi  # noqa: F401 - and an ASGI app's bridge
        try:
            load_app(spec, base_dir, kind=kind)
        except Exception:  # noqa: BLE001,S110 - its run says what is wrong, at its place
            pass


class LocalBatch:
    """The jobs run in this process (``workers == 1``) or in a pool of worker processes;
    iterate for the outcomes in job order (the workers start on the first outcome asked for,
    or at :meth:`start`)."""

    def __init__(self, jobs: list[Job], workers: int = 1) -> None:
        self.jobs = jobs
        self.reported = 0   # outcomes handed out so far
        self.workers = workers if len(jobs) > 1 else 1
        self._executor = None
        self._futures = None
        self._key = None   # this batch's number in _INHERITED, when its workers were forked

    def start(self) -> None:
        """Start the worker processes and hand them every job (nothing to do for one worker).

        Where workers can be forked (:func:`_can_fork`), this process first imports what they
        need (:func:`preload`), then forks them: they inherit the imports and the jobs. If an
        app's import started a thread, they are spawned instead (each imports for itself).
        SIGINT and SIGTERM are blocked while the workers start, so a signal cannot reach one
        before it ignores SIGINT (``_worker_signals``); here it arrives once they are started."""
        if self.workers < 2 or self._executor is not None:
            return
        import multiprocessing
        import sys
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only for -j N

        context, inherit = None, _can_fork()   # None: the platform's default start method
        if inherit:
            preload(self.jobs)
            inherit = _can_fork()
            context = multiprocessing.get_context("fork" if inherit else "spawn")
        blocking = hasattr(signal, "pthread_sigmask")
        if blocking:
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            if inherit:
                for stream in (sys.stdout, sys.stderr):  # or each worker would print it again
                    stream.flush()
                self._key = id(self)
                _INHERITED[self._key] = self.jobs
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                                 initializer=_worker_signals)
            self._futures = [self._executor.submit(_run_inherited, self._key, index)
                             if inherit else self._executor.submit(run_job, job)
                             for index, job in enumerate(self.jobs)]
        finally:
            if blocking:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def __iter__(self) -> Iterator[Outcome]:
        self.start()
        for index, job in enumerate(self.jobs):
            outcome = run_job(job) if self._futures is None else self._outcome(index)
            self.reported = index + 1
            yield outcome

    def _outcome(self, index: int) -> Outcome:
        from concurrent.futures import BrokenExecutor   # imported with the pool already

        job = self.jobs[index]
        try:
            return self._futures[index].result()
        except BrokenExecutor:   # the pool lost a worker process
            return Outcome(job.scenario.name, where(job.scenario), job.out_dir, False,
                           error=f"{where(job.scenario)}: {DIED}")

    def stop(self) -> tuple[list[Outcome], list[Job]]:
        """Terminate every worker: (outcomes finished but not yet handed out, jobs that did not
        finish). Their output folders keep nothing of an unfinished run (output.discard)."""
        finished: list[Outcome] = []
        unfinished: list[Job] = []
        if self._executor is not None:
            for process in list(getattr(self._executor, "_processes", {}).values()):
                process.terminate()
            for process in list(getattr(self._executor, "_processes", {}).values()):
                process.join(2)
                if process.is_alive():
                    process.kill()
        for index in range(self.reported, len(self.jobs)):
            future = self._futures[index] if self._futures is not None else None
            done = (future is not None and future.done() and not future.cancelled()
                    and future.exception() is None)
            if done:
                finished.append(future.result())
            else:
                unfinished.append(self.jobs[index])
        self.reported = len(self.jobs)
        return finished, unfinished

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        _INHERITED.pop(self._key, None)
