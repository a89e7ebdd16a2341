"""``bxmlsim run`` for CI: ``-k`` selection, ``-x``, ``--junit-xml``, ``skip:``/``xfail:``."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.selection import Keyword

from helpers import needs_espeak

ROOT = Path(__file__).resolve().parent.parent

SUITE = {
    "menu.yaml": """
        scenarios:
          - name: menu picks sales
            app: {bxml: <Response/>}
          - name: menu picks support
            app: {bxml: <Response/>}
            expect: {disconnect_cause: busy}
        """,
    "voicemail.yaml": """
        name: voicemail greets
        app: {bxml: <Response/>}
        """,
    "marked.yaml": """
        scenarios:
          - name: not yet
            skip: the PBX is not modelled
            app: {bxml: <Response/>}
          - name: known bug
            xfail: issue 99
            app: {bxml: <Response/>}
            expect: {disconnect_cause: busy}
          - name: fixed bug
            xfail: {reason: issue 98, strict: true}
            app: {bxml: <Response/>}
        """,
}


@pytest.fixture
def suite(tmp_path, monkeypatch):
    for name, text in SUITE.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["run", *args])


@pytest.mark.parametrize("expression, names, expected", [
    ("menu", ["menu picks sales", "menu.yaml"], True),
    ("MENU and not sales", ["menu picks sales", "menu.yaml"], False),
    ("(sales or support) and menu", ["menu picks support", "x.yaml"], True),
    ("not voicemail", ["voicemail greets", "voicemail.yaml"], False),
    ("tests/flows", ["a", "tests/flows/a.yaml"], True),
    ("", ["anything"], True),
])
def test_keyword_expressions_follow_pytest(expression, names, expected):
    assert Keyword.parse(expression).matches(names) is expected


@pytest.mark.parametrize("expression, column", [("a and", 6), ("(a", 3), ("a b", 3),
                                                ("and a", 1)])
def test_a_bad_expression_names_its_column(expression, column):
    with pytest.raises(ValueError, match=f"at column {column}:"):
        Keyword.parse(expression)


def test_k_selects_by_name_and_file(suite):
    done = run("menu.yaml", "voicemail.yaml", "-k", "sales or voicemail", "--out", "out")
    assert done.exit_code == 0, done.output
    assert "PASS menu picks sales" in done.output and "PASS voicemail greets" in done.output
    assert "support" not in done.output and "2 passed, 0 failed" in done.output


def test_k_selecting_nothing_or_malformed_is_a_usage_error(suite):
    assert run("menu.yaml", "-k", "billing").exit_code == 2
    done = run("menu.yaml", "-k", "a and (")
    assert done.exit_code == 2 and "at column 8" in done.output


def test_x_stops_at_the_first_failure(suite):
    done = run("menu.yaml", "voicemail.yaml", "-x", "--out", "out")
    assert done.exit_code == 1
    assert "FAIL menu picks support" in done.output and "voicemail greets" not in done.output
    assert "stopped at the first failure (-x): 1 scenario not run" in done.output


def test_x_with_worker_processes(suite):
    done = run("menu.yaml", "voicemail.yaml", "-x", "-j", "2", "--out", "out")
    assert done.exit_code == 1 and "FAIL menu picks support" in done.output
    assert "voicemail greets (" not in done.output


def test_skip_and_xfail_keys(suite):
    done = run("marked.yaml", "--out", "out")
    assert "SKIP not yet (marked.yaml:2): the PBX is not modelled" in done.output
    assert "XFAIL known bug" in done.output and "(xfail: issue 99)" in done.output
    assert "FAIL fixed bug" in done.output and "expected to fail (xfail strict)" in done.output
    assert "0 passed, 1 failed, 1 skipped, 1 xfailed, 0 errors" in done.output
    assert done.exit_code == 1


def test_the_run_keeps_no_result_object_for_the_report(suite, monkeypatch):
    """A long suite's result.json objects are not all held until the end: the JUnit report is
    made of outcomes that only say whether a result.json was written."""
    from simulator import junit

    given = []
    write = junit.write
    monkeypatch.setattr(junit, "write", lambda path, outcomes, errors: (
        given.extend(outcomes), write(path, outcomes, errors)))
    done = run(".", "--junit-xml", "reports/junit.xml", "--out", "out")
    assert done.exit_code == 1 and len(given) == 6
    assert {repr(outcome.result) for outcome in given} <= {"{}", "None"}
    assert sum(outcome.result is not None for outcome in given) == 5   # one was skipped


def test_junit_xml_has_one_testcase_per_scenario(suite):
    done = run(".", "--junit-xml", "reports/junit.xml", "--out", "out")
    assert done.exit_code == 1 and "JUnit report: reports/junit.xml" in done.output
    root = ET.parse(suite / "reports" / "junit.xml").getroot()
    assert root.tag == "testsuites"
    [testsuite] = root
    cases = {case.get("name"): case for case in testsuite}
    assert len(cases) == 6 == int(testsuite.get("tests"))
    assert (testsuite.get("failures"), testsuite.get("errors"), testsuite.get("skipped")) == \
        ("2", "0", "2")
    support = cases["menu picks support"]
    assert support.get("classname") == "menu" and support.get("file") == "menu.yaml"
    assert support.get("line") == "4" and float(support.get("time")) >= 0
    failure = support.find("failure")
    assert failure.get("message").startswith("line 6: expect.disconnect_cause")
    assert "expected 'busy', got 'hangup'" in failure.text
    assert "result: out/menu-picks-support/result.json" in failure.text
    assert cases["menu picks sales"].find("failure") is None
    assert cases["not yet"].find("skipped").get("message") == "the PBX is not modelled"
    assert cases["known bug"].find("skipped").get("type") == "bxmlsim.xfail"
    assert "XPASS(strict)" in cases["fixed bug"].find("failure").text


def test_junit_lists_files_that_cannot_be_loaded_as_errors(suite):
    (suite / "broken.yaml").write_text("name: b\ncaller:\n  - press: 0123\n")
    done = run("broken.yaml", "voicemail.yaml", "--junit-xml", "j.xml")
    assert done.exit_code == 2
    root = ET.parse(suite / "j.xml").getroot()
    [error] = root.iter("error")
    assert "broken.yaml:3: $.caller[0].press: wrong type" in error.get("message")


def test_an_unwritable_junit_file_is_said(suite):
    (suite / "taken").write_text("a file")
    done = run("voicemail.yaml", "--junit-xml", "taken/junit.xml")
    assert "cannot write taken/junit.xml" in done.output


# ---- the bundled suite under espeak-ng -----------------------------------------------------

@needs_espeak
def test_the_bundled_scenarios_pass_under_espeak_or_say_why_not(tmp_path, monkeypatch):
    """``bxmlsim run scenarios/ --tts espeak`` passes: a scenario whose expectations time the
    speech model's 0.4 s a word is skipped under espeak with a reason, and runs under the model."""
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["run", "scenarios/", "--tts", "espeak",
                                    "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    skipped = [line for line in res.output.splitlines() if line.startswith("SKIP ")]
    assert skipped and all("0.4 s-a-word speech model" in line for line in skipped)
    assert " 0 failed, " in res.output
