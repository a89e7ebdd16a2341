"""``bxmlsim explore``: exit codes, what it prints, --json, --emit, --coverage, usage errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from helpers import on_a_terminal

from simulator.cli import main

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def explore(*args: str):
    return CliRunner().invoke(main, ["explore", *args])


def test_a_flow_without_failures_exits_0_and_prints_paths_and_summary(tmp_path):
    res = explore(str(SCENARIOS / "voicemail-pound.scenario.yaml"), "--json",
                  str(tmp_path / "x.json"), "--coverage", str(tmp_path / "cov"))

    assert res.exit_code == 0, res.output
    assert "Paths" in res.output and "Summary" in res.output
    assert "distinct paths" in res.output and "complete; 0 failures" in res.output
    data = json.loads((tmp_path / "x.json").read_text())
    assert data["format"] == "bxmlsim-explore/1" and data["complete"] is True
    assert data["paths"][0]["choices"] == [] and data["paths"][0]["ended"].startswith("hangup")
    assert (tmp_path / "cov" / "coverage.html").is_file()


def test_failures_exit_1_and_come_first(tmp_path):
    shutil.copytree(SCENARIOS / "explore", tmp_path / "acme")
    res = explore(str(tmp_path / "acme" / "acme-menu.scenario.yaml"), "--emit",
                  str(tmp_path / "acme"), "--max-paths", "20")

    assert res.exit_code == 1, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("app-exception path 5: gather http://app.test/main-menu")
    assert lines[1] == "    caller: press 3 at /answer 2:11 Gather"
    assert "cut short by the bounds" in res.output
    assert "wrote 20 scenario files to" in res.output


def test_a_bare_document_is_explored(tmp_path):
    res = explore(str(SCENARIOS / "flows" / "voicemail.xml"), "--max-depth", "1")

    assert res.exit_code == 0, res.output
    assert "speak, then press #" in res.output


def test_usage_errors_exit_2_without_a_traceback(tmp_path):
    cases = [
        ([str(tmp_path / "missing.yaml")], "no such file"),
        ([str(SCENARIOS / "voicemail-pound.scenario.yaml"), "--wsgi", "a:b"],
         "only apply to a bare FLOW.xml"),
        ([str(SCENARIOS / "explore" / "acme-menu.scenario.yaml"), "--emit", str(tmp_path)],
         "which scenarios in this folder would not find"),
        ([str(SCENARIOS / "voicemail-pound.scenario.yaml"), "--dask", "local", "-j", "2"],
         "--dask and -j"),
    ]
    (tmp_path / "bad.yaml").write_text("name: bad\ncall: {direction: sideways}\n")
    cases.append(([str(tmp_path / "bad.yaml")], "bad.yaml:2: $.call.direction: bad value"))
    for args, message in cases:
        res = explore(*args)

        assert res.exit_code == 2, (args, res.output)
        assert message in res.output, (args, res.output)
        assert "Traceback" not in res.output


def test_an_app_that_cannot_be_imported_is_an_error_naming_it(tmp_path):
    (tmp_path / "s.yaml").write_text("name: s\napp:\n  wsgi: 'nowhere:app'\n")
    res = explore(str(tmp_path / "s.yaml"))

    assert res.exit_code == 2, res.output
    assert "cannot import module 'nowhere'" in res.output and "Traceback" not in res.output


def test_a_progress_bar_of_paths_found_shows_on_a_terminal_only():
    args = (str(SCENARIOS / "ivr-menu-retries.scenario.yaml"), "--max-paths", "30")
    code, shown = on_a_terminal("explore", *args)
    assert code == 0, shown
    piped = explore(*args)

    assert "exploring" in shown and "/30" in shown and "queued" in shown
    assert "30 distinct paths" in shown  # the report follows the bar, which is cleared
    assert piped.exit_code == 0 and "exploring" not in piped.output
    assert "\x1b[" not in piped.output


def test_a_speech_menu_is_answered_by_voice(tmp_path):
    res = explore(str(SCENARIOS / "ivr-speech-menu.scenario.yaml"), "--max-depth", "1",
                  "--json", str(tmp_path / "x.json"))

    assert res.exit_code == 0, res.output
    assert 'say "sales"' in res.output
    [first, *_] = json.loads((tmp_path / "x.json").read_text())  # one per scenario of the file
    ended = {tuple(p["choices"]): p["ended"] for p in first["paths"]}
    assert ended[('say "support" at /answer 1:11 Gather',)] == "hangup: end of /support"
