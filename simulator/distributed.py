"""Scenario batches on a dask cluster (the ``dist`` extra): what ``bxmlsim run --dask`` calls.

Owns everything dask-specific; dask is imported only when a run asks for it, so the core
install never needs it. The target is a scheduler address (``tcp://10.0.0.5:8786``), whose
workers run the scenarios, or ``local[:N]``: a LocalCluster of N worker processes (one thread
each: numpy holds the GIL; default one per core) started for the run and shut down after it.

Jobs go through ``Client.get_executor()`` (a concurrent.futures.Executor) and run the same
``batch.run_job`` as ``-j``, so every byte written is the same as a serial run. The workers
write the outputs: with a remote cluster ``--out`` (and the scenario files, their media and app
modules) must be on a filesystem that the workers and this machine share, at the same path;
jobs sent to a remote cluster carry absolute paths for that reason. No more jobs are in flight
than the cluster has worker threads, so a worker that dies takes no queued scenario with it.
What dask cannot hide becomes an error outcome of that one scenario, never a traceback: a
worker that died running it (``KilledWorker``, after dask's own retries), a worker that could
not run it at all (bxml-simulator not installed there), a result.json written where this
machine cannot see it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, wait

import attrs

from simulator.batch import Job, Outcome, run_job
from simulator.errors import ClusterError, install_extra

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler (and to see one of its workers)
INSTALL_HINT = f"--dask needs the dist extra: {install_extra('dist')}"
TARGET_FORMAT = "a scheduler address such as tcp://10.0.0.5:8786, or local[:N]"
SHARED_OUT = ("with a remote cluster --out must be a folder the workers can write and this "
              "machine can read (a shared filesystem, mounted at the same path on both)")


@attrs.frozen
class DaskTarget:
    """Where ``--dask`` runs: a scheduler ``address``, or a LocalCluster (``address`` None)."""

    address: str | None = None
    workers: int | None = None  # LocalCluster worker processes; None: one per core

    @property
    def remote(self) -> bool:
        return self.address is not None


def parse_target(text: str) -> DaskTarget:
    """``local``, ``local:N`` (N >= 1) or a scheduler address; ClusterError otherwise."""
    name, colon, count = text.strip().partition(":")
    if name != "local":
        if not text.strip():
            raise ClusterError("bad --dask value", expected=TARGET_FORMAT, got="''")
        return DaskTarget(address=text.strip())
    if not colon:
        return DaskTarget()
    if not count.isdigit() or int(count) < 1:
        raise ClusterError("bad --dask worker count", expected="local:N with N >= 1",
                           got=repr(text))
    return DaskTarget(workers=int(count))


def require_dask() -> None:
    """ClusterError with the install hint when dask.distributed cannot be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(INSTALL_HINT) from None


