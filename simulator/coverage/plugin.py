"""``pytest --bxmlsim-coverage[=DIR]``: the coverage of the scenario items a pytest run ran.

The bxmlsim pytest plugin (simulator/pytest_plugin.py) registers :class:`CoveragePlugin` when
the option is given and hands it each scenario item's run (``add``). With pytest-xdist each
worker sends its coverage to the controller at its end (``workeroutput``, as pytest-cov does),
where they are merged; the controller (or the only process) prints the summary at the end of
the run, writes DIR/coverage.json and DIR/coverage.html (default DIR: ``bxmlsim-coverage``),
and with ``--bxmlsim-fail-under PCT`` turns a passing run into exit status 1 when the total is
below PCT.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.coverage.data import Coverage
from simulator.coverage.report import text_report, write_reports

WORKER_KEY = "bxmlsim_coverage"
DEFAULT_DIR = "bxmlsim-coverage"


class CoveragePlugin:
    def __init__(self, config: pytest.Config, folder: str, fail_under: float | None) -> None:
        self.config = config
        self.folder = Path(folder)
        self.fail_under = fail_under
        self.coverage = Coverage()
        self.written: tuple[Path, Path] | None = None
        self.error: str | None = None

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    def add(self, scenario, result: dict | None) -> None:
        """Count one scenario item (``result`` None: it did not run; its app still counts)."""
        self.coverage.add_app(scenario)
        if result is not None:
            self.coverage.add_run(scenario, result)

    def pytest_testnodedown(self, node, error) -> None:  # xdist controller: a worker is done
        data = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if data is not None:
            self.coverage.merge(Coverage.from_json(json.loads(data)))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if self.is_worker:
            # as JSON text: execnet carries only plain types (not ruamel's str subclasses)
            self.config.workeroutput[WORKER_KEY] = json.dumps(self.coverage.to_json())
            return
        try:
            self.written = write_reports(self.coverage, self.folder)
        except OSError as exc:
            self.error = f"cannot write {self.folder}: {exc.strerror or exc}"
        if self.under and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @property
    def under(self) -> bool:
        if self.fail_under is None:
            return False
        percent = self.coverage.totals().total.percent
        return (100.0 if percent is None else percent) < self.fail_under

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.is_worker:
            return
        terminalreporter.write_sep("-", "bxmlsim coverage")
        terminalreporter.write_line(text_report(self.coverage))
        if self.written is not None:
            terminalreporter.write_line(f"coverage: {self.written[1]}, {self.written[0]}")
        if self.error is not None:
            terminalreporter.write_line(f"error: {self.error}", red=True)
        if self.under:
            percent = self.coverage.totals().total.percent or 0.0
            terminalreporter.write_line(f"FAIL coverage {percent:.2f}% is under "
                                        f"--bxmlsim-fail-under {self.fail_under:g}%", red=True)
