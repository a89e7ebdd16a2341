"""The ``bxmlsim`` console script: the command's status and output as before; the objects
alive when it returns frozen, so the interpreter's exit does not walk them again, while what
an exit does that can be seen still happens."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = [sys.executable, "-c", "from simulator.console import main; main()"]


def console(body: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter running ``body``, then the console script with ``args``."""
    script = (textwrap.dedent(body) + "\nimport sys\nsys.argv = ['bxmlsim', *sys.argv[1:]]\n"
              "from simulator.console import main\nmain()\n")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_console_script_is_this_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["bxmlsim"] == "simulator.console:main"


def test_the_objects_alive_at_the_end_are_frozen_before_the_exit(tmp_path):
    done = console("""
        import atexit, gc, pathlib
        atexit.register(lambda: pathlib.Path("frozen").write_text(str(gc.get_freeze_count())))
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: bxmlsim")
    assert int((tmp_path / "frozen").read_text()) > 10_000   # the modules, click, the CLI


def test_the_exit_still_flushes_and_closes_what_an_app_left_open(tmp_path):
    # An app's own log, opened in a global and never closed; a gzip file never finished.
    done = console("""
        import gzip
        log = open("app.log", "w")
        log.write("call answered\\n")
        archive = gzip.open("calls.gz", "wt")
        archive.write("c-1,answered\\n")
    """, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "app.log").read_text() == "call answered\n"
    import gzip
    assert gzip.decompress((tmp_path / "calls.gz").read_bytes()) == b"c-1,answered\n"


def test_a_run_keeps_its_output_and_status(tmp_path):
    scenario = ROOT / "scenarios" / "voicemail-hangup.scenario.yaml"
    out = tmp_path / "out"
    done = subprocess.run([*SCRIPT, "run", str(scenario), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PASS ")
    assert list(out.glob("*/result.json"))
    missing = subprocess.run([*SCRIPT, "run", str(tmp_path / "absent.yaml")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr
