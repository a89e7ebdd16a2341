"""The ``bxmlsim`` console script ends its process at once, yet as a normal exit would be seen:
the same status, the atexit functions run, open files closed with their buffers written,
threads that keep a process alive waited for, the standard streams flushed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def leave_with(code: str, body: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter running ``body``, then ``simulator.console.leave(<code>)``."""
    script = textwrap.dedent(body) + f"\nfrom simulator.console import leave\nleave({code})\n"
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def test_the_console_script_is_this_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["bxmlsim"] == "simulator.console:main"


def test_the_exit_status_is_the_commands(tmp_path):
    for code, status in (("0", 0), ("2", 2), ("None", 0)):
        assert leave_with(code, "", tmp_path).returncode == status


def test_a_message_is_printed_and_exits_1_as_SystemExit_does(tmp_path):
    done = leave_with("'no such scenario'", "", tmp_path)
    assert (done.returncode, done.stderr) == (1, "no such scenario\n")


def test_atexit_functions_run(tmp_path):
    done = leave_with("0", """
        import atexit, pathlib
        atexit.register(pathlib.Path("ran").write_text, "atexit")
    """, tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "ran").read_text() == "atexit"


def test_a_file_left_open_is_closed_with_its_buffer_written(tmp_path):
    # An app's own log, opened in a global and never closed: the teardown would flush it.
    done = leave_with("0", """
        log = open("app.log", "w")
        log.write("call answered\\n")
        raw = open("app.bin", "wb")
        raw.write(b"\\x01\\x02")
    """, tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "app.log").read_text() == "call answered\n"
    assert (tmp_path / "app.bin").read_bytes() == b"\x01\x02"


def test_buffered_standard_output_is_flushed_not_closed(tmp_path):
    done = leave_with("0", """
        import sys
        sys.stdout.write("PASS 40 scenarios")   # a pipe: block-buffered, not yet written
        sys.stderr.write("warning: one app was slow")
    """, tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "PASS 40 scenarios", "warning: one app was slow")


def test_a_running_non_daemon_thread_is_waited_for(tmp_path):
    done = leave_with("0", """
        import pathlib, threading, time
        def finish():
            time.sleep(0.3)
            pathlib.Path("thread").write_text("done")
        threading.Thread(target=finish).start()
    """, tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "thread").read_text() == "done"


def test_a_stream_that_cannot_be_flushed_is_left_to_the_normal_exit(tmp_path):
    done = leave_with("0", """
        import sys
        class Broken:
            def write(self, text): return len(text)
            def flush(self): raise BrokenPipeError(32, "Broken pipe")
        sys.stdout = Broken()
    """, tmp_path)
    # Python's own exit reports the stream it cannot flush and sets status 120.
    assert done.returncode == 120


def test_a_run_through_the_console_script_keeps_its_output_and_status(tmp_path):
    scenario = ROOT / "scenarios" / "voicemail-hangup.scenario.yaml"
    assert scenario.exists()
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", "from simulator.console import main; main()",
                           "run", str(scenario), "--out", str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PASS ")
    assert list(out.glob("*/result.json"))
    missing = subprocess.run([sys.executable, "-c", "from simulator.console import main; main()",
                              "run", str(tmp_path / "absent.yaml")], capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr
