"""Running many scenarios: one ``Job`` per scenario, over any ``concurrent.futures.Executor``.

``run_batch(jobs, executor)`` yields one ``Outcome`` per job, in job order (``Executor.map``),
whatever the executor: ``None`` runs in this process, ``ProcessPoolExecutor`` (``-j N``) on
local cores, and dask's ``Client.get_executor()`` on a cluster, unchanged (``run --dask``
goes through simulator/distributed.py, which adds what a cluster needs). Jobs and outcomes
are plain picklable records. A scenario that cannot run (a bad file, a missing app module)
becomes an outcome with ``error`` set instead of stopping the batch.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path

import attrs

from simulator.errors import ScenarioError, SimulatorError, shorten
from simulator.golden import slugify
from simulator.scenario.model import Scenario


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
    recursively for ``*.yaml``/``*.yml`` (hidden folders skipped), in sorted order. A path that
    does not exist, is not a scenario, or is a folder without any scenario is a ScenarioError."""
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
            inside = sorted(p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES
                            and p.is_file() and not any(part.startswith(".")
                                                        for part in p.relative_to(path).parts))
            if not inside:  # "0 passed" with exit 0 would hide a wrong path in CI
                raise ScenarioError("no scenario files in this folder", where=str(path),
                                    expected="*.yaml or *.yml files (searched recursively, "
                                             "hidden folders skipped)", got="none")
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
