"""pytest --bxmlsim-coverage: the coverage of a pytest run, merged across xdist workers."""

from __future__ import annotations

import json
import textwrap

# The engine (numpy) imported up front: in-process pytester runs restore sys.modules after.
import simulator.api  # noqa: F401
import simulator.runner  # noqa: F401

pytest_plugins = ["pytester"]

FILES = {
    "a.scenario.yaml": """
        name: speaks
        app:
          bxml: <Response><SpeakSentence>hi</SpeakSentence><Hangup/></Response>
    """,
    "b.scenario.yaml": """
        name: menu
        app:
          bxml: |
            <Response>
              <Gather gatherUrl="/c" maxDigits="1" firstDigitTimeout="1">
                <SpeakSentence>Press 1 or 2.</SpeakSentence>
              </Gather>
            </Response>
          routes:
            /c: "<Response/>"
    """,
}


def write(pytester):
    for name, text in FILES.items():
        pytester.path.joinpath(name).write_text(textwrap.dedent(text))


def test_coverage_is_reported_and_written(pytester):
    write(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-coverage=cov")

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*bxmlsim coverage*", "Name*Docs*Verbs*Outcomes*Routes*Cover",
                                 "TOTAL*", "coverage: cov*coverage.html*"])
    data = json.loads((pytester.path / "cov" / "coverage.json").read_text())
    assert len(data["apps"]) == 2


def test_fail_under_fails_a_passing_run(pytester):
    write(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-coverage=cov",
                                "--bxmlsim-fail-under", "99")

    result.assert_outcomes(passed=2)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["FAIL coverage *% is under --bxmlsim-fail-under 99%"])


def test_xdist_workers_are_merged_into_what_one_process_measures(pytester):
    write(pytester)
    alone = pytester.runpytest("-p", "no:cacheprovider", "--bxmlsim-coverage=one")
    alone.assert_outcomes(passed=2)
    spread = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--bxmlsim-coverage=two")
    spread.assert_outcomes(passed=2)

    assert (pytester.path / "one" / "coverage.json").read_bytes() == \
        (pytester.path / "two" / "coverage.json").read_bytes()
