"""pytest plugin (entry point ``pytest11: bxmlsim``): scenario files as tests, the ``bxmlsim``
fixture.

**Scenario files.** Files matching the ini option ``bxmlsim_files`` (default
``*.scenario.yaml *.scenario.yml``; patterns separated by spaces or lines; a pattern without
``/`` matches the file name, one with ``/`` the end of the path: ``flows/*.yaml``) become test
files; each scenario in them is one item named after the scenario, so node ids, ``-k``,
``--lf`` and pytest-xdist work as for any test. Collection only loads the YAML (cheap,
deterministic: xdist workers agree); the simulation runs in ``runtest``. The scenario keys
``skip:``, ``xfail:`` and ``markers:`` become pytest marks. A failed expectation or golden
mismatch is reported as ``file:line: message`` with the readable expected/actual lines or the
diff, no traceback, followed by the paths of that run's result.json and report.html: every item
runs into its own folder of pytest's temporary directory (kept for the last runs, as pytest
keeps ``tmp_path``; removed when the item passes), or of ``--bxmlsim-out DIR``
(``DIR/<file>-<scenario-slug>/``, always kept). A file that cannot be loaded is a collection
error showing every ``file:line: $.path`` problem.

**The fixture.** ``bxmlsim`` is a :class:`simulator.harness.BxmlSim` whose runs write under the
test's ``tmp_path`` (or ``--bxmlsim-out``), whose mapping and keyword scenarios resolve files
and app modules against the test file's folder, and whose keyword scenarios are named after the
test. When the test fails, each of its runs gets a report.html and the paths are listed in the
failure's "bxmlsim" section.

Options: ``--bxmlsim-out DIR``, ``--bxmlsim-update-golden`` (rewrite golden files instead of
comparing), ``--bxmlsim-strict`` (fail on BXML warnings too, the scenario key ``strict: true``),
``--bxmlsim-tts model|espeak`` (who speaks, overriding the scenarios' ``tts:``);
``--bxmlsim-coverage[=DIR]`` and ``--bxmlsim-fail-under PCT`` (the coverage of the apps the
scenarios reach: simulator/coverage/plugin.py, xdist workers merged).

The Voice API of every run answers the app's requests in process (docs/hermetic.md);
``--bxmlsim-api-port PORT`` or the session fixture ``bxmlsim_api_url`` also serve it on
127.0.0.1 for an app in another process (``$BXMLSIM_API_URL``).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

import attrs
import pytest

from simulator.coverage.plugin import DEFAULT_DIR as COVERAGE_DIR, CoveragePlugin
from simulator.errors import SimulatorError
from simulator.golden import slugify
from simulator.harness import BxmlSim
from simulator.result import Result

COVERAGE_PLUGIN = "bxmlsim-coverage"

DEFAULT_PATTERNS = ["*.scenario.yaml", "*.scenario.yml"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("bxmlsim_files", type="args", default=DEFAULT_PATTERNS,
                  help="glob patterns of scenario files collected by bxmlsim, separated by "
                       "spaces or lines; with a /, matched against the end of the path "
                       "(default: *.scenario.yaml *.scenario.yml)")
    group = parser.getgroup("bxmlsim", "BXML scenario files (docs/python.md)")
    group.addoption("--bxmlsim-out", default=None, metavar="DIR",
                    help="keep each scenario's result.json and recordings under DIR/<slug>/")
    group.addoption("--bxmlsim-update-golden", action="store_true", default=False,
                    help="record golden files next to the scenarios instead of comparing")
    group.addoption("--bxmlsim-api-port", type=int, default=None, metavar="PORT",
                    help="serve the runs' Voice API on http://127.0.0.1:PORT/api/v2 for the "
                         "whole session (0: a free port; in $BXMLSIM_API_URL) for apps in "
                         "another process (docs/hermetic.md)")
    group.addoption("--bxmlsim-strict", action="store_true", default=False,
                    help="also fail on BXML warnings (BX4xx) in documents the app returned")
    group.addoption("--bxmlsim-tts", default=None, choices=["model", "espeak"],
                    help="who speaks SpeakSentence and caller say text in every scenario "
                         "(overrides their tts: key; espeak needs the tts extra)")
    group.addoption("--bxmlsim-coverage", nargs="?", const=COVERAGE_DIR, default=None,
                    metavar="DIR", help="measure the coverage of the apps the scenarios reach; "
                    f"write DIR/coverage.json and coverage.html (default DIR: {COVERAGE_DIR})")
    group.addoption("--bxmlsim-fail-under", type=float, default=None, metavar="PCT",
                    help="with --bxmlsim-coverage: fail the run when the total is below PCT")


def pytest_configure(config: pytest.Config) -> None:
    folder = config.getoption("bxmlsim_coverage", None)
    fail_under = config.getoption("bxmlsim_fail_under", None)
    if folder is not None or fail_under is not None:
        config.pluginmanager.register(CoveragePlugin(config, folder or COVERAGE_DIR, fail_under),
                                      COVERAGE_PLUGIN)
    serve_api(config)


def matches(path: Path, root: Path, patterns: list[str]) -> bool:
    """Does ``path`` match one of the ``bxmlsim_files`` patterns? Without ``/`` a pattern
    matches the file name; with one, the end of the path below ``root`` (a leading ``/``
    anchors it at ``root``)."""
    try:
        relative = PurePath(path.relative_to(root).as_posix())
    except ValueError:
        relative = PurePath(path.as_posix())
    for pattern in patterns:
        if "/" not in pattern:
            if PurePath(path.name).match(pattern):
                return True
        elif pattern.startswith("/"):
            if len(relative.parts) == len(PurePath(pattern[1:]).parts) and \
                    relative.match(pattern[1:]):
                return True
        elif relative.match(pattern):
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    config = parent.config
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    if matches(file_path, config.rootpath, config.getini("bxmlsim_files")):
        return ScenarioFile.from_parent(parent, path=file_path)  # type: ignore[no-any-return]
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        from simulator.scenario.load import load_scenarios
        from simulator.scenario.source import problem_lines

        try:
            scenarios = load_scenarios(self.path)
        except SimulatorError as exc:
            raise self.CollectError("\n".join(problem_lines(exc))) from None
        tts = self.config.getoption("bxmlsim_tts")
        strict = self.config.getoption("bxmlsim_strict")
        seen: dict[str, int] = {}
        for scenario in scenarios:  # file order: deterministic for xdist
            scenario = with_options(scenario, tts=tts, strict=strict)
            seen[scenario.name] = seen.get(scenario.name, 0) + 1
            base = scenario.name.replace("::", ": ")  # "::" separates node-id parts
            name = base if seen[scenario.name] == 1 else f"{base} #{seen[scenario.name]}"
            yield ScenarioItem.from_parent(self, name=name, scenario=scenario)


class ScenarioFailed(Exception):
    """Raised by ``runtest`` with the failures; rendered without a traceback."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        for mark in scenario_marks(scenario):
            self.add_marker(mark)

    def _out_dir(self) -> tuple[Path, bool]:
        """This item's output folder, and whether to keep it when the item passes."""
        root = self.config.getoption("bxmlsim_out")
        stem = self.path.name.split(".")[0]
        name = f"{stem}-{slugify(self.name)}"
        if root is not None:
            return Path(root) / name, True
        return temporary_folder(self.config, name), False

    def runtest(self) -> None:
        from simulator.api import run_loaded

        out, keep = self._out_dir()
        measured = self.config.pluginmanager.get_plugin(COVERAGE_PLUGIN)
        try:
            result = run_loaded(self.scenario, out,
                                update_golden=self.config.getoption("bxmlsim_update_golden"))
        except SimulatorError as exc:
            if measured is not None:
                measured.add(self.scenario, None)
            raise ScenarioFailed([str(exc)]) from None
        if measured is not None:
            measured.add(self.scenario, result.to_json())
        if result.passed:
            if not keep:
                shutil.rmtree(out, ignore_errors=True)
            return
        lines = [f.text(self.path) for f in result.failures]
        raise ScenarioFailed(lines + saved_paths(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(excinfo.value.lines)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.scenario.line - 1, 0), f"scenario: {self.name}"


def with_options(scenario: Any, *, tts: str | None, strict: bool) -> Any:
    """The scenario as the command line wants it run (``--bxmlsim-tts``, ``--bxmlsim-strict``)."""
    if tts is not None:
        scenario = attrs.evolve(scenario, tts=tts)
    if strict:
        scenario = attrs.evolve(scenario, strict=True)
    return scenario


def scenario_marks(scenario: Any) -> list[pytest.MarkDecorator]:
    """The pytest marks of a scenario's ``markers:``, ``skip:`` and ``xfail:`` keys (a
    ``tts:``-conditioned skip/xfail only when the scenario runs with that tts)."""
    marks = [getattr(pytest.mark, name) for name in scenario.markers]
    skip, xfail = scenario.skip, scenario.xfail
    if skip is not None and skip.applies(scenario.tts):
        marks.append(pytest.mark.skip(reason=skip.reason or "skip: in the scenario"))
    if xfail is not None and xfail.applies(scenario.tts):
        marks.append(pytest.mark.xfail(reason=xfail.reason or "xfail: in the scenario",
                                       strict=xfail.strict))
    return marks


def temporary_folder(config: pytest.Config, name: str) -> Path:
    """A fresh folder in pytest's temporary directory (the one ``tmp_path`` uses: per xdist
    worker, the last few runs kept); a system temporary folder if pytest has none."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        return Path(factory.mktemp(name[:40], numbered=True))
    return Path(tempfile.mkdtemp(prefix=f"bxmlsim-{name[:40]}-"))


def saved_paths(result: Result) -> list[str]:
    """``result: .../result.json`` and ``report: .../report.html`` (written now) of a run."""
    if result.out_dir is None or result.path is None:
        return []
    lines = [f"result: {result.path}"]
    report = result.out_dir / "report.html"
    try:
        from simulator.report import write_report  # jinja2 and the page: only on failure

        write_report(result.to_json(), result.out_dir, report)
        lines.append(f"report: {report}")
    except (SimulatorError, OSError) as exc:
        lines.append(f"report: not written ({exc})")
    return lines


@pytest.fixture
def bxmlsim(request: pytest.FixtureRequest, tmp_path: Path) -> BxmlSim:
    """Run scenarios from a test: ``bxmlsim.run(file | mapping, **keys)`` or
    ``bxmlsim.run(app=create_app, caller=[...], expect={...})``; see docs/python.md."""
    root = request.config.getoption("bxmlsim_out")
    out = (Path(root) / slugify(request.node.nodeid) if root is not None
           else tmp_path / "bxmlsim")
    return BxmlSim(out_dir=out, base_dir=request.path.parent,
                   update_golden=request.config.getoption("bxmlsim_update_golden"),
                   name=request.node.name, tts=request.config.getoption("bxmlsim_tts"),
                   strict=request.config.getoption("bxmlsim_strict"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test that used ``bxmlsim``: each run's result.json and report.html listed."""
    outcome = yield
    report = outcome.get_result()
    sim = getattr(item, "funcargs", {}).get("bxmlsim")
    if report.when != "call" or not report.failed or not isinstance(sim, BxmlSim):
        return
    lines = []
    for result in sim.results:
        status = "passed" if result.passed else "FAILED"
        lines.append(f"{result.name!r} {status}")
        lines += ["  " + line for line in saved_paths(result)]
    if lines:
        report.sections.append(("bxmlsim", "\n".join(lines)))


def serve_api(config: pytest.Config) -> None:
    """``--bxmlsim-api-port``: the runs' Voice API on 127.0.0.1 for the session (each xdist
    worker serves its own runs; the controller runs none)."""
    port = config.getoption("bxmlsim_api_port", None)
    worker = hasattr(config, "workerinput")
    if port is not None and not worker and getattr(config.option, "numprocesses", None):
        if port != 0:  # each xdist worker runs scenarios: one port cannot serve them all
            raise pytest.UsageError("--bxmlsim-api-port PORT serves one process's runs: use 0 "
                                    "(a free port in each xdist worker) or run without -n")
        return  # the workers serve their own runs
    if port is not None:
        from simulator.hermetic.served import ServedApi

        served = ServedApi(port)
        served.start()
        config.add_cleanup(served.stop)
        config.stash[_SERVED] = served


_SERVED = pytest.StashKey()


@pytest.fixture(scope="session")
def bxmlsim_api_url(pytestconfig: pytest.Config):
    """The base URL of the runs' Voice API on 127.0.0.1 (``http://127.0.0.1:PORT/api/v2``,
    also in ``$BXMLSIM_API_URL``): the session's ``--bxmlsim-api-port`` server, else one
    started for the session. Start an out-of-process app after asking for it: it inherits the
    variable; scenarios run in this process answer its requests (docs/hermetic.md)."""
    served = pytestconfig.stash.get(_SERVED, None)
    if served is None:
        from simulator.hermetic.served import ServedApi

        served = ServedApi(0)
        served.start()
        pytestconfig.stash[_SERVED] = served
        pytestconfig.add_cleanup(served.stop)
    return served.url
