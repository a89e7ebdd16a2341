"""SIGINT and SIGTERM during ``bxmlsim run -j 2``: every worker stops, finished scenarios keep
their complete output, unfinished ones are marked and leave nothing behind, the summary so far
is printed and the exit status is 128 + the signal; never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SLOW_APP = textwrap.dedent("""
    import time

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            time.sleep(30)
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b'<Response><Record maxDuration="2"/></Response>']
""")


def scenario(name: str, answer: str) -> str:
    return textwrap.dedent(f"""
        name: {name}
        app: {{wsgi: "slowapp:app"}}
        call: {{answer_url: {answer}}}
        caller:
          - wait_for: Record
          - say: "hello"
    """).lstrip()


def processes_in(folder: Path) -> list[int]:
    """Processes whose working folder is ``folder`` (the run and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def suite(tmp_path):
    (tmp_path / "slowapp.py").write_text(SLOW_APP)
    for index, (name, answer) in enumerate([("fast one", "/answer"), ("slow two", "/slow"),
                                            ("slow three", "/slow"), ("fast four", "/answer")]):
        (tmp_path / f"s{index}.yaml").write_text(scenario(name, answer))
    # a stale output of an earlier run, which must not pass for this run's "slow two"
    (tmp_path / "out" / "slow-two" / "recordings").mkdir(parents=True)
    (tmp_path / "out" / "slow-two" / "result.json").write_text('{"passed": true}')
    return tmp_path


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.parametrize("how, jobs", [("SIGINT to the main process", "2"),
                                       ("SIGTERM to the whole group", "2"),
                                       ("SIGINT to the main process", "1")])
def test_a_signal_during_run_j2_stops_everything_and_reports_so_far(suite, how, jobs):
    run = subprocess.Popen([sys.executable, "-c", "from simulator.console import main; main()",
                            "run", ".", "-j", jobs, "--out", "out"], cwd=suite,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    finished = suite / "out" / "fast-one" / "result.json"
    deadline = time.monotonic() + 40
    while not finished.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    assert finished.exists(), run.communicate(timeout=40)[0]
    time.sleep(0.3)   # the second worker is inside "slow two" or "slow three"
    if how.startswith("SIGINT"):
        run.send_signal(signal.SIGINT)
        expected = (130, "SIGINT")
    else:
        os.killpg(run.pid, signal.SIGTERM)
        expected = (143, "SIGTERM")
    output, _ = run.communicate(timeout=30)
    assert (run.returncode, "Traceback" not in output) == (expected[0], True), output
    assert "PASS fast one (s0.yaml:1)" in output
    for name, file in (("slow two", "s1"), ("slow three", "s2")):
        assert f"INTERRUPTED {name} ({file}.yaml:1): not finished, nothing written" in output
    assert f"interrupted (stopped by {expected[1]}); outputs in out/" in output
    assert output.rstrip().splitlines()[-1].startswith("1 passed, 0 failed, 0 errors, ")
    # finished: complete; unfinished: nothing (not even the stale result.json); no orphans
    assert len(list((suite / "out" / "fast-one" / "recordings").iterdir())) == 1
    assert list((suite / "out" / "slow-two").iterdir()) == []
    assert [p.name for p in (suite / "out").rglob(".bxmlsim-stage-*")] == []
    deadline = time.monotonic() + 5
    while processes_in(suite) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in(suite) == []


SLOW_IMPORT_APP = textwrap.dedent("""
    import pathlib, time

    pathlib.Path(__file__).with_name("importing").write_text("")
    time.sleep(30)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<Response/>"]
""")


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_a_signal_while_the_apps_are_imported_stops_before_anything_ran(tmp_path, jobs):
    """-j N imports the apps in the main process before the workers start (batch.preload)."""
    (tmp_path / "slowimport.py").write_text(SLOW_IMPORT_APP)
    for index in range(2):
        (tmp_path / f"s{index}.yaml").write_text(
            f'name: s{index}\napp: {{wsgi: "slowimport:app"}}\n')
    run = subprocess.Popen([sys.executable, "-c", "from simulator.console import main; main()",
                            "run", ".", "-j", jobs, "--out", "out"], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 40
    while not (tmp_path / "importing").exists() and time.monotonic() < deadline \
            and run.poll() is None:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=20)
    assert (run.returncode, "Traceback" not in output) == (130, True), output
    for index in range(2):
        assert f"INTERRUPTED s{index} (s{index}.yaml:1): not finished, nothing written" in output
    assert output.rstrip().splitlines()[-1] == (
        "0 passed, 0 failed, 0 errors, 2 interrupted (stopped by SIGINT); outputs in out/")
