"""The pytest plugin: scenario files collected as tests, readable failures, xdist, goldens."""

from __future__ import annotations

import textwrap

# Import the engine (numpy) up front: in-process pytester runs restore sys.modules afterwards,
# and numpy cannot be imported a second time in one process.
import simulator.api  # noqa: F401
import simulator.runner  # noqa: F401

pytest_plugins = ["pytester"]

GOOD = """
    name: pound ends the recording
    app:
      bxml: <Response><Record maxDuration="20"/></Response>
    caller:
      - wait_for: Record
      - say: "hello there"
      - press: "#"
    expect:
      recordings:
        - endReason: terminating-digit
"""

BAD_EXPECTATION = """
    scenarios:
      - name: wrong cause
        app:
          bxml: <Response/>
        expect:
          disconnect_cause: busy
      - name: right cause
        app:
          bxml: <Response/>
        expect:
          disconnect_cause: hangup
"""


def files(pytester, **named: str) -> None:
    """``files(pytester, **{"vm.scenario": TEXT})`` writes ``vm.scenario.yaml``."""
    for stem, text in named.items():
        (pytester.path / f"{stem}.yaml").write_text(textwrap.dedent(text).lstrip())


def test_scenario_files_become_test_items(pytester):
    files(pytester, **{"vm.scenario": GOOD, "causes.scenario": BAD_EXPECTATION,
                       "other": GOOD})  # other.yaml does not match *.scenario.yaml
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert sorted(l for l in result.outlines if "::" in l) == [
        "causes.scenario.yaml::right cause", "causes.scenario.yaml::wrong cause",
        "vm.scenario.yaml::pound ends the recording"]


def test_failures_show_file_line_and_expected_vs_actual_without_traceback(pytester):
    files(pytester, **{"vm.scenario": GOOD, "causes.scenario": BAD_EXPECTATION})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*causes.scenario.yaml:6: expect.disconnect_cause: first call's disconnectCause",
        "*expected 'busy', got 'hangup'",
    ])
    assert "Traceback" not in result.stdout.str() and "runtest" not in result.stdout.str()


def test_ini_option_chooses_the_files(pytester):
    files(pytester, **{"flows": GOOD})
    pytester.makeini("[pytest]\nbxmlsim_files = flows.yaml\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_invalid_file_is_a_collection_error_with_file_line(pytester):
    files(pytester, **{"broken.scenario": "name: x\ncaller:\n  - press: 0123\n"})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert "broken.scenario.yaml:3: $.caller[0].press: wrong type" in result.stdout.str()


def test_works_with_xdist(pytester):
    files(pytester, **{"vm.scenario": GOOD, "causes.scenario": BAD_EXPECTATION})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*causes.scenario.yaml:6: expect.disconnect_cause*"])


def test_output_folder_and_golden_update(pytester):
    files(pytester, **{"vm.scenario": GOOD})
    out = pytester.path / "out"
    result = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-out", str(out),
                                "--bxmlsim-update-golden")
    result.assert_outcomes(passed=1)
    assert (out / "vm-pound-ends-the-recording" / "result.json").is_file()
    golden = pytester.path / "vm.scenario.pound-ends-the-recording.golden.txt"
    assert golden.is_file()
    golden.write_text(golden.read_text().replace("hello there", "goodbye"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*golden vm.scenario.pound-ends-the-recording.golden.txt:*"])
