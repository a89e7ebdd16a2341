"""How explore's runs are carried out: in this process, a process pool (-j), or dask.

Each is a callable ``scenarios -> outcomes`` (``batch.Outcome``, in order) built on the batch
runner the ``run`` command uses (``batch.run_batch`` over any executor; ``distributed.DaskBatch``
for a cluster), so a run of explore is a run like any other. Nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

from simulator.batch import Job, Outcome, run_batch
from simulator.scenario import model


class BatchRunner:
    """Runs scenarios inline (``executor`` None) or over a concurrent.futures executor."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor

    def __call__(self, scenarios: Sequence[model.Scenario]) -> list[Outcome]:
        jobs = [Job(scenario, None) for scenario in scenarios]
        if self.executor is not None and len(jobs) < 2:
            return list(run_batch(jobs, None))  # one run: not worth a round trip
        return list(run_batch(jobs, self.executor))


class DaskRunner:
    """Runs scenarios on a started ``distributed.DaskBatch``."""

    def __init__(self, batch) -> None:
        self.batch = batch

    def __call__(self, scenarios: Sequence[model.Scenario]) -> list[Outcome]:
        return list(self.batch.run([Job(scenario, None) for scenario in scenarios]))
