"""``bxmlsim run --coverage``/``--fail-under``, ``bxmlsim coverage``, and the bundled suite's
coverage: reported, the same across runs and across -j."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from helpers import run, scenario
from simulator.cli import main

ROOT = Path(__file__).parent.parent
BUNDLED = ROOT / "scenarios"


def test_run_coverage_prints_the_table_and_writes_json_and_html(tmp_path):
    path = scenario(tmp_path, "vm.yaml")
    res = run(str(path), "--out", str(tmp_path / "out"), "--coverage")

    assert res.exit_code == 0, res.output
    assert "Name" in res.output and "TOTAL" in res.output
    data = json.loads((tmp_path / "out" / "coverage.json").read_text())
    assert data["totals"]["verbs"] == {"hit": 1, "total": 1, "percent": 100.0}
    assert (tmp_path / "out" / "coverage.html").is_file()


def test_fail_under_turns_a_passing_run_into_exit_1(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("name: short\napp:\n  bxml: '<Response><SpeakSentence>hi</SpeakSentence>"
                    "<Hangup/><Pause/></Response>'\n")
    assert run(str(path), "--out", str(tmp_path / "out"), "--fail-under", "60").exit_code == 0
    res = run(str(path), "--out", str(tmp_path / "out"), "--fail-under", "90")

    assert res.exit_code == 1, res.output
    assert "1 passed" in res.output
    assert "FAIL coverage 66.67% is under --fail-under 90%" in res.output


def test_bundled_scenarios_coverage_is_the_same_across_runs_and_jobs(tmp_path):
    outputs = []
    for folder, jobs in (("a", "1"), ("b", "2")):
        res = run(str(BUNDLED), "--out", str(tmp_path / folder), "--coverage", "-j", jobs)
        assert res.exit_code == 0, res.output
        outputs.append((tmp_path / folder / "coverage.json").read_bytes())
    data = json.loads(outputs[0])

    assert outputs[0] == outputs[1]
    assert data["totals"]["documents"]["total"] > 60
    names = {app["name"] for app in data["apps"]}
    assert "acme_menu:app (wsgi)" in names
    acme = next(app for app in data["apps"] if app["name"] == "acme_menu:app (wsgi)")
    assert {r["route"]: r["hits"] for r in acme["routes"]}["/survey"] == 0


def test_coverage_command_combines_files(tmp_path):
    one = scenario(tmp_path / "one", "vm.yaml")
    assert run(str(one), "--out", str(tmp_path / "o1"), "--coverage").exit_code == 0
    two = tmp_path / "two" / "say.yaml"
    two.parent.mkdir()
    two.write_text("name: say\napp:\n  bxml: '<Response><SpeakSentence>hi</SpeakSentence>"
                   "<Pause/></Response>'\ncaller: [{hangup: true, at: 0.1}]\n")
    assert run(str(two), "--out", str(tmp_path / "o2"), "--coverage").exit_code == 0
    res = CliRunner().invoke(main, ["coverage", str(tmp_path / "o1" / "coverage.json"),
                                    str(tmp_path / "o2" / "coverage.json"),
                                    "--out", str(tmp_path / "all"), "--fail-under", "80"])

    assert res.exit_code == 1, res.output  # 2 of 3 verbs: 66%
    data = json.loads((tmp_path / "all" / "coverage.json").read_text())
    assert len(data["apps"]) == 2 and data["totals"]["verbs"]["hit"] == 2


def test_coverage_command_refuses_what_is_not_a_coverage_file(tmp_path):
    (tmp_path / "x.json").write_text("[]")
    res = CliRunner().invoke(main, ["coverage", str(tmp_path / "x.json")])

    assert res.exit_code == 2
    assert "not a bxmlsim coverage file" in res.output or "not a coverage file" in res.output
    assert "Traceback" not in res.output
