"""The pytest plugin: scenario files collected as tests, readable failures, xdist, goldens."""

from __future__ import annotations

import textwrap
from pathlib import Path

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


# ---- the ini option's forms -----------------------------------------------------------------


def _collected(result) -> list[str]:
    return sorted(line for line in result.outlines if "::" in line)


def test_ini_patterns_on_one_line_and_with_a_folder(pytester):
    files(pytester, **{"vm.scenario": GOOD, "other": GOOD})
    (pytester.path / "tests" / "flows").mkdir(parents=True)
    (pytester.path / "tests" / "flows" / "menu.yaml").write_text(textwrap.dedent(GOOD).lstrip())
    pytester.makeini("[pytest]\nbxmlsim_files = *.scenario.yaml flows/*.yaml\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert _collected(result) == ["tests/flows/menu.yaml::pound ends the recording",
                                  "vm.scenario.yaml::pound ends the recording"]


def test_ini_patterns_one_a_line_and_anchored(pytester):
    for folder in ("flows", "deep/flows"):
        (pytester.path / folder).mkdir(parents=True)
        (pytester.path / folder / "a.yaml").write_text(textwrap.dedent(GOOD).lstrip())
    pytester.makeini("[pytest]\nbxmlsim_files =\n    /flows/*.yaml\n    *.scenario.yml\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert _collected(result) == ["flows/a.yaml::pound ends the recording"]


# ---- skip, xfail, markers ---------------------------------------------------------------------

MARKED = """
    scenarios:
      - name: skipped
        skip: "the PBX is not modelled yet"
        app: {bxml: <Response/>}
      - name: known bug
        xfail: {reason: "issue 99", strict: true}
        app: {bxml: <Response/>}
        expect: {disconnect_cause: busy}
      - name: slow one
        markers: [slow]
        app: {bxml: <Response/>}
      - name: espeak timing
        skip: {tts: espeak, reason: "timings follow the speech model"}
        app: {bxml: <Response/>}
"""


def test_skip_xfail_and_markers_keys(pytester):
    files(pytester, **{"marks.scenario": MARKED})
    pytester.makeini("[pytest]\nmarkers =\n    slow: long\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rsx")
    result.assert_outcomes(passed=2, skipped=1, xfailed=1)
    result.stdout.fnmatch_lines(["*the PBX is not modelled yet*", "*issue 99*"])
    result = pytester.runpytest("-p", "no:cacheprovider", "-m", "slow")
    result.assert_outcomes(passed=1, deselected=3)


def test_a_tts_condition_applies_under_that_engine_only(pytester):
    files(pytester, **{"marks.scenario": MARKED})
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "espeak",
                                "--bxmlsim-tts", "espeak")
    result.assert_outcomes(skipped=1, deselected=3)


def test_an_xfail_that_passes_under_strict_fails(pytester):
    files(pytester, **{"x.scenario": """
        name: fixed already
        xfail: {reason: "issue 99", strict: true}
        app: {bxml: <Response/>}
    """})
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=1)


def test_bad_skip_values_are_collection_errors(pytester):
    files(pytester, **{"bad.scenario": "name: x\nskip: {strict: true, tts: robot}\n"})
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    text = result.stdout.str()
    assert "bad.scenario.yaml:2: $.skip.tts: bad value" in text
    assert "$.skip.strict: not allowed" in text


# ---- a failed item keeps its result ---------------------------------------------------------


def test_a_failure_keeps_result_json_and_report_html_and_prints_their_paths(pytester):
    files(pytester, **{"causes.scenario": BAD_EXPECTATION})
    result = pytester.runpytest("-p", "no:cacheprovider", f"--basetemp={pytester.path / 'bt'}")
    result.assert_outcomes(passed=1, failed=1)
    paths = {line.split(": ", 1)[0].strip(): Path(line.split(": ", 1)[1].strip())
             for line in result.outlines if line.strip().startswith(("result: ", "report: "))}
    assert paths["result"].name == "result.json" and paths["result"].is_file()
    assert paths["report"].name == "report.html" and paths["report"].is_file()
    assert paths["result"].is_relative_to(pytester.path / "bt")
    kept = sorted(p.parent.name for p in (pytester.path / "bt").rglob("result.json"))
    assert len(kept) == 1 and "wrong-cause" in kept[0]  # the passing item left nothing


# ---- -k, --lf, node ids -------------------------------------------------------------------------


def test_k_lf_and_node_ids(pytester):
    files(pytester, **{"vm.scenario": GOOD, "causes.scenario": BAD_EXPECTATION})
    result = pytester.runpytest("-k", "cause and not right")
    result.assert_outcomes(failed=1, deselected=2)
    result = pytester.runpytest("--lf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*rerun previous 1 failure*"])
    result = pytester.runpytest("vm.scenario.yaml::pound ends the recording")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest("causes.scenario.yaml::right cause")
    result.assert_outcomes(passed=1)


# ---- the bxmlsim fixture --------------------------------------------------------------------

APP_TEST = '''
def create_app():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b'<Response><Gather gatherUrl="/menu" maxDigits="1"/></Response>'
                if environ["PATH_INFO"] == "/answer" else b"<Response><Hangup/></Response>"]
    return app


def test_menu(bxmlsim):
    result = bxmlsim.run(app=create_app, caller=[{"wait_for": "Gather"}, {"press": "2"}],
                         expect={"digits": "2"})
    result.assert_ok()
    assert result.name == "test_menu" and result.out_dir.is_dir()
    assert result.callbacks("gather")[0].payload["digits"] == "2"


def test_menu_broken(bxmlsim):
    bxmlsim.run(app=create_app, caller=[{"wait_for": "Gather"}, {"press": "2"}],
                expect={"digits": "9"}).assert_ok()
'''


def test_the_fixture_runs_keyword_scenarios_and_reports_failures(pytester):
    pytester.makepyfile(test_app=APP_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "scenario 'test_menu_broken' failed:" in text
    assert "expected '9', got '2'" in text
    result.stdout.fnmatch_lines(["*bxmlsim*", "*'test_menu_broken' FAILED",
                                 "*result: *test_menu_broken*result.json",
                                 "*report: *report.html"])
    assert "def assert_ok" not in text  # the traceback stops at the test's own line