class DaskBatch:
    """One run on a dask cluster: ``start()``, then ``run(jobs)``, then ``close()``."""

    def __init__(self, target: DaskTarget) -> None:
        require_dask()
        self.target = target
        self._cluster = None
        self._client = None
        self._executor = None

    def start(self) -> None:
        """Connect to the scheduler (or start the local cluster); ClusterError when it fails."""
        try:
            self._client = self._local() if self.target.address is None else self._connect()
        except ClusterError:
            self.close()
            raise
        # a scenario writes files: never treat two jobs as one cached result
        self._executor = self._client.get_executor(pure=False)

    def _local(self):
        from distributed import Client, LocalCluster

        # The HTTP server (no dashboard without bokeh) takes a free loopback port: a busy 8787
        # would print a warning. Logs are silenced: they would repeat the per-scenario errors.
        try:
            self._cluster = LocalCluster(n_workers=self.target.workers, threads_per_worker=1,
                                         dashboard_address="127.0.0.1:0",
                                         silence_logs=logging.CRITICAL)
            return Client(self._cluster)
        except (OSError, RuntimeError) as exc:  # RuntimeError: "Nanny failed to start"
            raise ClusterError(f"cannot start a local dask cluster: {exc}") from None

    def _connect(self):
        from distributed import Client

        address = self.target.address
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except ValueError as exc:  # dask's address parser: "missing port number in address"
            raise ClusterError("bad --dask address", expected=TARGET_FORMAT,
                               got=f"{address!r} ({exc})") from None
        except (OSError, TimeoutError):
            raise ClusterError(f"cannot reach the dask scheduler at {address} within "
                               f"{CONNECT_TIMEOUT:g} s", expected="a running scheduler "
                               "(dask scheduler) reachable from this machine") from None
        try:  # a scheduler without workers would leave every scenario waiting forever
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError):
            client.close()
            raise ClusterError(f"the dask scheduler at {address} has no workers",
                               expected=f"at least one worker within {CONNECT_TIMEOUT:g} s "
                                        f"(dask worker {address})") from None
        return client

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """One outcome per job, in job order.

        No more jobs are in flight than the cluster has worker threads: dask would otherwise
        queue several on one worker, and a worker that dies would take the queued scenarios
        (which did nothing wrong) with it."""
        if self._executor is None:
            raise RuntimeError("DaskBatch.run() before start()")
        sent = [portable(job) for job in jobs] if self.target.remote else list(jobs)
        waiting = iter(range(len(sent)))
        running: dict[Future, int] = {}
        done: dict[int, Outcome] = {}

        def submit_more() -> None:
            slots = self._threads()  # asked each time: workers may come and go
            while len(running) < slots and (index := next(waiting, None)) is not None:
                running[self._executor.submit(run_job, sent[index])] = index

        submit_more()
        for index in range(len(sent)):
            while index not in done:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    position = running.pop(future)
                    done[position] = collect(sent[position], future)
                submit_more()
            yield done.pop(index)

    def _threads(self) -> int:
        """The cluster's worker threads now (at least 1; 1 when the scheduler is gone, so
        the rest come back quickly as cancelled)."""
        try:
            return max(1, sum(self._client.nthreads().values()))
        except (OSError, TimeoutError):  # CommClosedError is an OSError
            return 1

    def close(self) -> None:
        """Close the client and the local cluster, if any; safe to call more than once."""
        for part in (self._client, self._cluster):
            if part is not None:
                part.close()
        self._client = self._cluster = self._executor = None


def portable(job: Job) -> Job:
    """The job with absolute paths, as a worker elsewhere (another working folder) needs."""
    scenario = job.scenario
    if scenario.file is not None:
        scenario = attrs.evolve(scenario, file=scenario.file.absolute())
    out_dir = job.out_dir.absolute() if job.out_dir is not None else None
    return attrs.evolve(job, scenario=scenario, out_dir=out_dir)


def collect(job: Job, future: Future) -> Outcome:
    """The outcome of a finished job; dask's own failures become error outcomes."""
    try:
        outcome = future.result()
    except Exception as exc:  # noqa: BLE001 -- dask's failure, not the scenario's
        outcome = lost_outcome(job, exc)
    return check_visible(outcome)


def lost_outcome(job: Job, exc: BaseException) -> Outcome:
    """The error outcome of a job that dask could not bring back."""
    from distributed.scheduler import KilledWorker

    from simulator.batch import where

    place = where(job.scenario)
    if isinstance(exc, KilledWorker):
        worker = getattr(exc.last_worker, "address", exc.last_worker)
        text = (f"a dask worker died while running this scenario ({exc.allowed_failures + 1} "
                f"worker(s) tried, the last {worker}): something it ran ended the worker "
                f"process (a crash in an app module or native code, memory exhausted)")
    elif isinstance(exc, CancelledError):
        text = "dask cancelled this scenario (the connection to the scheduler was lost?)"
    else:
        text = (f"the dask worker could not run this scenario: {type(exc).__name__}: {exc} "
                f"(is the same bxml-simulator installed on the workers?)")
    return Outcome(job.scenario.name, place, job.out_dir, False, error=f"{place}: {text}")


def check_visible(outcome: Outcome) -> Outcome:
    """An outcome whose result.json this machine cannot see becomes an error saying why."""
    if outcome.error is not None or outcome.result is None or outcome.out_dir is None:
        return outcome
    path = outcome.out_dir / "result.json"
    if path.is_file():
        return outcome
    verdict = "passed" if outcome.passed else "failed"
    return attrs.evolve(outcome, passed=False, error=(
        f"{outcome.where}: the scenario {verdict} on a dask worker, but its result.json is not "
        f"at {path} on this machine (the worker wrote it on its own filesystem); {SHARED_OUT}"))
