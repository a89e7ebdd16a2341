"""pytest plugin (entry point ``pytest11: bxmlsim``): scenario files collected as tests.

Files matching ``*.scenario.yaml`` / ``*.scenario.yml`` (change with the ini option
``bxmlsim_files``, a list of glob patterns matched against the file name) become test files;
each scenario in them is one test item named after the scenario. Collection only loads the YAML
(cheap, deterministic, so pytest-xdist workers agree); the simulation runs in ``runtest``.
A failed expectation or golden mismatch is reported as ``file:line: message`` with the readable
expected/actual lines or the unified diff, no traceback. A file that cannot be loaded is a
collection error showing every ``file:line: $.path`` problem.

Options: ``--bxmlsim-out DIR`` keeps each run's result.json and recordings under
``DIR/<scenario-slug>/``; ``--bxmlsim-update-golden`` (re)writes golden files instead of
comparing; ``--bxmlsim-strict`` fails on BXML warnings too (the scenario key ``strict: true``).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from simulator.errors import SimulatorError
from simulator.golden import slugify

DEFAULT_PATTERNS = ["*.scenario.yaml", "*.scenario.yml"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("bxmlsim_files", type="linelist", default=DEFAULT_PATTERNS,
                  help="glob patterns of scenario files collected by bxmlsim "
                       "(default: *.scenario.yaml *.scenario.yml)")
    group = parser.getgroup("bxmlsim", "BXML scenario files")
    group.addoption("--bxmlsim-out", default=None, metavar="DIR",
                    help="write each scenario's result.json and recordings under DIR/<slug>/")
    group.addoption("--bxmlsim-update-golden", action="store_true", default=False,
                    help="record golden files next to the scenarios instead of comparing")
    group.addoption("--bxmlsim-strict", action="store_true", default=False,
                    help="also fail on BXML warnings (BX4xx) in documents the app returned")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    patterns = parent.config.getini("bxmlsim_files")
    if any(fnmatch.fnmatch(file_path.name, pattern) for pattern in patterns):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        from simulator.scenario.load import load_scenarios
        from simulator.scenario.source import problem_lines

        try:
            scenarios = load_scenarios(self.path)
        except SimulatorError as exc:
            raise self.CollectError("\n".join(problem_lines(exc))) from None
        seen: dict[str, int] = {}
        for scenario in scenarios:  # file order: deterministic for xdist
            seen[scenario.name] = seen.get(scenario.name, 0) + 1
            base = scenario.name.replace("::", ": ")  # "::" separates node-id parts
            name = base if seen[scenario.name] == 1 else \
                f"{base} #{seen[scenario.name]}"
            yield ScenarioItem.from_parent(self, name=name, scenario=scenario)


class ScenarioFailed(Exception):
    """Raised by ``runtest`` with the failures; rendered without a traceback."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def _out_dir(self) -> Path | None:
        root = self.config.getoption("bxmlsim_out")
        if root is None:
            return None
        stem = self.path.name.split(".")[0]
        return Path(root) / f"{stem}-{slugify(self.name)}"

    def runtest(self) -> None:
        import attrs

        from simulator.api import run_loaded

        scenario = self.scenario
        if self.config.getoption("bxmlsim_strict"):
            scenario = attrs.evolve(scenario, strict=True)
        try:
            result = run_loaded(scenario, self._out_dir(),
                                update_golden=self.config.getoption("bxmlsim_update_golden"))
        except SimulatorError as exc:
            raise ScenarioFailed([str(exc)]) from None
        if not result.passed:
            raise ScenarioFailed([f"{self.path}:{f['line']}: {f['message']}"
                                  for f in result.failures])

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, max(self.scenario.line - 1, 0), f"scenario: {self.name}"
